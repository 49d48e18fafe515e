"""The document around every page: its head, its top bar, our static files and the security policies.

The server's pages load ``/static/app.css`` and ``/static/app.js``; the export inlines the CSS and
allows it by its hash in a Content-Security-Policy of its own, and has no script at all.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources

from .html import Element, Raw, h, render

__all__ = ["SERVER_POLICY", "document", "export_policy", "static_file", "top"]

#: The server's Content-Security-Policy: our own script and style files only, nothing inline,
#: no frames around the pages (a delete button can't be clicked through a disguise), forms post home.
SERVER_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def static_file(name: str) -> bytes:
    """One of our shipped files (``app.css``, ``app.js``)."""
    return resources.files(__package__).joinpath("static", name).read_bytes()


def export_policy() -> str:
    """The export's Content-Security-Policy: its inline stylesheet, allowed by hash, and nothing else."""
    return _policy_for_export(static_file("app.css").decode("utf-8"))


def _policy_for_export(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; form-action 'none'"


def document(title: str, body: Element, *, export: bool = False) -> str:
    head = h(
        "head",
        None,
        h("meta", {"charset": "utf-8"}),
        h("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
    )
    head.add(h("meta", {"name": "referrer", "content": "same-origin"}))
    if export:
        css = static_file("app.css").decode("utf-8")
        head.add(h("meta", {"http-equiv": "Content-Security-Policy", "content": _policy_for_export(css)}))
        head.add(h("title", None, title), h("style", None, Raw(css)))
    else:
        head.add(h("title", None, title), h("link", {"rel": "stylesheet", "href": "/static/app.css"}))
        head.add(h("script", {"src": "/static/app.js", "defer": True}))
    return "<!DOCTYPE html>\n" + render(h("html", {"lang": "en"}, head, body)) + "\n"


def top(inbox_path: str, dsn: str) -> Element:
    return h(
        "header",
        {"class": "top"},
        h("a", {"href": "/", "class": "brand"}, "framecap"),
        " ",
        h("span", {"class": "inbox", "title": "the inbox this server reads and writes"}, inbox_path),
        " ",
        h("span", {"class": "dsn"}, "DSN ", h("code", None, dsn)),
    )
