"""executing and pure_eval: the failing expression, and the values that explain it."""

import asyncio
import compileall
import importlib
import linecache
import os
import sys

import pytest
from helpers import capture_call, frames_of, load_module

import framecap
from framecap.cli import render_event


def last_frame(memory, fn, *args):
    return frames_of(capture_call(memory, fn, *args))[-1]


def test_the_issue_example(memory, tmp_path):
    module = load_module(
        tmp_path,
        """
        class User:
            def __init__(self):
                self.scores = [1, 1]
                self.name = "ada"

        def ratio(user, idx):
            return user.scores[idx] / (user.scores[1] - 1)
    """,
        "issue_example",
    )
    frame = last_frame(memory, module.ratio, module.User(), 0)
    expressions = {k: v for k, v in frame["vars"].items() if k not in ("user", "idx")}
    assert list(expressions) == ["user.scores[idx]", "user.scores[1] - 1", "user.scores", "user.scores[1]"]
    assert expressions["user.scores[1] - 1"] == "0" and expressions["user.scores[idx]"] == "1"
    assert (frame["lineno"], frame["colno"], frame["data"]) == (7, 12, {"end_lineno": 7, "end_colno": 51})
    shown = render_event(memory.events[-1], full=True)  # full: the module is no in-app file
    line = "    return user.scores[idx] / (user.scores[1] - 1)"
    marker = [ln for ln in shown.splitlines() if set(ln.strip()) == {"^"}][-1]
    text_line = next(ln for ln in shown.splitlines() if ln.endswith(line))
    offset = len(text_line) - len(line)
    assert marker[offset:].rstrip() == " " * 11 + "^" * 39
    assert "      user.scores[1] - 1 = 0" in shown and "      user.scores = [1, 1]" in shown


def test_a_frame_that_handled_the_exception_points_at_the_raise(memory, tmp_path):
    module = load_module(
        tmp_path,
        """
        def risky(data):
            try:
                return data["key"] + 1
            except KeyError as error:
                caught = error
            data["key"] = 1
            return caught
    """,
        "handled_raise",
    )
    error = module.risky({"other": 2})
    framecap.capture_exception(error)
    frame = frames_of(memory.events[-1])[-1]
    assert frame["lineno"] == 3 and frame["context_line"].strip() == 'return data["key"] + 1'
    assert frame["colno"] == 16 and frame["data"]["end_colno"] == 27


def test_columns_count_characters_not_bytes(memory, tmp_path):
    module = load_module(
        tmp_path,
        """
        def uni(values):
            s = "héllo wörld"; return s + values["ключ"]
    """,
        "unicode_cols",
    )
    frame = last_frame(memory, module.uni, {})
    line = frame["context_line"]
    start = frame["colno"] - 1
    assert line[start : frame["data"]["end_colno"] - 1] == 'values["ключ"]'


def test_switches_and_caps(memory, tmp_path, monkeypatch):
    module = load_module(
        tmp_path,
        """
        def many(a):
            return a.x + a.y + a.z + a.w + a.v[0] + a.v[1] + a.v[2] + a.q
    """,
        "many_exprs",
    )

    class A:
        x = y = z = w = 1
        v = [1, 2, 3]

    framecap.init(transport=memory, install_hooks=False, max_expression_values=3)
    frame = last_frame(memory, module.many, A())
    assert len(frame["vars"]) == 1 + 3
    framecap.init(transport=memory, install_hooks=False, include_expression_values=False)
    assert list(last_frame(memory, module.many, A())["vars"]) == ["a"]
    monkeypatch.setenv("FRAMECAP_INCLUDE_EXPRESSION_VALUES", "off")
    framecap.init(transport=memory, install_hooks=False)
    assert list(last_frame(memory, module.many, A())["vars"]) == ["a"]
    monkeypatch.delenv("FRAMECAP_INCLUDE_EXPRESSION_VALUES")
    framecap.init(transport=memory, install_hooks=False, include_local_variables=False)
    frame = last_frame(memory, module.many, A())
    assert "vars" not in frame and frame["colno"] > 0, "no values, but the failing expression is still located"


