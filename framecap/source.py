"""Source context: the lines around a frame's line, read by the code object's filename.

Lines come from :mod:`linecache`, split only where Python's tokenizer splits (``\\n``, ``\\r\\n``,
``\\r``), so form feeds and other ``str.splitlines`` breaks don't shift line numbers. A loader's
source (zip imports) is used only when the frame's module really is that file, and relative or
pseudo filenames are never resolved against ``sys.path``: code from ``exec()`` never shows
another file's lines.
"""

from __future__ import annotations

import linecache
import os
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["LoaderFailed", "SourceReader"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _split(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return [line + "\n" for line in lines]


def _loader_lines(filename: str, module_globals: Mapping[str, Any]) -> list[str] | None:
    """Source from the module's loader (zip imports), split the tokenizer's way, cached in linecache.

    linecache's own lazy loading splits with ``str.splitlines`` (wrong after a form feed), and
    other tools (executing) may already have filled its cache that way: we overwrite the entry.
    """
    loader = module_globals.get("__loader__")
    get_source = getattr(loader, "get_source", None)
    name = module_globals.get("__name__")
    if get_source is None or not isinstance(name, str):
        return None
    text = get_source(name)
    if not isinstance(text, str):
        return None
    lines = _split(text)
    linecache.cache[filename] = (len(text), None, lines, filename)
    return lines


class LoaderFailed(Exception):
    """A module loader's ``get_source`` raised while the source was read: ``str()`` is its error's type name."""


class SourceReader:
    """Reads source for one capture: each file is checked for staleness once, then served from memory."""

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}
        self._failed: dict[str, str] = {}  # file: the type name of what its loader raised
        #: Free for the caller: results derived from this capture's reads (e.g. cut context windows).
        self.memo: dict[Any, Any] = {}

    def lines(self, filename: str, module_globals: Mapping[str, Any] | None) -> list[str]:
        """All lines of ``filename`` (with line ends), or ``[]`` when its source can't be had safely."""
        found = self._files.get(filename)
        if found is None:
            try:
                found = self._read(filename, module_globals)
            except ImportError:  # what a loader raises for source it can't find (a file deleted since)
                found = []
            except BaseException as error:  # noqa: B036 - a loader's get_source is user code
                found = []
                self._failed[filename] = type(error).__name__
            self._files[filename] = found
        return found

    @staticmethod
    def _read(filename: str, module_globals: Mapping[str, Any] | None) -> list[str]:
        pseudo = not filename or (filename.startswith("<") and filename.endswith(">"))
        if not pseudo and os.path.isabs(filename) and os.path.isfile(filename):
            linecache.checkcache(filename)
            return linecache.getlines(filename)
        own_file = module_globals is not None and module_globals.get("__file__") == filename
        if own_file and not pseudo:
            if os.path.isfile(filename):  # a relative path that is this very module's file
                return linecache.getlines(os.path.abspath(filename))
            lines = _loader_lines(filename, module_globals)  # type: ignore[arg-type]
            if lines is not None:
                return lines
        entry = linecache.cache.get(filename)
        if entry is not None and len(entry) == 4 and isinstance(entry[2], list):
            return entry[2]  # a registered source: IPython/Jupyter cells, doctest examples
        return []

    def context(
        self, filename: str, lineno: int | None, count: int, module_globals: Mapping[str, Any] | None
    ) -> tuple[list[str], str | None, list[str]]:
        """``(pre_context, context_line, post_context)`` without line ends; ``([], None, [])`` when unknown;
        :class:`LoaderFailed` when the module's loader raised."""
        lines = self.lines(filename, module_globals)
        if filename in self._failed:
            raise LoaderFailed(self._failed[filename])
        if not lineno or lineno < 1 or lineno > len(lines):
            return [], None, []
        index = lineno - 1

        def strip(line: str) -> str:
            return line.rstrip("\r\n")

        pre = [strip(line) for line in lines[max(0, index - count) : index]]
        post = [strip(line) for line in lines[index + 1 : index + 1 + count]]
        return pre, strip(lines[index]), post
