"""The privacy corpora's harness: plant values in real program states, capture the crash, search the event.

A *scenario* is a function ``scenario(plant)`` that builds a realistic program state (settings objects,
dataclasses, environment copies, request bodies, library exceptions...) and crashes. It plants values
through ``plant``: ``plant.secret(cls, value)`` for a secret that must not leave, ``plant.keep(cls,
value)`` for a debugging value that must arrive intact. Values are generated at run time from a seeded
generator (the same for every SDK measured), so no source line holds them unless a scenario writes
them into a module on purpose.

Each scenario is captured once by a pipeline (framecap's, sentry-sdk's) that yields the event before
and after its scrubbing; a secret *leaks* when any 8-character window of it (the whole of a shorter
one) appears in the encoded scrubbed event; a debugging value is *damaged* when the scrubbed event
holds fewer intact copies of it than the unscrubbed one.
"""

from __future__ import annotations

import base64
import functools
import json
import random
import re
import string
import tempfile
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

SECRET, KEEP = "secret", "keep"
_ALNUM = string.ascii_letters + string.digits
_URLSAFE = _ALNUM + "-_"


@dataclass
class Case:
    kind: str  # SECRET or KEEP
    cls: str  # the class of the issue it belongs to
    value: str
    probe: str  # what is searched for (a secret's random part)
    scenario: str = ""


class Plant:
    """Seeded generators for realistic secrets, and the record of what was planted."""

    def __init__(self, name: str, workdir: str) -> None:
        self.name = name
        self.rng = random.Random(name)
        self.cases: list[Case] = []
        self.workdir = workdir

    # -- recording ----------------------------------------------------------------------------
    def secret(self, cls: str, value: str, prefix: int = 0) -> str:
        self.cases.append(Case(SECRET, cls, value, value[prefix:], self.name))
        return value

    def keep(self, cls: str, value: Any) -> Any:
        """A debugging value; a container's items are planted one by one (events hold them one by one)."""
        if isinstance(value, dict):
            for item in value.values():
                self.keep(cls, item)
        elif isinstance(value, (list, tuple, set)) and type(value) in (list, tuple, set):
            for item in value:
                self.keep(cls, item)
        else:
            text = value if isinstance(value, str) else repr(value)
            self.cases.append(Case(KEEP, cls, text, text, self.name))
        return value

    # -- generators -----------------------------------------------------------------------------
    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def alnum(self, n: int) -> str:
        return self.chars(_ALNUM, n)

    def hex(self, n: int) -> str:
        return self.chars("0123456789abcdef", n)

    def urlsafe(self, n: int) -> str:
        return self.chars(_URLSAFE, n)

    def b64(self, n_bytes: int) -> str:
        return base64.b64encode(bytes(self.rng.randrange(256) for _ in range(n_bytes))).decode()

    def password(self) -> str:
        """What people and password managers choose: letters, digits and a few symbols, 10 to 18 long."""
        body = self.chars(_ALNUM, self.rng.randint(8, 15)) + self.chars("!#%*-_.", 1) + self.chars(string.digits, 1)
        return body

    def token(self) -> str:
        """An opaque token as frameworks make them (``secrets.token_urlsafe(32)``)."""
        return self.urlsafe(43)

    def digits(self, n: int) -> str:
        return str(self.rng.randint(1, 9)) + self.chars(string.digits, n - 1)

    def card(self, prefix: str, length: int = 16) -> str:
        body = prefix + self.chars(string.digits, length - len(prefix) - 1)
        total = 0
        for index, char in enumerate(reversed(body)):
            d = int(char)
            if index % 2 == 0:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        return body + str((10 - total % 10) % 10)

    def iban(self, country: str = "DE", length: int = 22) -> str:
        bban = self.chars(string.digits, length - 4)
        number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
        return f"{country}{98 - number % 97:02d}{bban}"

    def ssn(self) -> str:
        return f"{self.rng.randint(100, 665)}-{self.rng.randint(10, 99)}-{self.rng.randint(1000, 9999)}"

    def jwt(self) -> str:
        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        header = part({"alg": "HS256", "typ": "JWT"})
        payload = part({"sub": self.digits(8), "exp": 1893456000, "jti": self.hex(16)})
        return f"{header}.{payload}.{self.urlsafe(43)}"

    def pem(self, cls: str, kind: str = "RSA PRIVATE KEY") -> str:
        """A private key block, planted as a secret (its lines are probed)."""
        lines = [self.b64(48) for _ in range(6)]
        for line in lines:
            self.cases.append(Case(SECRET, cls, line, line, self.name))
        return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----\n"

    def module(self, source: str) -> Any:
        """Write ``source`` as a module file and import it (its lines are what frames show)."""
        import importlib.util
        import sys

        name = "corpus_" + re.sub(r"\W", "_", self.name)
        path = f"{self.workdir}/{name}.py"
        with open(path, "w") as handle:
            handle.write(source)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module


@dataclass
class Scenario:
    name: str
    fn: Callable[[Plant], Any]
    kit: bool = False  # takes the SDK kit (a WSGI wrapper) as second argument


@dataclass
class Registry:
    scenarios: list[Scenario] = field(default_factory=list)

    def __call__(self, fn: Callable[..., Any] | None = None, *, kit: bool = False) -> Any:
        def add(f: Callable[..., Any]) -> Callable[..., Any]:
            self.scenarios.append(Scenario(f.__name__, f, kit))
            return f

        return add(fn) if fn is not None else add


@dataclass
class Outcome:
    case: Case
    present: bool  # in the unscrubbed event
    ok: bool  # secret: absent from the scrubbed event; keep: as many intact copies as before
    where: str = ""


