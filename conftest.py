"""Test harness: internal framecap errors fail the test, and every event produced is checked by Relay."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import framecap
from framecap import client as client_module
from framecap import hooks
from framecap import scope as scope_module

ROOT = os.path.dirname(os.path.abspath(__file__))

# Property tests check what the code does, never how long it takes: no per-example deadline and no
# "too slow" health check, which a loaded machine (CI on two cores, six interpreters) would trip.
settings.register_profile("framecap", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("framecap")
RELAY_CHECKED: list[int] = [0]


def relay_errors(event: dict[str, Any]) -> list[Any]:
    """What Sentry's own normalizer (PyPI ``sentry-relay``) objects to in ``event``."""
    from sentry_relay.processing import StoreNormalizer

    normalized = StoreNormalizer(project_id=1, remove_other=True).normalize_event(json.loads(json.dumps(event)))
    RELAY_CHECKED[0] += 1
    return normalized.get("errors") or []


def relay_scrub_leftovers(event: dict[str, Any], ip_addresses: bool = True) -> dict[str, Any]:
    """What Sentry's server-side scrubbing (defaults, plus IP addresses unless the user sends them) would still change.

    Returns the ``_meta`` Relay writes for frame variables and request data (empty: nothing left).
    """
    from sentry_relay.processing import convert_datascrubbing_config, pii_strip_event

    config = convert_datascrubbing_config(
        {
            "scrubData": True,
            "scrubDefaults": True,
            "scrubIpAddresses": ip_addresses,
            "sensitiveFields": [],
            "excludeFields": [],
        }
    )
    plain = json.loads(json.dumps({k: v for k, v in event.items() if k != "_meta"}))
    meta = pii_strip_event(config, plain).get("_meta") or {}
    found: dict[str, Any] = {}
    for vi, value in (meta.get("exception", {}).get("values") or {}).items():
        for fi, frame in ((value.get("stacktrace") or {}).get("frames") or {}).items():
            if "vars" in frame:
                found[f"exception.values.{vi}.frames.{fi}.vars"] = frame["vars"]
    if "data" in meta.get("request", {}):
        found["request.data"] = meta["request"]["data"]
    return found


def assert_schema_valid(events: list[dict[str, Any]]) -> None:
    for event in events:
        errors = relay_errors(event)
        assert not errors, f"Relay rejected parts of event {event.get('event_id')}: {errors}"


def read_store(path: str) -> list[dict[str, Any]]:
    """Events in an inbox file, oldest first."""
    if not os.path.exists(path):
        return []
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT body FROM events ORDER BY seq").fetchall()
    return [json.loads(body) for (body,) in rows]


@pytest.fixture(autouse=True)
def _loud_internal_errors(request: pytest.FixtureRequest):
    """A contained internal error is still a failing test, unless the test expects one."""
    seen: list[Any] = []

    def handler(where: str, error: BaseException) -> None:
        seen.append((where, error))

    client_module.internal_error_handlers.append(handler)
    with scope_module.isolated():  # tags, users and breadcrumbs set by one test stay in it
        yield seen
    client_module.internal_error_handlers.remove(handler)
    hooks.uninstall()
    client_module.set_current(None)
    if seen and not request.node.get_closest_marker("internal_errors"):
        raise AssertionError(f"framecap contained internal errors: {seen!r}")


@pytest.fixture
def internal_errors(_loud_internal_errors):
    """The internal errors contained during the test (use with ``@pytest.mark.internal_errors``)."""
    return _loud_internal_errors


@pytest.fixture
def memory(monkeypatch):
    """A global client sending to a MemoryTransport, without hooks; its events are Relay-checked after the test."""
    transport = framecap.MemoryTransport()
    # A generous analysis budget: a loaded CI machine must not skip the expression values a test
    # checks (the budget stops at 5 times its CPU time in wall time). Budget tests set their own;
    # the variable gives it to the clients a test makes itself with framecap.init(transport=memory).
    monkeypatch.setenv("FRAMECAP_EXPRESSION_TIME_BUDGET", "30")
    framecap.init(transport=transport, install_hooks=False)
    yield transport
    assert_schema_valid(transport.events)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An inbox path set as FRAMECAP_STORE; its events are Relay-checked after the test."""
    path = str(tmp_path / "events.db")
    monkeypatch.setenv("FRAMECAP_STORE", path)
    yield path
    assert_schema_valid(read_store(path))


@pytest.fixture
def run_python(tmp_path):
    """Run a Python snippet in a fresh interpreter (cwd = tmp_path, the ``store`` fixture's inbox as
    FRAMECAP_STORE, no other FRAMECAP_* variable: tests/processes.py); returns the CompletedProcess."""

    import processes  # tests/processes.py (tests/ is on the path once tests run)

    def run(
        code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return processes.snippet(
            code,
            *args,
            directory=tmp_path,
            env={"FRAMECAP_STORE": str(tmp_path / "events.db"), **(env or {})},
            timeout=timeout,
        )

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite golden files (tests/golden/) and generated README sections instead of comparing",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True under ``--update-goldens``: tests rewrite their expected output instead of comparing."""
    return bool(request.config.getoption("--update-goldens"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "internal_errors: the test expects framecap to contain internal errors")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that runs a snippet in a child interpreter (the ``run_python`` fixture) is ``slow`` and
    ``integration`` without saying so: a new one can't be forgotten."""
    for item in items:
        if "run_python" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"framecap: {RELAY_CHECKED[0]} events normalized by sentry-relay with zero errors")
