"""Find the secret parts of one piece of text (a message, a repr, a string literal, a URL).

Rules, each gated by a cheap substring test so ordinary text costs little:

- provider tokens and private-key blocks (:mod:`framecap.secrets`), URL rules (:mod:`framecap.urls`);
- ``name=value`` / ``name: value`` / ``"name": "value"`` / ``--name value`` pairs, judged by the
  name's tier (:mod:`framecap.names`): a strong name's value is filtered, a weak name's only when it is
  credential-shaped; placeholders (``%s``, ``?``, ``:name``, ``None``...) are never secrets;
- ``Bearer``/``Basic``/``Token``/... followed by something credential-shaped (a scheme word followed
  by a word, as in "Missing Bearer token", is not a credential);
- messages of libraries that echo parameters: psycopg's ``Key (name)=(value)``, SQLAlchemy's
  ``[parameters: ...]``, pydantic's ``input_value=...`` (judged by the field's name), command lines
  with ``--password x`` or mysql's ``-pSECRET``;
- cards, IBANs and US SSNs; public IP addresses (private, loopback, link-local and unspecified
  addresses, CIDR networks and version numbers are not the user's address);
- ``echo``: secrets filtered elsewhere in the same event, wherever they appear again.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from .commands import command_spans
from .names import NONE, STRONG, WEAK, Names
from .secrets import PII_RULES, Compiled, RuleSet, compile_rules
from .shapes import credential_shaped, generated_token, random_length, reference, spoken_secret
from .spans import NOTHING, WEAK_EVIDENCE, Span, apply_spans, resolve
from .urls import query_spans, url_spans

__all__ = [
    "NOTHING",
    "WEAK_EVIDENCE",
    "Span",
    "TextScanner",
    "apply_spans",
    "evidence",
    "judged",
    "not_a_value",
    "public_ip",
    "resolve",
]


# What each rule needs at the least (a separator, a long run, four digits, a scheme word...): a text
# holding none of these holds nothing any rule can find. (Alternatives that start alike share their start:
# ``--|-p`` and ``\d{4}|\d{3}-\d\d-|\d\.\d+...`` tried one by one cost most of a clean text's scan.)
_GATE = re.compile(
    r"[=:@?]|-[-p]|[A-Za-z0-9_\-+/.~]{16}|\d(?:\d\d\d|\d\d-\d\d-|\.\d+\.\d+\.\d)|[A-Z]{2}\d\d"
    r"|earer |asic |oken |igest |Bot |machine |sshpass|PRIVATE KEY"
)
_RUN = re.compile(r"[A-Za-z0-9_\-+/=.:~]{16,}")
_PAIR = re.compile(
    r"(?:(?<=\\[nrt])|(?<![\w.\-\\]))(?P<q>['\"]?)(?P<key>[A-Za-z_][\w.\-]{0,63})(?P=q)"
    r"[ \t]*(?P<sep>:=|=>|==|=|:)[ \t]*"
    r"(?P<value>[bu]?'(?:[^'\\\n]|\\.)*'?|[bu]?\"(?:[^\"\\\n]|\\.)*\"?"
    r"|(?:(?:[Bb]earer|[Bb]asic|[Tt]oken|[Dd]igest)[ \t]+)?[^\s&,;'\"()\[\]{}<>|\\]+)"
)
#: ``<password>x</password>``, ``<wsse:Password Type="...">x</wsse:Password>``: judged by the tag's name.
_XML_ELEMENT = re.compile(r"<(?P<tag>[A-Za-z_][\w:.\-]{0,60})(?:\s[^<>]{0,200})?>(?P<secret>[^<>]{1,500})</(?P=tag)>")
#: A ``.pgpass`` line (PostgreSQL docs, "The Password File"): host:port:database:user:password.
_PGPASS = re.compile(
    r"(?<![\w.:/\-])(?:[A-Za-z0-9\-]+\.[\w.\-]+|localhost|\*):(?:\d{1,5}|\*):[\w.\-*]+:[\w.\-*@]+:(?P<secret>[^\s:'\"]+)"
)
_WORD_RUN = re.compile(r"(?<![\w\-])[A-Za-z][A-Za-z_\-]{1,30}(?![\w\-])")
_PROSE_VALUE = re.compile(
    r"[ \t]+(?:(?:is|was|of|for|to)[ \t]+|[:=][ \t]*)?['\"]?"
    r"(?P<secret>[A-Za-z0-9_\-+/=.~!@#$%^&*]{7,}[A-Za-z0-9_\-+/=~])"
)
_SCHEME = re.compile(
    r"(?<![\w\-])(?:[Bb]earer|[Bb]asic|[Dd]igest|[Tt]oken|[Bb]ot|ApiKey|[Nn]egotiate|NTLM|SharedKey|SSWS)"
    r"[ \t]+(?P<secret>[A-Za-z0-9_\-+/=.~:]{8,})"
)
_SCHEME_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.~:]*[A-Z0-9][A-Za-z0-9_\-+/=.~:]*")
_CAMEL_WORDS = re.compile(r"[A-Z]{0,5}[a-z]{2,}(?:[A-Z]{1,5}[a-z]{2,})*[A-Z]{0,5}")  # ExpiredSignatureError


def _scheme_token(text: str) -> bool:
    """After ``Bearer``/``Token``...: 16 characters or more with a capital or a digit past the first
    are a token whatever their randomness, unless they read as a class name (prose says "Bearer
    token", "token ExpiredSignatureError")."""
    return len(text) >= 16 and _SCHEME_TOKEN.fullmatch(text[1:]) is not None and _CAMEL_WORDS.fullmatch(text) is None


_PSYCOPG_KEY = re.compile(r"Key \((?P<key>[^()]{1,200})\)=\((?P<secret>.*?)\)(?= already| is | conflicts|\.|\\n|\n|$)")
_SQL_PARAMETERS = re.compile(r"\[parameters: (?P<secret>.+?)\](?=\\n|\n| \(Background|\Z)|\[parameters: (?P<cut>.+)")
_FAILING_ROW = re.compile(r"Failing row contains \((?P<row>[^\n]*?)\)(?=\.|\n|\\n|\Z)")
_ROW_ITEM = re.compile(r"[^,\s()][^,()]*[^,\s()]|[^,\s()]")
_DUPLICATE = re.compile(r"Duplicate entry '(?P<secret>[^'\n]{1,500})' for key '(?P<key>[\w.\-]{1,128})'")
_TAIL_RUN = re.compile(r"[A-Za-z0-9_\-+/]{12,}")
_INPUT_VALUE = re.compile(r"input_value=(?P<secret>.*?), input_type=")
_PYDANTIC_LINE = re.compile(r"\\n|\n")
_NESTED_PAIR = re.compile(r"[A-Za-z_][\w.\-]*=[^=]")
_NETRC = re.compile(r"\bpassword[ \t]+(?P<secret>[^\s'\"\\]+)")  # netrc(5): machine m login l password p
_IPV4 = re.compile(
    r"(?<![\w.:/])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.]|/\d)"
)
_IPV6 = re.compile(r"(?<![\w:./])(?:[0-9A-Fa-f]{1,4}:|::)[0-9A-Fa-f:.]{2,45}(?![\w:]|/\d)")
_VERSION_BEFORE = re.compile(r"(?:[A-Za-z][\w.\-]*/|[vV]|version[ \t:=]*|ver[ \t:=]*)\Z", re.IGNORECASE)
_ADDRESS_WORDS = re.compile(r"(?i)\b(?:ip|addr|address|host|client|remote|peer|connect|bound|listen)")
#: Words after which a dotted number is a version (``Upgrading msodbcsql18 to 18.3.2.1``), not an address.
_VERSION_CONTEXT = re.compile(
    r"(?i)\b(?:upgrad|downgrad|install|uninstall|releas|updat|patch|bump|pin|requir|depend|build|package|driver)"
    r"\w*\b[^\n,;:@/]{0,40}\Z"
)
_DIGITS4 = re.compile(r"\d{4}")
#: A long run of fewer distinct characters is no random token (see RuleSet).
_TOKEN_DISTINCT = 8
_IBAN_HINT = re.compile(r"[A-Z]{2}\d\d|[a-z]{2}\d\d")
_PLACEHOLDER = re.compile(r"(?:\?\d*|%s|%\([^)]*\)s|:[A-Za-z_]\w*|\$\d+|\{\w*\}|\*+|<[^<>]*>|x{3,}|\.{3})\Z")
#: A placeholder inside a template: ``{}``, ``{0}``, ``{name.attr[0]!r:>10}``, ``%s``/``%d``/``%r`` (not followed by
#: a letter or digit: ``%river`` in a password is none), ``%(name)s``, ``${NAME}``.
_TEMPLATE = re.compile(
    r"\{(?:\d+|[A-Za-z_]\w*)?(?:\.\w+|\[\w*\])*(?:![rsa])?(?::[^{}]{0,12})?\}|%(?:\(\w+\))?[sdr](?![A-Za-z0-9])"
    r"|\$\{[A-Za-z_]\w*\}"
)
_NOT_VALUES = frozenset({"", "none", "null", "nil", "true", "false", "undefined", "[filtered]", "n/a", "''", '""'})
_JWK_PRIVATE = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})  # RFC 7518 sections 6.2.2, 6.3.2, 6.4
_PRIVATE_V4 = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (RFC 6598): Tailscale, mobile carriers
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking (RFC 2544)
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("224.0.0.0/3"),  # multicast and reserved, 255.255.255.255 included
)


