"""``framecap run`` and ``framecap demo``: a program run as ``python`` runs it, with framecap initialised.

``sys.argv`` and ``sys.path[0]`` are what ``python script.py`` / ``python -m module`` set; an
uncaught exception prints Python's traceback (without framecap's or runpy's frames), is
captured, and the exit status is Python's: 1, or death by SIGINT for Ctrl-C (130 in a shell).
The "saved event" line is printed only when the event is really in the inbox.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import runpy
import signal
import subprocess
import sys
import tempfile
from typing import Any

__all__ = ["DEMO", "demo", "run"]

DEMO = '''"""framecap's demo: a small program with a bug, run under framecap."""


class Account:
    def __init__(self, owner, scores):
        self.owner = owner
        self.scores = scores

    def ratio(self, idx):
        return self.scores[idx] / (self.scores[1] - 1)


def report(accounts):
    return {account.owner: account.ratio(0) for account in accounts}


if __name__ == "__main__":
    print(report([Account("ada", [3, 2, 4]), Account("grace", [5, 1, 9])]))
'''

_RUNNER_MODULES = ("framecap.cli", "framecap.cli.run", "runpy", "framecap.__main__", "<frozen runpy>")


def _trim_runner_frames(tb: Any) -> Any:
    """Drop framecap's and runpy's frames from the top, as ``python script.py`` would show none."""
    while tb is not None and tb.tb_frame.f_globals.get("__name__") in _RUNNER_MODULES:
        tb = tb.tb_next
    return tb


def run(ns: argparse.Namespace) -> int:
    import framecap

    if not ns.module and not ns.target:
        print("framecap run: give a script path, or -m MODULE", file=sys.stderr)
        return 2
    args = list(ns.args)
    if ns.module and ns.target:
        args.insert(0, ns.target)
    if not ns.module and not os.path.exists(ns.target):
        print(f"framecap run: can't open file {ns.target!r}: no such file", file=sys.stderr)
        return 2
    options: dict[str, Any] = {"store": ns.store} if ns.store else {}
    client = framecap.init(**options)
    if ns.module:
        sys.argv = ["-m"] + args  # what python -m sets until runpy replaces it with the module's path
        sys.path[0] = os.getcwd()
    else:
        sys.argv = [ns.target] + args
        sys.path[0] = os.path.dirname(os.path.realpath(ns.target))
    try:
        if ns.module:
            as_main = getattr(runpy, "_run_module_as_main", None)  # what python -m itself calls
            if as_main is not None:
                as_main(ns.module, alter_argv=True)
            else:
                runpy.run_module(ns.module, run_name="__main__", alter_sys=True)
        elif os.path.isfile(ns.target) and not _is_zip(ns.target):
            _run_script(os.path.abspath(ns.target))
        else:  # a directory or zip file with __main__.py
            runpy.run_path(ns.target, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as error:  # noqa: B036 - report it as python would, then exit as python would
        from .. import hooks

        before = client.last_event_id
        error = error.with_traceback(_trim_runner_frames(error.__traceback__))
        interrupted = isinstance(error, KeyboardInterrupt)
        if not hooks.installed() and (not interrupted or client.options.capture_keyboard_interrupt):
            client.capture(error, {"type": "excepthook", "handled": False})
        sys.excepthook(type(error), error, error.__traceback__)
        event_id = client.last_event_id if client.last_event_id != before else None
        if not interrupted or client.options.capture_keyboard_interrupt:
            _report(client, event_id)
        if interrupted:
            _die_by_sigint()
        return 1
    return 0


def _is_zip(path: str) -> bool:
    import zipfile

    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _run_script(path: str) -> None:
    """Run ``path`` as ``python path`` does: a fresh ``__main__`` module with an absolute ``__file__``,
    ``sys.argv`` left as given (``runpy.run_path`` would rewrite ``sys.argv[0]``)."""
    import builtins
    import io
    import types
    from importlib.machinery import SourceFileLoader

    with io.open_code(path) as handle:
        source = handle.read()
    code = compile(source, path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(
        __file__=path, __cached__=None, __builtins__=builtins, __loader__=SourceFileLoader("__main__", path)
    )
    main.__spec__ = None
    main.__package__ = None
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def _report(client: Any, event_id: str | None) -> None:
    """Say what became of the crash's event, and only what is true."""
    from ..transports.inbox import Inbox

    transport = client.transport
    if event_id is None:
        print("framecap: no event was captured (FRAMECAP_DEBUG=1 logs why)", file=sys.stderr)
        return
    flushed = client.flush()
    if isinstance(transport, Inbox):
        if transport.contains(event_id):
            print(f"framecap: saved event {event_id} (framecap show {event_id[:12]})", file=sys.stderr)
        else:
            reason = transport.stats().get("last_error") or "not stored"
            print(f"framecap: event {event_id} could not be saved in {transport.path}: {reason}", file=sys.stderr)
        return
    host = getattr(client.options, "dsn", None)
    where = _dsn_host(host) if host else type(transport).__name__
    if flushed:
        print(f"framecap: event {event_id} handed to {where} (DSN set: not kept in the local inbox)", file=sys.stderr)
    else:
        print(
            f"framecap: event {event_id} not yet delivered to {where} within shutdown_timeout "
            "(the transport keeps what it could not send; FRAMECAP_DEBUG=1 logs why)",
            file=sys.stderr,
        )


def _dsn_host(dsn: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(dsn)
        return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}"
    except ValueError:
        return "the DSN's server"


def _die_by_sigint() -> None:
    """End the process the way Python does after an uncaught KeyboardInterrupt: wait for threads, run the
    exit handlers (framecap's flush among them), then die by SIGINT (status -2 to a parent, 130 in a shell)."""
    import atexit
    import threading

    for step in (getattr(threading, "_shutdown", None), getattr(atexit, "_run_exitfuncs", None)):
        try:
            if step is not None:
                step()
        except BaseException:  # noqa: B036 - a second Ctrl-C or a failing handler: still die as Python would
            pass
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if hasattr(signal, "SIGINT") and hasattr(os, "kill"):
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    raise SystemExit(130)


def demo(ns: argparse.Namespace) -> int:
    """Run the demo program in a fresh interpreter under ``framecap run``; its crash lands in the inbox."""
    with tempfile.TemporaryDirectory(prefix="framecap-demo-") as folder:
        script = os.path.join(folder, "accounts.py")
        with open(script, "w") as handle:
            handle.write(DEMO)
        env = dict(os.environ, FRAMECAP_PROJECT_ROOT=folder)
        if ns.store:
            env["FRAMECAP_STORE"] = ns.store
        status = subprocess.call([sys.executable, "-m", "framecap", "run", script], env=env, cwd=folder)
    if status != 1:
        print(f"framecap demo: the demo exited with {status}, not with its crash", file=sys.stderr)
        return 1
    print("framecap demo: that crash was captured; see it with: framecap show last", file=sys.stderr)
    return 0
