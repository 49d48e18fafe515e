"""Values of an event as HTML: inline when short, else an expandable tree; every ``_meta`` cut in place.

The rules are ``framecap show``'s (:mod:`framecap.cli.values`): frame variables hold ``repr``
strings at their leaves, other sections hold JSON values (strings shown quoted inside
containers), dict keys are shown as Python would show them. :class:`Cuts` hands out ``_meta``
nodes and remembers which parts of ``_meta`` the page showed, so that any cut left over can be
listed at the end of the page instead of silently missing.
"""

from __future__ import annotations

import json
from typing import Any

from ..cli.values import cut_marks, key_text, meta_at, value_segments
from .html import Child, Element, h

__all__ = ["Cuts", "describe_cut", "marks", "more_mark", "inline", "value_html"]

MAX_DEPTH = 32  # levels of nesting shown; an ingested event can nest deeper than any framecap event
MAX_ITEMS = 1000  # items of one container shown (framecap's own events keep far fewer)
INLINE = 80  # a value whose whole text is this short is shown inline, not as a tree
_FILTERED = "[Filtered]"
_CLASS = {"key": "key", "mark": "cut", "value": "v"}  # framecap show's style names -> CSS classes


def _key(path: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(p) for p in path)


class Cuts:
    """The event's ``_meta``, and the paths the page has shown (with everything under them)."""

    def __init__(self, meta: Any) -> None:
        self.root: dict[str, Any] = meta if isinstance(meta, dict) else {}
        self.covered: set[tuple[str, ...]] = set()

    def at(self, *path: Any) -> dict[str, Any]:
        """The ``_meta`` node at ``path`` (``{}`` when none); it counts as shown from now on."""
        self.covered.add(_key(path))
        return meta_at(self.root, *path)

    def leftovers(self, limit: int = 200) -> list[tuple[str, dict[str, Any]]]:
        """``(dotted path, own meta)`` of each cut not under a shown path, in document order."""
        found: list[tuple[str, dict[str, Any]]] = []
        stack: list[tuple[tuple[str, ...], Any]] = [((), self.root)]
        while stack and len(found) < limit:
            path, node = stack.pop()
            if not isinstance(node, dict) or any(path[:n] in self.covered for n in range(len(path) + 1)):
                continue
            own = node.get("")
            if isinstance(own, dict) and own:
                found.append((".".join(path) or "(event)", own))
            children = [(path + (str(k),), v) for k, v in node.items() if k != ""]
            stack.extend(reversed(children))
        return found


def describe_cut(own: dict[str, Any]) -> str:
    """One cut's own ``_meta`` in words (for cuts shown away from their value)."""
    text = " ".join(cut_marks({"": own}))
    if isinstance(own.get("len"), int) and not text:
        text = f"[originally {own['len']:,} long]"
    if not text:
        text = json.dumps(own, default=repr)[:300]
    return text


def marks(node: dict[str, Any], what: str = "value") -> list[Child]:
    """The cut marks of one string's ``_meta`` node, as spans (each after a space, for copied text)."""
    return [part for text in cut_marks(node, what) for part in (" ", h("span", {"class": "cut"}, text))]


def more_mark(own: Any, shown: int, noun: str = "item") -> Element | None:
    """``… N more items`` when ``_meta`` says the container had more than ``shown``."""
    total = own.get("len") if isinstance(own, dict) else None
    if isinstance(total, int) and not isinstance(total, bool) and total > shown:
        extra = total - shown
        return h("span", {"class": "cut"}, f"… {extra:,} more {noun}{'s' if extra != 1 else ''}")
    return None


def _own(meta: dict[str, Any]) -> dict[str, Any]:
    own = meta.get("")
    return own if isinstance(own, dict) else {}


def _rules(own: dict[str, Any]) -> list[str]:
    rules = []
    for removed in own.get("rem") or []:
        if isinstance(removed, list) and removed and isinstance(removed[0], str) and not removed[0].startswith("!"):
            rules.append(removed[0].split(":", 1)[-1])
    return list(dict.fromkeys(rules))


def _leaf_text(value: Any, reprs: bool) -> str:
    if isinstance(value, str):
        return value if reprs else repr(value)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    return repr(value)


