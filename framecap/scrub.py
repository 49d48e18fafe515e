"""The scrubber: secrets anywhere in an event become ``[Filtered]``, judged by where a value sits and what it is.

- **Source text is code** (context lines, and the keys of expression values, which are source text):
  only literals and comments can change (:mod:`framecap.source_scrub`).
- **Named values** (variables, expression values by the name they are reached through, dict keys,
  headers, request data, user, tags, extra, breadcrumb data): a strong name filters any real value, a
  weak name only credential-shaped strings (:mod:`framecap.names`); SQL parameters held by a frame
  that holds an SQL statement are filtered whole.
- **Every string** (messages, reprs, data, dict keys, URLs) goes through the value rules
  (:mod:`framecap.textscan`): provider tokens, URL rules, ``name=value`` pairs, library messages,
  cards, IBANs, SSNs, public IP addresses.
- **Echoes**: a secret filtered by its name is filtered again wherever else the event repeats it
  (a ``KeyError`` message, a log line, an f-string).

Only the secret's characters are replaced, by the one marker ``[Filtered]``: a string repr keeps its
quotes (``'[Filtered]'``), a non-string value becomes the bare marker. Each replacement is recorded in
``_meta`` at the value's path with the rule that fired (``framecap:<rule>``), never with the secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ._types import FILTERED
from .echo import SKIP_FRAME, SKIP_TOP, SOURCE_KEYS, Echo, meta_node, move_meta, read_value_spans, remember, unique
from .names import NONE, STRONG, Names, display_names, name_words, reached_name
from .scrub_data import DataScrubbing
from .scrub_repeat import Repeats
from .source_block import QUIET, Contexts, block_contexts, lines_key
from .source_pairs import LOGIN_HINT
from .source_scrub import lex, literal_spans
from .textscan import NOTHING, WEAK_EVIDENCE, Span, TextScanner, apply_spans, resolve
from .urls import url_spans

__all__ = ["FILTERED", "Scrubber", "name_words"]

_LITERAL_CHARS = re.compile(r"['\"#0-9]")
_TOKEN_LITERAL = re.compile(r"['\"](?=[^'\"]*[A-Z])(?=[^'\"]*[0-9])[A-Za-z0-9_\-]{16,200}['\"]")
_EXPRESSION = -99  # a variables key that is an expression's source text
_FRAME_KNOWN = SKIP_FRAME | set(SOURCE_KEYS) | {"vars"}
_SQL_START = re.compile(r"[bu]?['\"]\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE|UPSERT|MERGE|CALL|EXEC)\b", re.I)
_SQL_HOLDERS = frozenset({"statement", "sql", "query", "operation", "stmt", "str_statement", "raw_sql"})
_SQL_PARAMS = frozenset(
    {
        "parameters",
        "params",
        "args",
        "seq_of_parameters",
        "multiparams",
        "distilled_params",
        "compiled_parameters",
        "vars",
        "values",
        "bind_params",
        "parameter",
        "param",
        "query_params",
    }
)
#: Rules whose matches are not found again elsewhere: personal data (numbers), whole parameter lists, echoes.
_NO_ECHO = frozenset({"card", "iban", "us-ssn", "ip-address", "sql-parameters", "echo"})
_CODE_LIMIT = 8192  # source texts remembered across events (code recurs; user data never goes here)


class _Pass:
    """One event's scrubbing: its ``_meta``, what its strings scanned to, and the secrets to find again.

    Strings are remembered for one event only: what a program held is not kept beyond the capture.
    """

    __slots__ = ("meta", "memo", "keys", "echoes", "named", "repeats")

    def __init__(self, meta: dict[str, Any]) -> None:
        self.meta = meta
        self.repeats: Repeats | None = Repeats()  # dicts met again (a WSGI environ in every middleware frame)
        self.memo: dict[str, list[Span]] = {}  # string -> its spans (all rules)
        self.named: dict[tuple[int, str], Any] = {}  # (name's tier, repr) -> what its name makes of it
        self.keys: dict[str, list[Span]] = {}  # dict key -> its spans (token and URL rules)
        self.echoes: set[str] = set()


#: ``ENV[key]``: a subscript by a local, whose value (a constant name, often) says what the item holds.
_INDEX_NAME = re.compile(r"\[\s*([A-Za-z_]\w*)\s*\]\Z")


class Scrubber(DataScrubbing):
    """Filters an event in place. One instance per client; thread-safe (its caches only grow to a bound)."""

    def __init__(
        self,
        denylist: Iterable[str] = (),
        allowlist: Iterable[str] = (),
        scrub_values: bool = True,
        scrub_ip_addresses: bool = True,
        wsgi_header_keys: bool = True,
        secret_rules: Iterable[Any] = (),
    ) -> None:
        self.names = Names(denylist, allowlist, wsgi_header_keys)
        self.scanner = TextScanner(self.names, secret_rules, ips=scrub_ip_addresses)
        self.scrub_values = scrub_values
        #: Source lines -> spans, and expression keys -> (spans, owner): code, not user data; bounded.
        self._code: dict[str, list[Span]] = {}
        self._blocks: dict[tuple[str, ...], Contexts] = {}  # a frame's source lines -> what they inherit
        self._expressions: dict[str, tuple[list[Span], str | None, list[str | None] | None]] = {}
        #: Variable name -> its tier, or _EXPRESSION for an expression value's key (code, bounded).
        self._variables: dict[str, int] = {}

    def sensitive(self, name: str) -> bool:
        """Whether a key, header, cookie or variable name is sensitive (either tier, and not allowlisted)."""
        return self.names.tier(name) > NONE

    def scrub_text(self, text: str) -> str:
        """``text`` with its secret parts replaced by the value rules."""
        if not self.scrub_values or len(text) < 5:
            return text
        return apply_spans(text, self.scanner.spans(text), FILTERED)[0]

    def __call__(self, event: dict[str, Any], hint: Any = None, revealed: Iterable[str] = ()) -> dict[str, Any]:
        """Filter ``event``; ``revealed``: known secrets of this capture (what pydantic secrets hide) whose
        copies are filtered wherever they appear, as a value filtered by a strong name's are."""
        meta = event.get("_meta")
        if not isinstance(meta, dict):
            meta = {}
        state = _Pass(meta)
        for secret in revealed:
            remember(secret, state.echoes)
        self._event(event, state)
        if state.echoes and self.scrub_values:
            echo = Echo.needed(state.echoes, meta, event, self.names.tier)
            if echo is not None:
                echo.event(event)
        if meta:
            event["_meta"] = meta
        else:
            event.pop("_meta", None)
        return event

    # -- where values sit --------------------------------------------------------------------------

    def _event(self, event: dict[str, Any], state: _Pass) -> None:
        for key in list(event):
            value = event[key]
            if key in SKIP_TOP or value is None:
                continue
            if key == "exception" and isinstance(value, dict):
                for vi, exc in enumerate(value.get("values") or ()):
                    if isinstance(exc, dict):
                        self._exception(exc, ("exception", "values", vi), state)
            elif key == "request" and isinstance(value, dict):
                self._request(value, state)
            elif key == "breadcrumbs" and isinstance(value, dict):
                for index, crumb in enumerate(value.get("values") or ()):
                    if isinstance(crumb, dict):
                        base = ("breadcrumbs", "values", index)
                        if isinstance(crumb.get("message"), str):
                            crumb["message"] = self._text(crumb["message"], base + ("message",), state)
                        if crumb.get("data") is not None:
                            crumb["data"] = self._data(crumb["data"], base + ("data",), NONE, False, state)
            elif key == "logentry" and isinstance(value, dict):
                for name in ("message", "formatted"):
                    if isinstance(value.get(name), str):
                        value[name] = self._text(value[name], ("logentry", name), state)
                if value.get("params") is not None:
                    value["params"] = self._data(value["params"], ("logentry", "params"), NONE, False, state)
            elif key == "message" and isinstance(value, str):
                event[key] = self._text(value, (key,), state)
            else:
                event[key] = self._data(value, (key,), NONE, False, state)

    def _exception(self, exc: dict[str, Any], base: tuple[Any, ...], state: _Pass) -> None:
        stacktrace = exc.get("stacktrace")
        frames = stacktrace.get("frames") if type(stacktrace) is dict else None
        if type(exc.get("value")) is str:
            exc["value"] = self._text(exc["value"], base + ("value",), state)
            line = frames[-1].get("context_line") if frames and type(frames[-1]) is dict else None
            spans = read_value_spans(exc["value"], line, self.names.tier) if type(line) is str else None
            if spans:  # a value the failing line read by a sensitive name, quoted in the message
                self._collect(exc["value"], spans, state)
                exc["value"] = self._replace(exc["value"], spans, base + ("value",), state)
        blocks = self._blocks
        for fi, frame in enumerate(frames or ()):
            if type(frame) is not dict:
                continue
            at = base + ("stacktrace", "frames", fi)
            quick: Any = lines_key(frame)
            try:
                known = blocks.get(quick)  # a frame whose lines all hold nothing costs this lookup
            except TypeError:  # an unhashable item where a line should be
                quick, known = None, None
            if known is not QUIET:
                self._frame_source(frame, at, state, quick)
            variables = frame.get("vars")
            if type(variables) is dict and variables:
                self._frame_vars(variables, at + ("vars",), state)
            for key in frame:
                if key not in _FRAME_KNOWN:
                    frame[key] = self._data(frame[key], at + (key,), NONE, True, state)

    def _frame_source(self, frame: dict[str, Any], at: tuple[Any, ...], state: _Pass, quick: Any) -> None:
        """A frame's source lines; a frame whose lines all hold nothing is marked :data:`QUIET` where its
        lines' block contexts are remembered."""
        code = self._code
        contexts = block_contexts(frame, self._blocks, _CODE_LIMIT, quick)
        for key in SOURCE_KEYS:
            lines = frame.get(key)
            if type(lines) is str:
                context = contexts.get((key, None)) if contexts else None
                if context is not None:
                    frame[key] = self._in_block(lines, at + (key,), state, context)
                elif code.get(lines) is not NOTHING:  # a line known to hold nothing costs one lookup
                    frame[key] = self._source(lines, at + (key,), state)
            elif type(lines) is list:
                for li, line in enumerate(lines):  # (a line's path is built only for a line scrubbed)
                    if type(line) is not str:
                        continue
                    context = contexts.get((key, li)) if contexts else None
                    if context is not None:
                        lines[li] = self._in_block(line, at + (key, li), state, context)
                    elif code.get(line) is not NOTHING:
                        lines[li] = self._source(line, at + (key, li), state)
        if quick in self._blocks and not contexts and all(code.get(line) is NOTHING for line in quick):
            self._blocks[quick] = QUIET  # (the key is there: the cache does not grow)

    def _request(self, request: dict[str, Any], state: _Pass) -> None:
        for name in list(request):
            value = request[name]
            path = ("request", name)
            if name == "method" or value is None:
                continue
            if name == "url" and isinstance(value, str):
                request[name] = self._text(value, path, state, ips=False)
            elif name == "query_string" and isinstance(value, str):
                request[name] = self._query(value, path, state)
            elif isinstance(value, str):
                request[name] = self._text(value, path, state)
            elif name == "headers" and type(value) is dict:
                for header, item in value.items():  # judged by the header's name: a custom one may hold a token
                    tier = self.names.header(header) if type(header) is str else NONE
                    value[header] = self._data(item, path + (header,), tier, False, state)
            else:
                request[name] = self._data(value, path, NONE, False, state)

    # -- text --------------------------------------------------------------------------------------

    def _text(self, text: str, path: tuple[Any, ...], state: _Pass, ips: bool = True) -> str:
        """Free text (messages, URLs, data strings): the value rules."""
        if not self.scrub_values or len(text) < 5 or text == FILTERED:
            return text
        spans = state.memo.get(text) if ips else None
        if spans is None:
            spans = self.scanner.spans(text, ips=ips)
            if ips:
                state.memo[text] = spans
        if not spans:
            return text
        self._collect(text, spans, state)
        return self._replace(text, spans, path, state)

    def _query(self, text: str, path: tuple[Any, ...], state: _Pass) -> str:
        if not self.scrub_values or len(text) < 3:
            return text
        spans = self.scanner.spans(text, ips=False, pairs=False) + url_spans(text, self.names.tier, query=True)
        return self._replace(text, resolve(spans), path, state) if spans else text

    def _source(self, line: str, path: tuple[Any, ...], state: _Pass, owner: str | None = None) -> str:
        found = self._code.get(line) if owner is None else None
        if found is None:
            found = self._source_spans(line, owner)
            if owner is None:
                if len(self._code) >= _CODE_LIMIT:
                    self._code.clear()
                self._code[line] = found
        if not found:
            return line
        self._collect(line, found, state)
        return self._replace(line, found, path, state)

    def _in_block(self, line: str, path: tuple[Any, ...], state: _Pass, context: tuple[str | None, bool]) -> str:
        """A line that inherits from the lines above it: a carried owner, or data inside a value string."""
        owner, data = context
        if not data:
            return self._source(line, path, state, owner)
        spans = self._literal_scan(line)
        if not spans:
            return line
        self._collect(line, spans, state)
        return self._replace(line, spans, path, state)

    def _source_spans(self, line: str, owner: str | None = None) -> list[Span]:
        if len(line) > 4096 or _LITERAL_CHARS.search(line) is None:
            return NOTHING  # no literal, no comment: nothing to scrub
        scan = self._literal_scan
        if (
            owner is None
            and self.names.hint(line) is None
            and not LOGIN_HINT.search(line)
            and not scan(line)
            and _TOKEN_LITERAL.search(line) is None  # (a generated token as a call's argument: source_scrub)
        ):
            return NOTHING
        return literal_spans(line, lex(line), self._source_tier, scan, owner) or NOTHING

    def _source_tier(self, name: str) -> int:
        """A name's tier as a literal's owner in code: a WSGI header key by the header's own words (source
        holds ``HTTP_METHODS = [...]`` and test fixtures' user agents, not a request's headers)."""
        return self.names.tier(name[5:] if name.startswith("HTTP_") else name)

    def _literal_scan(self, text: str) -> list[Span]:
        return self.scanner.spans(text, ips=False) if self.scrub_values and len(text) >= 5 else []

    def _replace(self, text: str, spans: list[Span], path: tuple[Any, ...], state: _Pass) -> str:
        result, removed = apply_spans(text, spans, FILTERED)
        node = meta_node(state.meta, path).setdefault("", {})
        node.setdefault("len", len(text))
        node["rem"] = list(node.get("rem", [])) + removed
        return result

    def _collect(self, text: str, spans: list[Span], state: _Pass) -> None:
        """Remember secrets found with evidence (they may be repeated where no name says what they are):
        a strong name's or a value rule's strongly, a weak name's only if random (see :mod:`framecap.echo`)."""
        for start, end, rule in spans:
            if rule not in _NO_ECHO:
                remember(text[start:end], state.echoes, strong=not rule.endswith(WEAK_EVIDENCE))

    # -- named values ------------------------------------------------------------------------------

    def _frame_vars(self, variables: dict[str, Any], path: tuple[Any, ...], state: _Pass) -> None:
        names = self.names
        memo = state.memo
        sql_frame = not _SQL_HOLDERS.isdisjoint(variables) and any(
            isinstance(variables.get(key), str) and _SQL_START.match(variables[key]) for key in _SQL_HOLDERS
        )
        renamed: dict[str, str] | None = None
        kinds = self._variables
        for key, value in variables.items():  # assigning existing keys while iterating is safe
            tier = kinds.get(key)
            if tier is None:
                if type(key) is not str:
                    continue
                if len(kinds) >= _CODE_LIMIT:
                    kinds.clear()
                tier = kinds[key] = names.tier(key) if key.isidentifier() else _EXPRESSION
            if value is None:
                continue
            if tier == _EXPRESSION:  # an expression value, keyed by its source text
                new_key, owner, members = self._expression_key(key, state)
                tier = names.tier(owner) if owner else NONE
                index = _INDEX_NAME.search(key) if key.endswith("]") else None
                held = variables.get(index.group(1)) if index else None
                if type(held) is str and 3 <= len(held) <= 202:  # ``ENV[key]`` with key = "DB_PASSWORD"
                    tier = max(tier, names.tier(held.strip("'\"")))
                if new_key != key:
                    renamed = renamed or {}
                    new_key = renamed[key] = unique(new_key, variables, renamed.values())
                    move_meta(state.meta, path, key, new_key)
                if members and type(value) is list and len(value) == len(members):
                    tiers = {i: names.tier(name) for i, name in enumerate(members) if name}
                    value = self._items(value, path + (new_key,), tiers, state)
                variables[key] = self._data(value, path + (new_key,), tier, True, state)
                continue
            if sql_frame and key in _SQL_PARAMS:
                tier = STRONG
            if tier == NONE:  # the common case, inline
                kind = type(value)
                if kind is str:
                    if len(value) < 6 or memo.get(value) is NOTHING:
                        continue
                    new = self._leaf(value, path + (key,), NONE, True, state)
                    if new is not value:
                        variables[key] = new
                elif kind is dict:
                    self._dict(value, path + (key,), NONE, True, state)
                elif kind is list and value:
                    self._list(value, path + (key,), NONE, True, state)
            else:
                variables[key] = self._data(value, path + (key,), tier, True, state)
        if renamed:
            items = [(renamed.get(key, key), value) for key, value in variables.items()]
            variables.clear()
            variables.update(items)

    def _expression_key(self, key: str, state: _Pass) -> tuple[str, str | None, list[str | None] | None]:
        """An expression value's key, scrubbed as source text; the name its value is reached through; for a
        tuple or list display, the name of each item."""
        found = self._expressions.get(key)
        if found is None:
            spans = literal_spans(key, lex(key), self.names.tier, self._literal_scan) if len(key) <= 4096 else []
            found = (spans, reached_name(key), display_names(key))
            if len(self._expressions) >= _CODE_LIMIT:
                self._expressions.clear()
            self._expressions[key] = found
        spans, owner, items = found
        if not spans:
            return key, owner, items
        self._collect(key, spans, state)
        return apply_spans(key, spans, FILTERED)[0], owner, items
