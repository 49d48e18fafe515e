"""Capture cost with framecap's real defaults (expression values on) against sentry-sdk 2.75.0.

    python bench/expressions.py            # full run (a few minutes)
    python bench/expressions.py --quick    # a smoke run with few repetitions

Three situations, each for a 5-frame and a 50-frame x 10-locals traceback:

- **warm**: the same exception captured again and again at the same site (alternating blocks of the
  two SDKs, so drift in the machine's speed falls on both);
- **first capture in a process**: a fresh interpreter per sample (the SDKs alternate), which imports
  and initialises its SDK (not timed), raises, and times its one capture;
- **new site in a warm process**: one process per SDK warms up on one site, then captures at sites it
  has never seen (a new module each: new code objects, a file never read).

Times are process CPU time (``time.process_time``) with wall time beside it; medians; the garbage
collector runs as it would in a program. Ratios are framecap's median over sentry's. framecap runs
with all its defaults (the sites live under the working directory it is initialised in, so they are
in-app, as an application's code is); sentry-sdk with its core defaults
(``auto_enabling_integrations=False``). Both SDKs' de-duplication is off (the warm rows capture one
exception object repeatedly), and both send into memory.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any, Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # this checkout's framecap, not an installed one

SITE = textwrap.dedent(
    """
    class Widget:
        def __init__(self, i):
            self.i = i

        def __repr__(self):
            return f"Widget({self.i})"


    def level(n, name="x", data=(1, 2, 3)):
        if n == 0:
            return {"a": 1}["missing"]
        return level(n - 1)


    def shallow():
        return level(3)


    def deep(n):
        count = n
        label = f"frame-{n}"
        ratio = n / 3
        items = list(range(20))
        mapping = {"k": n, "name": label, "nested": {"deep": [1, 2, 3]}}
        flag = n % 2 == 0
        nothing = None
        obj = Widget(n)
        blob = b"\\x00\\x01" * 10
        if n == 0:
            raise ValueError("bottom")
        return deep(n - 1) + count + ratio + len(items) + len(mapping) + flag + (nothing or 0) + obj.i + len(blob)


    def fifty():
        return deep(48)
    """
)
SCENARIOS = {"5 frames": "shallow", "50 frames x 10 locals": "fifty"}
TARGETS = {
    ("warm", "5 frames"): 0.4,
    ("warm", "50 frames x 10 locals"): 0.3,
    ("first", "5 frames"): 0.5,
    ("first", "50 frames x 10 locals"): 0.5,
    ("new site", "5 frames"): 1.2,
    ("new site", "50 frames x 10 locals"): 1.2,
}


def write_site(directory: str, index: int) -> str:
    name = f"bench_site_{index}"
    with open(os.path.join(directory, name + ".py"), "w") as handle:
        handle.write(SITE)
    return name


def raised(fn: Callable[[], Any]) -> BaseException:
    try:
        fn()
    except BaseException as error:  # noqa: B036
        return error
    raise AssertionError("scenario did not raise")


def make_capture(sdk: str) -> Callable[[BaseException], Any]:
    """The SDK initialised with its defaults, sending into memory; returns its capture function."""
    if sdk == "sentry":
        import sentry_sdk
        from sentry_sdk.integrations.dedupe import DedupeIntegration
        from sentry_sdk.transport import Transport

        class SentryMemory(Transport):
            def capture_envelope(self, envelope: Any) -> None:
                pass

        sentry_sdk.init(
            dsn="http://public@127.0.0.1:9/1",
            transport=SentryMemory,
            disabled_integrations=[DedupeIntegration()],
            auto_enabling_integrations=False,
        )
        return sentry_sdk.capture_exception
    import framecap

    client = framecap.Client(transport=lambda event: None, install_hooks=False)

    def capture(error: BaseException) -> Any:
        error.__dict__.pop("__framecap_event_id__", None)  # de-duplication off, like sentry's above
        return client.capture_exception(error)

    return capture


def timed(capture: Callable[[BaseException], Any], error: BaseException) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    capture(error)
    return time.process_time() - cpu, time.perf_counter() - wall


# -- the situations --------------------------------------------------------------------------


def warm(scenario: str, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Both SDKs in this process, alternating blocks at one site."""
    import importlib

    module = importlib.import_module(write_site(os.getcwd(), 0))
    error = raised(getattr(module, SCENARIOS[scenario]))
    captures = {sdk: make_capture(sdk) for sdk in ("framecap", "sentry")}
    samples: dict[str, list[tuple[float, float]]] = {sdk: [] for sdk in captures}
    blocks = 4
    for _ in range(blocks):
        for sdk, capture in captures.items():
            capture(error)  # re-warm after the other SDK's block
            for _ in range(max(1, repeat // blocks)):
                samples[sdk].append(timed(capture, error))
    return samples


def child(mode: str, sdk: str, scenario: str, sites: int) -> None:
    """One fresh process: the first capture (``first``), or captures at new sites after a warm-up (``new``)."""
    import importlib

    capture = make_capture(sdk)
    fn = SCENARIOS[scenario]
    results = []
    if mode == "first":
        error = raised(getattr(importlib.import_module(write_site(os.getcwd(), 0)), fn))
        results.append(timed(capture, error))
    else:
        warmup = raised(getattr(importlib.import_module(write_site(os.getcwd(), 0)), fn))
        for _ in range(3):
            capture(warmup)
        for index in range(1, sites + 1):
            error = raised(getattr(importlib.import_module(write_site(os.getcwd(), index)), fn))
            results.append(timed(capture, error))
    print(json.dumps(results))


def in_children(mode: str, scenario: str, processes: int, sites: int) -> dict[str, list[tuple[float, float]]]:
    samples: dict[str, list[tuple[float, float]]] = {"framecap": [], "sentry": []}
    for _ in range(processes):
        for sdk in samples:  # alternating, so that drift falls on both
            directory = tempfile.mkdtemp(prefix="fc-bench-")
            try:
                out = subprocess.run(
                    [sys.executable, os.path.abspath(__file__), "--child", mode, sdk, scenario, str(sites)],
                    cwd=directory,
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "PYTHONPATH": os.pathsep.join([directory, ROOT])},
                ).stdout
            finally:
                shutil.rmtree(directory, ignore_errors=True)
            samples[sdk] += [tuple(pair) for pair in json.loads(out.strip().splitlines()[-1])]
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.child:
        mode, sdk, scenario, sites = ns.child
        child(mode, sdk, scenario, int(sites))
        return 0
    quick = ns.quick
    # as an installed package would be: byte-compiled (the fresh processes don't compile framecap's modules)
    compileall.compile_dir(os.path.join(ROOT, "framecap"), quiet=1)
    rows = []
    for scenario in SCENARIOS:
        directory = tempfile.mkdtemp(prefix="fc-bench-")
        here = os.getcwd()
        os.chdir(directory)
        sys.path.insert(0, directory)
        try:
            samples = warm(scenario, 40 if quick else (400 if scenario == "5 frames" else 100))
        finally:
            os.chdir(here)
            sys.path.remove(directory)
            shutil.rmtree(directory, ignore_errors=True)
        rows.append(("warm", scenario, samples))
        rows.append(("first", scenario, in_children("first", scenario, 2 if quick else 9, 1)))
        rows.append(("new site", scenario, in_children("new", scenario, 1 if quick else 3, 3 if quick else 10)))
    import sentry_sdk

    import framecap

    print(f"Python {sys.version.split()[0]}, framecap {framecap.__version__}, sentry-sdk {sentry_sdk.VERSION}")
    print("| case | scenario | framecap CPU (wall) | sentry-sdk CPU (wall) | ratio CPU (wall) | target |")
    print("|---|---|---|---|---|---|")
    out = []
    for mode, scenario, samples in rows:
        fc_cpu, fc_wall = (statistics.median(s[i] for s in samples["framecap"]) for i in (0, 1))
        st_cpu, st_wall = (statistics.median(s[i] for s in samples["sentry"]) for i in (0, 1))
        target = TARGETS[(mode, scenario)]
        print(
            f"| {mode} | {scenario} | {fc_cpu * 1e3:.3f} ms ({fc_wall * 1e3:.3f}) | {st_cpu * 1e3:.3f} ms "
            f"({st_wall * 1e3:.3f}) | {fc_cpu / st_cpu:.2f}× ({fc_wall / st_wall:.2f}×) | ≤ {target}× |"
        )
        out.append(
            {
                "case": mode,
                "scenario": scenario,
                "framecap_cpu_ms": fc_cpu * 1e3,
                "framecap_wall_ms": fc_wall * 1e3,
                "sentry_cpu_ms": st_cpu * 1e3,
                "sentry_wall_ms": st_wall * 1e3,
                "ratio_cpu": fc_cpu / st_cpu,
                "target": target,
                "samples": len(samples["framecap"]),
            }
        )
    if ns.json:
        with open(ns.json, "w") as handle:
            json.dump(out, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
