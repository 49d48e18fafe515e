"""logging, asyncio, de-duplication, and the testing helpers."""

import asyncio
import contextvars
import gc
import json
import logging
import textwrap
import threading
import weakref

import processes
import pytest

import framecap
from conftest import assert_schema_valid
from framecap.testing import capture_events


def test_logged_exceptions_become_events_and_records_breadcrumbs(memory):
    log = logging.getLogger("shop.checkout")
    log.setLevel(logging.DEBUG)
    log.debug("not kept: below the breadcrumb level")
    log.info("cart %s has %d items", "c-1", 3)
    log.warning("slow payment provider")
    try:
        {}["missing"]
    except KeyError:
        log.exception("checkout failed for %s", "c-1")
    log.error("no exception info: a message event")
    try:
        raise ValueError("second")
    except ValueError:
        log.error("with exc_info", exc_info=True)
    first, message, second = memory.events
    assert first["exception"]["values"][-1]["mechanism"] == {"type": "logging", "handled": True}
    assert first["logentry"] == {
        "message": "checkout failed for %s",
        "params": ["c-1"],
        "formatted": "checkout failed for c-1",
    }
    assert first["logger"] == "shop.checkout" and first["level"] == "error"
    assert "exception" not in message and "threads" not in message  # attach_stacktrace is off
    assert message["logentry"] == {
        "message": "no exception info: a message event",
        "formatted": "no exception info: a message event",
    }
    assert (message["logger"], message["level"]) == ("shop.checkout", "error")
    crumbs = [(c["level"], c["category"], c["message"]) for c in second["breadcrumbs"]["values"]]
    assert crumbs == [  # a record that became an event is a breadcrumb for the events after it
        ("info", "shop.checkout", "cart c-1 has 3 items"),
        ("warning", "shop.checkout", "slow payment provider"),
        ("error", "shop.checkout", "checkout failed for c-1"),
        ("error", "shop.checkout", "no exception info: a message event"),
    ]


def test_logging_levels_from_the_environment_and_framecaps_own_records(memory, monkeypatch):
    monkeypatch.setenv("FRAMECAP_LOGGING_EVENT_LEVEL", "critical")
    monkeypatch.setenv("FRAMECAP_LOGGING_BREADCRUMB_LEVEL", "30")
    framecap.init(transport=memory, install_hooks=False)
    log = logging.getLogger("app")
    log.info("below 30: dropped")
    try:
        raise KeyError("k")
    except KeyError:
        log.exception("error level: only a breadcrumb now")
        logging.getLogger("framecap").error("our own: ignored", exc_info=True)
        log.critical("critical: an event", exc_info=True)
    (event,) = memory.events
    assert [c["message"] for c in event["breadcrumbs"]["values"]] == ["error level: only a breadcrumb now"]
    monkeypatch.setenv("FRAMECAP_LOGGING_EVENT_LEVEL", "loud")
    with pytest.raises(framecap.ConfigError, match="FRAMECAP_LOGGING_EVENT_LEVEL.*'loud'.*a logging level"):
        framecap.init(transport=memory, install_hooks=False)


def test_logging_integration_off(memory):
    framecap.init(transport=memory, install_hooks=False, logging_integration=False)
    try:
        raise KeyError("k")
    except KeyError:
        logging.getLogger("app").exception("not captured")
    assert memory.events == []


def test_one_exception_through_several_paths_is_one_event(memory):
    try:
        raise RuntimeError("once")
    except RuntimeError as error:
        logging.getLogger("app").exception("logged")
        first = framecap.capture_exception()
        again = framecap.capture_exception(error)
    assert first == again and len(memory.events) == 1


