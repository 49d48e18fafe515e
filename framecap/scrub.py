"""The scrubber: sensitive keys and values anywhere in an event become ``[Filtered]``, recorded in ``_meta``.

Key rules match names as whole words after normalizing (``-``, ``_``, ``.``, spaces and camelCase
all split words, case folded), so ``user_password``, ``apiKey``, ``Session-Id`` and ``client_secret``
are caught while ``author`` or ``tokenizer`` are not. Value rules find secrets inside any string:
URL credentials, ``Bearer``/``Basic`` credentials, JWTs, PEM private keys, AWS key ids, provider
tokens, Luhn-valid card numbers, IP addresses, and ``key=value`` / ``key: value`` pairs whose key
is sensitive. Only the secret part of a string is replaced; the marker never contains it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from ._types import FILTERED

__all__ = ["DEFAULT_DENYLIST", "FILTERED", "Scrubber", "name_words"]


#: Names (matched as whole words of a normalized name) whose values are never sent.
DEFAULT_DENYLIST: tuple[str, ...] = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "authorization",
    "proxy_authorization",
    "credentials",
    "credential",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "access_key",
    "token",
    "session",
    "sessionid",
    "session_id",
    "csrftoken",
    "csrf",
    "xsrf",
    "x_csrftoken",
    "x_xsrf_token",
    "x_forwarded_for",
    "x_real_ip",
    "forwarded",
    "set_cookie",
    "cookie",
    "x_api_key",
    "x_auth_token",
    "phpsessid",
    "connect_sid",
    "sid",
    "jwt",
    "bearer",
    "signature",
    "card_number",
    "credit_card",
    "creditcard",
    "cvv",
    "cvc",
    "ssn",
    "dsn",
)

_WSGI_HEADER = re.compile(r"HTTP_[A-Z0-9_]+\Z")  # request headers in a WSGI environ held by some frame
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Structural event fields that never hold user data (and must stay exact for Sentry).
_SKIP_TOP = frozenset({"event_id", "timestamp", "platform", "level", "sdk", "_meta", "type"})
_SKIP_FRAME = frozenset({"filename", "abs_path", "module", "function", "lineno", "colno", "in_app", "data"})
_SKIP_EXCEPTION = frozenset({"type", "module", "mechanism"})
_SOURCE_KEYS = frozenset({"pre_context", "context_line", "post_context"})


def name_words(name: str) -> tuple[str, ...]:
    """``"X-Api_Key"`` / ``"apiKey"`` / ``"user.password"`` -> ``("x", "api", "key")``, ``("api", "key")``, ...."""
    return tuple(w.lower() for w in _WORD.findall(name))


def _singular(words: tuple[str, ...]) -> tuple[str, ...]:
    """``api_keys`` -> ``api_key``: a plural of a sensitive word is as sensitive."""
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def _contains(words: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(words[i : i + n] == needle for i in range(len(words) - n + 1)) if n else False


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if index % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[068]|35|6(?:011|5|4[4-9]|2)")

# Each value rule: (name, pattern); the "secret" group is replaced. _scan gates each with cheap tests.
_PEM = re.compile(
    r"(?P<secret>-----BEGIN[A-Z ]*PRIVATE KEY-----(?:(?!-----END).)*(?:-----END[A-Z ]*PRIVATE KEY-----|$))", re.DOTALL
)
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@'\"]+:(?P<secret>[^\s@/'\"]+)@")
_HTTP = re.compile(r"(?P<secret>\b[Bb]earer\s+\S+|\b(?:[Bb]asic|[Dd]igest|[Tt]oken)\s+[A-Za-z0-9._~+/\-]{8,}=*)")
_JWT = re.compile(r"(?P<secret>\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)")
_AWS = re.compile(r"(?P<secret>\bA(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA)[A-Z0-9]{16}\b)")
_PROVIDER = re.compile(
    r"(?P<secret>\b(?:[sr]k_(?:live|test)_[A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9\-]{8,}))"
)
_KEY_VALUE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[\"']?\s*[:=]\s*"
    r"(?P<secret>\"[^\"]*\"|'[^']*'|(?:(?:[Bb]earer|[Bb]asic|[Dd]igest|[Tt]oken)\s+)?[^\s&,;'\")\]}]+)"
)
# Card numbers: what Sentry's server treats as one (issuer prefix, 16 or 15 digits, no Luhn check), and any
# other Luhn-valid number of 13 to 19 digits with an issuer prefix.
_CARD_SENTRY = re.compile(r"(?P<secret>\b(?:3[47]\d|4\d{3}|5[1-5]\d\d|65\d\d|6011)(?:[-\s]?\d){12}\b)")
_CARD = re.compile(r"(?<![\d.])(?P<secret>\d(?:[ \-]?\d){12,18})(?![\d.])")
_DIGITS = re.compile(r"\d{4}")
_IPV4 = re.compile(
    r"(?P<secret>(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.]))"
)
_IPV6 = re.compile(
    r"(?P<secret>(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])"
    r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])|::1\b)"
)

# Sentry's server filters a whole data value that mentions one of these (as a substring); so do we,
# for data values only (variables, request data, user, tags, extra), so what we send is what it keeps.
_WORDS_IN_VALUE = re.compile(
    r"password|secret|passwd|api_key|apikey|auth|credentials|mysql_pwd|privatekey|private_key"
)  # on lowered text
_PLACEHOLDER = re.compile(r"(?:\?\d*|%s|%\([^)]*\)s|:[A-Za-z_]\w*|\$\d+)\Z")  # SQL parameters are not secrets


_NEW = object()  # memo: not seen yet
_UNCHANGED = object()  # memo: nothing to replace
_SENSITIVE_WORD = object()  # memo: a data value to filter whole


class _Memos:
    """Per event: what each string scanned to, for text and for data values (the rules differ)."""

    __slots__ = ("text", "data")

    def __init__(self) -> None:
        self.text: dict[str, Any] = {}
        self.data: dict[str, Any] = {}

    def of(self, data: bool) -> dict[str, Any]:
        return self.data if data else self.text


class Scrubber:
    """Filters an event in place. One instance per client; thread-safe (its caches only grow to a bound)."""

    def __init__(
        self,
        denylist: Iterable[str] = (),
        allowlist: Iterable[str] = (),
        scrub_values: bool = True,
        scrub_ip_addresses: bool = True,
        wsgi_header_keys: bool = True,
    ) -> None:
        self.deny = tuple({name_words(n) for n in (*DEFAULT_DENYLIST, *denylist)} - {()})
        self.allow = frozenset(name_words(n) for n in allowlist)
        self.scrub_values = scrub_values
        self.scrub_ip_addresses = scrub_ip_addresses
        self.wsgi_header_keys = wsgi_header_keys
        self._keys: dict[str, bool] = {}
        #: Scrubbed source lines across events: code, not user data, and the same lines recur.
        self._code: dict[str, Any] = {}

    def sensitive(self, name: str) -> bool:
        """Whether a key or header/cookie/variable name is sensitive (denylisted and not allowlisted)."""
        found = self._keys.get(name)
        if found is None:
            words = name_words(name)
            singular = _singular(words)
            found = words not in self.allow and (
                any(_contains(words, d) or _contains(singular, d) for d in self.deny)
                or (self.wsgi_header_keys and _WSGI_HEADER.match(name) is not None)
            )
            if len(self._keys) < 10_000:
                self._keys[name] = found
        return found

    def __call__(self, event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
        meta = event.setdefault("_meta", {})
        self._scrub_event(event, meta, _Memos())
        if not meta:
            event.pop("_meta")
        return event

    def _scrub_event(self, event: dict[str, Any], meta: dict[str, Any], memos: _Memos) -> None:
        for key in list(event):
            if key in _SKIP_TOP:
                continue
            if key == "exception":
                self._exceptions(event[key], meta, memos)
            elif key == "request" and isinstance(event[key], dict):
                request = event[key]
                for name in list(request):
                    if name == "url" and isinstance(request[name], str):
                        request[name] = self._url(request[name], (key, name), meta)
                    else:
                        data = name not in ("query_string", "method")
                        request[name] = self._walk(request[name], (key, name), meta, data, memos.of(data))
            elif key == "breadcrumbs" and isinstance(event[key], dict):
                for index, crumb in enumerate(event[key].get("values") or []):
                    for name in list(crumb) if isinstance(crumb, dict) else ():
                        crumb[name] = self._walk(
                            crumb[name], (key, "values", index, name), meta, name == "data", memos.of(name == "data")
                        )
            else:
                data = key not in ("threads", "message", "logentry")
                event[key] = self._walk(event[key], (key,), meta, data, memos.of(data))

    def _exceptions(self, exception: Any, meta: dict[str, Any], memos: _Memos) -> None:
        values = exception.get("values") if isinstance(exception, dict) else None
        for vi, value in enumerate(values or []):
            base = ("exception", "values", vi)
            for key in list(value):
                if key == "stacktrace":
                    for fi, frame in enumerate((value[key] or {}).get("frames") or []):
                        for fkey in list(frame):
                            if fkey in _SOURCE_KEYS:
                                if len(self._code) > 8192:
                                    self._code.clear()
                                frame[fkey] = self._walk(
                                    frame[fkey], base + ("stacktrace", "frames", fi, fkey), meta, False, self._code
                                )
                            elif fkey not in _SKIP_FRAME:
                                data = fkey == "vars"
                                frame[fkey] = self._walk(
                                    frame[fkey], base + ("stacktrace", "frames", fi, fkey), meta, data, memos.of(data)
                                )
                elif key not in _SKIP_EXCEPTION:
                    value[key] = self._walk(value[key], base + (key,), meta, False, memos.text)

    def _walk(self, value: Any, path: tuple[Any, ...], meta: dict[str, Any], data: bool, memo: dict[str, Any]) -> Any:
        """Scrub ``value`` in place (returns the new value for strings).

        ``data``: a data value (variables, request data, ...), also held to the sensitive-word rule.
        ``memo``: results for strings already seen (their rules depend on ``data``, so one memo per kind).
        Paths are built only when something is recorded: most of an event is walked without allocating.
        """
        kind = type(value)
        if kind is str:
            return self._text(value, path, None, meta, data, memo)
        if kind is dict or isinstance(value, dict):
            known = self._keys  # name -> sensitive?, filled by self.sensitive
            for name, item in value.items():  # assigning existing keys while iterating is safe
                if item is None or item == "":
                    continue
                hit = known.get(name)
                if hit is None and type(name) is str:
                    hit = self.sensitive(name)
                if hit:
                    value[name] = self._filtered(item, path + (name,), meta, "key")
                    continue
                item_kind = type(item)
                if item_kind is str:
                    if len(item) >= 4:
                        if memo.get(item, _NEW) is _UNCHANGED:
                            continue  # seen before in this event: nothing to change (the common case, inline)
                        new = self._text(item, path, name, meta, data, memo)
                        if new is not item:
                            value[name] = new
                elif item_kind is dict or item_kind is list:
                    self._walk(item, path + (name,), meta, data, memo)
            return value
        if kind is list or isinstance(value, list):
            for index, item in enumerate(value):
                item_kind = type(item)
                if item_kind is str:
                    if len(item) >= 4:
                        if memo.get(item, _NEW) is _UNCHANGED:
                            continue
                        new = self._text(item, path, index, meta, data, memo)
                        if new is not item:
                            value[index] = new
                elif (
                    item_kind is list
                    and len(item) == 2
                    and type(item[0]) is str
                    and item[1] not in (None, "")
                    and self.sensitive(item[0])
                ):  # [name, value] pairs (headers as a list)
                    item[1] = self._filtered(item[1], path + (index, 1), meta, "key")
                elif item_kind is dict or item_kind is list:
                    self._walk(item, path + (index,), meta, data, memo)
        return value

    def _text(
        self, text: str, parent: tuple[Any, ...], key: Any, meta: dict[str, Any], data: bool, memo: dict[str, Any]
    ) -> str:
        """Scrub one string found at ``parent`` (+ ``key``, when not None); ``memo`` holds this event's results."""
        found = memo.get(text, _NEW)
        if found is _NEW:
            if not self.scrub_values or text == FILTERED or len(text) < 5 and not data:
                found = _UNCHANGED
            elif data and _WORDS_IN_VALUE.search(text.lower()):
                found = _SENSITIVE_WORD
            else:
                result, removed = self._scan(text) if len(text) >= 5 else (text, [])
                found = (result, removed) if removed else _UNCHANGED
            memo[text] = found
        if found is _UNCHANGED:
            return text
        path = parent if key is None else parent + (key,)
        if found is _SENSITIVE_WORD:
            return self._filtered(text, path, meta, "sensitive-word")
        result, removed = found
        node = _meta_node(meta, path).setdefault("", {})
        node.setdefault("len", len(text))
        node["rem"] = list(node.get("rem", [])) + [list(r) for r in removed]
        return result

    def _filtered(self, original: Any, path: tuple[Any, ...], meta: dict[str, Any], rule: str) -> str:
        node = _meta_node(meta, path)
        node.clear()  # whatever was recorded inside the value is gone with it
        note: dict[str, Any] = {"rem": [[f"framecap:{rule}", "s", 0, len(FILTERED)]]}
        if isinstance(original, str):
            note["len"] = len(original)
        node[""] = note
        return FILTERED

    def _url(self, url: str, path: tuple[Any, ...], meta: dict[str, Any]) -> str:
        """The request URL: every value rule but IP addresses (its host is the server, not the user)."""
        if not self.scrub_values:
            return url
        result, removed = self._scan(url, ips=False)
        if removed:
            _meta_node(meta, path)[""] = {"len": len(url), "rem": removed}
        return result

    def scrub_text(self, text: str) -> str:
        """``text`` with its secret parts replaced by value rules (not the key or word rules)."""
        if not self.scrub_values or len(text) < 5 or text == FILTERED:
            return text
        return self._scan(text)[0]

    def _rules_for(self, text: str, ips: bool = True) -> list[tuple[str, Any]]:
        """The rules that could match ``text``, by substring tests that cost far less than a regex."""
        rules: list[tuple[str, Any]] = []
        separator = ":" in text or "=" in text
        if separator:
            rules.append(("key-value", _KEY_VALUE))
            if "://" in text:
                rules.append(("url-credentials", _URL))
        if "-----BEGIN" in text:
            rules.append(("pem", _PEM))
        if "earer" in text or "asic " in text or "igest " in text or "oken " in text:
            rules.append(("http-credentials", _HTTP))
        if "eyJ" in text:
            rules.append(("jwt", _JWT))
        if "A" in text and _AWS.search(text):
            rules.append(("aws-key-id", _AWS))
        if "_" in text or "xox" in text:
            rules.append(("provider-token", _PROVIDER))
        if len(text) >= 13 and _DIGITS.search(text):
            rules += [("card", _CARD_SENTRY), ("card", _CARD)]
        if self.scrub_ip_addresses and ips:
            if text.count(".") >= 3:
                rules.append(("ip", _IPV4))
            if separator and ("::" in text or text.count(":") >= 7):
                rules.append(("ip", _IPV6))
        return rules

    def _scan(self, text: str, ips: bool = True) -> tuple[str, list[list[Any]]]:
        spans: list[tuple[int, int, str]] = []
        for rule, pattern in self._rules_for(text, ips):
            for match in pattern.finditer(text):
                secret = match.group("secret")
                start, end = match.span("secret")
                if rule == "key-value":
                    if (
                        not self.sensitive(match.group("key"))
                        or secret.strip("'\"") in ("", FILTERED)
                        or _PLACEHOLDER.match(secret)
                    ):
                        continue
                    if secret[:1] in "'\"" and len(secret) >= 2:
                        start, end = start + 1, end - 1
                elif rule == "card" and pattern is _CARD:
                    digits = secret.replace(" ", "").replace("-", "")
                    if not (13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and _luhn(digits)):
                        continue
                spans.append((start, end, rule))
        if not spans:
            return text, []
        spans.sort(key=lambda span: (span[0], -span[1]))
        pieces: list[str] = []
        removed: list[list[Any]] = []
        last = position = 0
        for start, end, rule in spans:
            if start < last:
                continue  # overlaps a span already replaced
            pieces.append(text[last:start])
            position += start - last
            pieces.append(FILTERED)
            removed.append([f"framecap:{rule}", "s", position, position + len(FILTERED)])
            position += len(FILTERED)
            last = end
        pieces.append(text[last:])
        return "".join(pieces), removed


def _meta_node(meta: dict[str, Any], path: Sequence[Any]) -> dict[str, Any]:
    node = meta
    for part in path:
        child = node.get(str(part))
        if not isinstance(child, dict):
            child = node[str(part)] = {}
        node = child
    return node
