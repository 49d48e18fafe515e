"""The one way tests run Python in a child process: a snippet, the framecap command, any arguments.

A child gets this checkout first on its path and none of the developer's own ``FRAMECAP_*``
variables (a ``FRAMECAP_DSN`` in a shell would send test events away, a ``FRAMECAP_STORE`` would
fill a real inbox), nor the colour, pager and width variables that the command's output follows.
What a test wants the child to see, it passes as ``env``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "environment", "framecap", "python", "snippet", "start"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TERMINAL = ("NO_COLOR", "FORCE_COLOR", "PAGER", "COLUMNS")


def environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` without ``FRAMECAP_*`` and terminal variables, this checkout first on
    ``PYTHONPATH``, then ``env`` on top."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FRAMECAP_") and k not in _TERMINAL}
    clean["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
    clean.update(env or {})
    return clean


def python(
    *args: str,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` to its end (in ``cwd``, with :func:`environment` ``(env)``); its output as text."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=None if cwd is None else str(cwd),
        env=environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
    )


def framecap(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run ``python -m framecap *args`` (keywords as for :func:`python`)."""
    return python("-m", "framecap", *args, **kwargs)


def snippet(code: str, *args: str, directory: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Write ``code`` (dedented) to ``directory/snippet.py`` and run it there with ``args``."""
    script = directory / "snippet.py"
    script.write_text(textwrap.dedent(code))
    kwargs.setdefault("cwd", directory)
    return python(str(script), *args, **kwargs)


def start(
    *args: str, env: dict[str, str] | None = None, cwd: str | Path | None = None, **popen: Any
) -> subprocess.Popen[Any]:
    """Start ``python *args`` and return at once (``popen``: pipes, ``text``... as for ``subprocess.Popen``)."""
    return subprocess.Popen(
        [sys.executable, *args], env=environment(env), cwd=None if cwd is None else str(cwd), **popen
    )
