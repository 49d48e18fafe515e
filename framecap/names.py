"""Sensitive names in two tiers, and what a credential looks like.

A name is split into words (``-``, ``_``, ``.``, spaces and camelCase separate words; case folded;
plurals made singular), then judged:

- **strong** (``password``, ``passwd``, ``pwd``, ``pass``, ``secret``, ``private_key``, ``api_key``,
  ``otp``, ``pin``, ``cvv``, ``ssn``, ``credentials``, ``cookie``, ``authorization``, ...): any value but
  ``None``, a boolean, an empty string or a type/default repr is filtered.
- **weak** (``token``, ``auth``, ``session``, ``key``, ``signature``, ``sig``, ``csrf``, ``jwt``, ...): only
  credential-shaped strings and bytes are filtered (:func:`credential_shaped`); ``max_tokens = 1024``,
  an ORM ``session`` or ``inspect.signature(...)`` stay.
- **none**: everything else, and names that *describe* a secret rather than hold one (a last word such
  as ``path``, ``file``, ``required``, ``hint``, ``enabled``, ``url``, ``length``, ``count``, ``type``,
  ``name``; a first word such as ``max``, ``min``, ``num``, ``is``, ``has``).

Run-together names (``PGPASSWORD``, ``newpassword``, ``csrftoken``, ``mysqlpwd``) are caught by the
stems they contain. Results are cached per client; a name seen for the first time costs a few
microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .reached import display_names, reached_name
from .shapes import Literals, credential_shaped

__all__ = [
    "DESCRIBES",
    "NONE",
    "STRONG",
    "WEAK",
    "Names",
    "credential_shaped",
    "display_names",
    "name_words",
    "reached_name",
]

NONE, WEAK, STRONG = 0, 1, 2
#: A name that describes a secret (``password_length``) or is allowlisted: not sensitive, and its children
#: do not inherit the tier of an enclosing sensitive name.
DESCRIBES = -1


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_WSGI_HEADER = re.compile(r"HTTP_[A-Z0-9_]+\Z")  # request headers in a WSGI environ held by some frame

_STRONG_WORDS = _words(
    "password passwd passphrase passcode pass pwd pw pswd psw secret otp totp hotp pin pincode cvv cvc csc ssn "
    "credential cred privatekey privkey pkey psk apikey authorization passkey mfa wif bearer "
    "passwort kennwort contrasena contraseña senha passe wachtwoord haslo hasło"  # de, es, pt, fr, nl, pl
    " salasana lozinka heslo jelszo jelszó losenord lösenord passord adgangskode kodeord"  # fi, hr, cs, hu, sv, no, da
)
# ``parola``, ``sifre``: a password in Romanian and Turkish, but a word in Italian and ciphers in Turkish;
# ``cookie``: a cookie's value is a credential only when it looks like one (``TEST_COOKIE_VALUE = "worked"``);
# ``sk``: a secret key, or DynamoDB's sort key (``sk = "ORDER#2024-05-17"``); ``mnemonic``: a wallet's seed
# phrase, or an instruction's (``"mov"``).
_WEAK_WORDS = _words(
    "token auth oauth authn authz session sessionid sessid sid key signature sig csrf xsrf csrftoken "
    "xsrftoken authentication jwt apitoken accesstoken authtoken refreshtoken idtoken sessionkey "
    "sessiontoken phpsessid jsessionid authkey authcode cookie sk mnemonic sess ssess remember signing"
    " parola sifre şifre"  # ro/tr/it password, or Italian "word"; Turkish password, or "ciphers": by shape
)
# "<qualifier> token" / "<qualifier> code" / "<qualifier> auth" names that hold a credential whatever it looks like.
_TOKEN_STRONG = _words(
    "access refresh id api auth bearer oauth personal private secret security csrf xsrf bot app client service "
    "user device push registration verification verify reset invite magic login signin github gitlab slack "
    "discord telegram npm pypi vault webhook signing hf"
)
_CODE_STRONG = _words(
    "recovery backup verification verify reset activation confirmation confirm access sms login signin mfa otp "
    "totp security unlock pairing"
)
_AUTH_STRONG = _words("basic http proxy digest")
# Word pairs that hold a secret: ``seed_phrase``, ``security_answer``, ``social_security_number``, ``vapid_private``.
_STRONG_PAIRS = frozenset(
    {
        ("seed", "phrase"),
        ("recovery", "phrase"),
        ("security", "answer"),
        ("secret", "answer"),
        ("social", "security"),
        ("vapid", "private"),
    }
)
# ``pin`` beside one of these is a hardware pin (``LED_PIN = 18``, ``gpio_pins``), not a PIN.
_HARDWARE = _words(
    "led gpio reset cs sda scl button btn relay motor pwm irq data clock clk enable power sensor servo rx tx "
    "miso mosi sck bcm board digital analog adc dac i2c spi uart dc rst busy interrupt trigger echo input output "
    "in out buzzer pixel neopixel dht"
)
# ``pass`` after one of these is a step of a process (``compiler_pass``, ``first_pass``), not a password.
_PROCESS = _words(
    "compiler optimization optimisation optimizer render rendering lowering analysis transform codegen first "
    "second third final last next single multi two three shader build lint cleanup boarding season day"
)
# "<qualifier> key" names that hold a secret whatever it looks like, and those that never do.
_KEY_STRONG = _words(
    "private priv api access secret signing sign fernet encryption encrypt decryption decrypt master subscription "
    "account hmac auth app license service shared crypto cipher aes rsa ssh gpg pgp consumer webhook recovery "
    "wallet root"
)
_KEY_BENIGN = _words(
    "cache sort primary foreign partition object lookup row group index dict map hash redis memcache dedup "
    "dedupe idempotency unique composite natural surrogate join order s3 bucket cursor next prev last first "
    "event message shard config setting env field column attr param query registry state translation "
    "lru memo item node child parent entry record table model list set default format range hot short press "
    "sequence counter metric label tag feature flag option header route url path file name id type sort "
    "dictionary mapping lock queue stream topic channel job task result search filter prefix suffix "
    "foreign_key public publishable correlation business dedup"
)
# Personal data by name (the user's address), filtered unless ``send_default_pii``.
_PII_NAMES = frozenset(
    {
        ("x", "forwarded", "for"),
        ("x", "real", "ip"),
        ("forwarded",),
        ("remote", "addr"),
        ("ip", "address"),
        ("client", "ip"),
        ("true", "client", "ip"),
        ("cf", "connecting", "ip"),
    }
)
# A last word that says what is *about* a secret (its path, its length, whether it is required...).
_DESCRIBING_LAST = _words(
    "path file filename dir directory folder required require hint enabled enable disabled url uri endpoint "
    "length len count size type kind name field prefix suffix format policy validator backend class cls model "
    "engine age ttl expiry expire expiration timeout lifetime at version mode level strength algorithm alg "
    "scheme location env var variable param regex pattern min max limit used usage total num index idx label "
    "description help message msg error status scope method handler factory manager provider service host "
    "port domain samesite secure httponly middleware serializer store storage hasher template view form "
    "widget placeholder column table attribute attr module func fn callback hook parser lexer encoder decoder "
    "client config setting option opt rate ratio interval delay retrie attempt duration second minute hour "
    "day ms sec timestamp time date created updated expired valid invalid exist missing changed budget window "
    "width depth mixin exception header encoding charset locale lang language codec arn id uid gid region digits "
    "digit issuer text banner notice fingerprint thumbprint shell gecos started issued ended opened closed "
    "refreshed rotated sent received alias question prompt rotation"
)
# Request headers that carry no credential: a value of any other header that looks like one is filtered.
_HARMLESS_HEADERS = _words(
    "accept accept-charset accept-encoding accept-language accept-ranges age allow cache-control connection "
    "content-disposition content-encoding content-language content-length content-location content-md5 "
    "content-range content-type date dnt etag expect expires from host if-match if-modified-since "
    "if-none-match if-range if-unmodified-since keep-alive last-modified link location max-forwards origin "
    "pragma priority range referer referrer retry-after server te trailer transfer-encoding upgrade "
    "upgrade-insecure-requests user-agent vary via warning x-forwarded-host x-forwarded-port x-forwarded-proto "
    "x-forwarded-scheme x-requested-with x-scheme sec-websocket-version sec-websocket-extensions sec-websocket-key "
    "sec-websocket-accept traceparent tracestate baggage sentry-trace x-amzn-trace-id cf-ray cf-ipcountry "
    "cf-visitor x-cloud-trace-context x-original-uri x-original-url x-envoy-expected-rq-timeout-ms "
    "x-frame-options x-content-type-options access-control-request-method access-control-request-headers"
)
_HARMLESS_HEADER_PREFIXES = ("sec-fetch-", "sec-ch-", "x-b3-", "accept-", "content-", "if-", "access-control-")
_TRACING = _words("trace span correlation request b3 cf amzn datadog")
#: Headers that are credentials by the protocol (browsers send a WebSocket's token as a subprotocol).
_STRONG_HEADERS = frozenset({"sec-websocket-protocol", "http-sec-websocket-protocol"})
_DESCRIBING_FIRST = _words(
    "max min num n is has use should allow require count total len no skip disable enable next prev previous page "
    "continuation pagination reason"
)
_STRONG_STEMS = (
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "privatekey",
    "apikey",
    "accesskey",
    "secretkey",
    "signingkey",
    "accountkey",
    "subscriptionkey",
    "encryptionkey",
    "fernetkey",
    "masterkey",
    "hmackey",
    "creditcard",
    "cardnumber",
    "authorization",
    "credential",
    "privkey",
    "passwort",
    "kennwort",
    "wachtwoord",
    "contrase",
    "motdepasse",
    "seedphrase",
    "securityanswer",
    "socialsecurity",
    "recoverycode",
    "backupcode",
)
# Every sensitive name contains one of these (lowercased): most names are ruled out by one search.
_HINTS = tuple(
    _words(
        "pass pwd pw psw secret otp pin cvv cvc csc ssn cred key cookie auth token sess sid sig csrf xsrf jwt bearer "
        "card forward real mfa securi addr ip wort contrase senha woord haslo hasło psk wif mnemonic seed code "
        "answer social vapid sk logged remember parol sifre şifre salasana lozinka heslo jelsz losen lösen "
        "adgangskode kodeord"
    )
)
_NOT_PASS = _words("bypass compass encompass overpass underpass trespass surpass impass multipass askpass")
_RUN_TOGETHER_DESCRIBING = ("file", "path", "dir", "url", "uri", "name", "type", "count", "length", "required", "hint")


def name_words(name: str) -> tuple[str, ...]:
    """``"X-Api_Key"`` / ``"apiKey"`` / ``"user.password"`` -> ``("x", "api", "key")``, ``("api", "key")``, ...."""
    if name.isalpha() and name.islower():
        return (name,)
    return tuple(map(str.lower, _WORD.findall(name)))


def _singular(word: str) -> str:
    """``tokens`` -> ``token``: a plural of a sensitive word is as sensitive (``pass`` stays)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _contains(words: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(words[i : i + n] == needle for i in range(len(words) - n + 1)) if n else False


_STRONG_STEM = re.compile("|".join(_STRONG_STEMS) + "|secret(?!ar)")
_WEAK_STEM = re.compile("csrf|xsrf|sessionkey|sessiontoken|sessid|sessionid")


def _run_together(words: tuple[str, ...]) -> int:
    """The tier of words that may be several run together (``pgpassword``, ``csrftoken``, ``mysqlpwd``)."""
    joined = "".join(words)
    if _STRONG_STEM.search(joined):
        return STRONG
    long_words = [word for word in words if len(word) >= 5]
    if not long_words:
        return STRONG if any(w.endswith("pw") and len(w) >= 4 and w[:-2].isalpha() for w in words) else NONE
    for word in long_words:
        if word.endswith(("pwd", "pass")) and word not in _NOT_PASS:
            return STRONG
    if any(word.endswith("pw") and word[:-2].isalpha() for word in words if len(word) >= 4):
        return STRONG  # rootpw, bindpw, dbpw, adminpw
    if _WEAK_STEM.search(joined) or any(word.endswith(("token", "auth", "signature")) for word in long_words):
        return WEAK
    return NONE


class Names:
    """Judges names: ``tier(name)`` is DESCRIBES, NONE, WEAK or STRONG.

    One per client; thread-safe (its cache only grows to a bound).
    """

    def __init__(self, denylist: Iterable[str] = (), allowlist: Iterable[str] = (), wsgi_header_keys: bool = True):
        self.deny = tuple({tuple(_singular(w) for w in name_words(n)) for n in denylist} - {()})
        self.allow = frozenset(name_words(n) for n in allowlist)
        self.wsgi_header_keys = wsgi_header_keys
        extra = sorted({words[0] for words in self.deny})
        self._hint = re.compile("|".join(re.escape(h) for h in [*_HINTS, *extra]))
        self._literals = Literals([*_HINTS, *extra])
        #: name -> tier; bounded (cleared past 10,000 names): names come from code and recur.
        self.cache: dict[str, int] = {}

    def tier(self, name: str) -> int:
        found = self.cache.get(name)
        if found is None:
            found = self._judge(name)
            if len(self.cache) >= 10_000:
                self.cache.clear()
            self.cache[name] = found
        return found

    def personal(self, name: str) -> bool:
        """A name sensitive as personal data (headers in a WSGI environ, forwarding headers), not as a credential."""
        return bool(self.wsgi_header_keys and (_WSGI_HEADER.match(name) or name_words(name) in _PII_NAMES))

    def hint(self, text: str) -> re.Match[str] | None:
        """Whether ``text`` mentions anything a sensitive name contains (a cheap test before real work)."""
        lowered = text.lower()
        return self._hint.search(lowered) if self._literals.may_occur(lowered) else None

    def header(self, name: str) -> int:
        """The tier of a request header's value by the header's name (``X-Custom``, ``sec-websocket-protocol``,
        a WSGI ``HTTP_X_CUSTOM``): its name's tier, and weak for any header not known to be harmless (a
        custom header may carry a token); a describing name (``X-Request-Id``) stays."""
        found = self.tier(name)
        if found != NONE:
            return found
        folded = name.lower().replace("_", "-")
        if folded.startswith("http-") and name.isupper():
            folded = folded[5:]
        if folded in _HARMLESS_HEADERS or folded.startswith(_HARMLESS_HEADER_PREFIXES):
            return NONE
        words = folded.split("-")
        if words[-1] in _DESCRIBING_LAST or not _TRACING.isdisjoint(words):
            return NONE  # ``X-Request-Id``, ``X-Amz-Cf-Id``, ``X-Cloud-Trace-Context``
        return WEAK

    def sensitive(self, name: str) -> bool:
        """Whether ``name`` is sensitive at all (either tier)."""
        return self.tier(name) > NONE

    def _judge(self, name: str) -> int:
        if len(name) > 200:
            return NONE
        if self.wsgi_header_keys and name.startswith("HTTP_") and _WSGI_HEADER.match(name):
            return STRONG  # without send_default_pii, no request header is sent: nor one a frame holds
        if len(name) in (22, 27) and name.lower().replace("_", "-") in _STRONG_HEADERS:
            return STRONG
        if self._hint.search(name.lower()) is None:
            return NONE
        raw = name_words(name)
        if not raw:
            return NONE
        if raw in self.allow:
            return DESCRIBES
        words = tuple(_singular(w) for w in raw)
        if self.deny and any(_contains(words, d) or _contains(raw, d) for d in self.deny):
            return STRONG
        if self.wsgi_header_keys and (words in _PII_NAMES or raw in _PII_NAMES):
            return STRONG
        last = words[-1]
        if last == "id" and len(words) > 1 and words[-2] in ("session", "sess", "secret"):
            return WEAK  # a session id is a credential; so is Vault's secret_id (AWS's SecretId is a name: shape)
        if words[-3:] == ("private", "key", "id"):
            return WEAK  # a service account's private_key_id (GCP): it names the key to the provider
        if len(words) > 1 and (last in _DESCRIBING_LAST or words[0] in _DESCRIBING_FIRST):
            return DESCRIBES
        if len(words) == 1 and len(last) >= 8 and last.endswith(_RUN_TOGETHER_DESCRIBING) and last not in _WEAK_WORDS:
            return DESCRIBES
        tier = NONE
        for index, word in enumerate(words):
            before = words[index - 1] if index else ""
            if word in _STRONG_WORDS:
                if word == "pin" and not _HARDWARE.isdisjoint(words):
                    continue
                if word == "pass" and before in _PROCESS:
                    continue
                return STRONG
            if (before, word) in _STRONG_PAIRS:
                return STRONG
            if (before, word) == ("logged", "in"):
                tier = WEAK  # wordpress_logged_in_<hash>: a session cookie
            if word == "key":
                if before in _KEY_STRONG:
                    return STRONG
                if before in _KEY_BENIGN and index == len(words) - 1:
                    continue
                tier = WEAK
            elif (
                word == "card"
                and index + 1 < len(words)
                and words[index + 1] in ("number", "no", "num")
                or word == "credit"
                and index + 1 < len(words)
                and words[index + 1] == "card"
                or word == "code"
                and (before in _CODE_STRONG or before == "security")
                or word == "token"
                and before in _TOKEN_STRONG
                or word == "auth"
                and before in _AUTH_STRONG
            ):
                return STRONG
            elif word in _WEAK_WORDS:
                tier = WEAK
        found = _run_together(words)
        return found if found > tier else tier
