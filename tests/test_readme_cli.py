"""README "The `framecap` command": promises of `list`, `show` and the id rules no other test pins.

The command runs in process (``framecap.cli.main``, what ``framecap`` and ``python -m framecap`` call)
against a real inbox file; its output is captured, so it is "piped" as far as the command can tell.
"""

import io
import json
import time

import pytest
from test_inbox import fake

from framecap.cli import main
from framecap.cli.terminal import choose_color
from framecap.transports.inbox import Inbox
from framecap.transports.inbox_schema import parse_since


@pytest.fixture
def cli(store, capsys, monkeypatch):
    """Run the command on the ``store`` inbox; returns (status, stdout, stderr)."""
    monkeypatch.setenv("TZ", "UTC")
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "PAGER"):
        monkeypatch.delenv(name, raising=False)

    def run(*args, env=None):
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        try:
            status = main(list(args))
        except SystemExit as exit:  # argparse's own errors
            status = exit.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_a_prefix_of_both_an_event_and_an_issue_is_refused_naming_both(store, cli):
    inbox = Inbox(store, background=False)
    inbox.send(fake(1))
    (issue,) = inbox.issues()
    other = fake(2, kind="OtherError", function="elsewhere")
    other["event_id"] = issue.issue[:6] + "f" * 26
    inbox.send(other)
    status, out, err = cli("show", issue.issue[:6])
    assert status != 0 and out == ""
    assert f"event {other['event_id'][:12]}" in err and f"issue {issue.issue[:12]}" in err
    status, out, _ = cli("show", issue.issue[:8] if issue.issue[6:8] != "ff" else issue.issue[:10])
    assert status == 0 and "Traceback" in out, "a longer prefix names the issue alone"


def test_list_type_matches_qualified_names_and_grep_looks_in_file_and_function(store, cli):
    inbox = Inbox(store, background=False)
    inbox.send(fake(1, kind="json.decoder.JSONDecodeError", value="Expecting value"))
    inbox.send(fake(2, kind="KeyError", function="load_cart", value="'sku'"))
    inbox.send(fake(3, kind="ValueError", function="parse", value="bad"))

    def rows(*args):
        status, out, _ = cli("list", *args)
        assert status == 0
        return [line for line in out.splitlines()[1:] if line.strip()]

    (row,) = rows("--type", "JSONDecodeError")
    assert "JSONDecodeError" in row
    assert rows("--type", "decoder.JSONDecodeError") == [row], "a qualified name matches too"
    assert rows("--type", "DecodeError") == [], "a whole last part, not any suffix"
    (row,) = rows("--grep", "LOAD_CART")
    assert "KeyError" in row, "in the function, case-insensitive"
    assert len(rows("--grep", "b.py")) == 3, "in the file"
    (row,) = rows("--grep", "expecting")
    assert "JSONDecodeError" in row, "in the message"


def test_where_is_the_innermost_in_app_frame_else_the_innermost_else_no_traceback(store, cli):
    inbox = Inbox(store, background=False)
    library_only = fake(1, kind="LibError")
    for frame in library_only["exception"]["values"][0]["stacktrace"]["frames"]:
        frame["in_app"] = False
    no_frames = fake(2, kind="BareError")
    del no_frames["exception"]["values"][0]["stacktrace"]
    for event in (fake(0, kind="AppError"), library_only, no_frames):
        inbox.send(event)
    _, out, _ = cli("list", "--width", "0")
    lines = {
        kind: next(line for line in out.splitlines() if kind in line) for kind in ("AppError", "LibError", "BareError")
    }
    assert lines["AppError"].endswith("b.py:2 in mine"), "the innermost in-app frame, not c.py"
    assert lines["LibError"].endswith("c.py:3 in lib2"), "no in-app frame: the innermost"
    assert lines["BareError"].endswith("(no traceback)")


