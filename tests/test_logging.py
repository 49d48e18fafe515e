"""The logging integration observes records without changing what the program prints.

Each program below runs twice in a fresh interpreter, without and with ``framecap.init()``; stdout,
stderr and the exit status must be the same, and the run with framecap must have recorded what it
should. Then what the integration sees, in process: levels, filters, propagation, re-entry, threads.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import textwrap
import threading

import pytest

import framecap
from conftest import ROOT, read_store
from framecap import scope
from framecap.integrations import logging as logging_integration

PRELUDE = """\
import os


def maybe_init(**options):
    if os.environ["WITH_FRAMECAP"] == "1":
        import framecap

        return framecap.init(**options)
    return None


"""


def run_both(run_python, code: str, timeout: float = 60):
    """Run ``code`` without and with framecap; the outputs must be identical. Returns the run without."""
    source = PRELUDE + textwrap.dedent(code)
    without = run_python(source, env={"WITH_FRAMECAP": "0"}, timeout=timeout)
    with_framecap = run_python(source, env={"WITH_FRAMECAP": "1"}, timeout=timeout)
    assert with_framecap.stdout == without.stdout
    assert with_framecap.stderr == without.stderr
    assert with_framecap.returncode == without.returncode == 0, without.stderr
    return without


def crumbs(event):
    return [(c["category"], c["level"], c["message"]) for c in event.get("breadcrumbs", {}).get("values", [])]


def test_no_logging_config_prints_through_pythons_last_resort(run_python, store):
    result = run_both(
        run_python,
        """
        maybe_init()
        import logging

        log = logging.getLogger("app")
        log.info("not shown: the root logger's level is WARNING")
        log.warning("disk %d%% full", 91)
        log.error("x")
        try:
            {}["missing"]
        except KeyError:
            log.exception("lookup failed")
        """,
    )
    assert result.stderr.startswith("disk 91% full\nx\nlookup failed\nTraceback (most recent call last):\n")
    message, event = read_store(store)
    assert message["logentry"] == {"message": "x", "formatted": "x"} and message["level"] == "error"
    assert event["logger"] == "app" and event["exception"]["values"][-1]["type"] == "KeyError"
    assert crumbs(event) == [("app", "warning", "disk 91% full"), ("app", "error", "x")]


def test_basic_config_after_init_configures_logging(run_python, store):
    result = run_both(
        run_python,
        """
        maybe_init()
        import logging, sys

        logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s:%(name)s:%(message)s")
        log = logging.getLogger("shop")
        log.info("cart has %d items", 3)
        try:
            1 / 0
        except ZeroDivisionError:
            log.exception("checkout failed")
        """,
    )
    assert result.stdout.startswith("INFO:shop:cart has 3 items\nERROR:shop:checkout failed\nTraceback")
    (event,) = read_store(store)
    assert event["logentry"] == {"formatted": "checkout failed", "message": "checkout failed"}
    assert crumbs(event) == [("shop", "info", "cart has 3 items")]


def test_dict_config_and_asyncio_imported_after_it(run_python, store):
    # dictConfig disables every logger that exists when it runs: framecap must not have created
    # asyncio's (by importing asyncio) or asyncio's "never retrieved" message would vanish.
    result = run_both(
        run_python,
        """
        maybe_init()
        import logging.config

        logging.config.dictConfig(
            {
                "version": 1,
                "formatters": {"plain": {"format": "%(name)s %(levelname)s %(message)s"}},
                "handlers": {
                    "out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}
                },
                "loggers": {"app.quiet": {"handlers": ["out"], "propagate": False}},
                "root": {"handlers": ["out"], "level": "INFO"},
            }
        )
        logging.getLogger("app").info("visible")
        logging.getLogger("app").debug("below the root's level")
        logging.getLogger("app.quiet").warning("printed by its own handler, never reaches the root")

        import asyncio, gc


        async def fails():
            raise LookupError("never retrieved")


        async def main():
            asyncio.ensure_future(fails())
            await asyncio.sleep(0.01)


        asyncio.run(main())
        gc.collect()
        """,
    )
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "app INFO visible",
        "app.quiet WARNING printed by its own handler, never reaches the root",
        "asyncio ERROR Task exception was never retrieved",
    ]
    (event,) = read_store(store)
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "asyncio", "handled": False}
    assert crumbs(event) == [("app", "info", "visible")]  # the quiet logger does not propagate to the root


def test_asyncio_never_retrieved_message_still_printed(run_python, store):
    result = run_both(
        run_python,
        """
        maybe_init()
        import asyncio, gc


        async def fails():
            raise LookupError("never retrieved")


        async def main():
            asyncio.ensure_future(fails())
            await asyncio.sleep(0.01)


        asyncio.run(main())
        gc.collect()
        """,
    )
    assert result.stderr.startswith("Task exception was never retrieved\nfuture: <Task finished")
    (event,) = read_store(store)
    assert event["exception"]["values"][-1]["type"] == "LookupError"


def test_warnings_captured_through_logging(run_python, store):
    result = run_both(
        run_python,
        """
        maybe_init()
        import logging, warnings

        logging.captureWarnings(True)
        warnings.warn("unseen: py.warnings has only a NullHandler and the root none")
        logging.basicConfig(format="%(name)s|%(levelname)s|%(message)s")
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
        warnings.warn("seen")
        try:
            [][0]
        except IndexError:
            logging.getLogger("app").error("then an error", exc_info=True)
        """,
    )
    assert result.stderr.startswith("py.warnings|WARNING|")
    assert "DeprecationWarning: old API" in result.stderr and "UserWarning: seen" in result.stderr
    assert "unseen" not in result.stderr
    (event,) = read_store(store)
    # All three reach the root logger (py.warnings propagates), as a root handler would see them.
    assert [c[2].split(": ", 1)[1].splitlines()[0] for c in crumbs(event)] == [
        "UserWarning: unseen: py.warnings has only a NullHandler and the root none",
        "DeprecationWarning: old API",
        "UserWarning: seen",
    ]


def test_flask_and_werkzeug_console_lines_from_a_real_server(run_python, store):
    pytest.importorskip("flask")
    result = run_both(
        run_python,
        """
        client = maybe_init()
        import logging, threading, urllib.error, urllib.request

        from flask import Flask
        from werkzeug.serving import WSGIRequestHandler, make_server

        WSGIRequestHandler.log_date_time_string = lambda self: "DATE"  # the same text in both runs
        logging.Formatter.formatTime = lambda self, record, datefmt=None: "TIME"
        app = Flask("shop")


        @app.get("/ok")
        def ok():
            app.logger.warning("ok view ran")
            return "fine"


        @app.get("/fail")
        def fail():
            return str(1 / 0)


        if client is not None:
            from framecap.integrations.flask import init_app

            init_app(app)
        server = make_server("127.0.0.1", 0, app)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        for path in ("/ok", "/fail", "/missing"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=30) as response:
                    print(path, response.status)
            except urllib.error.HTTPError as error:
                print(path, error.code)
        server.shutdown()
        thread.join()
        """,
    )
    assert result.stdout == "/ok 200\n/fail 500\n/missing 404\n"
    err = re.sub("\x1b\\[[0-9;]*m", "", result.stderr)  # werkzeug colours error lines
    assert "[TIME] WARNING in snippet: ok view ran\n" in err
    assert '127.0.0.1 - - [DATE] "GET /ok HTTP/1.1" 200 -\n' in err
    assert "[TIME] ERROR in app: Exception on /fail [GET]\nTraceback" in err
    assert '"GET /fail HTTP/1.1" 500 -\n' in err and '"GET /missing HTTP/1.1" 404 -\n' in err
    (event,) = read_store(store)
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "flask", "handled": False}
    assert event["request"]["url"].endswith("/fail")
    assert ("shop", "warning", "ok view ran") not in crumbs(event)  # another request's scope
    # loopback addresses identify no one: kept
    assert ("werkzeug", "info", '127.0.0.1 - - [DATE] "GET /ok HTTP/1.1" 200 -') in crumbs(event)


def test_the_readmes_logging_example_records_what_it_says(run_python, store):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as file:
        readme = file.read()
    block = readme.split("**logging** (on by default):", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    result = run_python(block)
    assert result.returncode == 0 and result.stderr.startswith("INFO:shop:cart has 3 items\n"), result.stderr
    message, event = read_store(store)
    assert message["logentry"] == {
        "message": "payment %s declined",
        "params": ["p-1"],
        "formatted": "payment p-1 declined",
    }
    assert message["extra"] == {"order_id": 42} and message["level"] == "error" and "exception" not in message
    assert crumbs(event) == [("shop", "info", "cart has 3 items"), ("shop", "error", "payment p-1 declined")]
    assert event["logentry"]["formatted"] == "checkout failed" and event["logger"] == "shop"


# -- what the integration sees, in process --------------------------------------------------------


@pytest.fixture
def events(memory):
    framecap.init(transport=memory, install_hooks=False, logging_breadcrumb_level="DEBUG")
    return memory.events


def captured_crumbs(events):
    framecap.capture_exception(ValueError("look"))
    return [c["message"] for c in events[-1].get("breadcrumbs", {}).get("values", [])]


class Reject(logging.Filter):
    def filter(self, record):
        return "secret" not in record.getMessage()


def test_what_a_root_handler_would_see(events):
    app = logging.getLogger("see.app")
    app.setLevel(logging.DEBUG)
    app.debug("debug: the logger lets it through")
    logging.getLogger("see.default").info("info: the root's WARNING stops it")
    app.addFilter(Reject())
    app.info("a secret: the logger's filter drops it")
    quiet = logging.getLogger("see.quiet")
    quiet.propagate = False
    quiet.addHandler(logging.NullHandler())
    quiet.error("does not propagate to the root")
    child = logging.getLogger("see.app.child")  # a child's record is not filtered by its parent's filter
    child.info("a secret in a child: Python's own rule lets it reach the root")
    disabled = logging.getLogger("see.disabled")
    disabled.disabled = True
    disabled.error("disabled logger")
    free = logging.Logger("free")  # not in the hierarchy: a root handler never sees it
    free.addHandler(logging.NullHandler())
    free.error("free logger")
    loud_handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    loud_handler.setLevel(logging.CRITICAL)  # a handler's level concerns that handler only
    logging.getLogger("see").addHandler(loud_handler)
    logging.disable(logging.INFO)
    app.info("disabled by logging.disable")
    logging.disable(logging.NOTSET)
    app.warning("still seen")
    logging.getLogger("see").removeHandler(loud_handler)
    loud_handler.stream.close()
    assert captured_crumbs(events) == [
        "debug: the logger lets it through",
        "a secret in a child: Python's own rule lets it reach the root",
        "still seen",
    ]


def test_levels_can_be_off(memory):
    framecap.init(transport=memory, install_hooks=False, logging_event_level=None, logging_breadcrumb_level="off")
    log = logging.getLogger("off")
    try:
        raise KeyError("k")
    except KeyError:
        log.exception("neither an event nor a breadcrumb")
    framecap.capture_exception(ValueError("direct"))
    assert len(memory.events) == 1 and "breadcrumbs" not in memory.events[0]
    framecap.init(transport=memory, install_hooks=False, logging_event_level=None)
    try:
        raise KeyError("k")
    except KeyError:
        log.exception("events off: a breadcrumb")
    framecap.capture_exception(ValueError("direct"))
    assert crumbs(memory.events[-1]) == [("off", "error", "events off: a breadcrumb")]


def test_records_logged_while_observing_are_not_observed_but_still_printed(events, capsys):
    log = logging.getLogger("reentry")
    log.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    log.addHandler(handler)

    class Chatty:
        def __repr__(self):
            log.warning("repr ran")  # logged during a capture
            return "<chatty>"

    def fails(value):
        raise RuntimeError("from logging")

    try:
        fails(Chatty())
    except RuntimeError:
        log.exception("failed")
    log.removeHandler(handler)
    (event,) = events
    assert event["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]["value"] == "<chatty>"
    assert capsys.readouterr().out.startswith("repr ran\nfailed\nTraceback")
    assert "breadcrumbs" not in event


def test_framecaps_own_logger_never_feeds_back(events):
    logging.getLogger("framecap").setLevel(logging.DEBUG)
    try:
        logging.getLogger("framecap").warning("ours")
        logging.getLogger("framecap.transport").error("ours too", exc_info=KeyError("k"))
    finally:
        logging.getLogger("framecap").setLevel(logging.NOTSET)
    assert captured_crumbs(events) == []


def test_threads_keep_their_own_breadcrumbs(events):
    log = logging.getLogger("threads")
    log.setLevel(logging.INFO)
    start = threading.Barrier(8)
    ids = {}

    def work(n):
        with scope.isolated():
            start.wait(30)
            for i in range(20):
                log.info("thread %d step %d", n, i)
            ids[n] = framecap.capture_exception(ValueError(str(n)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(events) == 8
    for event in events:
        n = int(event["exception"]["values"][-1]["value"])
        assert [c[2] for c in crumbs(event)] == [f"thread {n} step {i}" for i in range(20)]


def test_a_thread_observing_a_record_does_not_blind_the_others(events):
    log = logging.getLogger("blocking")
    log.setLevel(logging.INFO)
    in_repr, release = threading.Event(), threading.Event()

    class Slow:
        def __repr__(self):
            in_repr.set()
            release.wait(30)
            return "<slow>"

    def first(value):
        raise RuntimeError("slow capture")

    def thread_a():
        with scope.isolated():
            try:
                first(Slow())
            except RuntimeError:
                log.exception("thread A failed")  # its capture waits inside Slow.__repr__

    a = threading.Thread(target=thread_a)
    a.start()
    try:
        assert in_repr.wait(30)
        log.info("thread B goes on while A is captured")
        framecap.capture_exception(ValueError("B"))
    finally:
        release.set()
        a.join(30)
    by_value = {e["exception"]["values"][-1]["value"]: e for e in events}
    assert crumbs(by_value["B"]) == [("blocking", "info", "thread B goes on while A is captured")]
    assert "breadcrumbs" not in by_value["slow capture"]


def test_install_uninstall_and_a_wrapper_on_top(events):
    original = logging.Logger.callHandlers.__wrapped__
    log = logging.getLogger("wrapping")
    log.setLevel(logging.INFO)
    logging_integration.install()  # again: still one layer
    assert logging.Logger.callHandlers.__wrapped__ is original
    logging_integration.uninstall()
    assert logging.Logger.callHandlers is original and not logging_integration.installed()
    log.info("not observed")
    logging_integration.install()
    mine = logging.Logger.callHandlers
    seen = []

    def theirs(self, record):
        seen.append(record.getMessage())
        return mine(self, record)

    logging.Logger.callHandlers = theirs
    try:
        log.info("observed")
        logging_integration.uninstall()  # theirs stays; ours passes records through
        log.info("passed through")
        logging_integration.install()
        log.info("observed again")
    finally:
        logging.Logger.callHandlers = mine
    assert seen == ["observed", "passed through", "observed again"]
    assert captured_crumbs(events) == ["observed", "observed again"]


# -- message events, the record's arguments and its extra= fields -----------------------------------


def test_a_records_extra_fields_go_to_the_events_extra_and_the_breadcrumbs_data(events):
    log = logging.getLogger("extras")
    log.setLevel(logging.INFO)
    fields = {"order_id": 42, "api_token": "tok_live_0123456789abcdef", "note": "n" * 5000, "tags": ("a", "b")}
    log.info("loaded %s", "cart", extra=fields)
    log.error("payment %(order)s failed", {"order": "o-7"}, extra={"order_id": 42, "password": "hunter2"})
    crumb_event = framecap.capture_exception(ValueError("later"))
    message, later = events
    assert later["event_id"] == crumb_event
    assert message["logentry"] == {
        "message": "payment %(order)s failed",
        "params": {"order": "o-7"},
        "formatted": "payment o-7 failed",
    }
    assert (message["logger"], message["level"]) == ("extras", "error") and "exception" not in message
    assert message["extra"] == {"order_id": 42, "password": "[Filtered]"}
    loaded, failed = later["breadcrumbs"]["values"]
    assert loaded["message"] == "loaded cart" and failed["message"] == "payment o-7 failed"
    assert loaded["data"]["order_id"] == 42 and loaded["data"]["api_token"] == "[Filtered]"
    assert loaded["data"]["tags"] == ["a", "b"] and loaded["data"]["note"] == "n" * 1021 + "..."
    crumb_meta = later["_meta"]["breadcrumbs"]["values"]["0"]["data"]
    assert crumb_meta["note"][""]["rem"] == [["!limit", "x", 1021, 1024]]
    assert failed["data"] == {"order_id": 42, "password": "[Filtered]"}
    assert "extra" not in later, "a record's fields belong to its own event and breadcrumb"


def test_a_message_event_from_logging_has_the_stack_of_the_logging_call(memory, tmp_path):
    from helpers import load_module

    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True, project_root=str(tmp_path))
    module = load_module(
        tmp_path,
        """
        import logging

        log = logging.getLogger("billing")


        def charge(amount):
            if amount > 100:
                log.warning("large charge %d", amount)
                log.error("charge %d refused", amount)
        """,
        "billing",
    )
    module.charge(500)
    (event,) = memory.events
    frames = event["threads"]["values"][0]["stacktrace"]["frames"]
    assert (frames[-1]["module"], frames[-1]["function"], frames[-1]["lineno"]) == ("billing", "charge", 9)
    assert frames[-1]["context_line"] == '        log.error("charge %d refused", amount)'
    assert frames[-1]["vars"] == {"amount": "500"}
    assert not any(f["module"] in ("logging", "framecap.integrations.logging") for f in frames)
    assert event["logentry"]["params"] == [500] and event["level"] == "error"


def test_a_record_whose_arguments_do_not_fit_its_template(events, monkeypatch):
    monkeypatch.setattr(logging, "raiseExceptions", False)  # pytest's own handler would raise the error
    logging.getLogger("broken").error("%d items", "many", extra={"n": 1})
    (event,) = events
    assert event["logentry"] == {"message": "%d items", "params": ["many"], "formatted": "%d items"}
