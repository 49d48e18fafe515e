"""Fixed programs for the golden-file tests: their line numbers are part of the expected output.

Edit only by appending at the end (then regenerate with ``pytest tests/test_golden.py --update-goldens``).
"""

import collections


class Account:
    def __init__(self, owner, scores):
        self.owner = owner
        self.scores = scores

    def ratio(self, idx):
        return self.scores[idx] / (self.scores[1] - 1)


def report(accounts):
    return {account.owner: account.ratio(0) for account in accounts}


def demo():
    report([Account("ada", [3, 2, 4]), Account("grace", [5, 1, 9])])


def load(path):
    try:
        open(path)
    except FileNotFoundError as error:
        raise RuntimeError("config missing") from error


def chained():
    try:
        load("/nonexistent/framecap-golden.ini")
    except RuntimeError:
        {}["fallback"]


class Hostile:
    def __repr__(self):
        raise ValueError("no repr for you")


class Point(collections.namedtuple("Point", "x y")):
    pass


def values():
    hostile = Hostile()
    big_list = list(range(3000))
    big_text = "x" * 5000
    deep = {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}
    cyclic = [1, 2]
    cyclic.append(cyclic)
    point = Point(1, 2)
    raw = b"\x00\xff" * 3
    both = {1: "int", "1": "str"}
    return hostile, big_list, big_text, deep, cyclic, point, raw, both[2]


def settings_error():
    db_password = "hunter2-very-secret"
    api_token = "tok_1234567890abcdef"
    url = "postgres://app:s3cr3t-pass@db.internal:5432/shop"
    retries = 3
    raise ConnectionError(f"cannot connect to {url} after {retries} tries")


def grouped():
    errors = []
    for n in (1, 2):
        try:
            raise ValueError(f"bad item {n}")
        except ValueError as error:
            errors.append(error)
    raise _group_type()("batch failed", errors)


def _group_type():
    import builtins

    if hasattr(builtins, "ExceptionGroup"):
        return builtins.ExceptionGroup
    from exceptiongroup import ExceptionGroup  # the backport, before 3.11

    return ExceptionGroup


def report_stuck(client, order_id):
    """A message event with the caller's stack (``attach_stacktrace``)."""
    waited = 30
    client.capture_message(f"order {order_id} stuck after {waited} s", level="warning")
