"""capture_message, the keywords of one capture, levels, fingerprints, errno: what the new API puts in an event."""

import errno
import json
import logging
import os
import sys
import threading

import pytest
from helpers import load_module

import framecap
from conftest import ROOT, assert_schema_valid, read_store
from framecap.budget import encoded_size


def test_a_message_event(memory):
    event_id = framecap.capture_message("disk is full")
    (event,) = memory.events
    assert event["event_id"] == event_id
    assert {k: v for k, v in event.items() if k not in ("event_id", "timestamp")} == {
        "platform": "python",
        "level": "info",
        "sdk": {"name": "framecap", "version": framecap.__version__},
        "logentry": {"formatted": "disk is full"},
    }
    assert framecap.capture_message(RuntimeError("not a string")) is not None  # str() of anything
    assert memory.events[-1]["logentry"] == {"formatted": "not a string"}


def test_no_client_no_event():
    framecap.client.set_current(None)
    assert framecap.capture_message("nowhere") is None
    assert framecap.capture_exception(ValueError("nowhere")) is None


def test_levels_explicit_then_the_scopes_then_the_default(memory):
    framecap.capture_message("a")
    framecap.capture_message("b", level="WARN")
    framecap.capture_exception(ValueError("c"))
    with framecap.new_scope():
        framecap.set_level(logging.WARNING)
        framecap.capture_message("d")
        framecap.capture_exception(ValueError("e"))
        framecap.capture_exception(ValueError("f"), level="critical")
        framecap.capture_message("g", level=logging.DEBUG)
    framecap.capture_message("h")
    assert [e["level"] for e in memory.events] == [
        "info",
        "warning",
        "error",
        "warning",
        "warning",
        "fatal",
        "debug",
        "info",
    ]


def positions(line, col, end_col):
    """A frame's position keys: the interpreter's own on 3.11+ (a message's frames get no expression analysis)."""
    return {"colno": col, "data": {"end_lineno": line, "end_colno": end_col}} if sys.version_info >= (3, 11) else {}


def test_attach_stacktrace_gives_the_callers_stack_with_source_and_variables(memory, tmp_path):
    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True, project_root=str(tmp_path))
    module = load_module(
        tmp_path,
        """
        import framecap


        def checkout(cart):
            total = sum(cart)
            return notify(total)


        def notify(total):
            return framecap.capture_message(f"large order: {total}")
        """,
        "shop",
    )
    event_id = module.checkout([700, 800])
    (event,) = memory.events
    assert event["event_id"] == event_id and event["logentry"] == {"formatted": "large order: 1500"}
    (thread,) = event["threads"]["values"]
    assert (thread["id"], thread["name"], thread["current"], thread["crashed"]) == (
        threading.get_ident(),
        threading.current_thread().name,
        True,
        False,
    )
    frames = thread["stacktrace"]["frames"]
    assert not any(f["module"].startswith("framecap") for f in frames), "framecap's own frames are left out"
    assert frames[-2:] == [
        {
            "filename": "shop.py",
            "abs_path": str(tmp_path / "shop.py"),
            "module": "shop",
            "function": "checkout",
            "lineno": 6,
            "in_app": True,
            **positions(6, 12, 25),
            "pre_context": ["import framecap", "", "", "def checkout(cart):", "    total = sum(cart)"],
            "context_line": "    return notify(total)",
            "post_context": [
                "",
                "",
                "def notify(total):",
                '    return framecap.capture_message(f"large order: {total}")',
            ],
            "vars": {"cart": ["700", "800"], "total": "1500"},
        },
        {
            "filename": "shop.py",
            "abs_path": str(tmp_path / "shop.py"),
            "module": "shop",
            "function": "notify",
            "lineno": 10,
            "in_app": True,
            **positions(10, 12, 61),
            "pre_context": ["    total = sum(cart)", "    return notify(total)", "", "", "def notify(total):"],
            "context_line": '    return framecap.capture_message(f"large order: {total}")',
            "post_context": [],
            "vars": {"total": "1500"},
        },
    ]
    assert not any(f["in_app"] for f in frames[:-2])  # pytest's and runpy's frames above


