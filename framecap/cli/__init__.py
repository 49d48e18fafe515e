"""The ``framecap`` command: run a program under framecap, and read, tidy and replay the local inbox.

framecap run script.py [args...] | framecap run -m module [args...]
framecap list [--events] [-n N] [--type T] [--grep TEXT] [--since 2h|3d|2026-11-30]
framecap show [ID|ISSUE|last] [--json] [--full] [--color auto|always|never] [--no-pager] [--width N]
framecap rm ID... | framecap clear [--yes] | framecap export [ID...|--all] [-o FILE] [--format jsonl|html]
framecap send --dsn DSN [ID...|--all]
framecap serve [--host 127.0.0.1] [--port 8700] [--store PATH] [--open]
framecap demo
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import ConfigError
from .render import render_event

__all__ = ["main", "render_event"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: give 1 or more")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give 0 to 65535")
    return int(text)


def _width(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value != 0 and value < 20:
        raise argparse.ArgumentTypeError(f"{value} is too narrow: give 20 or more, or 0 for no limit")
    return value


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

    listing = commands.add_parser("list", help="list issues (crashes grouped), most recently seen first")
    listing.add_argument("--events", action="store_true", help="list single events instead of issues")
    listing.add_argument("-n", type=_positive, default=20, metavar="N", help="how many rows (default 20)")
    listing.add_argument("--type", help="only this exception type (KeyError matches builtins.KeyError too)")
    listing.add_argument("--grep", metavar="TEXT", help="only rows whose type, message, file or function has TEXT")
    listing.add_argument("--since", metavar="WHEN", help="only events since: 30m, 2h, 3d, 1w, or a date 2026-11-30")
    _display_options(listing, pager=False)

    show = commands.add_parser("show", help="show one event, or an issue's newest event")
    show.add_argument(
        "ref", nargs="?", default="last", help="event id or unique prefix, issue id (prefix), or 'last' (default)"
    )
    show.add_argument("--json", action="store_true", help="print the event as JSON")
    show.add_argument("--full", action="store_true", help="expand library frames and repeated frames")
    _display_options(show, pager=True)

    rm = commands.add_parser("rm", help="delete events (an issue id deletes all its events)")
    rm.add_argument("refs", nargs="+", metavar="ID", help="event ids, issue ids, unique prefixes, or 'last'")
    clear = commands.add_parser("clear", help="delete every event in the inbox")
    clear.add_argument("--yes", "-y", action="store_true", help="don't ask")
    export = commands.add_parser("export", help="write events as JSON lines, oldest first")
    export.add_argument("refs", nargs="*", metavar="ID", help="event ids, issue ids, prefixes, or 'last'")
    export.add_argument("--all", action="store_true", help="every event")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument(
        "--format", choices=("jsonl", "html"), default="jsonl", help="jsonl (default), or html: one event as a page"
    )
    send = commands.add_parser("send", help="replay inbox events to a Sentry-compatible server")
    send.add_argument("--dsn", required=True, help="http[s]://PUBLIC_KEY@HOST[:PORT]/PROJECT_ID")
    send.add_argument("refs", nargs="*", metavar="ID", help="event ids, issue ids, prefixes, or 'last'")
    send.add_argument("--all", action="store_true", help="every event")
    serve = commands.add_parser("serve", help="a web viewer of the inbox, also receiving events from Sentry SDKs")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", type=_port, default=8700, help="port (default 8700; 0: any free port)")
    serve.add_argument("--store", default=argparse.SUPPRESS, help="inbox path (as framecap --store)")
    serve.add_argument("--open", action="store_true", help="open the viewer in a browser")
    commands.add_parser("demo", help="run a small crashing program under framecap, to see what it captures")
    return parser


def _display_options(parser: argparse.ArgumentParser, pager: bool) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), always, never",
    )
    parser.add_argument("--width", type=_width, help="cut or wrap at N columns (0: never; default: the terminal's)")
    if pager:
        parser.add_argument("--no-pager", action="store_true", help="never page (default: $PAGER or less -R)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``framecap`` command and ``python -m framecap``."""
    parser = _parser()
    ns = parser.parse_args(argv)
    if ns.command is None:
        parser.print_help(sys.stderr)
        return 2
    if ns.command == "run":
        from .run import run

        try:
            return run(ns)
        except ConfigError as error:
            print(str(error), file=sys.stderr)
            return 2
    from . import commands

    try:
        return commands.dispatch(ns)
    except BrokenPipeError:  # `| head` or a pager that quit: not an error
        from .terminal import quiet_broken_pipe

        quiet_broken_pipe()
        return 0
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def store_path(ns: argparse.Namespace) -> str | None:
    return ns.store or os.environ.get("FRAMECAP_STORE") or None
