"""README "The event": a frame's ``filename`` is relative to ``project_root``, else taken from the
top-level package (real modules imported from files)."""

import importlib
import sys

import pytest

import framecap


@pytest.fixture
def package(tmp_path, monkeypatch):
    """``shop/billing/invoice.py`` under ``tmp_path/src``, importable; returns the module."""
    source = tmp_path / "src" / "shop" / "billing"
    source.mkdir(parents=True)
    (source.parent / "__init__.py").write_text("")
    (source / "__init__.py").write_text("")
    (source / "invoice.py").write_text("import json\n\n\ndef parse(text):\n    return json.loads(text)\n")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    for name in ("shop", "shop.billing", "shop.billing.invoice"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module("shop.billing.invoice")


def _frames(package, **options):
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False, **options)
    try:
        package.parse("{bad")
    except ValueError as error:
        client.capture_exception(error)
    finally:
        client.close()
    frames = transport.events[0]["exception"]["values"][-1]["stacktrace"]["frames"]
    return {f["module"]: f for f in frames}


def test_filenames_are_relative_to_the_project_root_else_from_the_top_level_package(package, tmp_path):
    under_root = _frames(package, project_root=str(tmp_path))
    assert under_root["shop.billing.invoice"]["filename"] == "src/shop/billing/invoice.py"
    assert under_root["shop.billing.invoice"]["in_app"] is True
    elsewhere = _frames(package, project_root=str(tmp_path / "other"))
    invoice = elsewhere["shop.billing.invoice"]
    assert (invoice["filename"], invoice["in_app"]) == ("shop/billing/invoice.py", False)
    assert invoice["abs_path"] == str(tmp_path / "src" / "shop" / "billing" / "invoice.py")
    assert elsewhere["json.decoder"]["filename"] == "json/decoder.py", "the standard library too"


def test_the_default_project_root_is_the_working_directory_at_init(package, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    transport = framecap.MemoryTransport()
    client = framecap.Client(transport=transport, install_hooks=False)
    monkeypatch.chdir(tmp_path / "src" / "shop")  # later moves change nothing
    try:
        package.parse("{bad")
    except ValueError as error:
        client.capture_exception(error)
    finally:
        client.close()
    frames = {f["module"]: f for f in transport.events[0]["exception"]["values"][-1]["stacktrace"]["frames"]}
    invoice = frames["shop.billing.invoice"]
    assert (invoice["filename"], invoice["in_app"]) == ("src/shop/billing/invoice.py", True)
