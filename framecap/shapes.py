"""What a value looks like: random (a credential), structured (an identifier, a date, a path), or a reference.

Generated credentials (hex, base64, random alphanumerics) differ from what programs build out of words
(identifiers, cache keys, lexer tokens, dates, versions, paths): a *random part* is a run of letters and
digits that is hex mixing both, or breaks into camel-case words of under 2.6 characters on average, or
switches between letters and digits three times or more, or holds under 12% vowels; 16+ base64url
characters mixing cases whose camel-case words are mostly not words are random whole. The thresholds
were tuned on 120,000 identifiers and string literals of the standard library and popular packages
(under 0.1% of identifiers count as random) against 3,000 generated tokens and passwords (98.8% of
those of 16 characters or more count as random).

- :func:`credential_shaped`: one run of token characters holding 8 or more random characters (or 6+
  digits, alone or after a short letter prefix such as ``mt059984818549``, a UUID, or raw bytes of
  high entropy), and none of the structures that are not credentials: dates and timestamps, ARNs,
  key fingerprints, Stripe publishable keys, Twilio resource SIDs, base64 JSON (pagination cursors),
  email addresses, query strings, paths and URLs.
- :func:`random_length`: how many characters of a text are random (the echo pass's evidence).
- :func:`generated_token`: what ``secrets.token_urlsafe()`` and session stores make (16+ characters mixing
  upper and lower case and digits, nearly all random): a secret whatever name holds it, when it is a dict
  key or a set member (ids are numbers, UUIDs, hex or prefixed, and sit under ``*_id`` names).
- :func:`spoken_secret`: a password a person chose (a passphrase, words run together, a password with a
  space) that is no identifier, path or sentence: what a weak name such as ``token`` filters besides.
- :func:`reference`: a value that points at a secret rather than holds it (a path, a URL without
  credentials, an ARN, the name of a setting such as ``AWS_SECRET_ACCESS_KEY``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "Literals",
    "credential_shaped",
    "generated_token",
    "hex_draw",
    "is_uuid",
    "random_member",
    "passphrase",
    "random_length",
    "reference",
    "spoken_secret",
]

_CRED_CHARS = re.compile(r"[A-Za-z0-9_\-+/=.~:$!*@%#^|,&]+\Z")
_PART = re.compile(r"[A-Za-z0-9]+")
_HEX = re.compile(r"[0-9a-f]+\Z|[0-9A-F]+\Z")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_DIGIT_SWITCH = re.compile(r"(?<=[A-Za-z])\d|(?<=\d)[A-Za-z]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}\Z")
_BASE64_NOISE = re.compile(r"[+/=]")
# Structures that are not credentials although they may hold random parts.
_STRUCTURED = re.compile(
    r"\d{4}-\d\d-\d\d"  # a date, an ISO timestamp
    r"|arn:|(?i:sha\d{0,3}|md5):"  # an ARN (AWS docs, 'ARN format'), a key fingerprint or image digest
    r"|pk_(?:live|test)_"  # a Stripe publishable key (public by design: Stripe docs, 'API keys')
    r"|(?!SK)[A-Z]{2}[0-9a-f]{32}\Z"  # a Twilio resource SID (CA..., SM..., AC...): an id (Twilio docs)
    r"|eyJ[A-Za-z0-9_-]+={0,2}\Z"  # base64 JSON without a signature: a pagination cursor, not a JWT
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+\Z"  # an email address
)
_PREFIXED_DIGITS = re.compile(r"[A-Za-z]{1,6}[-_]?\d{6,}\Z")  # ``mt`` + digits: as secret as the digits alone
_GROUPED = re.compile(r"(?P<g>[A-Za-z0-9]{4,8})(?:-[A-Za-z0-9]{4,8}){2,}\Z")  # licence keys: XXXX-XXXX-XXXX
_EXTENSION = re.compile(r"\.[a-z][a-z0-9]{0,4}\Z")
_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}")
_VOWELS = "aeiouAEIOU"
_HEX_RUN = re.compile(r"[0-9a-f]{12,}|[0-9A-F]{12,}")
#: The 250 most common letter pairs of identifiers in the standard library and popular packages: words are
#: made of them, random strings mostly of others.
_COMMON_PAIRS = frozenset(
    str.split(
        "ab ac ad ag ai al am an ap ar as at au ax ay ba be bi bj bl bo br bs bu by ca cc ce ch ci ck cl co cr "
        "ct cu cy da db dd de di dl do dr ds dt du ea eb ec ed ee ef eg ei el em en eo ep eq er es et ev ew ex "
        "ey fa fe ff fi fl fo fr fu ga ge gi gn gr gs gu ha he hi ho ht ia ib ic id ie if ig il im in io ip ir "
        "is it iv ix iz je ke ki la ld le li ll lo ls lt lu ly ma mb me mi mm mo mp ms mu na nc nd ne nf ng ni "
        "nk nn no np ns nt nu nv oa ob oc od of og oi ok ol om on oo op or os ot ou ov ow pa pe ph pi pl po pp "
        "pr ps pt pu py qu ra rc rd re rg ri rk rl rm rn ro rr rs rt ru rv ry sa sc se sh si sk sl so sp ss st "
        "su sy ta tc te th ti tl tm to tp tr ts tt tu ty ua ub uc ue ui ul um un up ur us ut va ve vi wa we wi "
        "wo wr xc xe xi xp xt yn yp ys yt ze"
    )
)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s@]*\Z")
_ARN = re.compile(r"arn:[\w\-]+:[\w\-]+:")
#: An absolute, home or relative path (or a Windows one): no whitespace, and none of the punctuation
#: paths don't hold but passwords do (``/w:Ky;>pDrdfq/Og|]P1`` is no path).
_PATH = re.compile(r"(?:~|\.{1,2})?/[^\s;|<>\"'`{}()!*?&^$#\[\]]*\Z|[A-Za-z]:\\[^\s;|<>\"'`{}!*?&^$#]*\Z")
_PATH_PARTS = re.compile(r"[/\\._\-~:+@=,]+")


def _path_word(part: str) -> bool:
    """A part of a path as people name them: a number, or a word in one case (``Users``, ``db``, ``v2``)."""
    return not part or part.isdigit() or part.isalnum() and (part.islower() or part.isupper() or part[1:].islower())


_SETTING_NAME = re.compile(
    r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\Z|[a-z][a-z0-9]*(?:_[a-z0-9]+)+\Z|[A-Za-z][a-z]*(?:[A-Z]+[a-z]*)+\Z"
)
_SECRET_WORD = re.compile(r"(?i)pass|pwd|secret|key|token|cred|auth")
_URL_SAFE_SEPARATOR = re.compile(r"[-_]")
_PASSPHRASE = re.compile(r"[A-Za-z]{2,12}(?:[ \-_.][A-Za-z]{2,12}){2,}[0-9!?.]*\Z")


def _random(part: str) -> bool:
    n = len(part)
    if n < 8:
        return False
    digits = n - sum(1 for c in part if c.isalpha())
    letters = n - digits
    if not letters or len(set(part)) < min(6, n // 2):
        return False  # a repeated character (``vvvv``), a run of one word
    if digits and _HEX.match(part) and (n >= 12 or digits >= 2 and letters >= 2):
        return True
    if n < 2.6 * len(_CAMEL.findall(part)):
        return True
    if len(_DIGIT_SWITCH.findall(part)) >= 3:
        return True
    if n >= 12 and any(_mixed_hex(run) for run in _HEX_RUN.findall(part)):
        return True  # a prefixed hex token (``sd`` + ``token_hex(6)``)
    if letters >= 12 and sum(part.count(v) for v in _VOWELS) < 0.12 * letters:
        return True
    if letters < 9:
        return False
    lower = part.lower()
    pairs = [lower[i : i + 2] for i in range(n - 1) if lower[i].isalpha() and lower[i + 1].isalpha()]
    return len(pairs) >= 8 and sum(1 for pair in pairs if pair in _COMMON_PAIRS) < 0.45 * len(pairs)


def _mixed_hex(run: str) -> bool:
    """A run of 12+ hex characters holding both digits and letters (one of either is enough: a random
    draw has a single letter or a single digit about once in 40)."""
    digits = sum(1 for c in run if c.isdigit())
    return 0 < digits < len(run)


def random_length(text: str) -> int:
    """How many characters of ``text`` belong to random parts (base64's ``+/=`` are not separators)."""
    if _BASE64.match(text):
        text = _BASE64_NOISE.sub("", text)
    return sum(len(part) for part in _PART.findall(text) if _random(part))


def _escaped_bytes(text: str) -> bool:
    """A bytes repr's content of high entropy (``os.urandom(16)``): a quarter or more of its bytes escaped."""
    escapes = len(_ESCAPE.findall(text))
    size = len(text) - 3 * escapes - text.count("\\") + escapes
    return size >= 8 and escapes * 4 >= size


def credential_shaped(text: str) -> bool:
    """Whether a string could be a generated credential (what a weak name such as ``token`` filters)."""
    n = len(text)
    if n < 6:
        return False
    if n > 4096:
        return not any(c.isspace() for c in text[:4096])
    if "\\x" in text:
        return _escaped_bytes(text)
    if not _CRED_CHARS.match(text):
        return False
    if text.isdigit() or _PREFIXED_DIGITS.match(text):
        return True
    if _UUID.match(text):
        return True
    if "://" in text or _STRUCTURED.match(text):
        return False
    # base64 may start with '/': a path only if most of its segments are words
    if _BASE64.match(text) and (
        text[0] != "/" or 2 * sum(1 for s in text.split("/") if s and random_length(s)) > text.count("/")
    ):
        return random_length(text) >= 8 or _scrambled(text)
    if text[0] in "/~" or text.startswith("./"):
        return False
    grouped = _GROUPED.match(text)
    if grouped and len(text) == (len(grouped.group("g")) + 1) * (text.count("-") + 1) - 1:
        return random_length(text.replace("-", "")) >= 8
    if "=" in text and "&" in text:
        return False  # a query string: its pairs are judged by their own names
    if "/" in text:
        segments = [s for s in text.split("/") if s]
        if _EXTENSION.search(text) or 2 * sum(1 for s in segments if random_length(s)) < len(segments):
            return False  # a relative path or an object key (``uploads/2024/05/avatar_v2.png``)
    return random_length(text) >= 8 or _scrambled(text)


_URL_SAFE = re.compile(r"[A-Za-z0-9_\-]{16,200}\Z")


def _wordish(word: str) -> bool:
    """A camel-case word with a vowel whose letter pairs are two thirds or more common ones."""
    low = word.lower()
    if not any(c in "aeiouy" for c in low):
        return False
    pairs = [low[i : i + 2] for i in range(len(low) - 1)]
    return 3 * sum(1 for pair in pairs if pair in _COMMON_PAIRS) >= 2 * len(pairs)


def _scrambled(text: str) -> bool:
    """16+ characters of base64url mixing upper and lower case whose camel-case words are mostly not words
    (``rlhTeLuxxPuanmnM``, ``Ukv32_7-3dO_HkjQ``): ``-`` and ``_`` join parts each too short to judge alone.
    Under 40% of the characters counted (letters, up to 2 of each run of digits, 1 for each run of up to
    4 capitals) fall in words of 3+ letters with a vowel and common letter pairs; tuned like the rules above
    (0.012% more identifiers count as random; ``token_urlsafe(12)`` misses fall from 6.6% to 0.9%)."""
    if _URL_SAFE.match(text) is None:
        return False
    joined = _URL_SAFE_SEPARATOR.sub("", text)
    if len(joined) < 13 or joined.islower() or joined.isupper():
        return False
    counted = good = 0
    for word in _CAMEL.findall(joined):
        if word.isdigit():
            counted += min(len(word), 2)
        elif word.isupper() and len(word) <= 4:
            counted += 1  # (an acronym, or a few random capitals)
        else:
            counted += len(word)
            good += len(word) if len(word) >= 3 and _wordish(word) else 0
    return counted >= 10 and good < 0.4 * counted


def reference(text: str) -> bool:
    """A value that names or locates a secret rather than holds it: an absolute or home path, a URL
    without credentials, an ARN, the name of a setting (``AWS_SECRET_ACCESS_KEY``, ``aws_secret_access_key``,
    ``AWSSecretKey``): a strong name such as ``GOOGLE_APPLICATION_CREDENTIALS`` or ``SecretId`` holding one
    filters nothing."""
    if len(text) < 4 or len(text) > 1024 or random_length(text) >= 12 and not _PATH.match(text):
        return False
    if "\\x" in text and _escaped_bytes(text):
        return False  # raw random bytes (``b'/c\\x84...'``) that happen to start with a slash: no path
    if _PATH.match(text):  # its parts are words and numbers (``/run/secrets/db_password``), not ``/MJv,%Ydvo5ia``
        return random_length(text) < 16 and all(map(_path_word, _PATH_PARTS.split(text)))
    if _URL.match(text) or _ARN.match(text):
        return True
    return bool(_SETTING_NAME.match(text) and _SECRET_WORD.search(text))


def passphrase(text: str) -> bool:
    """Three or more words (``correct-horse-battery-staple``): a secret by its length, not its randomness."""
    return len(text) >= 16 and _PASSPHRASE.match(text) is not None


_LOWER_WORDS = re.compile(r"[a-z]{2,12}(?: [a-z]{2,12}){2,7}\Z")
_SYMBOLS = frozenset("!@#$%^&*~?+")
_CODE_CHARS = frozenset("/\\:<>()[]{},;=\"'`")  # (``name=value`` pairs are data: judged by their names)


def _chosen_part(part: str) -> bool:
    """A word of a chosen password: letters with digits and a symbol (``Tr0ub4dor&3``), or random."""
    if len(part) < 8 or not any(c.isalpha() for c in part) or not any(c.isdigit() for c in part):
        return False
    return not _SYMBOLS.isdisjoint(part) or random_length(part) >= 8


def spoken_secret(text: str) -> bool:
    """A password a person chose, not credential-shaped: three or more lowercase words (``correct horse battery
    staple``), 16+ lowercase letters run together (``opensesameletmeinplease``), or a few words one of which is
    a password (``Tr0ub4dor&3 horse``). Identifiers (``snake_case``, ``CamelCase``, dotted names), paths,
    URLs, sentences and single English words are not."""
    n = len(text)
    if n < 12 or n > 100 or text[0] == " " or text[-1] == " " or not _CODE_CHARS.isdisjoint(text):
        return False  # (a path, a URL, a call, a mapping: code or data, not a chosen password)
    if " " not in text:
        return n >= 16 and text.isalpha() and text.islower()
    if _LOWER_WORDS.match(text):
        return True
    parts = text.split()
    return len(parts) <= 4 and any(_chosen_part(part) for part in parts)


_SEQUENCE = re.compile(r"abcde|bcdef|ABCDE|BCDEF|01234|12345")
_WORDISH = re.compile(r"[A-Z]?[a-z]{3,}|[A-Z]{2,5}\d?")
_GENERATED = re.compile(r"(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])(?=[^0-9]*[0-9])[A-Za-z0-9_\-]{16,200}\Z")


def generated_token(text: str) -> bool:
    """16 to 200 characters of ``[A-Za-z0-9_-]`` mixing upper case, lower case and digits, 12 or more of
    them random (``secrets.token_urlsafe(16)``, a session store's key). Read as base64url, ``-`` and ``_``
    are letters, not separators, unless a part between them is a word (``CPyBytes_ReadI64LE`` is a name);
    an alphabet (``ABC...xyz0123456789``) is no token."""
    if _GENERATED.match(text) is None or _SEQUENCE.search(text) or _STRUCTURED.match(text):
        return False  # (a Twilio resource SID, ``CA`` + hex, is an id)
    if random_length(text) >= 12 and credential_shaped(text):
        return True
    parts = _URL_SAFE_SEPARATOR.split(text)
    if len(parts) > 4 or any(len(part) >= 3 and _WORDISH.fullmatch(part) for part in parts):
        return False
    joined = "".join(parts)
    return random_length(joined) >= max(12, len(joined) * 3 // 4)


_DRAWN = re.compile(r"(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])[A-Za-z0-9_\-]{20,200}\Z")
_HEX_DRAW = re.compile(
    r"(?=[^a-f]*[a-f])(?=[^0-9]*[0-9])[0-9a-f]{32,128}\Z|(?=[^A-F]*[A-F])(?=[^0-9]*[0-9])[0-9A-F]{32,128}\Z"
)


def random_member(text: str) -> bool:
    """A set member or a dict key drawn at random (``revoked = {<token>, ...}``): a :func:`generated_token`, or
    20+ base64url characters mixing cases that are credential-shaped though digits or parts happen to read
    as words (about 1 in 50 ``token_urlsafe(20)`` draws has no digit). Being one of a collection is the
    evidence a lone value lacks; identifiers and alphabets are still no draw."""
    if generated_token(text):
        return True
    if _DRAWN.match(text) is None or _SEQUENCE.search(text) or _STRUCTURED.match(text):
        return False
    return credential_shaped(text)


def is_uuid(text: str) -> bool:
    """A UUID in its canonical form (random by construction when version 4: found again as a random value)."""
    return _UUID.match(text) is not None


def hex_draw(text: str) -> bool:
    """32 to 128 hex digits of one case mixing letters and digits (``secrets.token_hex(16)`` and longer, and
    also every hex digest and a UUID's hex: the caller decides by the container)."""
    return _HEX_DRAW.match(text) is not None


class Literals:
    """Literal strings (rule hints, name parts) with a C-speed test that rules out a long text holding
    none of them: a literal can occur only in a text holding every one of its characters. A long run of
    a few characters (a repeated byte, a padded field) then skips the alternation regex, which tries every
    literal at every position."""

    #: Shorter texts go straight to the regex (building their character set would cost about as much).
    MIN_LENGTH = 256

    def __init__(self, literals: Iterable[str]) -> None:
        #: Fewest characters first: a varied text holds one of those at once, so ``any`` stops early.
        self.chars = sorted(dict.fromkeys(frozenset(literal) for literal in literals), key=len)

    def may_occur(self, text: str) -> bool:
        """False only when no literal can occur in ``text``."""
        if len(text) < self.MIN_LENGTH:
            return True
        return self.may_occur_in(set(text))

    def may_occur_in(self, present: set[str]) -> bool:
        """False only when no literal can occur in a text made of the characters ``present``."""
        return any(chars <= present for chars in self.chars)