def test_asyncio_unretrieved_task_and_failing_callback_for_loops_before_and_after_init(run_python, store):
    result = run_python("""
        import asyncio, gc, framecap
        seen = []
        early = asyncio.new_event_loop()           # created before init()
        framecap.init()

        async def fails():
            raise LookupError("never retrieved")

        async def handled():
            raise KeyError("handled")

        async def main():
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(lambda l, ctx: seen.append(ctx["message"]))
            asyncio.ensure_future(fails())          # nobody awaits it
            await asyncio.sleep(0.01)
            await asyncio.gather(handled(), return_exceptions=True)
            try:
                await asyncio.ensure_future(handled())
            except KeyError:
                pass
            loop.call_soon(lambda: 1 / 0)           # a failing callback
            await asyncio.sleep(0.01)

        asyncio.run(main())                          # a loop created after init()
        gc.collect()
        early.call_soon(lambda: [][1])
        early.run_until_complete(asyncio.sleep(0.01))
        early.close()
        print(len(seen))
    """)
    assert result.returncode == 0, result.stderr
    from conftest import read_store

    events = read_store(store)
    kinds = sorted(e["exception"]["values"][-1]["type"] for e in events)
    assert kinds == ["IndexError", "LookupError", "ZeroDivisionError"]
    assert all(e["exception"]["values"][-1]["mechanism"] == {"type": "asyncio", "handled": False} for e in events)
    assert int(result.stdout.strip()) == 2, "the loop's own handler still ran"


def test_capture_events_collects_without_sending():
    sent = []
    framecap.init(transport=sent.append, install_hooks=False)
    with capture_events() as events:
        framecap.capture_exception(ValueError("kept here"))
    framecap.capture_exception(ValueError("sent"))
    assert [e["exception"]["values"][-1]["value"] for e in events] == ["kept here"]
    assert [e["exception"]["values"][-1]["value"] for e in sent] == ["sent"]
    assert_schema_valid(events)


def test_capture_events_without_a_client():
    with capture_events() as events:
        try:
            raise KeyError("no client configured")
        except KeyError:
            assert framecap.capture_exception() is not None
    assert len(events) == 1 and framecap.capture_exception(ValueError()) is None


def test_capture_events_collects_its_own_context_and_other_threads_send(memory):
    values = lambda events: [e["exception"]["values"][-1]["value"] for e in events]  # noqa: E731
    go, done = threading.Event(), threading.Event()

    def other_thread():  # started before the block, captures while it is open
        go.wait(30)
        framecap.capture_exception(ValueError("other thread"))
        done.set()

    def started_inside(label):
        framecap.capture_exception(ValueError(label))

    worker = threading.Thread(target=other_thread)
    worker.start()
    with capture_events() as events:
        framecap.capture_exception(ValueError("in the block"))
        go.set()
        assert done.wait(30)
        plain = threading.Thread(target=started_inside, args=("thread started inside",))
        plain.start()
        plain.join()
        context = contextvars.copy_context()
        copied = threading.Thread(target=context.run, args=(started_inside, "thread in the block's context"))
        copied.start()
        copied.join()

        async def task():
            framecap.capture_exception(ValueError("asyncio task"))

        asyncio.run(task())
    worker.join()
    assert values(events) == ["in the block", "thread in the block's context", "asyncio task"]
    assert values(memory.events) == ["other thread", "thread started inside"]
    framecap.capture_exception(ValueError("after the block"))
    assert values(memory.events)[-1] == "after the block" and len(events) == 3


def test_nested_capture_events_collect_in_the_innermost_block():
    with capture_events() as outer:
        framecap.capture_exception(ValueError("outer"))
        with capture_events() as inner:
            framecap.capture_exception(ValueError("inner"))
        framecap.capture_exception(ValueError("outer again"))
    assert [len(outer), len(inner)] == [2, 1]
    assert framecap.client.get_current() is None


def test_de_duplication_is_per_client(memory):
    other = framecap.MemoryTransport()
    second = framecap.Client(transport=other)
    error = ValueError("seen by two clients")
    first_id = framecap.capture_exception(error)
    assert first_id is not None
    assert framecap.capture_exception(error) == first_id  # the same client: de-duplicated
    second_id = second.capture_exception(error)
    assert second_id is not None and second_id != first_id  # another client sends it too
    assert second.capture_exception(error) == second_id
    assert [len(memory.events), len(other.events)] == [1, 1]
    third = framecap.Client(transport=framecap.MemoryTransport())  # a new client never reads another's mark
    assert third.capture_exception(error) not in (None, first_id, second_id)
    assert_schema_valid(other.events)


def test_de_duplication_keeps_no_reference_to_the_exception():
    class Weak(Exception):  # (built-in exceptions take no weak references; subclasses do)
        pass

    clients = [framecap.Client(transport=framecap.MemoryTransport()) for _ in range(2)]

    def fail():
        raise Weak("frames and all")

    def capture_twice_per_client():  # (its frame, whose locals a capture reads, is gone when it returns)
        try:
            fail()
        except Weak as error:
            for client in clients:
                assert client.capture_exception() is not None
                assert client.capture_exception(error) is not None
            return weakref.ref(error)

    ref = capture_twice_per_client()
    gc.collect()
    assert ref() is None


