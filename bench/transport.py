"""Delivery to a real server: framecap's DSN transport against sentry-sdk's, both sending to Bugsink.

    python bench/transport.py [--quick]

Starts Bugsink on 127.0.0.1 (see tests/bugsink_server.py; set BUGSINK_VENV to reuse an install),
warms it up with a throwaway batch (a fresh server is slow on its first requests), then for each
SDK: events per second from the first capture until every event is delivered, and the capture
latency (median and 95th percentile) while the worker is busy sending.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from typing import Callable

_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path[:0] = [_ROOT, os.path.join(_ROOT, "tests")]  # this checkout's framecap, not an installed one

import sentry_sdk  # noqa: E402
from bugsink_server import BugsinkServer  # noqa: E402
from sentry_sdk.integrations.dedupe import DedupeIntegration  # noqa: E402

import framecap  # noqa: E402


def errors(n: int) -> list[BaseException]:
    out = []
    for i in range(n):
        try:
            {"a": 1}[f"missing-{i}"]
        except KeyError as error:
            out.append(error)
    return out


def measure(capture: Callable[[BaseException], object], flush: Callable[[], object], n: int) -> dict:
    capture(errors(1)[0])  # warm up: the connection, the server's first request
    flush()
    batch = errors(n)
    latencies = []
    start = time.perf_counter()
    for error in batch:
        t = time.perf_counter()
        capture(error)
        latencies.append(time.perf_counter() - t)
    flush()
    total = time.perf_counter() - start
    latencies.sort()
    return {
        "events_per_s": n / total,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    ns = parser.parse_args()
    n = 30 if ns.quick else 300
    # The spools where framecap keeps them by default: in the home directory (on some machines /tmp is a
    # much slower file system, which would measure the machine, not framecap).
    state = tempfile.mkdtemp(prefix="framecap-bench-", dir=os.path.expanduser("~"))
    with tempfile.TemporaryDirectory() as folder:
        server = BugsinkServer(os.path.join(folder, "bugsink")).start()
        try:
            warm = framecap.Client(dsn=server.dsn, state_dir=os.path.join(state, "warm"), max_queue_size=100)
            for error in errors(40):  # a fresh server is slow on its first requests (each worker warms up)
                warm.capture_exception(error)
            warm.flush(120)
            warm.close()
            client = framecap.Client(dsn=server.dsn, state_dir=os.path.join(state, "state"), max_queue_size=n + 10)
            fc = measure(client.capture_exception, lambda: client.flush(120), n)
            client.close()
            sentry_sdk.init(
                dsn=server.dsn,
                disabled_integrations=[DedupeIntegration()],
                transport_queue_size=n + 10,
                auto_enabling_integrations=False,
            )
            st = measure(sentry_sdk.capture_exception, lambda: sentry_sdk.flush(120), n)
        finally:
            server.stop()
            shutil.rmtree(state, ignore_errors=True)
    print(f"Python {sys.version.split()[0]}, {n} events to Bugsink on 127.0.0.1")
    print("| | framecap | sentry-sdk | ratio |")
    print("|---|---|---|---|")
    rows = [
        ("events per second, capture to stored", "events_per_s", "{:.0f}"),
        ("capture latency with the worker busy, median", "median_ms", "{:.2f} ms"),
        ("capture latency with the worker busy, p95", "p95_ms", "{:.2f} ms"),
    ]
    for label, key, shape in rows:
        print(f"| {label} | {shape.format(fc[key])} | {shape.format(st[key])} | {fc[key] / st[key]:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
