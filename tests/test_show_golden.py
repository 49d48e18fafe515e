"""Golden files for ``framecap show`` (plain and coloured) and ``framecap list``, from real captures.

Regenerate after an intended change, once per Python version, and read the diff:
``python -m pytest tests/test_show_golden.py --update-goldens``.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import sys
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
import show_app
from test_golden import _normalize

import framecap
from conftest import assert_schema_valid
from framecap.cli.listing import event_table, issue_table
from framecap.cli.render import render_event
from framecap.cli.terminal import render_lines
from framecap.integrations.wsgi import FramecapWSGIMiddleware
from framecap.transports.inbox import Inbox

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / f"py{sys.version_info[0]}{sys.version_info[1]}" / "show"
UTC = datetime.timezone.utc
WIDTH = 100


def check(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}: run pytest {__file__} --update-goldens")
    assert text == path.read_text(), f"{name} differs from its golden file (intended? regenerate with --update-goldens)"


def _sections_app(environ, start_response):
    framecap.set_user({"id": "42", "email": "ada@example.com"})
    framecap.set_tag("shop", "berlin")
    framecap.set_extra("cart", {"items": 3, "coupon": None})
    framecap.add_breadcrumb(message="opened the cart", category="ui", data={"step": 2})
    show_app.logged()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _capture(name: str, transport: framecap.MemoryTransport) -> None:
    if name == "sections":
        environ: dict = {"QUERY_STRING": "page=2&token=abc", "HTTP_USER_AGENT": "golden/1.0"}
        setup_testing_defaults(environ)
        environ["PATH_INFO"] = "/checkout"
        environ["wsgi.input"] = io.BytesIO(b"")
        FramecapWSGIMiddleware(_sections_app)(environ, lambda *a: None)
        return
    scenario = getattr(show_app, name)
    options = {"max_frames": 40} if name == "recursion" else {}
    framecap.init(transport=transport, install_hooks=False, project_root=str(HERE), **options, **_STEADY)
    framecap.capture_exception(show_app.run(scenario))


#: A busy machine must not change the output: no time budget cuts the expression values short.
_STEADY = {"expression_time_budget": 60}
SCENARIOS = ["library", "recursion", "values", "group", "chain", "sections"]


def _event(name: str, monkeypatch) -> dict:
    monkeypatch.chdir(HERE)
    transport = framecap.MemoryTransport()
    framecap.init(transport=transport, install_hooks=False, project_root=str(HERE), **_STEADY)
    logging.getLogger("shop").setLevel(logging.INFO)
    _capture(name, transport)
    (event,) = transport.events
    assert_schema_valid([event])
    return _normalize(event)


@pytest.mark.parametrize("name", SCENARIOS)
def test_show_output_matches_golden_files(name, update_goldens, monkeypatch):
    event = _event(name, monkeypatch)
    check(f"{name}.txt", render_event(event, width=WIDTH, tz=UTC) + "\n", update_goldens)
    check(f"{name}.color.txt", render_event(event, color=True, width=WIDTH, tz=UTC) + "\n", update_goldens)
    if name in ("library", "recursion"):
        check(f"{name}.full.txt", render_event(event, width=None, full=True, tz=UTC) + "\n", update_goldens)


def test_list_output_matches_golden_files(update_goldens, monkeypatch, tmp_path):
    clock = [1_795_996_800.0]  # 2026-11-30 00:00 UTC
    inbox = Inbox(str(tmp_path / "events.db"), background=False, clock=lambda: clock[0])
    for n, name in enumerate(["library", "values", "library", "chain", "library", "group"]):
        event = _event(name, monkeypatch)
        event["event_id"] = f"{n + 1:x}" * 32
        clock[0] += 3600 * (n + 1)
        inbox.send(json.loads(json.dumps(event)))
    issues = inbox.issues()
    assert [i.count for i in issues] == [1, 3, 1, 1]
    check("list.txt", render_lines(issue_table(issues, WIDTH, UTC), False, WIDTH) + "\n", update_goldens)
    check("list.color.txt", render_lines(issue_table(issues, WIDTH, UTC), True, WIDTH) + "\n", update_goldens)
    events = inbox.events()
    check("list-events.txt", render_lines(event_table(events, None, UTC), False, None) + "\n", update_goldens)
