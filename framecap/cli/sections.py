"""The sections ``framecap show`` prints after the traceback, each only when the event has it.

Log message, request, user, tags, contexts, extra, breadcrumbs, SDK, release: the order a
person debugging wants them in (what was logged, what came in, who, then the rest).
"""

from __future__ import annotations

import datetime
from typing import Any

from .terminal import Line
from .values import cut_marks, local, meta_at, value_segments

__all__ = ["sections"]

_INDENT = "  "


def _heading(title: str) -> list[Line]:
    return [Line(), Line().add(title, "heading")]


def _pairs(items: dict[str, Any], meta: dict[str, Any], reprs: bool = False, sep: str = " = ") -> list[Line]:
    out = []
    for key, value in items.items():
        line = Line(indent=len(_INDENT) + 4).add(_INDENT).add(str(key), "key").add(sep)
        if isinstance(value, str) and not reprs and value != "[Filtered]":
            line.add(value, "value")
            for mark in cut_marks(meta_at(meta, key)):
                line.add(" " + mark, "mark")
        else:
            line.segments += value_segments(value, meta_at(meta, key), reprs=reprs)
        out.append(line)
    more: Any = meta.get("") if isinstance(meta.get(""), dict) else {}
    if isinstance(more.get("len"), int) and more["len"] > len(items):
        out.append(Line().add(f"{_INDENT}… {more['len'] - len(items):,} more", "mark"))
    return out


def sections(event: dict[str, Any], meta: dict[str, Any], tz: datetime.tzinfo | None) -> list[Line]:
    """Lines for every section the event has, in reading order."""
    out: list[Line] = []
    out += _logentry(event, meta)
    out += _request(event, meta)
    for key, title, reprs in (("user", "User", False), ("tags", "Tags", False)):
        if isinstance(event.get(key), dict) and event[key]:
            out += _heading(title) + _pairs(event[key], meta_at(meta, key), reprs, ": " if key == "tags" else " = ")
    contexts = event.get("contexts")
    if isinstance(contexts, dict) and contexts:
        out += _heading("Contexts")
        for name, context in contexts.items():
            if isinstance(context, dict):
                shown = {k: v for k, v in context.items() if k != "type" or v != name}
                line = Line(indent=len(_INDENT) + 4).add(_INDENT).add(str(name), "key").add(": ")
                line.add(", ".join(f"{k}={_plain(v)}" for k, v in shown.items()), "value")
                out.append(line)
    if isinstance(event.get("extra"), dict) and event["extra"]:
        out += _heading("Extra") + _pairs(event["extra"], meta_at(meta, "extra"), reprs=False)
    out += _breadcrumbs(event, meta, tz)
    sdk = event.get("sdk")
    if isinstance(sdk, dict) and sdk.get("name"):
        out += _heading("SDK") + [Line().add(f"{_INDENT}{sdk.get('name')} {sdk.get('version', '')}".rstrip())]
    release = {k: event[k] for k in ("release", "environment", "server_name") if event.get(k)}
    if release:
        out += _heading("Release") + _pairs(
            {k.replace("_", " "): v for k, v in release.items()}, {}, reprs=False, sep=": "
        )
    return out


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _logentry(event: dict[str, Any], meta: dict[str, Any]) -> list[Line]:
    entry: Any = event.get("logentry") if isinstance(event.get("logentry"), dict) else None
    message = (entry or {}).get("formatted") or (entry or {}).get("message") or event.get("message")
    if not message:
        return []
    out = _heading("Log message")
    where = "logentry" if entry else "message"
    logger = event.get("logger")
    first, *rest = str(message).split("\n")
    line = Line(indent=len(_INDENT)).add(_INDENT)
    if logger:
        line.add(f"[{logger}] ", "dim")
    out.append(line.add(first, "message"))
    out += [Line(indent=len(_INDENT)).add(_INDENT + text, "message") for text in rest]
    node = meta_at(meta, where, "formatted") if entry else meta_at(meta, where)
    out += [Line().add(_INDENT + mark, "mark") for mark in cut_marks(node, "message")]
    return out


def _request(event: dict[str, Any], meta: dict[str, Any]) -> list[Line]:
    request = event.get("request")
    if not isinstance(request, dict) or not request:
        return []
    node = meta_at(meta, "request")
    out = _heading("Request")
    url = str(request.get("url") or "")
    if request.get("query_string"):
        url += "?" + str(request["query_string"]) if isinstance(request["query_string"], str) else ""
    line = Line(indent=len(_INDENT) + 4).add(_INDENT).add(str(request.get("method") or ""), "bold")
    out.append(line.add(" " + url if url else ""))
    for mark in cut_marks(meta_at(node, "url")) + cut_marks(meta_at(node, "query_string")):
        out.append(Line().add(_INDENT + mark, "mark"))
    headers = request.get("headers")
    if isinstance(headers, dict) and headers:
        out += _pairs(headers, meta_at(node, "headers"), sep=": ")
    elif isinstance(headers, list):
        pairs = {str(h[0]): h[1] for h in headers if isinstance(h, list) and len(h) == 2}
        out += _pairs(pairs, {}, sep=": ")
    for key, title in (("cookies", "cookies"), ("data", "data"), ("env", "env")):
        value = request.get(key)
        if value in (None, "", {}, []):
            own = meta_at(node, key).get("")
            if isinstance(own, dict) and own.get("rem"):
                reason = own["rem"][0][0] if own["rem"] and own["rem"][0] else "?"
                size = f", {own['len']:,} bytes" if isinstance(own.get("len"), int) else ""
                out.append(Line().add(f"{_INDENT}{title}: [left out: {reason}{size}]", "mark"))
            continue
        line = Line(indent=len(_INDENT) + 4).add(_INDENT).add(title, "key").add(": ")
        if isinstance(value, str):
            line.add(value, "value")
            for mark in cut_marks(meta_at(node, key)):
                line.add(" " + mark, "mark")
        else:
            line.segments += value_segments(value, meta_at(node, key), reprs=False)
        out.append(line)
    return out


def _breadcrumbs(event: dict[str, Any], meta: dict[str, Any], tz: datetime.tzinfo | None) -> list[Line]:
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    if not isinstance(values, list) or not values:
        return []
    out = _heading("Breadcrumbs")
    kept = meta_at(meta, "breadcrumbs", "values").get("")
    if isinstance(kept, dict) and isinstance(kept.get("len"), int) and kept["len"] > len(values):
        out.append(Line().add(f"{_INDENT}… {kept['len'] - len(values):,} older breadcrumbs not kept", "mark"))
    for index, crumb in enumerate(values):
        if not isinstance(crumb, dict):
            continue
        when = crumb.get("timestamp")
        moment = local(when, tz)
        stamp = moment.strftime("%H:%M:%S") if moment is not None else str(when) if when is not None else "?"
        line = Line(indent=len(_INDENT) + 4).add(_INDENT).add(stamp, "dim")
        line.add(f"  {crumb.get('category') or crumb.get('type') or '-'}", "key")
        line.add(f"  {crumb.get('level') or 'info'}", "dim")
        message = crumb.get("message")
        node = meta_at(meta, "breadcrumbs", "values", index)
        if message:
            line.add("  " + str(message), "value")
            for mark in cut_marks(meta_at(node, "message")):
                line.add(" " + mark, "mark")
        if isinstance(crumb.get("data"), dict) and crumb["data"]:
            line.add("  ")
            line.segments += value_segments(crumb["data"], meta_at(node, "data"), reprs=False)
        out.append(line)
    return out
