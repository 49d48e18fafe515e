"""The programs both SDKs capture in the benchmark. Each ``make_*`` returns a freshly raised exception.

A fresh exception per capture keeps both SDKs' de-duplication at its defaults and out of the way;
raising happens outside the timed region.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, Callable


def raised(fn: Callable[[], Any]) -> BaseException:
    try:
        fn()
    except BaseException as error:  # noqa: B036
        return error
    raise AssertionError("scenario did not raise")


# -- 5 frames -------------------------------------------------------------------------------------


def make_shallow() -> BaseException:
    def level(n: int, name: str = "x", data: tuple[int, ...] = (1, 2, 3)) -> Any:
        if n == 0:
            return {"a": 1}["missing"]
        return level(n - 1)

    return raised(lambda: level(3))


# -- 50 frames x 10 locals ------------------------------------------------------------------------


class Widget:
    def __init__(self, i: int) -> None:
        self.i = i

    def __repr__(self) -> str:
        return f"Widget({self.i})"


def make_fifty() -> BaseException:
    def level(n: int) -> Any:
        count = n
        label = f"frame-{n}"
        ratio = n / 3
        items = list(range(20))
        mapping = {"k": n, "name": label, "nested": {"deep": [1, 2, 3]}}
        flag = n % 2 == 0
        nothing = None
        obj = Widget(n)
        blob = b"\x00\x01" * 10
        if n == 0:
            raise ValueError("bottom")
        return level(n - 1) + count + ratio + len(items) + len(mapping) + flag + (nothing or 0) + obj.i + len(blob)

    return raised(lambda: level(48))


# -- a web stack: a worker, 7 WSGI middlewares, Flask/werkzeug, 5 in-app frames ------------------


class Middleware:
    """A pass-through WSGI middleware, like the ones a real service stacks (sessions, CORS, gzip...)."""

    def __init__(self, app: Callable[..., Any], name: str) -> None:
        self.app = app
        self.name = name

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.setdefault("bench.middlewares", []).append(self.name)
        return self.app(environ, start_response)


class Order:
    def __init__(self, order_id: int, lines: list[dict[str, Any]]) -> None:
        self.order_id = order_id
        self.lines = lines

    def total(self) -> float:
        return sum(line["price"] * line["qty"] for line in self.lines)


def _discount(order: Order, coupon: dict[str, Any]) -> float:
    return order.total() * coupon["percent"] / (coupon["uses_left"] - coupon["uses"])


def _price(order: Order, coupon: dict[str, Any]) -> float:
    subtotal = order.total()
    return subtotal - _discount(order, coupon)


def _checkout(order_id: int) -> float:
    order = Order(order_id, [{"sku": "A-1", "price": 9.5, "qty": 2}, {"sku": "B-7", "price": 3.0, "qty": 1}])
    coupon = {"code": "WELCOME", "percent": 10, "uses": 3, "uses_left": 3}
    return _price(order, coupon)


def _web_app() -> Callable[..., Any]:
    from flask import Flask

    app = Flask("bench_shop")
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/orders/<int:order_id>/checkout", methods=["POST"])
    def checkout(order_id: int) -> str:
        return str(_checkout(order_id))

    wsgi: Callable[..., Any] = app.wsgi_app
    for name in ("proxyfix", "sessions", "cors", "csrf", "gzip", "metrics", "tracing"):
        wsgi = Middleware(wsgi, name)
    return wsgi


_WEB: list[Any] = []


def make_web() -> BaseException:
    from werkzeug.test import EnvironBuilder

    if not _WEB:
        _WEB.append(_web_app())
    app = _WEB[0]

    def worker() -> Any:
        environ = EnvironBuilder(path="/orders/42/checkout", method="POST", data={"note": "gift"}).get_environ()
        return list(app(environ, lambda status, headers, exc_info=None: None))

    return raised(worker)


# -- RecursionError, huge locals, hostile objects -----------------------------------------------


def make_recursion() -> BaseException:
    def recurse(n: int) -> int:
        return recurse(n + 1) + 1

    return raised(lambda: recurse(0))


def make_huge() -> BaseException:
    def hold() -> None:
        big_list = list(range(3_000_000))
        big_dict = {i: i for i in range(300_000)}
        big_str = "s" * 20_000_000
        big_bytes = b"b" * 10_000_000
        deep: dict[str, Any] = {}
        cur = deep
        for _ in range(300):
            cur["k"] = {}
            cur = cur["k"]
        raise MemoryError(len(big_list) + len(big_dict) + len(big_str) + len(big_bytes))

    return raised(hold)


class Hostile:
    calls = 0

    def __repr__(self) -> str:
        Hostile.calls += 1
        raise RuntimeError("repr refuses")

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(name)


class LyingList(list):  # type: ignore[type-arg]
    def __len__(self) -> int:
        return 10**12


def make_hostile() -> BaseException:
    shared = Hostile()

    def level(n: int, h: Hostile = shared) -> Any:
        lying = LyingList([1, 2, 3])
        mine = Hostile()
        if n == 0:
            raise KeyError("hostile")
        return level(n - 1) or (lying, mine)

    return raised(lambda: level(4))


SCENARIOS: dict[str, Callable[[], BaseException]] = {
    "5 frames": make_shallow,
    "50 frames x 10 locals": make_fifty,
    "29-frame web stack": make_web,
    "RecursionError": make_recursion,
    "huge locals": make_huge,
    "hostile objects": make_hostile,
}


# -- new sites: distinct modules written on the fly -----------------------------------------------

_SITE = """
def handler_{n}(payload):
    size = len(payload)
    return parse_{n}(payload, size)


def parse_{n}(payload, size):
    fields = payload.split(",")
    return convert_{n}(fields, size)


def convert_{n}(fields, size):
    numbers = [int(f) for f in fields[:2]]
    return numbers[0] / (numbers[1] - size + {n_plus})


def run():
    return handler_{n}("1,2,3")
"""


def site_modules(count: int, prefix: str = "bench_site") -> list[Callable[[], BaseException]]:
    """``count`` makers, each raising from a module (a file) no capture has seen before."""
    folder = tempfile.mkdtemp(prefix="framecap-bench-sites-")
    sys.path.insert(0, folder)
    makers = []
    for n in range(count):
        name = f"{prefix}_{os.getpid()}_{n}"
        with open(os.path.join(folder, f"{name}.py"), "w") as handle:
            handle.write(_SITE.format(n=n, n_plus=5 - 2))
        module = __import__(name)
        makers.append(lambda module=module: raised(module.run))
    return makers