def not_a_value(content: str) -> bool:
    """``None``, booleans, empty strings, placeholders (``%s``, ``?``, ``:name``, ``***``, ``<redacted>``) and
    templates that hold them (``'{0}:{1}'``, ``"%s:%s"``), unless what is left around the placeholders is
    credential-shaped itself (``Orbit2006%s!river``: a password that holds one)."""
    return (
        content.strip().lower() in _NOT_VALUES
        or _PLACEHOLDER.match(content) is not None
        and (content[:1] != "{" or _field_name(content[1:-1]))  # ``{jPhSsfD}``: a password in braces
        or ("{" in content or "%" in content)
        and _TEMPLATE.search(content) is not None
        and _template_only(content)
    )


#: What a template holds around its placeholders: words, numbers and a URL's or a message's punctuation;
#: a password's symbols (``#*|;^$!{}[]<>"'``) make it a password that happens to hold ``%s``.
_PLAIN_TEXT = re.compile(r"[\w\s:/@.\-=&?,+()]*\Z")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")


def _template_only(content: str) -> bool:
    """Whether what is left around a template's placeholders is plain text, not a secret's random run
    (``django-insecure-x@ps+o_m&o@q*a20%d^461=...``, a password holding ``%d``, is still a secret)."""
    rest = _TEMPLATE.sub("", content)
    if random_length(rest) >= 12 or _PLAIN_TEXT.match(rest) is None:
        return False
    if not all(map(_field_name, _FIELD_NAME.findall(content))):
        return False  # ``{jPhSsfD}``: braces around a random run are a password's characters, not a field
    # a ``%d``, ``${X}`` or ``{}`` between letters-and-digits parts is a password's character (``S3cr3t{}Pass``);
    # a ``{}`` template's literal parts may also be words with digits in one case (``{}_v2``, ``db1:{}``)
    words = _ALNUM_RUN.findall(rest)
    if "%" not in content and "$" not in content:
        return all(_plain_word(w) or w.islower() or w.isupper() for w in words)
    return all(map(_plain_word, words))


