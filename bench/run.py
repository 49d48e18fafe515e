"""Capture cost of framecap against sentry-sdk 2.75.0, both with their real defaults, in the same run.

    python bench/run.py                  # full run, in bench/.venv (made on first use), ~5 minutes
    python bench/run.py --quick          # a smoke run with few repetitions
    python bench/run.py --write-readme   # also put the table into README.md (between its markers)
    python bench/run.py --here           # use this interpreter instead of bench/.venv

Why a dedicated virtualenv: sentry-sdk's first capture reads the metadata of every installed package
(~0.4 ms each), so a crowded environment would flatter framecap. bench/.venv holds framecap (editable),
sentry-sdk==2.75.0 and Flask (for the web-stack scenario) with their dependencies, nothing else.

Rows (framecap's time over sentry's; lower is better, except throughput):
- warm: the same site captured again and again (fresh exceptions, raised outside the clock), each SDK
  in a process of its own (a program has one SDK: one's garbage is not collected in the other's time),
  eight processes each (one of sentry-sdk's processes can run at half the speed of the next), in
  alternating blocks so machine drift falls on both; the garbage collector runs as it would in a
  program;
- first capture in a process: a fresh interpreter per sample (imports and init excluded), SDKs
  alternating;
- new site in a warm process: after captures at other sites, the first capture of the same code in a
  file no capture has seen.
Single captures are timed in process CPU time (``time.process_time``: all threads, so background
work an SDK does during the capture counts), wall time beside it. The table's first line says when,
where (machine, cores, load average at the start and the end) and with which Python it was measured.

``bench/expressions.py`` is the narrower comparison behind the README's "The failing expression"
section: both SDKs sending into memory (no inbox), one exception object captured again and again.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")
MAIN = ("5 frames", "50 frames x 10 locals", "29-frame web stack")
TARGETS = {  # (warm, first, new site), from issue 12
    "5 frames": (0.4, 0.5, 1.2),
    "50 frames x 10 locals": (0.3, 0.5, 1.2),
    "29-frame web stack": (0.5, 0.5, 1.2),
}
OTHER_TARGETS = {"RecursionError": 0.05, "huge locals": 0.02}


def ensure_venv(argv: list[str]) -> None:
    """Re-run this script inside bench/.venv (created on first use) unless --here was given."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        print("bench: creating bench/.venv (framecap, sentry-sdk 2.75.0, Flask)", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([python, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    subprocess.check_call([python, "-m", "pip", "install", "-q", "-e", ROOT, "sentry-sdk==2.75.0", "flask"])
    os.execv(python, [python, os.path.abspath(__file__), *argv])


