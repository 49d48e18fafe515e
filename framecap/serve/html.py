"""A small HTML element builder that escapes by construction.

Every text child and every attribute value is escaped when the tree is rendered; tag and
attribute names must look like names (they are constants in our code, never event data). The
one way to put markup in is :class:`Raw`, which only our own page skeleton and static files
use, never a value from an event. Rendering is iterative, so a deep tree can't exhaust the stack.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Union

__all__ = ["Child", "Element", "Raw", "h", "render"]

_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "col", "wbr"})


class Raw:
    """Markup written by us (the doctype, our own CSS and JS); never event data."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


Child = Union["Element", Raw, str, int, float, None, Iterable["Child"]]
AttrValue = Union[str, int, float, bool, None]


class Element:
    """One element: ``tag``, ``attrs`` (False/None values are left out, True is a bare attribute), children."""

    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, AttrValue] | None = None, children: Iterable[Child] = ()) -> None:
        if not _NAME.match(tag):
            raise ValueError(f"not a tag name: {tag!r}")
        for name in attrs or ():
            if not _NAME.match(name):
                raise ValueError(f"not an attribute name: {name!r}")
        self.tag = tag
        self.attrs = dict(attrs or {})
        self.children: list[Child] = []
        self.add(*children)

    def add(self, *children: Child) -> Element:
        """Append children (strings are text; lists and generators are flattened; None is skipped)."""
        for child in children:
            if child is None:
                continue
            if isinstance(child, (Element, Raw, str)):
                self.children.append(child)
            elif isinstance(child, (int, float)):
                self.children.append(str(child))
            else:
                self.add(*child)
        return self


def h(tag: str, attrs: dict[str, AttrValue] | None = None, *children: Child) -> Element:
    """``h("a", {"href": url}, "text")``: an element; text and attribute values are escaped on render."""
    return Element(tag, attrs, children)


def _open(element: Element) -> str:
    parts = [element.tag]
    for name, value in element.attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(name)
        else:
            parts.append(f'{name}="{html.escape(str(value), quote=True)}"')
    return "<" + " ".join(parts) + ">"


def render(node: Child) -> str:
    """The markup of ``node``: every string escaped, every element closed."""
    out: list[str] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        if isinstance(item, _Close):
            out.append(item.text)
        elif isinstance(item, str):
            out.append(html.escape(item, quote=False))
        elif isinstance(item, Raw):
            out.append(item.text)
        elif isinstance(item, Element):
            out.append(_open(item))
            if item.tag in _VOID:
                continue
            stack.append(_Close(f"</{item.tag}>"))
            stack.extend(reversed(item.children))
        elif isinstance(item, (int, float)):
            out.append(str(item))
        else:
            stack.extend(reversed(list(item)))  # type: ignore[call-overload]
    return "".join(out)


class _Close:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
