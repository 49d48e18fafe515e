"""README "`framecap run`": with a DSN it says the event was handed to that server, or that it was not
yet delivered within ``shutdown_timeout``; only what is true (the command in a child process)."""

import processes
import pytest
from fakeserver import FakeSentry

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CRASH = "def divide(a, b):\n    return a / b\n\ndivide(1, 0)\n"


def test_with_a_dsn_run_says_handed_only_when_the_server_has_it(tmp_path, store):
    (tmp_path / "crash.py").write_text(CRASH)
    server = FakeSentry()
    try:
        env = {"FRAMECAP_DSN": server.dsn(), "FRAMECAP_STATE_DIR": str(tmp_path / "state"), "FRAMECAP_STORE": store}
        result = processes.framecap("run", "crash.py", cwd=tmp_path, env=env, timeout=60)
        (event_id,) = server.event_ids()
    finally:
        server.stop()
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"framecap: event {event_id} handed to http://127.0.0.1:{server.port}"), last

    hanging = FakeSentry()
    hanging.hang.clear()
    try:
        env = dict(env, FRAMECAP_DSN=hanging.dsn(), FRAMECAP_SHUTDOWN_TIMEOUT="0.5")
        result = processes.framecap("run", "crash.py", cwd=tmp_path, env=env, timeout=60)
    finally:
        hanging.stop()
    last = result.stderr.strip().splitlines()[-1]
    assert " not yet delivered to http://127.0.0.1:" in last and "within shutdown_timeout" in last, last
    assert "handed" not in last