#: The name of a ``{name}`` field (a format string's), and the names people give fields: ``user_id``,
#: ``HOME``, ``Host``, ``userId``, ``itemCount2`` (camelCase: a capital starts each lower-case word; digits end it).
_FIELD_NAME = re.compile(r"\{([A-Za-z_]\w*)")
_CAMEL = re.compile(r"[a-z]+(?:[A-Z][a-z]+)*[0-9]*\Z")


def _field_name(name: str) -> bool:
    parts = [part for part in name.split("_") if part]
    return all(part.islower() or part.isupper() or _plain_word(part) for part in parts) or bool(_CAMEL.match(name))


def _plain_word(word: str) -> bool:
    """A number or a word as people write it (``host``, ``DB``, ``Password``), not ``82mgYCW``/``yeLTMIiI``."""
    return word.isdigit() or word.isalpha() and (word.islower() or word.isupper() or word[1:].islower())


_SEED_PHRASE = re.compile(r"[a-z]{3,8}(?: [a-z]{3,8}){11,23}\Z")  # BIP-39: 12 to 24 words


def judged(tier: int, content: str) -> bool:
    """Whether a value under a name of ``tier`` is filtered: strong, any real value but a reference (a path,
    a URL, the name of a setting); weak, credential-shaped ones, chosen passwords (passphrases) and a wallet's
    seed phrase."""
    if tier <= NONE or not_a_value(content):
        return False
    if tier == STRONG:
        return not reference(content)
    return (
        credential_shaped(content)
        or generated_token(content)  # base64url with ``-`` and ``_`` inside (``secrets.token_urlsafe``)
        or spoken_secret(content)  # a chosen password: a passphrase, ``Tr0ub4dor&3 horse``
        or " " in content
        and _SEED_PHRASE.match(content) is not None
    )


