import inspect
import os
import sys
import threading

import processes
import pytest

import framecap
from conftest import read_store


def test_public_names_are_pinned_and_sorted():
    assert framecap.__all__ == sorted(framecap.__all__)
    assert framecap.__all__ == [
        "Client",
        "ConfigError",
        "MemoryTransport",
        "__version__",
        "add_breadcrumb",
        "capture_exception",
        "capture_message",
        "flush",
        "init",
        "install_hooks",
        "new_scope",
        "set_context",
        "set_extra",
        "set_fingerprint",
        "set_level",
        "set_tag",
        "set_tags",
        "set_user",
        "uninstall_hooks",
    ]
    for name in framecap.__all__:
        assert getattr(framecap, name) is not None


def test_package_is_typed():
    assert os.path.exists(os.path.join(os.path.dirname(framecap.__file__), "py.typed"))
    for fn in (framecap.init, framecap.capture_exception, framecap.flush, framecap.Client.capture_exception):
        assert inspect.signature(fn).return_annotation is not inspect.Signature.empty


def test_init_returns_the_client_and_replaces_the_previous_one():
    first = framecap.init(transport=framecap.MemoryTransport(), install_hooks=False)
    second = framecap.init(transport=framecap.MemoryTransport(), install_hooks=False)
    assert isinstance(second, framecap.Client) and first is not second
    assert first.capture_exception(ValueError()) is None, "the replaced client is closed"
    assert framecap.capture_exception(ValueError()) is not None


def test_memory_transport_is_synchronous_and_copies(memory):
    handed_over = []

    def keep(event, hint):
        handed_over.append(event)
        return event

    framecap.init(transport=memory, install_hooks=False, before_send=keep)
    event_id = framecap.capture_exception(ValueError("v"))
    assert memory.events[-1]["event_id"] == event_id, "stored before capture_exception returned"
    handed_over[0]["exception"]["values"][-1]["value"] = "changed after sending"
    assert memory.events[-1]["exception"]["values"][-1]["value"] == "v", "the transport kept its own copy"
    assert memory.flush() is True


@pytest.mark.slow
def test_captures_from_many_threads(memory):
    # A tiny switch interval makes the threads interleave inside the capture: each capture must
    # return its own event's id (not the one another thread stored last on the client).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(3):
            memory.events.clear()
            ids = []

            def work(ids=ids):
                for _ in range(20):
                    try:
                        raise ValueError("t")
                    except ValueError:
                        ids.append(framecap.capture_exception())

            threads = [threading.Thread(target=work) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(ids) == sorted(event["event_id"] for event in memory.events)
            assert len(set(ids)) == 160
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.slow
@pytest.mark.integration
def test_demo_command_captures_into_the_inbox(store, tmp_path):
    result = processes.framecap("demo", cwd=tmp_path, env={"FRAMECAP_STORE": store}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ZeroDivisionError: division by zero" in result.stderr and "framecap show last" in result.stderr
    (event,) = read_store(store)
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "Account.ratio" and frames[-1]["in_app"] is True
    assert frames[-1]["vars"]["idx"] == "0"
    shown = processes.framecap("show", "last", env={"FRAMECAP_STORE": store})
    assert "return self.scores[idx] / (self.scores[1] - 1)" in shown.stdout