def test_expression_names_are_scrubbed(memory, tmp_path):
    module = load_module(
        tmp_path,
        """
        def login(user):
            return (user.password, len(user.api_keys), user.name.upper())
    """,
        "scrub_exprs",
    )

    class U:
        password = "hunter2hunter2"
        name = None
        api_keys = ["k1"]

    frame = last_frame(memory, module.login, U())
    assert frame["vars"]["user.password"] == "'[Filtered]'" and frame["vars"]["user.name"] == "None"
    assert frame["vars"]["user.api_keys"] == "[Filtered]", "judged by the name it is reached through"
    assert frame["vars"]["len(user.api_keys)"] == "1", "a call's value is not reached through a name"
    assert "hunter2hunter2" not in str(memory.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"])


def test_properties_and_getattr_never_run(memory, tmp_path):
    module = load_module(
        tmp_path,
        """
        def use(obj):
            return obj.prop + obj.dynamic + obj.plain[5]
    """,
        "no_side_effects",
    )
    ran = []

    class Obj:
        plain = [1]

        @property
        def prop(self):
            ran.append("prop")
            return 1

        def __getattr__(self, name):
            ran.append(name)
            return 2

    try:
        module.use(Obj())
    except IndexError:
        ran.clear()
        framecap.capture_exception()
    assert ran == []
    assert frames_of(memory.events[-1])[-1]["vars"]["obj.plain"] == ["1"]


def test_frames_limit_prefers_in_app_nearest_the_error(memory, tmp_path):
    framecap.init(transport=memory, install_hooks=False, max_expression_frames=2, project_root=str(tmp_path))
    module = load_module(
        tmp_path,
        """
        def level(n, box):
            if n == 0:
                return box["k"][n]
            return level(n - 1, box) + box["k"][0]
    """,
        "limits",
    )
    event = capture_call(memory, module.level, 4, {"k": []})
    frames = frames_of(event)
    with_values = [i for i, f in enumerate(frames) if f["function"] == "level" and set(f["vars"]) - {"n", "box"}]
    assert with_values == [len(frames) - 2, len(frames) - 1]
    # the caller's failing node is the call: what comes after it (box["k"][0]) never ran
    assert frames[-2]["vars"] == {"n": "1", "box": {"k": []}, "n - 1": "0"}
    assert frames[-1]["vars"] == {"n": "0", "box": {"k": []}, 'box["k"]': []}


def test_time_budget_skips_and_records(memory, tmp_path):
    framecap.init(transport=memory, install_hooks=False, expression_time_budget=0)
    module = load_module(tmp_path, "def f(d):\n    return d['a'] + d['b']\n", "budget")
    frame = last_frame(memory, module.f, {"a": 1})
    assert frame["data"]["expressions"] == "skipped: time budget" and list(frame["vars"]) == ["d"]


@pytest.mark.slow
def test_only_the_failing_function_is_parsed_in_a_very_large_source(memory, tmp_path):
    framecap.init(
        transport=memory, install_hooks=False, expression_time_budget=10
    )  # a slow machine: what is parsed matters
    body = "".join(f"x{i} = {i}\n" for i in range(25_000))
    module = load_module(tmp_path, body + "def f(d):\n    return d['a']['b'] + x1\n", "huge_source")
    frame = last_frame(memory, module.f, {"a": {}})
    assert frame["context_line"] == "    return d['a']['b'] + x1" and frame["vars"] == {"d": {"a": {}}, "d['a']": {}}
    assert "expressions" not in frame["data"]
    try:
        load_module(tmp_path, body + "CONFIG = {'a': {}}\nVALUE = CONFIG['a']['b']\n", "huge_module")
    except KeyError:
        framecap.capture_exception()
    frame = frames_of(memory.events[-1])[-1]
    assert frame["function"] == "<module>" and frame["lineno"] == 25_002
    if sys.version_info >= (3, 11):  # the statement alone is parsed, located by the interpreter's positions
        assert frame["vars"] == {"CONFIG": {"a": {}}, "CONFIG['a']": {}}
    else:  # before 3.11 module code is matched against the whole module, which is too large to parse
        assert frame["data"]["expressions"] == "skipped: source too large" and frame["vars"] == {"CONFIG": {"a": {}}}


@pytest.mark.internal_errors
def test_a_failing_library_costs_only_that_frames_enrichment(memory, tmp_path, monkeypatch):
    import pure_eval

    def broken(self, node):
        raise RuntimeError("pure_eval bug")

    monkeypatch.setattr(pure_eval.Evaluator, "__getitem__", broken)
    module = load_module(tmp_path, "def f(d):\n    return d['a']['b']\n", "broken_lib")
    frame = last_frame(memory, module.f, {"a": {}})
    assert frame["data"]["expressions"] == "pure_eval failed: RuntimeError" and frame["vars"] == {"d": {"a": {}}}
    assert frame["colno"] == 12


def test_odd_code(memory, tmp_path):
    module = load_module(
        tmp_path,
        """
        import functools

        def deco(fn):
            @functools.wraps(fn)
            def wrapper(*a):
                return fn(*a)
            return wrapper

        @deco
        def decorated(d):
            return d["missing"]

        def comprehension(rows):
            return [r["v"] / r["w"] for r in rows]

        lam = lambda o: o.items[3]

        def gen(d):
            yield d["g"]

        async def coro(d):
            return d["c"] + 1

        def long_statement(d):
            return (d["a"] +
                    d["b"] +
                    d["nope"])
    """,
        "odd_code",
    )

    class O:
        items = [1]

    assert last_frame(memory, module.decorated, {})["vars"] == {"d": {}}
    frame = last_frame(memory, module.comprehension, [{"v": 1, "w": 0}])
    if sys.version_info >= (3, 12):  # PEP 709: comprehensions run inline, their variables gone with the error
        assert frame["function"] == "comprehension" and frame["context_line"].strip().startswith("return [")
    else:
        assert frame["function"] == "comprehension.<locals>.<listcomp>"
        assert frame["vars"]['r["v"]'] == "1" and frame["vars"]['r["w"]'] == "0"
    frame = last_frame(memory, module.lam, O())
    assert frame["function"] == "<lambda>" and frame["vars"]["o.items"] == ["1"]
    assert last_frame(memory, lambda: next(module.gen({})))["function"] == "gen"
    frame = last_frame(memory, lambda: asyncio.run(module.coro({})))
    assert frame["function"] == "coro" and frame["context_line"].strip() == 'return d["c"] + 1'
    frame = last_frame(memory, module.long_statement, {"a": 1, "b": 2})
    assert frame["context_line"].strip() in ('return (d["a"] +', 'd["nope"])')
    assert frame["vars"]['d["a"]'] == "1" and frame["vars"]['d["b"]'] == "2"


def test_exec_fake_filenames_and_ipython_cells(memory):
    namespace = {}
    exec(compile("def f(d):\n    return d['x'] + 1\n", "<fake-file>", "exec"), namespace)
    frame = last_frame(memory, namespace["f"], {})
    assert frame["context_line"] is None and frame["vars"] == {"d": {}}
    cell = "<ipython-input-7-abc>"
    source = "def g(d):\n    return d['x'] + d['y']\n"
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    exec(compile(source, cell, "exec"), namespace)
    frame = last_frame(memory, namespace["g"], {"x": 1})
    assert frame["context_line"] == "    return d['x'] + d['y']" and frame["vars"]["d['x']"] == "1"


def test_pyc_only_module(memory, tmp_path):
    package = tmp_path / "pyconly"
    package.mkdir()
    (package / "mod.py").write_text("def f(d):\n    return d['k'] + 1\n")
    compileall.compile_dir(str(package), legacy=True, quiet=1)
    os.remove(package / "mod.py")
    sys.path.insert(0, str(tmp_path))
    try:
        mod = importlib.import_module("pyconly.mod")
    finally:
        sys.path.remove(str(tmp_path))
    frame = last_frame(memory, mod.f, {})
    assert frame["lineno"] == 2 and frame["context_line"] is None and frame["vars"] == {"d": {}}
