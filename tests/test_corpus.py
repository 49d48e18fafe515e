"""The privacy corpora through framecap's real pipeline: every planted secret stays home, debugging values arrive.

``bench/privacy.py`` runs the same corpora through sentry-sdk and Sentry's server-side scrubbing for the
README's table; this test holds framecap to its targets.
"""

import json

import corpus_debug
import corpus_secrets
import privacy_corpus as pc
import pytest

from conftest import relay_errors

pytestmark = pytest.mark.slow  # some 700 planted values captured once per run (seconds)

#: Cuts inside a secret are the serializer's to fix (scrub first, then cut): counted, not asserted here.
SERIALIZER_CLASSES = {"truncation"}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    kit = pc.FramecapKit()  # raises on any internal error framecap contains
    workdir = str(tmp_path_factory.mktemp("corpus"))
    events = []
    try:
        results = {}
        for name, module in (("secrets", corpus_secrets), ("debug", corpus_debug)):
            outcomes = []
            for scenario in module.scenario.scenarios:
                plant = pc.Plant(scenario.name, workdir)
                raw, event = kit.capture(scenario, plant)
                events.append((scenario.name, raw, event))
                raw_text, text = pc.encode(raw), pc.encode(event)
                outcomes += [pc.judge(case, raw_text, text) for case in plant.cases]
            results[name] = outcomes
    finally:
        kit.close()
    results["events"] = events
    return results


def test_the_corpora_are_large_and_every_planted_value_reaches_the_unscrubbed_event(corpora):
    secrets = [o for o in corpora["secrets"] if o.case.cls not in SERIALIZER_CLASSES]
    values = corpora["debug"]
    assert len(secrets) >= 220 and len(values) >= 450
    assert {o.case.cls for o in secrets} == {
        "names",
        "expression",
        "source",
        "url",
        "provider",
        "pii",
        "library",
        "echo",
        "request",
    }
    missing = [(o.case.scenario, o.case.value[:40]) for o in secrets + values if not o.present]
    assert missing == [], f"planted where framecap does not look: the corpus would test nothing: {missing}"


def test_no_planted_secret_leaves(corpora):
    leaked = [
        (o.case.scenario, o.case.cls, o.case.value[:12] + "...")
        for o in corpora["secrets"]
        if o.case.cls not in SERIALIZER_CLASSES and not o.ok
    ]
    assert leaked == []


def test_no_secret_leaves_through_a_cut(corpora):
    """A value cut at max_value_length whose cut falls inside a secret: scrubbed before it is cut."""
    assert all(o.ok for o in corpora["secrets"] if o.case.cls in SERIALIZER_CLASSES)


def test_debugging_values_arrive_intact(corpora):
    outcomes = corpora["debug"]
    damaged = [(o.case.scenario, o.case.value) for o in outcomes if not o.ok]
    assert len(damaged) <= len(outcomes) / 20, damaged
    # Only library source lines that hold credential-shaped examples may lose a literal (docstring examples
    # such as ``User(username='scolvin', password='password1')`` look like code that holds a password).
    assert [d for d in damaged if not d[0].startswith("library_source_lines")] == []
    assert len(damaged) <= 4, damaged


def test_sentrys_server_catches_no_secret_we_miss_and_accepts_every_event(corpora):
    """Parity with Sentry's server: what its default scrubbing removes from our unscrubbed events, we removed."""
    from sentry_relay.processing import pii_strip_event

    config = pc.relay_config(ip_addresses=True)
    secrets_by_scenario = {}
    for outcome in corpora["secrets"]:
        secrets_by_scenario.setdefault(outcome.case.scenario, []).append(outcome)
    relay_only = []
    for name, raw, event in corpora["events"]:
        assert relay_errors(event) == [], name
        if name not in secrets_by_scenario:
            continue
        relay_text = pc.encode(pii_strip_event(config, json.loads(json.dumps(raw))))
        for outcome in secrets_by_scenario[name]:
            if outcome.present and not pc.secret_in(relay_text, outcome.case.probe) and not outcome.ok:
                relay_only.append((name, outcome.case.cls))
    assert relay_only == []