def evidence(rule: str, tier: int) -> str:
    """``rule``, marked as weak evidence when a weak name found the span."""
    return rule + WEAK_EVIDENCE if tier == WEAK else rule


def _unquote(value: str) -> tuple[str, int, int]:
    """A possibly quoted value's content and its offsets inside ``value``."""
    start = 1 if value[:1] in "bu" and value[1:2] in "'\"" else 0
    if value[start : start + 1] in ("'", '"'):
        quote = value[start]
        end = len(value) - 1 if len(value) > start + 1 and value.endswith(quote) else len(value)
        return value[start + 1 : end], start + 1, end
    return value, 0, len(value)


#: Characters an escape sequence of a repr puts before what follows it (``\\n`` + a token reads ``n<token>``).
_ESCAPE_LETTERS = {"x": 3, "u": 5, "U": 9, "n": 1, "t": 1, "r": 1, "f": 1, "v": 1, "a": 1, "b": 1}


def _escape_letters(text: str, start: int) -> int:
    """How many characters at ``start`` belong to an escape sequence that a backslash before them opens
    (an odd run of backslashes: ``\\\\n`` is a backslash, then a real ``n``)."""
    window = text[max(0, start - 64) : start]  # (a longer run of backslashes is read as its last 64)
    if (len(window) - len(window.rstrip("\\"))) % 2 == 0:
        return 0
    return _ESCAPE_LETTERS.get(text[start], 0)