def _windows(probe: str) -> Iterator[str]:
    if len(probe) <= 8:
        yield probe
        return
    for start in range(len(probe) - 7):
        yield probe[start : start + 8]


def _encoded(text: str) -> str:
    return json.dumps(text)[1:-1]


def secret_in(encoded: str, probe: str) -> bool:
    """Whether any 8-character window of ``probe`` (all of a shorter one, as a whole word) is in ``encoded``."""
    if len(probe) < 8:
        pattern = r"(?<![A-Za-z0-9])" + re.escape(_encoded(probe)) + r"(?![A-Za-z0-9])"
        return re.search(pattern, encoded) is not None
    return any(_encoded(window) in encoded for window in _windows(probe))


def judge(case: Case, raw: str, scrubbed: str) -> Outcome:
    if case.kind == SECRET:
        present = secret_in(raw, case.probe)
        return Outcome(case, present, not secret_in(scrubbed, case.probe))
    needle = _encoded(case.probe)
    before, after = raw.count(needle), scrubbed.count(needle)
    return Outcome(case, before > 0, after >= before)


def encode(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True)


# -- pipelines --------------------------------------------------------------------------------------


#: framecap's defaults, but a time budget for executing/pure_eval that a loaded CI machine never exhausts:
#: expression values are then always there to be scrubbed (more exposure, not less).
CORPUS_OPTIONS = {"expression_time_budget": 10.0}


class FramecapKit:
    """Captures with framecap's real pipeline (``framecap.init`` with ``options``), before and after its processors."""

    name = "framecap"

    def __init__(self, **options: Any) -> None:
        import framecap

        self.events: list[dict[str, Any]] = []
        self.raw: list[dict[str, Any]] = []
        from framecap import client

        options = {**CORPUS_OPTIONS, **options}
        self.errors: list[tuple[str, BaseException]] = []
        self._handler = lambda where, error: self.errors.append((where, error))
        client.internal_error_handlers.append(self._handler)
        self.client = framecap.init(transport=self.events.append, install_hooks=False, **options)
        self.client.processors.insert(0, self._snapshot)

    def _snapshot(self, event: dict[str, Any], hint: Any) -> dict[str, Any]:
        self.raw.append(json.loads(json.dumps(event)))
        return event

    def wsgi(self, app: Any) -> Any:
        from framecap.integrations.wsgi import FramecapWSGIMiddleware

        return FramecapWSGIMiddleware(app)

    def capture(self, scenario: Scenario, plant: Plant) -> tuple[dict[str, Any], dict[str, Any]]:
        import framecap
        from framecap import scope

        del self.events[:], self.raw[:]
        with scope.isolated():
            try:
                scenario.fn(plant, self) if scenario.kit else scenario.fn(plant)
            except BaseException as error:  # noqa: B036  (scenarios raise anything, SystemExit included)
                framecap.capture_exception(error)
        if self.errors:
            where, error = self.errors[0]
            raise AssertionError(f"framecap failed in {where} on scenario {scenario.name}") from error
        return self.raw[-1], self.events[-1]

    def close(self) -> None:
        import framecap
        from framecap import client

        framecap.uninstall_hooks()
        client.set_current(None)
        if self._handler in client.internal_error_handlers:
            client.internal_error_handlers.remove(self._handler)


def crash_at(locations: list[tuple[str, int]]) -> None:
    """Raise from a chain of frames, one at each ``(file, line)`` of a real source file.

    Each frame runs code compiled under that file's name, so the frame shows that file's real lines
    around that line (as any frame in that library would), without running the library.
    """

    template = compile("lambda: _next()", "<corpus>", "eval").co_consts[0]

    def frame(index: int) -> None:
        if index == len(locations):
            raise LookupError("end of the chain")
        filename, lineno = locations[index]
        code = template.replace(co_filename=filename, co_firstlineno=lineno)
        # a function frame at that line (a module frame would have executing parse the whole file)
        types.FunctionType(code, {"_next": functools.partial(frame, index + 1), "__name__": "corpus_frame"})()

    frame(0)


def run(kit: Any, scenarios: list[Scenario], workdir: str | None = None) -> list[Outcome]:
    """Every scenario through ``kit``; one outcome per planted value."""
    outcomes: list[Outcome] = []
    workdir = workdir or tempfile.mkdtemp(prefix="framecap-corpus-")
    for scenario in scenarios:
        plant = Plant(scenario.name, workdir)
        raw, event = kit.capture(scenario, plant)
        raw_text, text = encode(raw), encode(event)
        outcomes += [judge(case, raw_text, text) for case in plant.cases]
    return outcomes


def relay_config(ip_addresses: bool = True) -> Any:
    """Sentry's default server-side data scrubbing (Relay), as a project gets it by default."""
    from sentry_relay.processing import convert_datascrubbing_config

    return convert_datascrubbing_config(
        {
            "scrubData": True,
            "scrubDefaults": True,
            "scrubIpAddresses": ip_addresses,
            "sensitiveFields": [],
            "excludeFields": [],
        }
    )


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Recall over secrets present in the unscrubbed events; precision over debugging values present."""
    secrets = [o for o in outcomes if o.case.kind == SECRET and o.present]
    keeps = [o for o in outcomes if o.case.kind == KEEP and o.present]
    caught = sum(o.ok for o in secrets)
    kept = sum(o.ok for o in keeps)
    return {
        "secrets": len(secrets),
        "caught": caught,
        "recall": caught / len(secrets) if secrets else 1.0,
        "values": len(keeps),
        "kept": kept,
        "precision": kept / len(keeps) if keeps else 1.0,
        "leaks": sorted({(o.case.scenario, o.case.cls) for o in secrets if not o.ok}),
        "damaged": [(o.case.scenario, o.case.cls, o.case.value[:80]) for o in keeps if not o.ok],
    }
