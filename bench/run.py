"""Capture cost of framecap against sentry-sdk 2.75.0, measured in the same run, as ratios.

    python bench/run.py            # full run (about a minute)
    python bench/run.py --quick    # a smoke run with few repetitions

Both SDKs capture the same already-raised exception (so raising costs nothing here; both SDKs'
de-duplication is off, or every capture after the first would be skipped), timed in
alternating warm blocks (so drift in the machine's speed falls on both), in three rounds (the
round with the median ratio is shown), and like ``timeit`` (garbage collected before, collector
off while timing), with their
defaults: source context and local variables on. Sentry sends into an in-memory Transport
(its DedupeIntegration disabled so repeated captures of one exception aren't skipped); framecap
into a plain callable. The core rows run framecap without expression values (sentry's defaults
have none); the "expression values" rows compare framecap's executing/pure_eval enrichment on all
50 frames with sentry-sdk's PureEvalIntegration + ExecutingIntegration. Ratios are framecap's
median time over sentry's: lower is better, except the threads row, which is framecap's
throughput over sentry's.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import threading
import time
from typing import Any, Callable

import sentry_sdk
from sentry_sdk.integrations.dedupe import DedupeIntegration
from sentry_sdk.transport import Transport

import framecap


class SentryMemory(Transport):
    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.envelopes: list[Any] = []

    def capture_envelope(self, envelope: Any) -> None:
        self.envelopes.append(envelope)
        del self.envelopes[:-5]


def undeduplicated(client: framecap.Client) -> Callable[[BaseException], Any]:
    """``client.capture_exception``, with framecap's de-duplication off (as sentry's DedupeIntegration is):
    the benchmark captures one exception object again and again."""

    def capture(error: BaseException) -> Any:
        error.__dict__.pop("__framecap_event_id__", None)
        return client.capture_exception(error)

    return capture


def raised(fn: Callable[[], Any]) -> BaseException:
    try:
        fn()
    except BaseException as error:  # noqa: B036
        return error
    raise AssertionError("scenario did not raise")


# -- scenarios ------------------------------------------------------------------------------


def shallow() -> BaseException:
    def level(n: int, name: str = "x", data: tuple[int, ...] = (1, 2, 3)) -> Any:
        if n == 0:
            return {"a": 1}["missing"]
        return level(n - 1)

    return raised(lambda: level(3))


class Widget:
    def __init__(self, i: int) -> None:
        self.i = i

    def __repr__(self) -> str:
        return f"Widget({self.i})"


def fifty_frames() -> BaseException:
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


def recursion() -> BaseException:
    def recurse(n: int) -> int:
        return recurse(n + 1) + 1

    return raised(lambda: recurse(0))


def huge() -> BaseException:
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

    @property
    def side_effect(self) -> int:
        raise AssertionError("a property was run")


class LyingList(list):
    def __len__(self) -> int:
        return 10**12


def hostile() -> BaseException:
    shared = Hostile()

    def level(n: int, h: Hostile = shared) -> Any:
        lying = LyingList([1, 2, 3])
        mine = Hostile()
        if n == 0:
            raise KeyError("hostile")
        return level(n - 1) or (lying, mine)

    return raised(lambda: level(4))


SCENARIOS = {
    "5 frames": (shallow, 300, 0.3),
    "50 frames x 10 locals": (fifty_frames, 80, 0.2),
    "RecursionError": (recursion, 15, 0.05),
    "huge locals": (huge, 7, 0.02),
    "hostile objects": (hostile, 150, None),
}


def paired_times(captures: list[Callable[[BaseException], Any]], error: BaseException, repeat: int) -> list[float]:
    """Median seconds per capture for each SDK, measured in alternating blocks (A B A B ...) so that
    drift in the machine's speed (other load, clock changes) falls on both alike, while each block
    runs warm. Like timeit, the garbage collector is collected first and off while timing."""
    for capture in captures:
        capture(error)  # warm caches (source files, imports)
    samples: list[list[float]] = [[] for _ in captures]
    gc.collect()
    gc.disable()
    try:
        blocks = 4 if repeat >= 8 else 1
        for _ in range(blocks):
            for which, capture in enumerate(captures):
                capture(error)  # re-warm after the other SDK's block
                for _ in range(repeat // blocks):
                    start = time.perf_counter()
                    capture(error)
                    samples[which].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return [statistics.median(s) for s in samples]


def median_time(capture: Callable[[BaseException], Any], error: BaseException, repeat: int) -> float:
    """Median seconds per capture; like timeit, the garbage collector is collected first and off while timing."""
    capture(error)  # warm caches (source files, imports)
    gc.collect()
    gc.disable()
    try:
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            capture(error)
            samples.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return statistics.median(samples)


def threads_throughput(capture: Callable[[BaseException], Any], per_thread: int) -> float:
    errors = [shallow() for _ in range(8)]
    barrier = threading.Barrier(9)

    def work(error: BaseException) -> None:
        barrier.wait()
        for _ in range(per_thread):
            capture(error)

    workers = [threading.Thread(target=work, args=(e,)) for e in errors]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    return 8 * per_thread / (time.perf_counter() - start)


def enrichment_rows(
    keep: Callable[[dict[str, Any]], None], sent: list[dict[str, Any]], scale: float
) -> list[dict[str, Any]]:
    """executing + pure_eval on 50 frames: framecap with expression values on all 50 frames against
    sentry-sdk with PureEvalIntegration and ExecutingIntegration; and the added cost per frame."""
    from sentry_sdk.integrations.executing import ExecutingIntegration
    from sentry_sdk.integrations.pure_eval import PureEvalIntegration

    error = fifty_frames()
    reps = max(4, int(40 * scale))
    plain = framecap.Client(transport=keep, include_expression_values=False)
    fc_off, st_off = paired_times([undeduplicated(plain), sentry_sdk.capture_exception], error, reps)
    sentry_sdk.init(
        dsn="http://public@127.0.0.1:9/1",
        transport=SentryMemory,
        disabled_integrations=[DedupeIntegration()],
        auto_enabling_integrations=False,
        integrations=[PureEvalIntegration(), ExecutingIntegration()],
    )
    rich = framecap.Client(transport=keep, max_expression_frames=50, max_expression_values=10)
    fc_on, st_on = paired_times([undeduplicated(rich), sentry_sdk.capture_exception], error, reps)
    undeduplicated(rich)(error)
    size = len(json.dumps(sent[-1], separators=(",", ":")))
    per_frame_fc, per_frame_st = (fc_on - fc_off) / 50, (st_on - st_off) / 50
    return [
        {
            "scenario": "expression values, 50 frames",
            "framecap_ms": fc_on * 1000,
            "sentry_ms": st_on * 1000,
            "ratio": fc_on / st_on,
            "target": None,
            "event_bytes": size,
        },
        {
            "scenario": "expression values, added cost per frame",
            "framecap_ms": per_frame_fc * 1000,
            "sentry_ms": per_frame_st * 1000,
            "ratio": per_frame_fc / per_frame_st if per_frame_st > 0 else float("nan"),
            "target": None,
            "event_bytes": size,
        },
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    parser.add_argument("--json", help="also write the results to this file")
    ns = parser.parse_args()
    scale = 0.1 if ns.quick else 1.0
    # Core defaults only: with frameworks installed, sentry-sdk would auto-enable their integrations and be slower.
    sentry_sdk.init(
        dsn="http://public@127.0.0.1:9/1",
        transport=SentryMemory,
        disabled_integrations=[DedupeIntegration()],
        auto_enabling_integrations=False,
    )
    sent: list[dict[str, Any]] = []

    def keep(event: dict[str, Any]) -> None:
        sent.append(event)
        del sent[:-5]

    # Sentry's defaults have no expression values: compare like with like (they get their own rows).
    client = framecap.Client(transport=keep, include_expression_values=False)
    framecap_capture, sentry_capture = undeduplicated(client), sentry_sdk.capture_exception
    rows = []
    for name, (make, repeat, target) in SCENARIOS.items():
        error = make()
        reps = max(3, int(repeat * scale))
        Hostile.calls = 0
        framecap_capture(error)
        fc_repr = Hostile.calls
        Hostile.calls = 0
        sentry_capture(error)
        st_repr = Hostile.calls
        rounds = sorted(
            (paired_times([framecap_capture, sentry_capture], error, reps) for _ in range(3)),
            key=lambda pair: pair[0] / pair[1],
        )
        fc, st = rounds[1]  # the round with the median ratio: one noisy stretch of the machine doesn't decide
        size = len(json.dumps(sent[-1], separators=(",", ":")))
        ratio = fc / st
        row = {
            "scenario": name,
            "framecap_ms": fc * 1000,
            "sentry_ms": st * 1000,
            "ratio": ratio,
            "target": target,
            "event_bytes": size,
        }
        if name == "hostile objects":
            row["repr_calls_per_capture"] = {"framecap": fc_repr, "sentry": st_repr}
        rows.append(row)
        del error
    per_thread = max(5, int(100 * scale))  # (before the enrichment rows re-initialise sentry with its integrations)
    fc_tp = threads_throughput(framecap_capture, per_thread)
    st_tp = threads_throughput(sentry_capture, per_thread)
    threads_row = {
        "scenario": "8 threads (captures/s)",
        "framecap": fc_tp,
        "sentry": st_tp,
        "ratio": fc_tp / st_tp,
        "target": 4.0,
    }
    rows += enrichment_rows(keep, sent, scale)
    rows.append(threads_row)
    print(f"Python {sys.version.split()[0]}, framecap {framecap.__version__}, sentry-sdk {sentry_sdk.VERSION}")
    print("| scenario | framecap | sentry-sdk | ratio | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        if "framecap_ms" in row:
            extra = f" (event {row['event_bytes'] / 1000:.1f} kB)" if "per frame" not in row["scenario"] else ""
            if "repr_calls_per_capture" in row:
                extra += f" (6 distinct objects; `__repr__` calls per capture: {row['repr_calls_per_capture']['framecap']:.0f} vs {row['repr_calls_per_capture']['sentry']:.0f})"
            target = f"≤ {row['target']}×" if row["target"] else "-"
            print(
                f"| {row['scenario']}{extra} | {row['framecap_ms']:.3f} ms | {row['sentry_ms']:.3f} ms | {row['ratio']:.3f}× | {target} |"
            )
        else:
            print(
                f"| {row['scenario']} | {row['framecap']:.0f}/s | {row['sentry']:.0f}/s | {row['ratio']:.1f}× | ≥ {row['target']}× |"
            )
    if ns.json:
        with open(ns.json, "w") as handle:
            json.dump(rows, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
