import linecache
import os
import sys
import zipfile

from helpers import capture_call, frames_of, load_module

import framecap
from framecap.frames import InAppRules


def test_exec_code_never_shows_another_files_lines(memory, tmp_path):
    real = load_module(tmp_path, "x = 1\n" * 50, "realfile")
    code = compile("def f():\n    raise ValueError('from exec')\n", "<string>", "exec")
    namespace = dict(vars(real))  # exec in a module's globals: linecache must not use its loader
    exec(code, namespace)
    frame = frames_of(capture_call(memory, namespace["f"]))[-1]
    assert frame["abs_path"] == "<string>" and frame["in_app"] is False and frame["lineno"] == 2
    assert frame["context_line"] is None and frame["pre_context"] == [] and frame["post_context"] == []
    code = compile("def g():\n    raise ValueError('relative')\n", "realfile.py", "exec")
    namespace = {"__name__": "fake"}
    exec(code, namespace)
    frame = frames_of(capture_call(memory, namespace["g"]))[-1]
    assert frame["context_line"] is None


def test_registered_linecache_entries_are_used(memory):
    name = "<ipython-input-1-abc>"
    source = "def cell():\n    raise KeyError('cell')\n"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace = {"__name__": "__main__"}
    exec(compile(source, name, "exec"), namespace)
    frame = frames_of(capture_call(memory, namespace["cell"]))[-1]
    assert frame["context_line"] == "    raise KeyError('cell')" and frame["pre_context"] == ["def cell():"]


def test_form_feed_and_other_splitlines_breaks_keep_line_numbers(memory, tmp_path):
    module = load_module(
        tmp_path, "a = '\x0c'\n\x0c\nb = '\x1c\u2028'\ndef boom():\n    raise ValueError('ff')\n", "ffmod"
    )
    frame = frames_of(capture_call(memory, module.boom))[-1]
    assert frame["lineno"] == 5 and frame["context_line"] == "    raise ValueError('ff')"
    assert frame["pre_context"][-1] == "def boom():"


def test_missing_file_keeps_keys_with_null_line(memory, tmp_path):
    module = load_module(tmp_path, "def gone():\n    raise OSError('gone')\n", "gonemod")
    os.remove(tmp_path / "gonemod.py")
    linecache.clearcache()
    frame = frames_of(capture_call(memory, module.gone))[-1]
    assert frame["context_line"] is None and frame["pre_context"] == [] and frame["post_context"] == []
    assert frame["lineno"] == 2


def test_zip_module_source_through_its_loader(memory, tmp_path):
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped_mod.py", "import os\n\x0c\ndef fail():\n    raise LookupError('zipped')\n")
    sys.path.insert(0, str(archive))
    try:
        import zipped_mod
    finally:
        sys.path.remove(str(archive))
    frame = frames_of(capture_call(memory, zipped_mod.fail))[-1]
    assert frame["lineno"] == 4 and frame["context_line"] == "    raise LookupError('zipped')"
    assert frame["pre_context"] == ["import os", "\x0c", "def fail():"]


def test_long_source_lines_are_cut(memory, tmp_path):
    framecap.init(transport=memory, install_hooks=False, max_value_length=100)
    module = load_module(tmp_path, "def long():\n    raise ValueError('" + "z" * 500 + "')\n", "longmod")
    event = capture_call(memory, module.long)
    frame = frames_of(event)[-1]
    assert len(frame["context_line"]) == 100 and frame["context_line"].endswith("...")
    meta = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"][str(len(frames_of(event)) - 1)]
    assert meta["context_line"] == {"": {"len": 524, "rem": [["!limit", "x", 97, 100]]}}


def test_hidden_frames_and_framecap_frames_are_left_out(memory):
    def helper():
        __tracebackhide__ = True  # noqa: F841
        raise ValueError("hidden helper")

    def visible():
        helper()

    frames = frames_of(capture_call(memory, visible))
    assert [f["function"].rsplit(".", 1)[-1] for f in frames][-2:] == ["capture_call", "visible"]
    assert not any((f["module"] or "").startswith("framecap") for f in frames)