def test_piped_output_takes_its_width_from_columns_and_width_0_never_cuts(store, cli, monkeypatch):
    inbox = Inbox(store, background=False)
    long_message = "the payment provider answered with something nobody expected " * 3  # (list keeps 200)
    inbox.send(fake(1, value=long_message.strip()))
    _, out, _ = cli("list", env={"COLUMNS": "100"})
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "…" in out, "the message column is cut with an ellipsis"
    _, out, _ = cli("list", "--width", "0", env={"COLUMNS": "100"})
    assert long_message.strip() in out and "…" not in out
    monkeypatch.delenv("COLUMNS")
    _, out, _ = cli("list")
    assert long_message.strip() in out, "piped without COLUMNS: nothing to fit"


def test_colour_in_auto_mode_follows_the_terminal_and_the_variables():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, pipe = Terminal(), io.StringIO()
    assert choose_color("auto", terminal, {"TERM": "xterm"})
    assert not choose_color("auto", pipe, {"TERM": "xterm"}), "none when piped"
    assert not choose_color("auto", terminal, {"TERM": "dumb"}), "TERM=dumb has none"
    assert not choose_color("auto", terminal, {"TERM": "xterm", "NO_COLOR": "1"})
    assert choose_color("auto", terminal, {"TERM": "xterm", "NO_COLOR": ""}), "an empty NO_COLOR is unset"
    assert choose_color("auto", pipe, {"FORCE_COLOR": "1"})
    assert not choose_color("auto", pipe, {"FORCE_COLOR": ""})
    assert choose_color("always", pipe, {"NO_COLOR": "1"}) and not choose_color("never", terminal, {"FORCE_COLOR": "1"})


def test_since_takes_weeks_and_local_dates_and_times(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert parse_since("1w", now=1e7) == 1e7 - 7 * 86400
        assert parse_since("30m", now=1e7) == 1e7 - 1800
        midnight = time.mktime((2026, 11, 30, 0, 0, 0, 0, 0, -1))
        assert parse_since("2026-11-30") == midnight == 1796014800.0, "local midnight, not UTC's"
        assert parse_since("2026-11-30T14:00") == midnight + 14 * 3600
    finally:
        monkeypatch.undo()
        time.tzset()


def test_show_json_is_the_stored_event_and_an_issue_shows_its_newest(store, cli):
    inbox = Inbox(store, background=False)
    for n in range(3):
        inbox.send(fake(n, value=f"row {n}"))
    (issue,) = inbox.issues()
    status, out, _ = cli("show", issue.issue[:8], "--json")
    assert status == 0 and json.loads(out)["event_id"] == f"{2:032x}"
    status, out, _ = cli("show", "last", "--no-pager")
    assert status == 0 and "row 2" in out and "issue " in out and "3 events, this is the newest" in out


def test_times_are_local_with_the_zone_in_the_heading_and_the_year_only_when_rows_span_several():
    import datetime

    from framecap.cli.listing import issue_table
    from framecap.cli.terminal import render_lines
    from framecap.transports.inbox import IssueRow

    def row(n, first, last):
        return IssueRow(f"{n:032x}", 1, first, last, f"{n:032x}", n, "KeyError", "'k'", "a.py:1 in f")

    tz = datetime.timezone(datetime.timedelta(hours=1), "CET")
    this_year = datetime.datetime(2026, 11, 30, 12, 11, tzinfo=tz).timestamp()
    last_year = datetime.datetime(2025, 3, 2, 8, 5, tzinfo=tz).timestamp()
    same = render_lines(issue_table([row(1, this_year, this_year)], None, tz), False, None).splitlines()
    assert "LAST SEEN CET" in same[0] and "11-30 12:11" in same[1] and "2026" not in same[1]
    spanning = render_lines(issue_table([row(1, last_year, this_year)], None, tz), False, None).splitlines()
    assert "2025-03-02 08:05" in spanning[1] and "2026-11-30 12:11" in spanning[1]


def test_list_shows_20_rows_unless_told(store, cli):
    inbox = Inbox(store, background=False)
    for n in range(25):
        inbox.send(fake(n, kind=f"Error{n}"))
    status, out, _ = cli("list")
    rows = [line for line in out.splitlines()[1:] if line.strip() and not line.startswith("(")]
    assert status == 0 and len(rows) == 20 and "(20 of 25 issues; -n 25 shows all)" in out
    status, out, _ = cli("list", "-n", "25", "--events")
    assert len([line for line in out.splitlines()[1:] if line.strip()]) == 25