@pytest.mark.slow
@pytest.mark.integration
def test_pytest_fixture_through_the_plugin_entry_point(tmp_path):
    (tmp_path / "test_user_code.py").write_text(
        textwrap.dedent("""
        import framecap

        def test_it(framecap_events):
            try:
                raise ValueError("from the user's test")
            except ValueError:
                framecap.capture_exception()
            assert framecap_events[0]["exception"]["values"][-1]["value"] == "from the user's test"
    """)
    )
    result = processes.python("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path), cwd=tmp_path, timeout=120)
    assert "1 passed" in result.stdout, result.stdout + result.stderr


def test_a_clients_breadcrumb_bound_is_its_own(run_python):
    result = run_python("""
        import json
        import framecap
        from framecap import client as client_module
        from framecap.testing import capture_events

        sent = []
        main = framecap.init(transport=sent.append, install_hooks=False)
        for i in range(5):
            framecap.add_breadcrumb(message=f"crumb {i}")          # the process-wide root scope
        small = framecap.Client(transport=sent.append, max_breadcrumbs=2)
        framecap.capture_exception(ValueError("global"))
        small.capture_exception(ValueError("small"))
        client_module.set_current(None)
        with capture_events(max_breadcrumbs=2) as events:          # a temporary client
            framecap.capture_exception(ValueError("temporary"))
        client_module.set_current(main)
        framecap.capture_exception(ValueError("global again"))
        print(json.dumps([
            [e["exception"]["values"][-1]["value"], [c["message"] for c in e["breadcrumbs"]["values"]]]
            for e in sent + events
        ]))
    """)
    assert result.returncode == 0, result.stderr
    every = [f"crumb {i}" for i in range(5)]
    assert json.loads(result.stdout) == [
        ["global", every],
        ["small", ["crumb 3", "crumb 4"]],
        ["global again", every],
        ["temporary", ["crumb 3", "crumb 4"]],
    ]


def test_breadcrumbs_added_through_a_client_keep_its_bound(memory):
    from framecap import scope

    framecap.init(transport=memory, install_hooks=False, max_breadcrumbs=3)
    log = logging.getLogger("bounded")
    log.setLevel(logging.INFO)
    for i in range(10):
        log.info("log %d", i)
    assert [c["message"] for c in scope.current().breadcrumbs] == ["log 7", "log 8", "log 9"]
    for i in range(scope.MAX_KEPT + 5):
        framecap.add_breadcrumb(message=f"direct {i}")  # no client involved: the scope's own cap
    assert len(scope.current().breadcrumbs) == scope.MAX_KEPT
    with scope.isolated(limit=2) as child:
        assert [c["message"] for c in child.breadcrumbs] == [
            f"direct {scope.MAX_KEPT + 3}",
            f"direct {scope.MAX_KEPT + 4}",
        ]
    framecap.init(transport=memory, install_hooks=False, max_breadcrumbs=0)
    with scope.isolated():
        log.warning("not kept: max_breadcrumbs=0")
        assert [c["message"] for c in scope.current().breadcrumbs][-1] != "not kept: max_breadcrumbs=0"


def test_asyncio_integration_waits_for_asyncio_to_be_imported(run_python):
    result = run_python("""
        import sys
        import framecap
        from framecap.integrations import asyncio as integration

        finders = list(sys.meta_path)
        events = []
        framecap.init(transport=events.append, install_hooks=False)
        assert "asyncio" not in sys.modules, "framecap imported asyncio"
        integration.uninstall()
        assert sys.meta_path == finders
        integration.install()
        integration.install()
        assert len(sys.meta_path) == len(finders) + 1
        import asyncio

        assert sys.meta_path == finders, "the import watcher is gone once asyncio is imported"


        def failing_callback():
            loop = asyncio.new_event_loop()
            loop.set_exception_handler(lambda loop, context: None)
            loop.call_soon(lambda: 1 / 0)
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()
            return len(events)


        print(failing_callback(), end=" ")
        integration.uninstall()
        print(failing_callback(), end=" ")
        integration.install()
        print(failing_callback())
    """)
    assert result.returncode == 0 and result.stdout == "1 1 2\n", result.stderr
