"""The ``framecap`` command: run a program under framecap, and read the local inbox.

framecap run script.py [args...] | framecap run -m module [args...]
framecap list [-n N]
framecap show [ID|last] [--json]
framecap demo
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from .errors import ConfigError
from .transports.inbox import Inbox

__all__ = ["main", "render_event"]

_RELATION = {
    "__cause__": "The above exception was the direct cause of the following exception:",
    "__context__": "During handling of the above exception, another exception occurred:",
}


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framecap", description="Capture Python crashes into a local inbox and read them."
    )
    parser.add_argument(
        "--store", help="inbox path (default: $FRAMECAP_STORE, else $XDG_STATE_HOME/framecap/events.db)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="run a script or module with framecap initialised")
    run.add_argument("-m", dest="module", help="run a library module as a script, like python -m")
    run.add_argument("target", nargs="?", help="the script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    listing = commands.add_parser("list", help="list captured events, newest first")
    listing.add_argument("-n", type=int, default=20, help="how many (default 20)")
    show = commands.add_parser("show", help="show one event")
    show.add_argument("ref", nargs="?", default="last", help="event id, a unique prefix of one, or 'last' (default)")
    show.add_argument("--json", action="store_true", help="print the event as JSON")
    commands.add_parser("demo", help="run a small crashing program under framecap, to see what it captures")
    return parser


def _inbox(store: str | None) -> Inbox:
    return Inbox(store or os.environ.get("FRAMECAP_STORE") or None)


def _trim_runner_frames(tb: Any) -> Any:
    """Drop framecap's and runpy's frames from the top, as ``python script.py`` would show none."""
    while tb is not None and tb.tb_frame.f_globals.get("__name__") in ("framecap.cli", "runpy", "framecap.__main__"):
        tb = tb.tb_next
    return tb


def _run(ns: argparse.Namespace) -> int:
    import framecap

    if not ns.module and not ns.target:
        print("framecap run: give a script path, or -m MODULE", file=sys.stderr)
        return 2
    args = list(ns.args)
    if ns.module and ns.target:
        args.insert(0, ns.target)
    options: dict[str, Any] = {"store": ns.store} if ns.store else {}
    client = framecap.init(**options)
    if ns.module:
        sys.argv = [ns.module] + args
        sys.path.insert(0, os.getcwd())
    else:
        if not os.path.exists(ns.target):
            print(f"framecap run: can't open file {ns.target!r}: no such file", file=sys.stderr)
            return 2
        sys.argv = [ns.target] + args
        sys.path.insert(0, os.path.dirname(os.path.abspath(ns.target)))
    try:
        if ns.module:
            runpy.run_module(ns.module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(os.path.abspath(ns.target), run_name="__main__")
    except SystemExit:
        raise
    except BaseException as error:  # noqa: B036 - report it as python would, then exit 1
        before = client.last_event_id
        error = error.with_traceback(_trim_runner_frames(error.__traceback__))
        sys.excepthook(type(error), error, error.__traceback__)
        if client.last_event_id and client.last_event_id != before:
            print(
                f"framecap: saved event {client.last_event_id} (framecap show {client.last_event_id[:12]})",
                file=sys.stderr,
            )
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    return 0


def _demo(ns: argparse.Namespace) -> int:
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


def _list(ns: argparse.Namespace) -> int:
    rows = _inbox(ns.store).list(max(1, ns.n))
    if not rows:
        print("no events yet")
        return 0
    for row in rows:
        when = (row["timestamp"] or "")[:19].replace("T", " ")
        print(f"{row['event_id'][:12]}  {when}  {row['type']}: {row['message']}  ({row['location']})")
    return 0


def _show(ns: argparse.Namespace) -> int:
    try:
        event = _inbox(ns.store).get(ns.ref)
    except LookupError as error:
        print(f"framecap show: {error}", file=sys.stderr)
        return 1
    if event is None:
        print(f"framecap show: no event {ns.ref!r} in {_inbox(ns.store).path}", file=sys.stderr)
        return 1
    print(json.dumps(event, indent=2) if ns.json else render_event(event))
    return 0


def _marker(frame: dict[str, Any], width: int) -> str | None:
    colno, data = frame.get("colno"), frame.get("data") or {}
    line = frame.get("context_line")
    if not isinstance(colno, int) or line is None:
        end = None
        return None
    end = data.get("end_colno") if data.get("end_lineno") == frame.get("lineno") else len(line.rstrip()) + 1
    if not isinstance(end, int) or end <= colno:
        end = colno + 1
    return " " * (width + 3 + colno - 1) + "^" * (end - colno)


def _python_style(value: Any) -> str:
    """Serialized variables hold reprs at the leaves; show containers around them as Python would."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_python_style(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_python_style(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def render_event(event: dict[str, Any]) -> str:
    """A readable view of an event: each exception, root cause first, with source and variables."""
    out: list[str] = []
    head = [event.get("event_id", "?"), event.get("timestamp", ""), event.get("level", "")]
    head += [f"{k}={event[k]}" for k in ("environment", "release", "server_name") if event.get(k)]
    out.append("event " + "  ".join(str(h) for h in head if h))
    values = (event.get("exception") or {}).get("values") or []
    for index, value in enumerate(values):
        mechanism = value.get("mechanism") or {}
        if index:
            out.append("")
            source = (values[index - 1].get("mechanism") or {}).get("source", "")
            out.append(
                _RELATION.get(source, f"The above exception is {source} of the following one:" if source else "")
            )
        out.append("")
        frames = (value.get("stacktrace") or {}).get("frames") or []
        if frames:
            out.append(
                f"Traceback (most recent call last)  [{mechanism.get('type', '?')}, handled={mechanism.get('handled')}]"
            )
        for frame in frames:
            where = frame.get("abs_path") or frame.get("filename")
            out.append(
                f'  File "{where}", line {frame.get("lineno")}, in {frame.get("function")}'
                + ("" if frame.get("in_app") else "  (library)")
            )
            lineno = frame.get("lineno") or 0
            pre, post = frame.get("pre_context") or [], frame.get("post_context") or []
            if frame.get("context_line") is not None:
                width = len(str(lineno + len(post)))
                for offset, text in enumerate(pre):
                    out.append(f"    {str(lineno - len(pre) + offset).rjust(width)}   {text}")
                out.append(f"  > {str(lineno).rjust(width)}   {frame['context_line']}")
                marker = _marker(frame, width + 2)
                if marker and frame.get("colno"):
                    out.append("  " + marker)
                for offset, text in enumerate(post):
                    out.append(f"    {str(lineno + 1 + offset).rjust(width)}   {text}")
            for name, shown in (frame.get("vars") or {}).items():
                out.append(f"      {name} = {_python_style(shown)}")
            if (frame.get("data") or {}).get("expressions"):
                out.append(f"      (expression values: {frame['data']['expressions']})")
        out.append(f"{value.get('type')}: {value.get('value')}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``framecap`` command and ``python -m framecap``."""
    parser = _parser()
    ns = parser.parse_args(argv)
    try:
        if ns.command == "run":
            return _run(ns)
        if ns.command == "list":
            return _list(ns)
        if ns.command == "show":
            return _show(ns)
        if ns.command == "demo":
            return _demo(ns)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    parser.print_help(sys.stderr)
    return 2