def _preview(value: Any, reprs: bool, budget: int) -> tuple[str, bool]:
    """The value's inline text, at most about ``budget`` characters: ``(text, complete)``."""
    parts: list[str] = []
    used = 0

    def emit(text: str) -> bool:
        nonlocal used
        parts.append(text)
        used += len(text)
        return used <= budget

    def walk(item: Any, depth: int) -> bool:
        if depth > 6:
            return False
        if isinstance(item, dict):
            if not emit("{"):
                return False
            for index, (key, child) in enumerate(item.items()):
                if (index and not emit(", ")) or not emit(key_text(str(key)) + ": ") or not walk(child, depth + 1):
                    return False
            return emit("}")
        if isinstance(item, list):
            if not emit("["):
                return False
            for index, child in enumerate(item):
                if (index and not emit(", ")) or not walk(child, depth + 1):
                    return False
            return emit("]")
        if item == _FILTERED:
            return emit(_FILTERED)
        return emit(_leaf_text(item, reprs))

    complete = walk(value, 0)
    text = "".join(parts)
    if not complete:
        text = text[:budget] + "…"
    return text, complete


def _absent(value: dict[str, Any] | list[Any], meta: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Cuts ``_meta`` records for keys the value no longer has (a value removed whole)."""
    present = {str(k) for k in value} if isinstance(value, dict) else {str(i) for i in range(len(value))}
    out = []
    for key, node in meta.items():
        if key != "" and key not in present and isinstance(node, dict) and isinstance(node.get(""), dict) and node[""]:
            out.append((key, node[""]))
    return out


def inline(value: Any, meta: dict[str, Any], reprs: bool) -> Element:
    """A short value on one line, its cuts marked in place (``framecap show``'s segments, as spans)."""
    out = h("code")
    for text, style in value_segments(value, meta, reprs=reprs):
        out.add(h("span", {"class": _CLASS[style]}, text) if style in _CLASS else text)
    return out


def value_html(value: Any, meta: dict[str, Any], reprs: bool = True, depth: int = 0, open_: bool = False) -> Child:
    """``value`` as HTML: a leaf, an inline container, or a ``<details>`` tree with a preview as its summary.

    ``reprs``: string leaves already are reprs (frame variables); else they are JSON strings, shown quoted.
    """
    own = _own(meta)
    if value == _FILTERED:
        rules = _rules(own)
        return h("span", {"class": "filtered"}, f"[Filtered: {', '.join(rules)}]" if rules else _FILTERED)
    if not isinstance(value, (dict, list)):
        return h("span", {"class": "val"}, h("code", None, _leaf_text(value, reprs)), marks(meta))
    if depth >= MAX_DEPTH:
        return h("span", {"class": "cut"}, f"… nested deeper than {MAX_DEPTH} levels")
    text, complete = _preview(value, reprs, INLINE)
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    absent = _absent(value, meta)
    if complete and not open_ and not absent:
        return h("span", {"class": "val"}, inline(value, meta, reprs))
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    rows: list[Element] = []
    for key, child in items[:MAX_ITEMS]:
        label = key_text(str(key)) if isinstance(value, dict) else str(key)
        rows.append(
            h(
                "li",
                None,
                h("span", {"class": "key" if isinstance(value, dict) else "idx"}, label),
                ": ",
                value_html(child, meta_at(meta, key), reprs, depth + 1),
            )
        )
    if len(items) > MAX_ITEMS:
        rows.append(h("li", None, h("span", {"class": "cut"}, f"… {len(items) - MAX_ITEMS:,} more not shown here")))
    for key, cut in absent:
        label = key_text(key) if isinstance(value, dict) else key
        rows.append(
            h("li", None, h("span", {"class": "key"}, label), ": ", h("span", {"class": "cut"}, describe_cut(cut)))
        )
    more = more_mark(own, len(items))
    if more is not None:
        rows.append(h("li", None, more))
    summary_text = text if len(text) <= INLINE + 1 else text[:INLINE] + "…"
    size = f"{len(items)} {'key' if isinstance(value, dict) else 'item'}{'s' if len(items) != 1 else ''}"
    return h(
        "details",
        {"class": "tree", "open": open_},
        h("summary", None, h("code", {"class": "preview"}, summary_text), " ", h("span", {"class": "size"}, size)),
        h("ul", None, rows) if rows else h("code", None, opening + closing),
    )