def test_a_recursion_hides_each_frame_by_its_own_tracebackhide(memory):
    def down(n):
        __tracebackhide__ = n % 2 == 0  # noqa: F841 - every other frame of the same function is hidden
        if n == 0:
            raise ValueError("bottom")
        down(n - 1)

    frames = [f for f in frames_of(capture_call(memory, down, 9)) if f["function"].endswith("down")]
    assert [f["vars"]["n"] for f in frames] == ["9", "7", "5", "3", "1"]
    assert len({(f["module"], f["filename"], f["abs_path"], f["in_app"]) for f in frames}) == 1


def test_module_frame_shows_only_names_the_statement_uses(run_python, store):
    result = run_python("""
        import framecap
        framecap.init()
        unrelated_global = "do not dump me"
        numbers = [1, 2]
        divisor = 0
        total = sum(numbers) / divisor
    """)
    assert "ZeroDivisionError" in result.stderr
    from conftest import read_store

    frame = frames_of(read_store(store)[-1])[-1]
    assert frame["function"] == "<module>" and frame["lineno"] == 7  # the snippet starts with a blank line
    assert frame["vars"] == {"divisor": "0", "numbers": ["1", "2"], "sum(numbers)": "3"}


def test_recursion_keeps_outer_and_inner_frames_and_records_the_count(memory):
    framecap.init(transport=memory, install_hooks=False, max_frames=20)

    def recurse(n):
        return recurse(n + 1)

    event = capture_call(memory, recurse, 0)
    frames = frames_of(event)
    assert len(frames) == 20
    assert frames[0]["function"].endswith("capture_call") and frames[-1]["function"].endswith("recurse")
    count = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"][""]["len"]
    assert count > 100 and all(f["function"].endswith("recurse") for f in frames[1:])
    assert event["exception"]["values"][-1]["type"] == "RecursionError"


def test_default_recursion_event_is_bounded(memory):
    def recurse(n):
        return recurse(n + 1)

    event = capture_call(memory, recurse, 0)
    frames = frames_of(event)
    assert len(frames) == 250
    from framecap.event import encoded_size

    assert encoded_size(event) < 1_000_000
    assert all("vars" in f for f in frames)


def test_event_size_limit_drops_far_frames_first(memory):
    framecap.init(transport=memory, install_hooks=False, max_event_bytes=40_000)

    def level(n):
        payload = {str(i): "p" * 1000 for i in range(50)}  # noqa: F841
        if n:
            return level(n - 1)
        raise ValueError("deep")

    event = capture_call(memory, level, 10)
    from framecap.event import encoded_size

    assert encoded_size(event) <= 40_000
    frames = frames_of(event)
    assert frames[-1]["vars"]["payload"], "the frame nearest the error keeps its variables"
    emptied = [i for i, f in enumerate(frames) if not f.get("vars")]
    assert emptied == list(range(len(emptied))) and 0 < len(emptied) < len(frames) - 1, "the farthest lose them"
    metas = event["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"]
    for i in emptied:  # recorded: the whole frame's extras, or its variables
        assert metas[str(i)] in ({"": {"rem": [["!limit", "x"]]}},) or "vars" in metas[str(i)], metas[str(i)]


def test_in_app_rules(tmp_path):
    rules = InAppRules(str(tmp_path), include=["vendored"], exclude=["myapp.generated"])
    stdlib = os.path.dirname(os.__file__)
    assert rules("myapp.views", str(tmp_path / "myapp" / "views.py")) is True
    assert rules("myapp.generated.x", str(tmp_path / "myapp" / "generated" / "x.py")) is False
    assert rules("myapp_other", str(tmp_path / "x.py")) is True  # by path, not by the excluded prefix
    assert rules("vendored.lib", "/elsewhere/site-packages/vendored/lib.py") is True
    assert rules("vendoredx", "/elsewhere/site-packages/vendoredx.py") is False
    assert rules("requests", str(tmp_path / ".venv" / "lib" / "site-packages" / "requests" / "api.py")) is False
    assert rules("six", "/usr/lib/python3/dist-packages/six.py") is False
    assert rules("json", os.path.join(stdlib, "json", "__init__.py")) is False
    assert rules("__main__", "<string>") is False and rules(None, "<frozen runpy>") is False
    assert rules("x", str(tmp_path) + "-sibling/x.py") is False
    assert rules("x", "/somewhere/else/x.py") is False


