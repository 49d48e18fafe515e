"""Golden files: whole events and ``framecap show`` output for a few representative crashes.

They pin what framecap sends today, so a restructure changes no output by accident. After an
intended change, regenerate them and read the diff: ``python -m pytest tests/test_golden.py
--update-goldens`` (once per Python version: ``nox -- tests/test_golden.py --update-goldens``).
Unstable parts (ids, times, paths, addresses, the version) are normalized first.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import golden_app
import pytest

import framecap
from conftest import assert_schema_valid
from framecap.cli import render_event

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / f"py{sys.version_info[0]}{sys.version_info[1]}"
_ADDRESS = re.compile(r"0x[0-9a-f]{6,16}")


def _normalize(value: Any) -> Any:
    """Replace what changes from run to run or machine to machine."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "event_id":
                item = "<event id>"
            elif key == "timestamp":
                item = "<timestamp>"
            elif key == "id" and type(item) is int and item > 2**16:
                item = "<thread id>"  # threading.get_ident(): an address
            out[key] = _normalize(item)
        return out
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, str):
        text = value.replace(str(HERE), "<tests>").replace(os.path.dirname(os.__file__), "<stdlib>")
        text = text.replace(framecap.__version__, "<version>")
        return _ADDRESS.sub("0x<address>", text)
    return value


def check_golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}: run pytest {__file__} --update-goldens")
    assert text == path.read_text(), f"{name} differs from its golden file (intended? regenerate with --update-goldens)"


SCENARIOS = {
    "demo": golden_app.demo,
    "chained": golden_app.chained,
    "values": golden_app.values,
    "settings_error": golden_app.settings_error,
    "grouped": golden_app.grouped,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_event_and_show_output_match_golden_files(name, update_goldens, monkeypatch):
    monkeypatch.chdir(HERE)
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False, project_root=str(HERE))
    try:
        SCENARIOS[name]()
    except BaseException as error:  # noqa: B036 - groups too
        client.capture_exception(error)
    (event,) = transport.events
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    frames[:] = [f for f in frames if f.get("module") == "golden_app"]  # pytest's own frames vary
    for value in event["exception"]["values"][:-1]:
        stack = value.get("stacktrace") or {}
        stack["frames"] = [f for f in stack.get("frames", []) if f.get("module") != "test_golden"]
    assert_schema_valid([event])
    normalized = _normalize(event)
    check_golden(f"{name}.json", json.dumps(normalized, indent=1, sort_keys=True) + "\n", update_goldens)
    check_golden(f"{name}.show.txt", render_event(normalized) + "\n", update_goldens)


def test_message_event_with_its_stack_matches_golden_files(update_goldens, monkeypatch):
    monkeypatch.chdir(HERE)
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False, project_root=str(HERE), attach_stacktrace=True)
    golden_app.report_stuck(client, 42)
    (event,) = transport.events
    stack = event["threads"]["values"][0]["stacktrace"]
    stack["frames"] = [f for f in stack["frames"] if f.get("module") == "golden_app"]  # pytest's own frames vary
    assert_schema_valid([event])
    normalized = _normalize(event)
    check_golden("message.json", json.dumps(normalized, indent=1, sort_keys=True) + "\n", update_goldens)
    check_golden("message.show.txt", render_event(normalized) + "\n", update_goldens)
