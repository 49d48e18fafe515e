"""The sections after the exceptions, each only when the event has it (``framecap show``'s order).

Log message, request, user, tags, contexts, extra, breadcrumbs, SDK and release, then any other
top-level field an SDK sent (``modules``, ``threads``...) collapsed, so nothing the event holds
is hidden from the page.
"""

from __future__ import annotations

from typing import Any

from ..cli.values import format_time, local
from .html import Child, Element, h
from .values_html import Cuts, marks, more_mark, value_html

__all__ = ["KNOWN", "sections"]

#: Top-level fields with a place of their own on the page (the header or a section).
KNOWN = frozenset(
    {
        "event_id", "timestamp", "level", "platform", "exception", "_meta", "logentry", "message", "logger",
        "request", "user", "tags", "contexts", "extra", "breadcrumbs", "sdk", "release", "environment",
        "server_name", "received",
    }
)  # fmt: skip


_LEVELS = frozenset({"debug", "info", "warning", "error", "fatal", "critical"})


def _section(title: str, ident: str, *children: Child) -> Element:
    return h("section", {"class": "sect", "id": ident}, h("h2", None, title), *children)


def _text(value: Any, meta: dict[str, Any], what: str = "value") -> Child:
    """A JSON value where a string is shown as it is (not quoted), with its cut marks."""
    if isinstance(value, str) and value != "[Filtered]":
        return h("span", {"class": "val"}, value, marks(meta, what))
    return value_html(value, meta, reprs=False)


def _pairs(items: dict[str, Any], meta: dict[str, Any], plain: bool = True) -> list[Element]:
    """A key/value table (``plain``: top-level strings unquoted), with ``… N more`` when keys were cut."""
    rows = [
        h(
            "tr",
            None,
            h("th", None, str(key)),
            h(
                "td",
                None,
                _text(value, _node(meta, key)) if plain else value_html(value, _node(meta, key), reprs=False),
            ),
        )
        for key, value in items.items()
    ]
    out = [h("table", {"class": "kv"}, rows)] if rows else []
    more = more_mark(meta.get(""), len(items))
    if more is not None:
        out.append(h("p", None, more))
    return out


def _node(meta: Any, key: Any) -> dict[str, Any]:
    node = meta.get(str(key)) if isinstance(meta, dict) else None
    return node if isinstance(node, dict) else {}


