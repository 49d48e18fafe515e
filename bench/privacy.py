"""What the privacy layers catch and what they destroy, on framecap's corpora; and what scrubbing costs.

    python bench/privacy.py                      # the table (about a minute)
    python bench/privacy.py --baseline d1a617d   # also the cost of the scrubber at that git revision
    python bench/privacy.py --readme             # rewrite the README's table with this run's numbers

The corpora are ``tests/corpus_secrets.py`` (secrets where real programs hold them) and
``tests/corpus_debug.py`` (debugging values that must arrive intact), run through:

- framecap with its defaults (the time budget for expression values raised so a loaded machine never
  cuts them: more exposure, not less);
- sentry-sdk 2.75.0 with its defaults (``send_default_pii=False``, its client-side ``EventScrubber``;
  its unscrubbed event is what its scrubber was handed);
- Sentry's server: Relay's default data scrubbing (``pii_strip_event`` with the settings a new project
  has: defaults on, IP addresses scrubbed) over sentry-sdk's events, i.e. what a Sentry server stores.

*Recall*: secrets present in a pipeline's unscrubbed event that no 8-character window of survives;
*precision*: debugging values present there that arrive with as many intact copies. The cost rows time
``Scrubber(event)`` alone (process CPU time, median of alternating runs) on the events of
``bench/scenarios.py``'s 5- and 50-frame scenarios, warm (the same scrubber again) and first (a new scrubber,
empty caches), and judging one name never seen before.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STDLIB = sysconfig.get_paths()["stdlib"]
sys.path[:0] = [os.path.join(ROOT, "tests"), os.path.join(ROOT, "bench"), ROOT]

import corpus_debug  # noqa: E402
import corpus_secrets  # noqa: E402
import privacy_corpus as pc  # noqa: E402

import framecap  # noqa: E402
from framecap.scrub import Scrubber  # noqa: E402


class SentryKit:
    """sentry-sdk with its defaults; its EventScrubber keeps a copy of what it was handed."""

    name = "sentry-sdk"

    def __init__(self) -> None:
        import sentry_sdk
        from sentry_sdk.scrubber import EventScrubber
        from sentry_sdk.transport import Transport

        kit = self
        self.raw: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

        class Keep(Transport):
            def capture_envelope(self, envelope: Any) -> None:
                for item in envelope.items:
                    if item.type == "event":
                        kit.events.append(json.loads(item.payload.get_bytes()))

        class Snapshot(EventScrubber):
            def scrub_event(self, event: Any) -> None:
                kit.raw.append(json.loads(json.dumps(event, default=str)))
                super().scrub_event(event)

        sentry_sdk.init(
            dsn="https://public@sentry.invalid/1",
            transport=Keep,
            send_default_pii=False,
            auto_enabling_integrations=False,
            event_scrubber=Snapshot(),
        )
        self.sdk = sentry_sdk

    def wsgi(self, app: Any) -> Any:
        from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware

        return SentryWsgiMiddleware(app)

    def capture(self, scenario: pc.Scenario, plant: pc.Plant) -> tuple[dict[str, Any], dict[str, Any]]:
        del self.raw[:], self.events[:]
        with self.sdk.isolation_scope():
            try:
                scenario.fn(plant, self) if scenario.kit else scenario.fn(plant)
            except BaseException as error:  # noqa: B036
                self.sdk.capture_exception(error)
        self.sdk.flush()
        return self.raw[-1], self.events[-1]

    def close(self) -> None:
        self.sdk.get_client().close()


def relay(event: dict[str, Any]) -> dict[str, Any]:
    from sentry_relay.processing import pii_strip_event

    return pii_strip_event(pc.relay_config(ip_addresses=True), copy.deepcopy(event))  # type: ignore[no-any-return]


def measure(kit: Any, server: bool = False) -> dict[str, Any]:
    """Outcomes for both corpora through ``kit`` (then Relay when ``server``)."""
    workdir = tempfile.mkdtemp(prefix="framecap-corpus-")
    outcomes = []
    for scenario in corpus_secrets.scenario.scenarios + corpus_debug.scenario.scenarios:
        plant = pc.Plant(scenario.name, workdir)
        raw, event = kit.capture(scenario, plant)
        if server:
            event = relay(event)
        raw_text, text = pc.encode(raw), pc.encode(event)
        outcomes += [pc.judge(case, raw_text, text) for case in plant.cases]
    return {"summary": pc.summary(outcomes), "outcomes": outcomes}


def by_class(outcomes: list[pc.Outcome], kind: str) -> dict[str, tuple[int, int]]:
    classes: dict[str, list[int]] = {}
    for o in outcomes:
        if o.case.kind == kind and o.present:
            counts = classes.setdefault(o.case.cls, [0, 0])
            counts[0] += o.ok
            counts[1] += 1
    return {cls: (ok, total) for cls, (ok, total) in sorted(classes.items())}


def corpus_table() -> str:
    framecap_kit = pc.FramecapKit()
    results = {"framecap": measure(framecap_kit)}
    framecap_kit.close()
    sentry = SentryKit()
    results["sentry-sdk 2.75.0"] = measure(sentry)
    results["sentry-sdk 2.75.0 + Sentry's server (Relay)"] = measure(sentry, server=True)
    sentry.close()
    lines = [
        "| pipeline | secrets caught (recall) | debugging values kept (precision) |",
        "|---|---|---|",
    ]
    for name, result in results.items():
        s = result["summary"]
        lines.append(
            f"| {name} | {s['caught']}/{s['secrets']} ({s['recall']:.1%}) | {s['kept']}/{s['values']} "
            f"({s['precision']:.1%}) |"
        )
    classes = sorted({o.case.cls for r in results.values() for o in r["outcomes"] if o.case.kind == pc.SECRET})
    lines += ["", "| secrets caught, by class | " + " | ".join(results) + " |", "|---" * (len(results) + 1) + "|"]
    for cls in classes:
        cells = []
        for result in results.values():
            ok, total = by_class(result["outcomes"], pc.SECRET).get(cls, (0, 0))
            cells.append(f"{ok}/{total}" if total else "-")
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    classes = sorted({o.case.cls for r in results.values() for o in r["outcomes"] if o.case.kind == pc.KEEP})
    lines += [
        "",
        "| debugging values kept, by class | " + " | ".join(results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]
    for cls in classes:
        cells = []
        for result in results.values():
            ok, total = by_class(result["outcomes"], pc.KEEP).get(cls, (0, 0))
            cells.append(f"{ok}/{total}" if total else "-")
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    leaks = results["framecap"]["summary"]["leaks"]
    damaged = results["framecap"]["summary"]["damaged"]
    print("framecap leaks:", leaks, file=sys.stderr)
    print("framecap damaged:", damaged, file=sys.stderr)
    return "\n".join(lines)


# -- cost ---------------------------------------------------------------------------------------------


def baseline_scrubber(revision: str) -> Any:
    """The ``Scrubber`` of the ``framecap`` package as it was at ``revision``, imported under another name."""
    target = tempfile.mkdtemp()
    name = "framecap_" + re.sub(r"\W", "_", revision)
    archive = subprocess.run(["git", "archive", revision, "framecap"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    os.rename(os.path.join(target, "framecap"), os.path.join(target, name))
    sys.path.insert(0, target)
    try:
        return importlib.import_module(f"{name}.scrub").Scrubber
    finally:
        sys.path.remove(target)


def unscrubbed_event(scenario: Any) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    client = framecap.Client(transport=events.append, install_hooks=False)
    client.processors = []
    client.capture_exception(scenario())
    client.close()
    return events[0]


def cpu_ms(make: Any, text: str, fresh: bool) -> float:
    scrubber = make()
    scrubber(json.loads(text))
    event = json.loads(text)
    if fresh:
        scrubber = make()
    start = time.process_time()
    scrubber(event)
    return (time.process_time() - start) * 1000


def cost_table(revision: str | None) -> str:
    import scenarios

    makers = {"framecap": Scrubber}
    if revision:
        makers[f"before ({revision})"] = baseline_scrubber(revision)
    lines = ["| scrubbing one event (CPU) | " + " | ".join(makers) + " |", "|---" * (len(makers) + 1) + "|"]
    for label, scenario in (("5 frames", scenarios.make_shallow), ("50 frames x 10 locals", scenarios.make_fifty)):
        text = json.dumps(unscrubbed_event(scenario))
        for fresh in (False, True):
            times: dict[str, list[float]] = {name: [] for name in makers}
            for _ in range(40 if fresh else 120):
                for name, make in makers.items():
                    times[name].append(cpu_ms(make, text, fresh))
            row = " | ".join(f"{statistics.median(v):.3f} ms" for v in times.values())
            lines.append(f"| {label}, {'first (new scrubber)' if fresh else 'warm'} | {row} |")
    names = sorted(
        {
            name
            for module in ("inspect", "argparse", "http/client", "smtplib", "tokenize", "logging/__init__")
            for name in re.findall(r"\b[A-Za-z_][A-Za-z0-9_]{2,}\b", Path(STDLIB, f"{module}.py").read_text())
        }
    )
    row = []
    for make in makers.values():
        per = []
        for _ in range(5):
            judge = make().sensitive
            start = time.process_time()
            for word in names:
                judge(word)
            per.append((time.process_time() - start) / len(names) * 1e6)
        row.append(f"{min(per):.1f} µs")
    lines.append(f"| judging a name never seen before (mean of {len(names)} stdlib names) | " + " | ".join(row) + " |")
    return "\n".join(lines)


def write_readme(table: str) -> None:
    path = os.path.join(ROOT, "README.md")
    with open(path) as handle:
        text = handle.read()
    start, end = "<!-- privacy numbers: bench/privacy.py --readme -->", "<!-- end of privacy numbers -->"
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    with open(path, "w") as handle:
        handle.write(before + start + "\n" + table + "\n" + end + after)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="git revision whose scrubber to time beside this one")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's numbers")
    parser.add_argument("--no-corpus", action="store_true", help="cost rows only")
    args = parser.parse_args()
    parts = []
    if not args.no_corpus:
        parts.append(corpus_table())
    parts.append(cost_table(args.baseline))
    stamp = time.strftime("%Y-%m-%d")
    table = "\n\n".join(parts) + f"\n\n{stamp}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs."
    print(table)
    if args.readme:
        write_readme(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
