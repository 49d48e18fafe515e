"""One cold measurement in a fresh interpreter, printed as JSON (bench/run.py starts these).

    python bench/cold.py first SDK SCENARIO     # the first capture in this process
    python bench/cold.py newsite SDK SCENARIO   # warm on other sites, then the first capture at a new one
    python bench/cold.py memory SDK             # memory kept after captures at 100 distinct sites
    python bench/cold.py warm SDK SCENARIO N    # N captures at one site after 5 untimed ones (warm)

Imports and ``init`` happen before the clock starts; raising the exception too.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenarios import SCENARIOS, site_modules  # noqa: E402
from sdks import make_sdk  # noqa: E402


def scenario_copy(tag: str):  # type: ignore[no-untyped-def]
    """bench/scenarios.py under another file and module name: a site no capture has seen."""
    folder = tempfile.mkdtemp(prefix="framecap-bench-copy-")
    name = f"scenarios_{tag}_{os.getpid()}"
    shutil.copy(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios.py"), os.path.join(folder, name + ".py")
    )
    sys.path.insert(0, folder)
    return importlib.import_module(name)


def timed(sdk, error: BaseException) -> dict[str, float]:  # type: ignore[no-untyped-def]
    cpu, wall = time.process_time(), time.perf_counter()
    sdk.capture(error)
    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}


def main(argv: list[str]) -> int:
    mode, name = argv[0], argv[1]
    if mode == "memory":
        sites = site_modules(110, prefix=f"mem_{name}")
        sdk = make_sdk(name)
        for make in sites[:10]:  # warm: imports, first-use setup
            sdk.capture(make())
        sdk.flush()
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for make in sites[10:]:
            sdk.capture(make())
        sdk.flush()
        gc.collect()
        after = tracemalloc.take_snapshot()
        kept = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        print(json.dumps({"kept_bytes": kept}))
        return 0
    scenario = SCENARIOS[argv[2]]
    if mode == "warm":  # (SDK ``framecap-noexpr``: framecap with expression values off)
        sdk = make_sdk("framecap", include_expression_values=False) if name == "framecap-noexpr" else make_sdk(name)
        for _ in range(5):
            sdk.capture(scenario())
        sdk.flush()
        gc.collect()  # once, as a program long past its start has (not before each capture: see run.py)
        samples = []
        for _ in range(int(argv[3])):
            error = scenario()
            samples.append(timed(sdk, error))
            del error
        sdk.flush()
        print(json.dumps({"samples": samples}))
        return 0
    if mode == "first":
        error = scenario()
        sdk = make_sdk(name)
        print(json.dumps(timed(sdk, error)))
    elif mode == "newsite":
        fresh = scenario_copy("fresh").SCENARIOS[argv[2]]  # the same code in a file nothing has seen
        sdk = make_sdk(name)
        for make in site_modules(5, prefix=f"site_{name}"):  # a warm process: other sites captured already
            sdk.capture(make())
        for _ in range(3):
            sdk.capture(scenario())
        sdk.flush()
        error = fresh()
        gc.collect()
        print(json.dumps(timed(sdk, error)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
