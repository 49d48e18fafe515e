"""Frame and exception records: what a capture learned, as plain strings and ints.

Frames and tracebacks are read once into these records and never kept; the records become
Sentry's event dicts once, at the end (:meth:`FrameRecord.to_dict`, :meth:`ExceptionRecord.to_dict`).
``vars`` holds what the serializer made (JSON data only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .meta import Meta
from .serialize import clean_text, cut_text

__all__ = ["NAME_LIMIT", "ExceptionRecord", "FrameRecord", "bounded_name"]

#: Characters kept of a name (exception type, module, function, file path): generated code can make
#: them megabytes long; the cut is recorded in the record's ``cuts``.
NAME_LIMIT = 512


def bounded_name(text: str, cuts: Meta, key: str) -> str:
    """``text`` cut to :data:`NAME_LIMIT` characters; the cut (``_meta``) goes into ``cuts[key]``. Lone
    surrogates (a file name's undecodable bytes) become escapes: a server rejects the event otherwise."""
    text = clean_text(text)
    if len(text) <= NAME_LIMIT:
        return text
    cut, meta = cut_text(text[: NAME_LIMIT + 1], NAME_LIMIT, len(text))
    if meta:
        cuts[key] = meta
    return cut


@dataclass
class FrameRecord:
    """One stack frame. ``lineno`` is the traceback entry's line (a frame that caught the exception
    still points at the raise)."""

    filename: str
    abs_path: str
    module: str | None
    function: str
    lineno: int | None
    in_app: bool
    colno: int | None = None  # 1-based, in characters
    #: ``end_lineno``/``end_colno`` (and ``start_lineno``/``start_colno``), ``expressions`` (why
    #: expression values are missing): ints and strings.
    data: dict[str, Any] = field(default_factory=dict)
    pre_context: list[str] | None = None  # source, when included (all three set together)
    context_line: str | None = None
    post_context: list[str] | None = None
    vars: dict[str, Any] | None = None
    #: ``_meta`` of the names cut to :data:`NAME_LIMIT` (by field name).
    cuts: Meta = field(default_factory=dict)

    def skeleton(self) -> dict[str, Any]:
        """Where the frame is, without source or variables."""
        return self._where(dict(self.data) if self.data else None)

    def _where(self, data: dict[str, Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "filename": self.filename,
            "abs_path": self.abs_path,
            "module": self.module,
            "function": self.function,
            "lineno": self.lineno,
            "in_app": self.in_app,
        }
        if self.colno is not None:
            out["colno"] = self.colno
        if data:
            out["data"] = data
        return out

    def to_dict(self) -> dict[str, Any]:
        """The Sentry frame. It holds the record's own ``data``, context lists and ``vars`` (not copies):
        a record is dropped once it is a dict."""
        out = self._where(self.data)
        if self.pre_context is not None:
            out["pre_context"] = self.pre_context
            out["context_line"] = self.context_line
            out["post_context"] = self.post_context
        if self.vars is not None:
            out["vars"] = self.vars
        return out

    def take_positions(self, frame: dict[str, Any]) -> None:
        """Adopt ``colno`` and ``data`` from the frame's dict form (as expression analysis left it)."""
        colno = frame.get("colno")
        self.colno = colno if type(colno) is int else None
        data = frame.get("data")
        self.data = dict(data) if isinstance(data, dict) else {}


@dataclass
class ExceptionRecord:
    """One exception of the event, with its kept frames (oldest first)."""

    type: str
    value: str
    module: str | None
    mechanism: dict[str, Any]
    exception_id: int
    frames: list[FrameRecord] = field(default_factory=list)
    frame_count: int = 0  # visible frames of its traceback, kept or not
    cuts: Meta = field(default_factory=dict)  # ``_meta`` of the names cut (``type``, ``module``)

    def to_dict(self) -> dict[str, Any]:
        """The Sentry exception."""
        out: dict[str, Any] = {"type": self.type, "value": self.value}
        if self.module is not None:
            out["module"] = self.module
        out["mechanism"] = self.mechanism
        if self.frames:
            out["stacktrace"] = {"frames": [frame.to_dict() for frame in self.frames]}
        return out