def test_attach_stacktrace_from_the_environment(monkeypatch, memory):
    monkeypatch.setenv("FRAMECAP_ATTACH_STACKTRACE", "yes")
    framecap.init(transport=memory, install_hooks=False)
    framecap.capture_message("with a stack")
    assert memory.events[-1]["threads"]["values"][0]["stacktrace"]["frames"][-1]["function"] == (
        "test_attach_stacktrace_from_the_environment"
    )
    monkeypatch.setenv("FRAMECAP_ATTACH_STACKTRACE", "perhaps")
    with pytest.raises(framecap.ConfigError, match="FRAMECAP_ATTACH_STACKTRACE"):
        framecap.init(transport=memory, install_hooks=False)


def test_a_messages_stack_is_scrubbed_as_an_exceptions_frames_are(memory, tmp_path):
    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True, context_lines=10)
    module = load_module(
        tmp_path,
        """
        import framecap


        def run(fail):
            password = "hunter2hunter2"
            settings = {
                "api_key": "abcdef123456",
                "name": "shop",
            }
            token = fetch_token()
            if fail:
                raise ValueError("failed")
            return framecap.capture_message("done")


        def fetch_token():
            return "t-0123456789abcdef"
        """,
    )
    module.run(False)
    try:
        module.run(True)
    except ValueError:
        framecap.capture_exception()
    message, error = memory.events
    as_message = message["threads"]["values"][0]["stacktrace"]["frames"][-1]
    as_error = error["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert as_message["vars"].pop("fail") == "False" and as_error["vars"].pop("fail") == "True"
    assert (
        as_message["vars"]
        == as_error["vars"]
        == {
            "password": "'[Filtered]'",
            "settings": {"api_key": "'[Filtered]'", "name": "'shop'"},
            "token": "'[Filtered]'",
        }
    )
    for frame in (as_message, as_error):  # source lines as code: a dict display across lines too
        assert {'    password = "[Filtered]"', '        "api_key": "[Filtered]",'} <= set(frame["pre_context"])
    meta_path = message["_meta"]["threads"]["values"]["0"]["stacktrace"]["frames"]
    last = meta_path[str(len(message["threads"]["values"][0]["stacktrace"]["frames"]) - 1)]
    assert last["vars"]["password"] == {"": {"len": 16, "rem": [["framecap:name", "s", 1, 11]]}}


def test_a_long_message_is_scrubbed_whole_then_cut(memory):
    secret = "postgres://app:hunter2hunter2@db.internal/shop"
    text = "x" * 8160 + " " + secret + " " + "y" * 20_000  # the password straddles the cut at 8,189
    framecap.capture_message(text)
    (event,) = memory.events
    formatted = event["logentry"]["formatted"]
    # scrubbing shrank the kept text by 3: the cut moves left by as much (nothing from past 8,189 is sent)
    assert len(formatted) == 8189 and formatted.endswith("[Filtered]...") and "hunter" not in formatted
    assert event["_meta"]["logentry"]["formatted"][""]["len"] == len(text)


def test_a_deep_stack_with_big_locals_fits_max_event_bytes(memory, tmp_path):
    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True, max_event_bytes=20_000)
    module = load_module(
        tmp_path,
        """
        import framecap


        def down(n):
            blob = [str(i) * 40 for i in range(40)]
            if n == 0:
                return framecap.capture_message("bottom")
            return down(n - 1)
        """,
    )
    module.down(60)
    (event,) = memory.events
    assert encoded_size(event) <= 20_000
    frames = event["threads"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "down" and frames[-1]["lineno"] == 7
    assert "vars" in frames[-1] and "context_line" in frames[-1], "the innermost frame is served first"
    stack_meta = event["_meta"]["threads"]["values"]["0"]["stacktrace"]["frames"]
    assert stack_meta[""]["len"] > len(frames) > 10, "outer frames left out past the frames' share, and counted"
    assert stack_meta[str(len(frames) - 20)] == {"": {"rem": [["!limit", "x"]]}}, "no room for its source or vars"


def test_a_message_stack_past_its_measured_size_is_fitted_like_exception_frames():
    from framecap.budget import fit

    frames = [{"function": f"f{i}", "vars": {"v": "x" * 400}, "context_line": "y" * 400} for i in range(10)]
    event = {"logentry": {"formatted": "m"}, "threads": {"values": [{"stacktrace": {"frames": frames}}]}}
    fit(event, 6000, [(0, fi) for fi in reversed(range(10))], "threads")
    assert encoded_size(event) <= 6000
    kept = event["threads"]["values"][0]["stacktrace"]["frames"]
    assert kept[-1]["vars"] == {"v": "x" * 400} and kept[0]["vars"] == {}, "the outermost frames' variables go first"
    assert event["_meta"]["threads"]["values"]["0"]["stacktrace"]["frames"]["0"]["vars"] == {
        "": {"rem": [["!limit", "x"]]}
    }


def test_before_send_sees_messages_with_an_empty_hint_and_log_records_in_it(memory):
    hints = []

    def keep(event, hint):
        hints.append(hint)
        return event

    framecap.init(transport=memory, install_hooks=False, before_send=keep)
    framecap.capture_message("plain")
    logging.getLogger("hinted").error("from logging")
    assert hints[0] == {} and hints[1]["log_record"].getMessage() == "from logging"


@pytest.mark.internal_errors
def test_capture_exception_of_a_string_is_a_type_error_and_one_warning(memory, internal_errors, caplog, monkeypatch):
    from framecap import internal

    monkeypatch.setattr(internal, "_warned", set())  # as in a fresh process
    with caplog.at_level(logging.WARNING, logger="framecap"):
        assert framecap.capture_exception("disk is full") is None
        assert framecap.capture_exception(42) is None
    assert memory.events == []
    assert [(where, type(error)) for where, error in internal_errors] == [
        ("capture_exception", TypeError),
        ("capture_exception", TypeError),
    ]
    warnings = [r.getMessage() for r in caplog.records if r.name == "framecap" and r.levelno == logging.WARNING]
    assert warnings == [
        "framecap: capture_exception: capture_exception() takes an exception, an exc_info tuple or None, not str; "
        "use framecap.capture_message() for a message (this warning is shown once)"
    ]


def test_the_keywords_are_this_events_data_merged_over_the_scopes(memory):
    framecap.set_tags({"tenant": "acme", "tier": "free"})
    framecap.set_extra("request_id", "r-1")
    framecap.set_context("shop", {"cart": 3})
    framecap.set_fingerprint(["scope"])
    framecap.capture_exception(
        KeyError("k"),
        level="warning",
        tags={"tier": "pro", "region": "eu"},
        extra={"order": 7},
        contexts={"shop": {"cart": 4}, "payment": {"provider": "acme-pay"}},
        fingerprint=["{{ default }}", "checkout"],
    )
    framecap.capture_message("after", extra={"n": 1})
    client = framecap.Client(transport=memory, install_hooks=False)
    client.capture_message("by a client", tags={"via": "client"})
    client.capture_exception(ValueError("v"), fingerprint=["client"])
    first, after, by_client, client_error = memory.events
    assert first["level"] == "warning"
    assert first["tags"] == {"tenant": "acme", "tier": "pro", "region": "eu"}
    assert first["extra"] == {"request_id": "r-1", "order": 7}
    assert first["contexts"] == {"shop": {"cart": 4}, "payment": {"provider": "acme-pay"}}
    assert first["fingerprint"] == ["{{ default }}", "checkout"]
    assert after["tags"] == {"tenant": "acme", "tier": "free"} and after["extra"] == {"request_id": "r-1", "n": 1}
    assert after["fingerprint"] == ["scope"] and after["contexts"] == {"shop": {"cart": 3}}
    assert by_client["tags"] == {"tenant": "acme", "tier": "free", "via": "client"}
    assert client_error["fingerprint"] == ["client"]


@pytest.mark.internal_errors
def test_a_wrong_keyword_is_left_out_and_the_event_still_goes(memory, internal_errors):
    framecap.capture_message(
        "still sent",
        level="loud",
        tags={"bad\nkey": "v"},
        extra=["not", "a", "dict"],
        contexts={"shop": "not a dict"},
        fingerprint="checkout",
    )
    (event,) = memory.events
    assert event["level"] == "info" and not {"tags", "extra", "contexts", "fingerprint"} & set(event)
    assert sorted(where for where, _ in internal_errors) == [
        "capture_message(contexts=...)",
        "capture_message(extra=...)",
        "capture_message(fingerprint=...)",
        "capture_message(level=...)",
        "capture_message(tags=...)",
    ]


def test_oserror_events_carry_errno(memory):
    class Odd(OSError):
        @property
        def errno(self):  # never run: the C slot is read
            raise RuntimeError("property ran")

    try:
        try:
            open("/nonexistent/framecap/file")  # noqa: SIM115 - it fails
        except OSError as error:
            raise RuntimeError("could not load") from error
    except RuntimeError:
        framecap.capture_exception()
    framecap.capture_exception(Odd(errno.EACCES, "denied"))
    framecap.capture_exception(OSError("no errno"))
    framecap.capture_exception(OSError(99999, "unknown number"))
    chained, odd, plain, unknown = memory.events
    cause, top = chained["exception"]["values"]
    assert cause["mechanism"]["meta"] == {"errno": {"number": errno.ENOENT, "name": "ENOENT"}}
    assert "meta" not in top["mechanism"]
    assert odd["exception"]["values"][0]["mechanism"]["meta"] == {"errno": {"number": errno.EACCES, "name": "EACCES"}}
    assert "meta" not in plain["exception"]["values"][0]["mechanism"]
    assert unknown["exception"]["values"][0]["mechanism"]["meta"] == {"errno": {"number": 99999}}


def test_fingerprints_group_events_in_the_inbox(store):
    from framecap.transports.inbox import Inbox

    framecap.init(install_hooks=False)
    for n in range(3):
        framecap.capture_message(f"payment {n} declined", fingerprint=["payment-declined"])
    for kind in (KeyError, KeyError):
        try:
            raise kind("k")
        except KeyError:
            framecap.capture_exception(fingerprint=["{{ default }}", "checkout"])
    framecap.capture_exception(KeyError("other fingerprint"), fingerprint=["{{ default }}", "refunds"])
    assert framecap.flush(30)
    events = read_store(store)
    assert [e["fingerprint"] for e in events] == [["payment-declined"]] * 3 + [["{{ default }}", "checkout"]] * 2 + [
        ["{{ default }}", "refunds"]
    ]
    assert sorted(issue.count for issue in Inbox(store).issues()) == [1, 2, 3]


@pytest.mark.internal_errors
def test_a_fingerprint_before_send_makes_is_checked(memory, internal_errors):
    fingerprints = iter([["from", "before_send"], "not a list", ["ok", 3]])

    def regroup(event, hint):
        event["fingerprint"] = next(fingerprints)
        return event

    framecap.init(transport=memory, install_hooks=False, before_send=regroup)
    for _ in range(3):
        framecap.capture_message("m")
    good, text, mixed = memory.events
    assert good["fingerprint"] == ["from", "before_send"]
    for bad in (text, mixed):
        assert "fingerprint" not in bad and bad["_meta"]["fingerprint"] == {"": {"rem": [["framecap:invalid", "x"]]}}
    assert [where for where, _ in internal_errors] == ["before_send (fingerprint)"] * 2


def test_fingerprints_and_tags_are_bounded(memory):
    framecap.capture_message("m", fingerprint=[f"part-{i}" for i in range(100)] + ["z" * 5000])
    framecap.capture_message("t", tags={"long": "v" * 1000})
    parts, tags = memory.events
    assert parts["fingerprint"] == [f"part-{i}" for i in range(64)]
    assert parts["_meta"]["fingerprint"] == {"": {"len": 101}}
    assert tags["tags"]["long"] == "v" * 197 + "..."
    assert tags["_meta"]["tags"]["long"] == {"": {"len": 1000, "rem": [["!limit", "x", 197, 200]]}}


@pytest.mark.internal_errors
def test_tags_sentry_would_refuse_are_left_out_and_said_so(memory, internal_errors):
    framecap.set_tag("ok", "fine")
    framecap.set_tag("two\nlines", "v")
    framecap.set_tag("k", "two\nlines")
    framecap.set_tag("k", "  ")
    framecap.set_tag("ünïcode", "v")
    framecap.set_tags({"a": "1", "b": ""})  # all or none
    framecap.capture_message("m")
    assert memory.events[0]["tags"] == {"ok": "fine"}
    assert [where for where, _ in internal_errors] == ["set_tag"] * 4 + ["set_tags"]


def test_message_events_are_valid_for_the_schema_bugsink_applies(tmp_path):
    from bugsink_server import Unavailable, schema_errors

    from framecap.envelope import wire_event
    from framecap.testing import capture_events

    framecap.init(transport=lambda e: None, install_hooks=False, attach_stacktrace=True)
    framecap.set_context("shop", {"cart": 3})
    with capture_events() as events:
        framecap.capture_message("hello", fingerprint=["{{ default }}", "greeting"], tags={"t": "v"})
        logging.getLogger("schema").error("payment %s failed", "p-1", extra={"order": 1})
        try:
            open(tmp_path / "missing")  # noqa: SIM115 - it fails
        except OSError:
            framecap.capture_exception(level="warning")
    assert_schema_valid(events)
    try:
        errors = schema_errors([wire_event(e) for e in events])
    except Unavailable as error:
        pytest.skip(str(error))
    assert errors == [[], [], []]


def test_a_message_near_the_recursion_limit_is_sent_reduced(run_python):
    completed = run_python(
        """
        import json, sys
        import framecap

        transport = framecap.MemoryTransport()
        framecap.init(transport=transport, install_hooks=False, attach_stacktrace=True)
        framecap.set_tag("kept", "no")


        def depth():
            frame, count = sys._getframe(), 0
            while frame is not None:
                frame, count = frame.f_back, count + 1
            return count


        def dive(n):
            if n <= 0:
                return framecap.capture_message("deep", extra={"n": 1})
            return dive(n - 1)


        event_id = dive(sys.getrecursionlimit() - depth() - 20)
        print(json.dumps({"id": event_id, "event": transport.events[-1], "limit": sys.getrecursionlimit()}))
        """
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    event = result["event"]
    assert result["id"] == event["event_id"] and result["limit"] == 1000
    assert event["logentry"] == {"formatted": "deep"} and "threads" not in event and "tags" not in event
    assert event["extra"] == {"framecap": "reduced event (near the recursion limit): no stack trace or scope data"}
    assert_schema_valid([event])


def test_a_messages_stack_leaves_no_reference_cycle(memory):
    import gc
    import types

    framecap.init(transport=memory, install_hooks=False, attach_stacktrace=True)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        framecap.capture_message("m")
        gc.collect()
        cycles = [o for o in gc.garbage if isinstance(o, (types.TracebackType, types.FrameType))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert memory.events[0]["threads"]["values"][0]["stacktrace"]["frames"]
    assert cycles == [], "no frame of the capture itself is linked into the stack it builds"


def test_a_hooks_contexts_and_the_scopes_are_merged(memory):
    framecap.set_context("job", {"id": 7})
    client = framecap.client.get_current()
    thread = {"thread": {"type": "default", "name": "worker-1", "id": 1}}
    client.capture(ValueError("in a thread"), {"type": "threading", "handled": False}, {"contexts": thread})
    assert memory.events[0]["contexts"] == {
        "thread": {"type": "default", "name": "worker-1", "id": 1},
        "job": {"id": 7},
    }


def test_the_readmes_example_does_what_it_says(run_python, store):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as file:
        readme = file.read()
    section = readme.split("### Messages, scope data, levels and fingerprints", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    result = run_python(block)
    assert result.returncode == 0, result.stderr
    retried, failed, late, plain = read_store(store)
    assert (retried["logentry"], retried["level"]) == ({"formatted": "payment retried"}, "warning")
    assert retried["threads"]["values"][0]["stacktrace"]["frames"][-1]["function"] == "<module>"
    assert retried["user"] == {"id": "u-17"} and retried["contexts"] == {
        "payment": {"provider": "acme-pay", "attempt": 2}
    }
    assert failed["exception"]["values"][-1]["type"] == "ConnectionError" and failed["level"] == "error"
    assert failed["tags"] == {"tenant": "acme", "order": "o-7"} and failed["extra"] == {"amount": 1500}
    assert failed["fingerprint"] == ["{{ default }}", "acme-pay"]
    assert (late["tags"], late["level"]) == ({"tenant": "acme", "job": "nightly-report"}, "warning")
    assert (plain["tags"], plain["level"]) == ({"tenant": "acme"}, "info")
