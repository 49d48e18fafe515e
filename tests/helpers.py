"""Shared test helpers: write a module to disk and import it under a unique name."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
import uuid
from pathlib import Path
from types import ModuleType


def load_module(directory: Path, source: str, name: str = "") -> ModuleType:
    name = name or f"sample_{uuid.uuid4().hex[:8]}"
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def frames_of(event, index=-1):
    return event["exception"]["values"][index]["stacktrace"]["frames"]


def capture_call(memory, fn, *args):
    """Call ``fn``; capture what it raises; return the event the memory transport got."""
    import framecap

    try:
        fn(*args)
    except BaseException:
        framecap.capture_exception()
    return memory.events[-1]
