"""A pydantic secret held inside a model the frame holds (the model, not the field; nested models, lists and
dicts of them): what it hides is filtered wherever the event repeats it (issue 10, class 1). The walk reads
instance dicts only, within caps, and never runs the model's code."""

import json
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framecap.scrub import FILTERED
from framecap.serialize_kinds import MAX_REVEALED, reveal_secret
from tests.helpers import capture_call, frames_of

pydantic = pytest.importorskip("pydantic")
from pydantic import BaseModel, SecretBytes, SecretStr  # noqa: E402


class Signing(BaseModel):
    signing: SecretStr
    note: str = "rotating weekly"


class Settings(BaseModel):
    name: str
    inner: Signing
    history: list[Signing] = []
    by_region: dict[str, Signing] = {}
    blob: Optional[SecretBytes] = None


chosen = st.text(
    st.sampled_from("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"), min_size=10, max_size=40
).filter(lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s))


def _encoded(memory, settings_of, secret: str) -> str:
    def verify(cfg, raw):
        label = f"signing with {raw} for {cfg.name}"
        raise ValueError(f"bad signature ({label})")

    cfg = settings_of(secret)
    return json.dumps(capture_call(memory, verify, cfg, secret))


WHERE = {
    "field of the model": lambda s: Settings(name="eu", inner=Signing(signing=s)),
    "model in a list": lambda s: Settings(name="eu", inner=Signing(signing="x"), history=[Signing(signing=s)]),
    "model in a dict": lambda s: Settings(name="eu", inner=Signing(signing="x"), by_region={"eu": Signing(signing=s)}),
    "secret bytes": lambda s: Settings(name="eu", inner=Signing(signing="x"), blob=s.encode()),
    "list of models held": lambda s: [Signing(signing="x"), Signing(signing=s)],
}


@pytest.mark.parametrize("where", sorted(WHERE))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=chosen)
def test_a_secret_inside_a_model_is_filtered_wherever_it_is_echoed(memory, where, secret):
    encoded = _encoded(memory, WHERE[where], secret)
    assert secret not in encoded
    assert "**********" in encoded and FILTERED in encoded


def test_the_models_ordinary_fields_stay(memory):
    def verify(cfg, region):
        raise ValueError(f"no key for {region}")

    event = capture_call(memory, verify, Settings(name="eu-west", inner=Signing(signing="Winter2025!Promo")), "eu-west")
    assert event["exception"]["values"][-1]["value"] == "no key for eu-west"
    assert frames_of(event)[-1]["vars"]["region"] == "'eu-west'"


def test_the_walk_runs_no_model_code_and_is_bounded():
    calls = []

    class Loud(BaseModel):
        secret: SecretStr

        @property
        def computed(self):  # never read: only the instance dict is
            calls.append("property")
            return "x"

    class Deep(BaseModel):
        child: Optional["Deep"] = None
        secret: Optional[SecretStr] = None

    deep = Deep(secret="level0-secret")
    for level in range(1, 10):
        deep = Deep(child=deep, secret=f"level{level}-secret")
    found: list[str] = []
    reveal_secret(deep, Deep, found)
    assert sorted(found) == [f"level{level}-secret" for level in range(6, 10)]  # within _MODEL_DEPTH levels
    found = []
    many = [Loud(secret=f"secret-{i}") for i in range(40)]
    reveal_secret(many, list, found)  # (a list is the serializer's to walk: nothing)
    assert found == []

    class Holder(BaseModel):
        items: list[Loud]

    reveal_secret(Holder(items=many), Holder, found)
    assert len(found) == MAX_REVEALED and calls == []


def test_a_dataclass_holding_a_secret_is_searched_and_a_dict_property_never_read(memory):
    import dataclasses

    @dataclasses.dataclass
    class Config:
        region: str
        signing: SecretStr

    secret = "Winter2025!Promo"
    encoded = _encoded(memory, lambda s: Config("eu", SecretStr(s)), secret)
    assert secret not in encoded and FILTERED in encoded

    @dataclasses.dataclass
    class Sneaky:
        secret: SecretStr
        __dict__ = property(lambda self: calls.append("read") or {"secret": SecretStr("x")})  # type: ignore

    calls: list[str] = []
    found: list[str] = []
    reveal_secret(Sneaky(SecretStr("abc123secret")), Sneaky, found)
    assert found == [] and calls == []


@pytest.mark.parametrize("kind", ["exception", "message"])
def test_a_secret_in_scope_data_is_filtered_wherever_it_is_echoed(memory, kind):
    import framecap

    secret = "Winter2025!Promo"
    framecap.set_extra("settings", Settings(name="eu", inner=Signing(signing=secret)))
    framecap.set_context("signer", {"current": Signing(signing=secret)})
    if kind == "message":
        framecap.capture_message(f"signing with {secret} failed")
    else:
        capture_call(memory, lambda raw: int(raw), secret)
    encoded = json.dumps(memory.events[-1])
    assert secret not in encoded and FILTERED in encoded and "**********" in encoded
