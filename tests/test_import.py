"""``import framecap`` is light: the client, the transports and the expression machinery load on first use.

Checked in fresh interpreters (in this one, everything is loaded already). No timings here: the
import time itself is measured by ``bench/run.py`` (README, "Speed").
"""

import json
import textwrap

import processes

import framecap

# What a plain ``import framecap`` must not load (each is a few milliseconds, or starts something).
HEAVY = ("ssl", "http.client", "urllib.request", "sqlite3", "asyncio", "gzip", "executing", "pure_eval")


def child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; the JSON it prints last."""
    result = processes.python("-c", textwrap.dedent(code))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_public_name_can_be_imported_from_the_package():
    for name in framecap.__all__:
        namespace: dict = {}
        exec(f"from framecap import {name}", namespace)
        assert namespace[name] is getattr(framecap, name)
    assert set(framecap.__all__) <= set(dir(framecap))


def test_import_loads_nothing_heavy_and_lazy_names_load_on_first_use():
    found = child(
        """
        import json, sys
        before = set(sys.modules)
        import framecap
        loaded = sorted(set(sys.modules) - before)
        names = {}
        for name in framecap.__all__:
            namespace = {}
            exec(f"from framecap import {name}", namespace)
            names[name] = f"{getattr(namespace[name], '__module__', '')}.{getattr(namespace[name], '__name__', '')}"
        print(json.dumps({"loaded": loaded, "names": names, "dir": dir(framecap)}))
        """
    )
    heavy = [m for m in found["loaded"] if m.split(".")[0] in HEAVY or m in HEAVY]
    assert heavy == [], f"import framecap loaded {heavy}"
    assert "framecap.client" not in found["loaded"]
    assert "typing" not in found["loaded"]
    assert found["names"]["Client"] == "framecap.client.Client"
    assert found["names"]["MemoryTransport"] == "framecap.transports.memory.MemoryTransport"
    assert found["names"]["init"] == "framecap.api.init"
    assert set(framecap.__all__) <= set(found["dir"])


def test_the_api_without_a_client_loads_no_client():
    found = child(
        """
        import json, sys
        before = set(sys.modules)
        import framecap
        try:
            1 / 0
        except ZeroDivisionError:
            captured = framecap.capture_exception()
        framecap.set_tag("k", "v")
        framecap.add_breadcrumb("hello")
        with framecap.new_scope() as scope:
            framecap.set_user({"id": 1})
            user = scope.user
        print(json.dumps({
            "captured": captured,
            "message": framecap.capture_message("m"),
            "flushed": framecap.flush(),
            "user": user,
            "loaded": sorted(set(sys.modules) - before),
        }))
        """
    )
    assert found["captured"] is None and found["message"] is None and found["flushed"] is True
    assert found["user"] == {"id": 1}
    assert "framecap.client" not in found["loaded"]
    assert [m for m in found["loaded"] if m.split(".")[0] in HEAVY] == []


def test_lazy_attributes_and_submodules():
    found = child(
        """
        import json
        import framecap
        client_module = framecap.client  # a submodule, as when the package imported it
        try:
            framecap.no_such_name
            missing = False
        except AttributeError:
            missing = True
        print(json.dumps({
            "client": client_module.__name__,
            "same": framecap.Client is client_module.Client,
            "missing": missing,
            "hasattr": hasattr(framecap, "no_such_name"),
        }))
        """
    )
    assert found == {"client": "framecap.client", "same": True, "missing": True, "hasattr": False}


def test_init_without_a_dsn_loads_no_http_stack(tmp_path):
    found = child(
        f"""
        import json, sys
        import framecap
        framecap.init(store={str(tmp_path / "events.db")!r}, install_hooks=False)
        framecap.flush()
        http_stack = ("ssl", "http.client", "urllib.request", "gzip")
        print(json.dumps({{"loaded": [m for m in http_stack if m in sys.modules]}}))
        """
    )
    assert found["loaded"] == []
