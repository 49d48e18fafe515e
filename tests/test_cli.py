"""The framecap command, run for real in subprocesses against an inbox file."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import processes
import pytest
from test_inbox import fake as fake_event

from conftest import read_store
from framecap.transports.inbox import Inbox

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # every test runs the command in a child process


def fake(n, event_id=None, **kwargs):
    event = fake_event(n, **kwargs)
    if event_id:
        event["event_id"] = event_id
    return event


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
    def run(*args, timeout=60, env=None, input=None):
        env = {"FRAMECAP_STORE": store, "TZ": "UTC", **(env or {})}
        return processes.framecap(*args, cwd=tmp_path, env=env, timeout=timeout, input=input)

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
    listing = cli("list", "--events")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[1].startswith(event["event_id"][:12])
    assert "ZeroDivisionError  division by zero  crash.py:5 in divide" in listing.stdout
    shown = cli("show", "last")
    assert shown.returncode == 0
    assert '  File "' in shown.stdout and "  > 5       return a / b" in shown.stdout
    assert (
        "a = 1" in shown.stdout
        and "b = 0" in shown.stdout
        and "\nZeroDivisionError: division by zero\n" in shown.stdout
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
    assert missing.returncode == 1 and "no event or issue 'last'" in missing.stderr
    assert cli("show", "nothex!").returncode == 1
    no_script = cli("run", "nope.py")
    assert no_script.returncode == 2 and "can't open file 'nope.py'" in no_script.stderr
    assert cli("run").returncode == 2
    assert cli("frobnicate").returncode == 2
    assert cli().returncode == 2
    assert cli("list").stdout.strip() == "no events yet"


def test_ambiguous_prefix(cli, store):
    inbox = Inbox(store, background=False)
    for n in range(2):
        inbox.send(fake(n, f"aa{n}{'0' * 29}"))
    result = cli("show", "aa")
    assert (
        result.returncode == 1
        and "'aa' matches more than one (event aa0000000000, event aa1000000000)" in result.stderr
    )


def test_bad_environment_is_a_clear_error(cli):
    result = cli("run", "crash.py", env={"FRAMECAP_CONTEXT_LINES": "lots"})
    assert result.returncode == 2 and "FRAMECAP_CONTEXT_LINES" in result.stderr and "'lots'" in result.stderr


def test_store_option_picks_the_inbox(cli, tmp_path):
    other = str(tmp_path / "other.db")
    assert cli("--store", other, "run", "crash.py").returncode == 1
    assert len(read_store(other)) == 1
    listing = cli("--store", other, "list")
    assert "ZeroDivisionError" in listing.stdout
    assert cli("list").stdout.strip() == "no events yet", "the default inbox (FRAMECAP_STORE) stayed empty"


WHERE_AM_I = """
import os, sys
print(repr(sys.argv), repr(sys.path[0]), repr(__file__ if '__file__' in dir() else None), __name__)
"""


def test_argv_and_path_are_what_python_sets(cli, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "where.py").write_text(WHERE_AM_I)
    (tmp_path / "wherepkg").mkdir()
    (tmp_path / "wherepkg" / "__init__.py").write_text("")
    (tmp_path / "wherepkg" / "__main__.py").write_text(WHERE_AM_I)
    for args in (["sub/where.py", "a", "-b"], ["-m", "wherepkg", "x", "--y"]):
        plain = processes.python(*args, cwd=tmp_path)
        ours = cli("run", *args)
        assert ours.returncode == plain.returncode == 0, ours.stderr
        assert ours.stdout == plain.stdout


SLEEPER = """
import os, time
print("ready", os.getpid(), flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_ends_the_program_as_python_does(tmp_path, store):
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    env = processes.environment({"FRAMECAP_STORE": store})
    statuses = {}
    for name, command in (("python", ["sleeper.py"]), ("framecap", ["-m", "framecap", "run", "sleeper.py"])):
        child = processes.start(
            *command,
            cwd=tmp_path,
            env={"FRAMECAP_STORE": store},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline().startswith("ready ")
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
        statuses[name] = (child.returncode, err.strip().splitlines()[-1], err.count("Traceback"))
    assert statuses["framecap"] == statuses["python"] == (-signal.SIGINT, "KeyboardInterrupt", 1)
    assert read_store(store) == []
    shell = subprocess.Popen(
        ["sh", "-c", f"{sys.executable} -m framecap run sleeper.py; echo status $?"],
        cwd=str(tmp_path),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.kill(int(shell.stdout.readline().split()[1]), signal.SIGINT)
    assert shell.communicate(timeout=60)[0] == "status 130\n"


def test_saved_line_only_when_stored(cli, tmp_path, store):
    (tmp_path / "blocker").write_text("a file where the inbox's folder should be")
    result = cli("run", "crash.py", env={"FRAMECAP_STORE": str(tmp_path / "blocker" / "events.db")})
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("framecap: event ") and "could not be saved in" in last and "saved event" not in last
    dsn = cli(
        "run",
        "crash.py",
        env={"FRAMECAP_DSN": "http://key@127.0.0.1:9/1", "FRAMECAP_SHUTDOWN_TIMEOUT": "0.2"},
    )
    last = dsn.stderr.strip().splitlines()[-1]
    assert dsn.returncode == 1 and "http://127.0.0.1:9" in last and "saved event" not in last
    assert read_store(store) == []


def _seed(store, count=4):
    inbox = Inbox(store, background=False)
    for n in range(count):
        inbox.send(fake(n, value=f"row {n} missing"))
    inbox.send(fake(9, function="other", kind="KeyError", value="'k'"))
    return inbox


def test_list_groups_and_filters(cli, store):
    inbox = _seed(store)
    listing = cli("list")
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["ISSUE", "COUNT", "FIRST", "SEEN", "LAST", "SEEN", "UTC", "TYPE", "MESSAGE", "WHERE"]
    assert len(lines) == 3 and lines[1].split()[1] == "1" and lines[2].split()[1] == "4"
    assert lines[2].endswith("row 3 missing  b.py:5 in mine")
    assert len(cli("list", "--events").stdout.splitlines()) == 6
    assert cli("list", "--type", "KeyError").stdout.count("\n") == 2
    assert "no issues match" in cli("list", "--grep", "nothing like this").stdout
    assert cli("list", "--grep", "ROW 2").stdout.count("\n") == 2
    assert cli("list", "--since", "1h").stdout.count("\n") == 3
    assert "no issues match" in cli("list", "--since", "2999-01-01").stdout
    assert "(1 of 2 issues; -n 2 shows all)" in cli("list", "-n", "1").stdout
    for bad in (["-n", "0"], ["-n", "x"], ["--since", "yesterday"]):
        result = cli("list", *bad)
        assert result.returncode == 2 and result.stderr, bad
    assert "give 1 or more" in cli("list", "-n", "0").stderr
    issue = inbox.issues()[1].issue
    shown = cli("show", issue[:8])
    assert shown.returncode == 0 and "row 3 missing" in shown.stdout
    assert f"issue {issue[:8]}: 4 events, this is the newest; first " in shown.stdout


def test_rm_clear_export(cli, store, tmp_path):
    inbox = _seed(store)
    issue = inbox.issues()[1].issue
    exported = cli("export", "--all")
    assert [json.loads(line)["event_id"][-1] for line in exported.stdout.splitlines()] == ["0", "1", "2", "3", "9"]
    out = tmp_path / "out.jsonl"
    result = cli("export", issue[:8], "last", "-o", str(out))
    assert result.returncode == 0 and "exported 5 events" in result.stderr
    assert len(out.read_text().splitlines()) == 5
    assert cli("export").returncode == 2 and cli("export", "last", "--all").returncode == 2
    assert cli("rm", f"{1:032x}"[:31], "nothex!").returncode == 1, "all named events must exist"
    assert cli("rm", f"{1:032x}").stdout.strip() == "deleted 1 event"
    assert cli("rm", issue[:10]).stdout.strip() == "deleted 3 events"
    refused = cli("clear")
    assert refused.returncode == 2 and "add --yes" in refused.stderr and inbox.event_count() == 1
    assert cli("clear", "--yes").stdout.strip() == "deleted 1 event" and inbox.event_count() == 0
    assert cli("clear").stdout.strip() == "the inbox is empty"


def test_send_replays_through_the_transport(cli, store):
    from fakeserver import FakeSentry

    _seed(store, count=2)
    server = FakeSentry()
    try:
        result = cli("send", "--dsn", server.dsn(), "--all")
        assert result.returncode == 0, result.stderr
        assert "sent 3 events to 127.0.0.1" in result.stdout
        assert sorted(i[-1] for i in server.event_ids()) == ["0", "1", "9"]
    finally:
        server.stop()
    assert cli("send", "--dsn", "nonsense", "--all").returncode == 2


def test_closed_pipe_exits_quietly(tmp_path, store):
    _seed(store, count=1)
    for args in (["show", "last", "--full"], ["list", "--events"], ["export", "--all"]):
        child = processes.start(
            "-m", "framecap", *args, env={"FRAMECAP_STORE": store}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        child.stdout.close()  # like `| head` that has already quit
        err = child.stderr.read()
        assert child.wait(timeout=60) == 0 and err == b"", (args, err)


def _on_a_terminal(args, env, rows=10, cols=80):
    """Run the command with a pseudo-terminal as stdout (a real terminal's size); return its output."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    child = processes.start("-m", "framecap", *args, env=env, stdout=follower, stderr=subprocess.PIPE, stdin=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    status = child.wait(timeout=60)
    os.close(leader)
    return status, b"".join(chunks).decode(), child.stderr.read().decode()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals")
def test_colour_width_and_pager_follow_the_terminal(tmp_path, store):
    _seed(store, count=1)
    paged = tmp_path / "paged.txt"
    env = {"FRAMECAP_STORE": store, "TERM": "xterm", "PAGER": f"sh -c 'cat > {paged}'"}
    status, out, err = _on_a_terminal(["show", "last"], env, rows=5)
    assert status == 0 and err == "" and out == ""
    text = paged.read_text()
    assert "\x1b[" in text and "Traceback (most recent call last):" in text, "coloured, through the pager"
    assert max(len(line) for line in strip_ansi(text).splitlines()) <= 80
    status, out, _ = _on_a_terminal(["show", "last", "--no-pager"], env)
    assert "\x1b[" in out and "Traceback" in out
    _, out, _ = _on_a_terminal(["show", "last", "--no-pager"], dict(env, NO_COLOR="1"))
    assert "\x1b[" not in out and "Traceback" in out
    _, out, _ = _on_a_terminal(["show", "last", "--no-pager", "--color", "never"], env)
    assert "\x1b[" not in out
    _, out, _ = _on_a_terminal(["show", "last"], dict(env, PAGER=f"sh -c 'cat > {paged}'"), rows=500)
    assert "Traceback" in out, "short enough for the terminal: no pager"
    piped = processes.framecap("show", "last", env=env)
    assert "\x1b[" not in piped.stdout
    forced = processes.framecap("show", "last", env=dict(env, FORCE_COLOR="1"))
    assert "\x1b[" in forced.stdout


def strip_ansi(text):
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r", "")
