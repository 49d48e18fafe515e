"""The framecap command, run for real in subprocesses against an inbox file."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, read_store

CRASH = """
import sys

def divide(a, b):
    return a / b

if __name__ == "__main__":
    print("args:", sys.argv[1:])
    divide(1, int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


@pytest.fixture
def cli(tmp_path, store):
    def run(*args, timeout=60):
        env = {k: v for k, v in os.environ.items() if not k.startswith("FRAMECAP_")}
        env.update(FRAMECAP_STORE=store, PYTHONPATH=ROOT)
        return subprocess.run(
            [sys.executable, "-m", "framecap", *args],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    (tmp_path / "crash.py").write_text(textwrap.dedent(CRASH))
    (tmp_path / "crashpkg").mkdir()
    (tmp_path / "crashpkg" / "__init__.py").write_text("")
    (tmp_path / "crashpkg" / "__main__.py").write_text(textwrap.dedent(CRASH))
    return run


def test_run_script_round_trip(cli, store):
    result = cli("run", "crash.py", "0")
    assert result.returncode == 1 and "args: ['0']" in result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "framecap" not in "\n".join(lines[:-1]) and "runpy" not in result.stderr
    assert lines[-2] == "ZeroDivisionError: division by zero"
    (event,) = read_store(store)
    assert lines[-1] == f"framecap: saved event {event['event_id']} (framecap show {event['event_id'][:12]})"
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert [(f["function"], f["lineno"], f["in_app"]) for f in frames] == [("<module>", 9, True), ("divide", 5, True)]
    listing = cli("list")
    assert listing.returncode == 0
    assert (
        listing.stdout.startswith(event["event_id"][:12])
        and "ZeroDivisionError: division by zero  (crash.py:5 in divide)" in listing.stdout
    )
    shown = cli("show", "last")
    assert shown.returncode == 0
    assert '  File "' in shown.stdout and "  >  5       return a / b" in shown.stdout.replace("  > 5", "  >  5")
    assert (
        "a = 1" in shown.stdout
        and "b = 0" in shown.stdout
        and shown.stdout.rstrip().endswith("ZeroDivisionError: division by zero")
    )
    as_json = cli("show", event["event_id"][:8], "--json")
    assert json.loads(as_json.stdout) == event


def test_run_passes_exit_status_and_success(cli, store):
    ok = cli("run", "crash.py", "1")
    assert ok.returncode == 0 and ok.stderr == "" and read_store(store) == []


def test_run_module(cli, store):
    result = cli("run", "-m", "crashpkg", "0")
    assert result.returncode == 1 and "args: ['0']" in result.stdout
    (event,) = read_store(store)
    assert event["exception"]["values"][-1]["stacktrace"]["frames"][-1]["function"] == "divide"


def test_run_system_exit_status(cli, tmp_path, store):
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    assert cli("run", "exits.py").returncode == 3
    assert read_store(store) == []


def test_bad_arguments_and_missing_events(cli, store):
    missing = cli("show", "last")
    assert missing.returncode == 1 and "no event 'last'" in missing.stderr
    assert cli("show", "nothex!").returncode == 1
    no_script = cli("run", "nope.py")
    assert no_script.returncode == 2 and "can't open file 'nope.py'" in no_script.stderr
    assert cli("run").returncode == 2
    assert cli("frobnicate").returncode == 2
    assert cli().returncode == 2
    assert cli("list").stdout.strip() == "no events yet"


def test_ambiguous_prefix(cli, store):
    for _ in range(20):
        cli("run", "crash.py")
    events = read_store(store)
    first = {e["event_id"][0] for e in events}
    prefix = next(c for c in first if sum(e["event_id"].startswith(c) for e in events) > 1)
    result = cli("show", prefix)
    assert result.returncode == 1 and "more than one event" in result.stderr


def test_bad_environment_is_a_clear_error(cli, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRAMECAP_")}
    env.update(FRAMECAP_CONTEXT_LINES="lots", PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "framecap", "run", "crash.py"],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "FRAMECAP_CONTEXT_LINES" in result.stderr and "'lots'" in result.stderr


def test_store_option_picks_the_inbox(cli, tmp_path):
    other = str(tmp_path / "other.db")
    assert cli("--store", other, "run", "crash.py").returncode == 1
    assert len(read_store(other)) == 1
    listing = cli("--store", other, "list")
    assert "ZeroDivisionError" in listing.stdout
    assert cli("list").stdout.strip() == "no events yet", "the default inbox (FRAMECAP_STORE) stayed empty"