def _as_dict(value: Any) -> dict[str, Any] | None:
    """A dict, or a list of ``[key, value]`` pairs (Sentry accepts both for tags and headers), as a dict."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        pairs = [item for item in value if isinstance(item, list) and len(item) == 2]
        return {str(k): v for k, v in pairs} if pairs else None
    return None


def sections(event: dict[str, Any], cuts: Cuts) -> list[Element]:
    """Every section ``event`` has, in reading order."""
    out: list[Element] = []
    out += _logentry(event, cuts)
    out += _request(event, cuts)
    for key, title in (("user", "User"), ("tags", "Tags")):
        items = _as_dict(event.get(key))
        if items:
            out.append(_section(title, key, _pairs(items, cuts.at(key))))
    contexts = event.get("contexts")
    if isinstance(contexts, dict) and contexts:
        meta = cuts.at("contexts")
        rows = []
        for name, context in contexts.items():
            shown = (
                {k: v for k, v in context.items() if k != "type" or v != name} if isinstance(context, dict) else context
            )
            rows.append(h("tr", None, h("th", None, str(name)), h("td", None, _context(shown, _node(meta, name)))))
        out.append(_section("Contexts", "contexts", h("table", {"class": "kv"}, rows)))
    extra = event.get("extra")
    if isinstance(extra, dict) and extra:
        out.append(_section("Extra", "extra", _pairs(extra, cuts.at("extra"), plain=False)))
    out += _breadcrumbs(event, cuts)
    sdk = event.get("sdk")
    if isinstance(sdk, dict) and sdk.get("name"):
        cuts.at("sdk")
        text = f"{sdk.get('name')} {sdk.get('version', '')}".rstrip()
        out.append(_section("SDK", "sdk", h("p", None, text)))
    release = {k.replace("_", " "): event[k] for k in ("release", "environment", "server_name") if event.get(k)}
    if release:
        for key in ("release", "environment", "server_name"):
            cuts.at(key)
        out.append(_section("Release", "release", _pairs(release, {})))
    others = {k: v for k, v in event.items() if k not in KNOWN and v not in (None, "", [], {})}
    if others:
        meta = {k: cuts.at(k) for k in others}
        out.append(
            _section(
                "Other fields",
                "other",
                h(
                    "table",
                    {"class": "kv"},
                    [
                        h("tr", None, h("th", None, k), h("td", None, value_html(v, meta[k], reprs=False)))
                        for k, v in others.items()
                    ],
                ),
            )
        )
    return out


def _context(value: Any, meta: dict[str, Any]) -> Child:
    if isinstance(value, dict) and value and all(not isinstance(v, (dict, list)) for v in value.values()):
        return h(
            "span",
            {"class": "ctx"},
            [
                [h("span", {"class": "pair"}, h("span", {"class": "key"}, str(k)), "=", _text(v, _node(meta, k))), " "]
                for k, v in value.items()
            ],
        )
    return value_html(value, meta, reprs=False)


def _logentry(event: dict[str, Any], cuts: Cuts) -> list[Element]:
    entry: Any = event.get("logentry") if isinstance(event.get("logentry"), dict) else None
    message = (entry or {}).get("formatted") or (entry or {}).get("message") or event.get("message")
    if not message:
        return []
    if isinstance(message, dict):  # the legacy message interface
        message = message.get("formatted") or message.get("message") or ""
    meta = cuts.at("logentry") if entry else cuts.at("message")
    node = _node(meta, "formatted") if entry else meta
    logger = event.get("logger")
    body = h("pre", {"class": "logmsg"}, h("span", {"class": "dim"}, f"[{logger}] ") if logger else None, str(message))
    return [
        _section("Log message", "log", body, h("p", None, marks(node, "message")) if marks(node, "message") else None)
    ]


def _request(event: dict[str, Any], cuts: Cuts) -> list[Element]:
    request = event.get("request")
    if not isinstance(request, dict) or not request:
        return []
    meta = cuts.at("request")
    url = str(request.get("url") or "")
    query = request.get("query_string")
    if isinstance(query, str) and query:
        url += "?" + query
    elif isinstance(query, (dict, list)) and query:
        url += " " + str(query)
    head = h(
        "p", {"class": "reqline"}, h("b", None, str(request.get("method") or "")), " ", h("span", {"class": "val"}, url)
    )
    head.add(marks(_node(meta, "url")), marks(_node(meta, "query_string")))
    out: list[Child] = [head]
    headers = _as_dict(request.get("headers"))
    if headers:
        out.append(h("h3", None, "Headers"))
        out += _pairs(headers, _node(meta, "headers"))
    for key, title in (("cookies", "Cookies"), ("data", "Data"), ("env", "Environment")):
        value = request.get(key)
        node = _node(meta, key)
        if value in (None, "", {}, []):
            own = node.get("")
            if isinstance(own, dict) and own.get("rem"):
                first = own["rem"][0] if isinstance(own["rem"], list) and own["rem"] else None
                reason = first[0] if isinstance(first, list) and first else "?"
                size = f", {own['len']:,} bytes" if isinstance(own.get("len"), int) else ""
                out.append(
                    h("p", None, h("b", None, title), ": ", h("span", {"class": "cut"}, f"[left out: {reason}{size}]"))
                )
            continue
        out.append(h("h3", None, title))
        out.append(_text(value, node) if isinstance(value, str) else value_html(value, node, reprs=False, open_=True))
    known = {"url", "method", "query_string", "headers", "cookies", "data", "env"}
    rest = {k: v for k, v in request.items() if k not in known and v not in (None, "", {}, [])}
    if rest:
        out += _pairs(rest, meta)
    return [_section("Request", "request", out)]


def _breadcrumbs(event: dict[str, Any], cuts: Cuts) -> list[Element]:
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    if not isinstance(values, list) or not values:
        return []
    meta = cuts.at("breadcrumbs")
    out: list[Child] = []
    kept = _node(_node(meta, "values"), "").get("len") if isinstance(crumbs, dict) else None
    if isinstance(kept, int) and kept > len(values):
        out.append(h("p", {"class": "cut"}, f"… {kept - len(values):,} older breadcrumbs not kept"))
    rows = []
    for index, crumb in enumerate(values):
        if not isinstance(crumb, dict):
            continue
        node = _node(_node(meta, "values"), index) if isinstance(crumbs, dict) else _node(meta, index)
        when = crumb.get("timestamp")
        moment = local(when)
        stamp = moment.strftime("%H:%M:%S") if moment is not None else str(when) if when is not None else "?"
        message = crumb.get("message")
        cell = h(
            "td", None, h("span", {"class": "val"}, str(message)) if message else None, marks(_node(node, "message"))
        )
        if isinstance(crumb.get("data"), dict) and crumb["data"]:
            cell.add(" ", value_html(crumb["data"], _node(node, "data"), reprs=False))
        rows.append(
            h(
                "tr",
                {"class": f"level-{crumb['level']}" if crumb.get("level") in _LEVELS else None},
                h("td", {"class": "dim", "title": format_time(when)}, stamp),
                h("td", {"class": "key"}, str(crumb.get("category") or crumb.get("type") or "-")),
                h("td", {"class": "dim"}, str(crumb.get("level") or "info")),
                cell,
            )
        )
    out.append(h("table", {"class": "crumbs"}, rows))
    return [_section("Breadcrumbs", "breadcrumbs", out)]
