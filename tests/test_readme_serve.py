"""README "`framecap serve`": ingestion and page promises no other test pins, against a running server."""

import json
import re

from serve_helpers import call, envelope, post_envelope, running
from test_inbox import fake

from framecap.transports.inbox import Inbox


def test_an_envelope_with_one_unreadable_item_is_refused_whole_naming_the_item(tmp_path):
    path = str(tmp_path / "events.db")
    good = {"event_id": "a" * 32, "message": "fine on its own"}
    body = envelope(good) + b'{"type": "event", "length": 8}\nnot json\n'
    with running(path) as server:
        reply = post_envelope(server, body)
        assert reply.status == 400
        assert reply.json()["detail"].startswith(
            "item 2 (event) is not JSON: Expecting value: line 1 column 1 (char 0)"
        ), reply.json()
        assert [line for line in server.log_lines if "refused" in line], "one line per request refused"
        assert not [line for line in server.log_lines if " stored " in line]
    assert list(Inbox(path).bodies()) == [], "nothing of a refused envelope is stored"


def test_the_key_may_come_in_the_query_and_neither_key_nor_project_is_checked(tmp_path):
    path = str(tmp_path / "events.db")
    with running(path) as server:
        for n, (project, auth) in enumerate([("1", "?sentry_key=anything"), ("987654", ""), ("0", "?sentry_key=")]):
            event = {"event_id": f"{n:032x}", "message": f"from project {project}"}
            reply = call(
                server,
                "POST",
                f"/api/{project}/store/{auth}",
                json.dumps(event).encode(),
                {"Content-Type": "application/json"},
            )
            assert reply.status == 200 and reply.json() == {"id": event["event_id"]}, (project, reply.text)
    assert [e["message"] for e in Inbox(path).bodies()] == [
        "from project 1",
        "from project 987654",
        "from project 0",
    ]


def test_the_issue_list_shows_100_issues_a_page(tmp_path):
    path = str(tmp_path / "events.db")
    inbox = Inbox(path, background=False)
    for n in range(101):
        inbox.send(fake(n, kind=f"Error{n}"))
    inbox.close()
    with running(path) as server:
        first = call(server, "GET", "/api/issues").json()
        second = call(server, "GET", "/api/issues?page=2").json()
    assert first["total"] == 101 and len(first["rows"]) == 100
    assert len(second["rows"]) == 1
    assert {r["type"] for r in first["rows"]} | {r["type"] for r in second["rows"]} == {f"Error{n}" for n in range(101)}


def test_an_event_page_links_the_newest_25_events_of_its_issue(tmp_path):
    path = str(tmp_path / "events.db")
    inbox = Inbox(path, background=False)
    ids = []
    for n in range(30):
        event = fake(n, value="the same failure")
        inbox.send(event)
        ids.append(event["event_id"])
    inbox.close()
    with running(path) as server:
        page = call(server, "GET", f"/event/{ids[0]}").text
    section = page[page.index('id="others"') :]
    section = section[: section.index("</nav>")]
    linked = re.findall(r'href="/event/([0-9a-f]{32})"', section)
    assert linked == list(reversed(ids))[:25], "the newest 25, newest first (the page's own event is not linked)"
    assert "… and 5 older" in section


def test_export_html_of_an_issue_is_its_newest_event(store, capsys):
    from framecap.cli import main

    inbox = Inbox(store, background=False)
    for n in range(3):
        inbox.send(fake(n, value="the same failure"))
    (issue,) = inbox.issues()
    inbox.close()
    assert main(["export", issue.issue[:8], "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert f"{2:032x}" in page and f"{0:032x}" not in page.replace(f"{2:032x}", "")
