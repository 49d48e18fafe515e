"""Crashing programs for the ``framecap show``/``list`` golden files: their line numbers are part of the output.

Edit only by appending at the end (then: ``pytest tests/test_show_golden.py --update-goldens``).
"""

import json
import logging
import sys


def run(scenario):
    """Call ``scenario`` and return what it raised: the traceback starts here, never in pytest."""
    try:
        scenario()
    except BaseException as error:  # noqa: B036 - groups and everything else
        return error
    raise AssertionError("the scenario did not fail")


def parse_settings(text):
    settings = json.loads(text)
    return settings["port"]


def library():
    return parse_settings('{"port": 80,}')


def ping(n):
    if n == 0:
        raise ValueError("bottom of the recursion")
    return pong(n - 1)


def pong(n):
    return ping(n)


def recursion():
    ping(400)


def values():
    items = list(range(10_000))
    text = "x" * 20_000_000
    password = "hunter2-very-secret"
    both = {1: "int", "1": "str", None: "none", (1, 2): "tuple"}
    nested = {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}  # noqa: F841 - shown, cut at max_depth
    return items[len(text)] + both[password]


def _fail(kind, message):
    raise kind(message)


def group():
    errors = []
    for n, kind in enumerate((ValueError, KeyError)):
        try:
            _fail(kind, f"item {n}")
        except Exception as error:
            errors.append(error)
    try:
        _fail(OSError, "disk gone")
    except OSError as cause:
        try:
            raise RuntimeError("cannot save") from cause
        except RuntimeError as error:
            errors.append(error)
    inner = _group_type()("inner batch", errors[1:])
    raise _group_type()("batch failed", [errors[0], inner])


def _group_type():
    if sys.version_info >= (3, 11):
        return ExceptionGroup  # noqa: F821 - a builtin from 3.11 on
    from exceptiongroup import ExceptionGroup as backport

    return backport


def chain():
    try:
        {}["missing"]
    except KeyError:
        try:
            int("seven")
        except ValueError as error:
            error.add_note("while reading the retry count") if hasattr(error, "add_note") else None
            raise LookupError("settings are broken\nsee the second line") from error


def logged():
    log = logging.getLogger("shop")
    log.info("cart has %d items", 3)
    try:
        {}["sku-42"]
    except KeyError:
        log.exception("checkout failed for %s", "ada")