def warm(names: list[str], scenario: str, reps: int, blocks: int = 8) -> dict[str, tuple[float, float]]:
    """Median (cpu, wall) seconds per capture for each SDK, warm, each in a process of its own (as in a
    program, which has one SDK: the garbage one SDK leaves is not collected in the other's time), in
    alternating blocks so machine drift falls on both. ``framecap-noexpr``: expression values off."""
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    per_block = max(1, reps // blocks)
    env = child_env()
    for block in range(blocks):
        for name in names if block % 2 == 0 else list(reversed(names)):
            out = subprocess.run(
                [sys.executable, os.path.join(HERE, "cold.py"), "warm", name, scenario, str(per_block)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout
            samples[name] += json.loads(out.strip().splitlines()[-1])["samples"]
    return {
        ("framecap" if name.startswith("framecap") else name): (
            statistics.median(s["cpu"] for s in values),
            statistics.median(s["wall"] for s in values),
        )
        for name, values in samples.items()
    }


def child_env() -> dict[str, str]:
    """The environment of the measured interpreters: no SDK configuration, and byte-compiled imports as
    users have them (``.ci/run`` sets PYTHONDONTWRITEBYTECODE, which would make every import compile)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FRAMECAP_", "SENTRY_")) and k != "PYTHONDONTWRITEBYTECODE"
    }


def cold(mode: str, scenario: str, samples: int) -> dict[str, tuple[float, float]]:
    """Median (cpu, wall) of one capture per fresh interpreter, SDKs alternating."""
    found: dict[str, list[dict[str, float]]] = {"framecap": [], "sentry": []}
    env = child_env()
    for i in range(samples):
        for name in ("framecap", "sentry") if i % 2 == 0 else ("sentry", "framecap"):
            out = subprocess.run(
                [sys.executable, os.path.join(HERE, "cold.py"), mode, name, scenario],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout
            found[name].append(json.loads(out.strip().splitlines()[-1]))
    return {
        name: (statistics.median(v["cpu"] for v in values), statistics.median(v["wall"] for v in values))
        for name, values in found.items()
    }


def kept_memory(name: str) -> int:
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "cold.py"), "memory", name],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    ).stdout
    return int(json.loads(out.strip().splitlines()[-1])["kept_bytes"])


def import_ms(module: str, repeat: int) -> float:
    """Cumulative import time of ``module`` (``-X importtime``, byte-compiled), median over fresh interpreters."""
    times = []
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    subprocess.run(command, capture_output=True, check=True, env=child_env())  # writes the bytecode caches
    for _ in range(repeat):
        err = subprocess.run(command, capture_output=True, text=True, check=True, env=child_env()).stderr
        for line in err.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == module:
                times.append(int(parts[1]) / 1000)
    return statistics.median(times)


def threads(sdk: Any, per_thread: int) -> float:
    from scenarios import make_shallow

    errors = [[make_shallow() for _ in range(per_thread)] for _ in range(8)]
    barrier = threading.Barrier(9)

    def work(batch: list[BaseException]) -> None:
        barrier.wait()
        for error in batch:
            sdk.capture(error)

    workers = [threading.Thread(target=work, args=(batch,)) for batch in errors]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    sdk.flush()
    return 8 * per_thread / (time.perf_counter() - start)


def event_size(make: Any, **options: Any) -> int:
    import framecap

    memory = framecap.MemoryTransport()
    framecap.Client(transport=memory, **options).capture_exception(make())
    return len(json.dumps(memory.events[-1], separators=(",", ":")))


def cell(pair: dict[str, tuple[float, float]], target: float | None) -> str:
    (fc, fc_wall), (st, st_wall) = pair["framecap"], pair["sentry"]
    ratio = fc / st if st else float("nan")
    mark = "" if target is None else (" ✓" if ratio <= target else f" ✗ (≤ {target}×)")
    times = f"{fc * 1000:.2f} / {st * 1000:.2f} ms cpu; wall {fc_wall * 1000:.2f} / {st_wall * 1000:.2f}"
    shown = f"{ratio:.3f}" if ratio < 0.1 else f"{ratio:.2f}"  # 0.051 is no "0.05× ✗"
    return f"**{shown}×**{mark} ({times})"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    parser.add_argument("--here", action="store_true", help="run in this interpreter, not bench/.venv")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--write-readme", action="store_true", help="replace the table in README.md")
    ns = parser.parse_args(argv)
    if not ns.here:
        ensure_venv(argv + ["--here"])
    sys.path.insert(0, HERE)
    from scenarios import SCENARIOS
    from sdks import framecap_sdk, sentry_sdk_defaults

    load_at_start = _load()
    scale = 0.1 if ns.quick else 1.0
    fc, st = framecap_sdk(), sentry_sdk_defaults()
    reps = {
        "5 frames": 400,
        "50 frames x 10 locals": 80,
        "29-frame web stack": 200,
        "RecursionError": 16,
        "huge locals": 16,
        "hostile objects": 200,
    }
    # Processes per warm row, per SDK: one process of sentry-sdk's can run at about half the speed of the
    # next for all its captures (seen 18 and 34 ms, 50 frames), so a row's median needs several.
    blocks = 2 if ns.quick else 8
    results: dict[str, Any] = {"warm": {}, "first": {}, "newsite": {}, "off": {}, "size": {}}
    for name, make in SCENARIOS.items():
        n = max(4, int(reps[name] * scale))
        results["warm"][name] = warm(["framecap", "sentry"], name, n, blocks)
        results["size"][name] = event_size(make)
        if name in ("5 frames", "50 frames x 10 locals"):
            results["off"][name] = warm(["framecap-noexpr", "sentry"], name, n, blocks)
    samples = 1 if ns.quick else 7
    for name in MAIN:
        results["first"][name] = cold("first", name, samples)
        results["newsite"][name] = cold("newsite", name, samples)
    per_thread = max(5, int(100 * scale))
    results["threads"] = {"framecap": threads(fc, per_thread), "sentry": threads(st, per_thread)}
    results["memory"] = {"framecap": kept_memory("framecap"), "sentry": kept_memory("sentry")}
    results["import"] = {
        "framecap": import_ms("framecap", 3 if ns.quick else 9),
        "sentry_sdk": import_ms("sentry_sdk", 3 if ns.quick else 9),
    }
    results["load"] = [load_at_start, _load()]
    table = render(results)
    print(table)
    if ns.json:
        with open(ns.json, "w") as handle:
            json.dump(results, handle, indent=2)
    if ns.write_readme:
        write_readme(table)
    return 0


def _load() -> float | None:
    """The one-minute load average (None where the system has none): how busy the machine was."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def render(results: dict[str, Any]) -> str:
    import sentry_sdk

    import framecap

    loads = [load for load in results.get("load", []) if load is not None]
    busy = f", load average {' to '.join(f'{load:.1f}' for load in loads)}" if loads else ""
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()} ({os.cpu_count()} cores{busy}), "
        f"Python {platform.python_version()}, framecap {framecap.__version__}, sentry-sdk {sentry_sdk.VERSION}. "
        "Cells: framecap ÷ sentry-sdk (framecap / sentry-sdk per capture).",
        "",
        "| case | warm (same site) | first capture in a process | new site in a warm process |",
        "|---|---|---|---|",
    ]
    for name in MAIN:
        warm_t, first_t, new_t = TARGETS[name]
        size = results["size"][name] / 1000
        lines.append(
            f"| {name} (event {size:.1f} kB) | {cell(results['warm'][name], warm_t)} | "
            f"{cell(results['first'][name], first_t)} | {cell(results['newsite'][name], new_t)} |"
        )
    for name, pair in results["off"].items():
        lines.append(f"| {name}, expression values off | {cell(pair, None)} | | |")
    lines += ["", "| case | framecap ÷ sentry-sdk |", "|---|---|"]
    for name in ("RecursionError", "huge locals", "hostile objects"):
        size = results["size"][name] / 1000
        lines.append(f"| {name} (event {size:.1f} kB) | {cell(results['warm'][name], OTHER_TARGETS.get(name))} |")
    fc_tp, st_tp = results["threads"]["framecap"], results["threads"]["sentry"]
    mark = " ✓" if fc_tp / st_tp >= 2 else " ✗ (≥ 2×)"
    lines.append(
        f"| 8 threads, 5 frames (captures/s, higher is better) | **{fc_tp / st_tp:.1f}×**{mark} "
        f"({fc_tp:.0f} / {st_tp:.0f} per second) |"
    )
    memory = results["memory"]["framecap"] / 1e6
    lines.append(
        f"| memory kept by caches after 100 distinct sites | {memory:.2f} MB"
        f"{' ✓' if memory <= 2 else ' ✗ (≤ 2 MB)'} (sentry-sdk: {results['memory']['sentry'] / 1e6:.2f} MB) |"
    )
    imp = results["import"]
    lines.append(
        f"| `import framecap` | {imp['framecap']:.1f} ms{' ✓' if imp['framecap'] <= 30 else ' ✗ (≤ 30 ms)'} "
        f"(`import sentry_sdk`: {imp['sentry_sdk']:.1f} ms) |"
    )
    return "\n".join(lines)


def write_readme(table: str) -> None:
    path = os.path.join(ROOT, "README.md")
    with open(path) as handle:
        text = handle.read()
    start_marker, end_marker = "<!-- bench table: python bench/run.py --write-readme -->", "<!-- end of bench table -->"
    start, end = text.index(start_marker) + len(start_marker), text.index(end_marker)
    with open(path, "w") as handle:
        handle.write(text[:start] + "\n" + table + "\n" + text[end:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