def public_ip(text: str) -> bool:
    """An address that can identify a person: not private, loopback, link-local, unspecified or multicast."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if address.version == 4:
        return not any(address in network for network in _PRIVATE_V4)
    return not (
        address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_site_local
        or address.is_private
        and not address.exploded.startswith("2001:0db8")  # documentation prefix: treated as a real address
        or (address.ipv4_mapped is not None and not public_ip(str(address.ipv4_mapped)))
    )


class TextScanner:
    """Finds secret spans in text with the name rules of ``names`` and the value rules."""

    def __init__(self, names: Names, extra_rules: Iterable[Any] = (), ips: bool = True) -> None:
        self.names = names
        token_rules, text_rules, custom = compile_rules(extra_rules)
        self.tokens = RuleSet(token_rules, least_distinct=_TOKEN_DISTINCT)
        self.texts = RuleSet(text_rules)
        self.custom = RuleSet(custom) if custom else None
        self.pii_rules = [Compiled(rule) for rule in PII_RULES]
        self.ips = ips

    def spans(self, text: str, ips: bool = True, urls: bool = True, pairs: bool = True) -> list[Span]:
        """Secret spans in ``text``, sorted, without overlaps (the earliest, then the longest, wins)."""
        found: list[Span] = self.custom.spans(text) if self.custom is not None else []
        if _GATE.search(text) is None:  # nothing any rule needs: most short strings stop here
            return (resolve(found) or NOTHING) if found else NOTHING
        n = len(text)
        if n >= 16:
            for run in _RUN.finditer(text):
                start = run.start()
                skip = _escape_letters(text, start) if start and text[start - 1] == "\\" else 0
                found += self.tokens.spans(run.group()[skip:], start + skip)
        if n >= 12:
            found += self.texts.spans(text)
        if n < 8:
            return resolve(found) or NOTHING
        tier = self.names.tier
        has_eq = "=" in text
        if urls and ("@" in text or "=" in text or "/" in text):
            found += url_spans(text, tier)
            if "&" in text:
                found += query_spans(text, tier)  # bare query strings and form bodies
        named = pairs and (self.names.hint(text) is not None or "kty" in text or "[parameters: " in text)
        if named and (has_eq or ":" in text):
            self._pairs(text, found, has_eq)
        if pairs and "input_value=" in text:
            self._pydantic(text, found)
        if pairs and "-" in text:
            self._commands(text, found)
        if named and " " in text:
            self._prose(text, found)
        if named and "</" in text:
            for match in _XML_ELEMENT.finditer(text):
                level = tier(match.group("tag").rpartition(":")[2])
                if judged(level, match.group("secret")):
                    found.append((match.start("secret"), match.end("secret"), evidence("name-value", level)))
        if text.count(":") >= 4:
            for match in _PGPASS.finditer(text):
                if not not_a_value(match.group("secret")):
                    found.append((match.start("secret"), match.end("secret"), "name-value"))
        if named and "machine " in text and "password" in text:
            for match in _NETRC.finditer(text):
                found.append((match.start("secret"), match.end("secret"), "name-value"))
        if "earer" in text or "asic " in text or "oken " in text or "igest " in text or "Bot " in text:
            for match in _SCHEME.finditer(text):
                if credential_shaped(match.group("secret")) or _scheme_token(match.group("secret")):
                    found.append((match.start("secret"), match.end("secret"), "http-credentials"))
        if "Failing row contains (" in text:  # PostgreSQL: a constraint's DETAIL holds the whole row
            for row in _FAILING_ROW.finditer(text):
                for item in _ROW_ITEM.finditer(text, row.start("row"), row.end("row")):
                    if credential_shaped(item.group()):
                        found.append((item.start(), item.end(), "sql-parameters"))
        if "Duplicate entry '" in text:  # MySQL: judged by the unique key's column
            for match in _DUPLICATE.finditer(text):
                level = tier(match.group("key").rpartition(".")[2])
                if level > NONE and judged(level, match.group("secret")):
                    found.append((match.start("secret"), match.end("secret"), evidence("name-value", level)))
        if n >= 11 and _DIGITS4.search(text):  # every PII rule needs four digits in a row
            if n == 11:
                found += self.pii_rules[2].spans(text)  # only an SSN is this short
            else:
                for rule in self.pii_rules:
                    if rule.id != "iban" or _IBAN_HINT.search(text):
                        found += rule.spans(text)
        if ips and self.ips:
            self._addresses(text, found)
        return resolve(found) or NOTHING

    def _prose(self, text: str, found: list[Span]) -> None:
        """A sensitive word, then a random value (``with password X``, ``Using API key X``, ``client secret
        is X``): prose judged by the value's shape, whatever the word's tier."""
        tier = self.names.tier
        for word in _WORD_RUN.finditer(text):
            value = _PROSE_VALUE.match(text, word.end())
            if value is not None and credential_shaped(value.group("secret")):
                level = tier(word.group())
                if level > NONE:
                    found.append((value.start("secret"), value.end("secret"), evidence("name-value", level)))

    def _pairs(self, text: str, found: list[Span], has_eq: bool) -> None:
        tier = self.names.tier
        jwk = "kty" in text
        position = 0
        while True:
            match = _PAIR.search(text, position)
            if match is None:
                break
            position = match.end()
            key = match.group("key")
            level = tier(key)
            if jwk and level == NONE and key in _JWK_PRIVATE:
                level = STRONG
            value = match.group("value")
            content, start, end = _unquote(value)
            base = match.start("value")
            if level <= NONE or match.group("sep") == ":" and not start and _NESTED_PAIR.match(content):
                position = base  # the value may hold pairs of its own (``error: password=x``, ``Set-Cookie: a=b``)
                continue
            scheme = _SCHEME.match(content) if start == 0 else None
            if scheme is not None:  # ``Authorization: Bearer x``: a strong name's credential, whatever its shape
                secret = scheme.group("secret")
                if level == STRONG or credential_shaped(secret) or _scheme_token(secret):
                    found.append((base + scheme.start("secret"), base + scheme.end("secret"), "name-value"))
                continue
            if not content or match.group("sep") == ":" and not start and not credential_shaped(content):
                continue
            if not start and text.startswith("(", match.end()):
                continue  # ``password=SecretStr(...)``: a call, not a value
            if judged(level, content):
                found.append((base + start, base + end, evidence("name-value", level)))
        if "Key (" in text:
            for match in _PSYCOPG_KEY.finditer(text):
                level = max(tier(k.strip()) for k in match.group("key").split(","))
                if judged(level, match.group("secret")):
                    found.append((match.start("secret"), match.end("secret"), evidence("name-value", level)))
        if "[parameters: " in text:
            for match in _SQL_PARAMETERS.finditer(text):
                group = "secret" if match.group("secret") is not None else "cut"
                found.append((match.start(group), match.end(group), "sql-parameters"))

    def _commands(self, text: str, found: list[Span]) -> None:
        """Command lines (:mod:`framecap.commands`)."""
        for start, end, rule in command_spans(text, self.names.tier, judged):
            found.append((start, end, rule))

    def _pydantic(self, text: str, found: list[Span]) -> None:
        """pydantic: ``<field path>`` on one line, ``... [type=..., input_value=..., input_type=...]`` below it."""
        field = ""
        position = 0
        for line_end in [m.start() for m in _PYDANTIC_LINE.finditer(text)] + [len(text)]:
            line = text[position:line_end]
            if line and not line[0].isspace() and "validation error" not in line and "input_value=" not in line:
                field = line.strip().rsplit(".", 1)[-1]
            elif "input_value=" in line:
                for match in _INPUT_VALUE.finditer(line):
                    value = match.group("secret")
                    content, start, end = _unquote(value)
                    level = self.names.tier(field) if field else NONE
                    offset = position + match.start("secret")
                    if judged(level, content):
                        found.append((offset + start, offset + end, evidence("name-value", level)))
                    elif level == NONE and generated_token(content):  # (a SecretStr field's input, any name)
                        found.append((offset + start, offset + end, evidence("name-value", WEAK)))
                    elif "..." in value:  # pydantic elided the middle, and with it the name: random runs go
                        tail = value.rindex("...") + 3
                        for run in _TAIL_RUN.finditer(value, tail):
                            if credential_shaped(run.group()):
                                found.append((offset + run.start(), offset + run.end(), "name-value"))
            position = line_end + (2 if text.startswith("\\n", line_end) else 1)

    def _addresses(self, text: str, found: list[Span]) -> None:
        if text.count(".") >= 3:
            for match in _IPV4.finditer(text):
                before = text[max(0, match.start() - 60) : match.start()]
                if public_ip(match.group()) and not _version(before):
                    found.append((match.start(), match.end(), "ip-address"))
        if "::" in text or text.count(":") >= 7:
            for match in _IPV6.finditer(text):
                candidate = match.group().rstrip(".:")
                if ":" in candidate and public_ip(candidate):
                    found.append((match.start(), match.start() + len(candidate), "ip-address"))


def _version(before: str) -> bool:
    """Whether a dotted number after ``before`` is a version rather than an address."""
    if _VERSION_BEFORE.search(before[-12:]):
        return True
    return _VERSION_CONTEXT.search(before) is not None and _ADDRESS_WORDS.search(before) is None
