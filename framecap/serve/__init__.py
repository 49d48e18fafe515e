"""``framecap serve``: a local web viewer over the inbox that is also a Sentry-compatible receiver.

Standard library only (``http.server``); imported by the ``serve`` and ``export --format html``
commands, never by ``import framecap``.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from .event_page import IssueContext, export_page
from .server import ViewerServer, is_loopback

__all__ = ["IssueContext", "ViewerServer", "export_html", "serve"]


def export_html(event: dict[str, Any], context: IssueContext | None = None) -> str:
    """One self-contained HTML file showing ``event`` (no network assets, no script)."""
    return export_page(event, context)


def serve(
    store: str | None,
    host: str = "127.0.0.1",
    port: int = 8700,
    open_browser: bool = False,
    out: TextIO | None = None,
) -> int:
    """Run the server until Ctrl-C; 0 when stopped, 2 when it can't listen."""
    stream = out or sys.stdout

    def say(text: str) -> None:
        print(text, file=stream, flush=True)

    if not is_loopback(host):
        print(
            f"framecap serve: warning: listening on {host}, not only on this machine: anyone who can reach it"
            " can read every event in the inbox and send new ones (there is no login). Use the default"
            " 127.0.0.1 unless this network is yours alone.",
            file=sys.stderr,
            flush=True,
        )
    try:
        server = ViewerServer(store, host, port, log=say)
    except OSError as error:
        reason = error.strerror or str(error)
        hint = " (give another --port, or --port 0 for any free one)" if port else ""
        print(f"framecap serve: can't listen on {host}:{port}: {reason}{hint}", file=sys.stderr)
        return 2
    say(f"framecap serve: {server.url}  (inbox: {server.inbox.path})")
    say(f'  send events here:  framecap.init(dsn="{server.dsn}")  or  sentry_sdk.init(dsn="{server.dsn}")')
    say("  Ctrl-C stops it")
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        say("framecap serve: stopped")
    finally:
        server.stopping.set()
        server.notify()
        server.server_close()
        server.inbox.close()
    return 0