def test_size_estimate_is_safe_for_non_ascii_and_escapes(memory):
    framecap.init(transport=memory, install_hooks=False, max_event_bytes=20_000)
    from framecap.event import encoded_size

    def level(n):
        wide = "日本語テキスト" * 100  # noqa: F841  (6 bytes per character once escaped)
        quotes = '"\\' * 300  # noqa: F841  (every character escaped by JSON)
        if n:
            return level(n - 1)
        raise ValueError("ünïcödé " * 50)

    event = capture_call(memory, level, 12)
    assert encoded_size(event) <= 20_000
    assert frames_of(event)[-1]["vars"]["wide"].startswith("'日本語")


def test_frames_hold_no_references_to_frames_or_tracebacks(memory):
    import gc
    import weakref

    class Marker:
        pass

    def fail():
        marker = Marker()  # noqa: F841
        raise ValueError("x")

    def go():
        try:
            fail()
        except ValueError as error:
            framecap.capture_exception(error)
            return weakref.ref(error.__traceback__.tb_next.tb_frame.f_locals["marker"])

    ref = go()
    gc.collect()
    assert ref() is None, "framecap kept a frame, traceback or local alive"


def test_scope_data_shares_one_budget_and_the_event_stays_in_bounds(memory):
    from framecap.event import encoded_size

    framecap.init(transport=memory, install_hooks=False, max_event_bytes=200_000)
    for i in range(100):
        framecap.add_breadcrumb(message=f"step {i}", data={f"k{j}": "v" * 1000 for j in range(50)})
    framecap.set_extra("big", {f"e{j}": "x" * 1000 for j in range(10)})
    event = capture_call(memory, lambda: 1 / 0)
    assert encoded_size(event) <= 200_000, "100 breadcrumbs of 50 kB each still fit the event limit"
    crumbs = event["breadcrumbs"]["values"]
    assert len(crumbs) == 100 and crumbs[-1]["message"] == "step 99", "the budget goes to the newest first"
    assert crumbs[0] == {} and len(event["extra"]["big"]) == 10
    cut = event["_meta"]["breadcrumbs"]["values"]
    assert any(node.get("data", {}).get("", {}).get("len") == 50 for node in cut.values()), "the cuts are recorded"


def _names(memory, fn):
    """framecap's function names and Python's own (traceback.extract_tb) for what ``fn`` raises."""
    import traceback

    try:
        fn()
    except Exception as error:
        framecap.capture_exception(error)
        python = [entry.name for entry in traceback.extract_tb(error.__traceback__)]
    return [frame["function"] for frame in frames_of(memory.events[-1])], python


def test_function_names_are_pythons_own_qualified_where_real(memory, tmp_path):
    import dataclasses

    import jinja2

    @dataclasses.dataclass
    class Point:
        x: int

        def __post_init__(self):
            1 / self.x

    ours, python = _names(memory, lambda: Point(0))
    here = "test_function_names_are_pythons_own_qualified_where_real"
    assert python == ["_names", "<lambda>", "__init__", "__post_init__"]
    assert ours == ["_names", f"{here}.<locals>.<lambda>", "__init__", f"{here}.<locals>.Point.__post_init__"]

    (tmp_path / "page.html").write_text("<h1>{{ title }}</h1>\n{% block body %}\n{{ 1 // zero }}\n{% endblock %}\n")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    ours, python = _names(memory, lambda: env.get_template("page.html").render(title="t", zero=0))
    assert python[-2:] == ["top-level template code", "block 'body'"]
    assert len(ours) == len(python)
    for mine, theirs in zip(ours, python):
        assert mine == theirs or mine.endswith("." + theirs), (mine, theirs)
    assert ours[-2:] == ["top-level template code", "block 'body'"] and ours[-4] == "Template.render"
