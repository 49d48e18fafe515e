"""Generated tokens count as random whole (base64url parts joined by ``-``/``_``, mostly-letter draws),
while identifiers built of words do not (issue 10)."""

import base64
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framecap.scrub import FILTERED, Scrubber
from framecap.shapes import credential_shaped

# ``secrets.token_urlsafe`` draws that earlier rules read as words (parts under 8 characters, common pairs)
MISSED_BEFORE = [
    "rlhTeLuxxPuanmnM",
    "3Yan-5I9B-MuvL37",
    "PB7QEW-75_p1Qb3q_Q1mpWlu",
    "Ukv32_7-3dO_HkjQ",
    "vg4s9N-ygreydAb-",
    "1ZVGBNG6_vzofapQ",
    "QlloE-Nn5J40n-6A",
    "igWAYT32FeUJUTRS",
    "GZ8lNRKescdkrORChEqaypSK",
    "K7Ijd_LU43W_NlpvnGiCOHRy",
]


@pytest.mark.parametrize("token", MISSED_BEFORE)
def test_former_misses_are_credential_shaped(token):
    assert credential_shaped(token)


@pytest.mark.parametrize("token", MISSED_BEFORE[:4])
def test_former_misses_are_filtered_under_weak_names(token):
    assert Scrubber().scrub_text(f"retrying with auth={token}") == f"retrying with auth={FILTERED}"


def _miss_rate(nbytes: int, draws: int = 4000) -> float:
    rng = random.Random(nbytes)
    tokens = [base64.urlsafe_b64encode(rng.randbytes(nbytes)).rstrip(b"=").decode() for _ in range(draws)]
    return sum(1 for token in tokens if not credential_shaped(token)) / draws


def test_token_urlsafe_miss_rates_are_bounded():
    assert _miss_rate(12) < 0.02  # 16 characters: 6.6% before, 0.9% after (100,000 draws)
    assert _miss_rate(18) < 0.005  # 24 characters: 1.3% before, 0.13% after


# (words of 4+ letters: ``getGetGet0`` averages under 2.6 characters a camel word, which _random reads as random)
_WORDS = str.split(
    "request response handler client session value cache manager config server user account "
    "message error index buffer string number record object parent child default update create delete "
    "result stream header field table column reader writer parser format"
)


@given(
    st.lists(st.sampled_from(_WORDS), min_size=2, max_size=5),
    st.sampled_from(["camel", "pascal", "snake", "kebab"]),
    st.integers(min_value=0, max_value=99),
)
def test_identifiers_of_words_are_not_credentials(words, style, suffix):
    if style == "snake":
        name = "_".join(words)
    elif style == "kebab":
        name = "-".join(words)
    else:
        name = "".join(w.capitalize() for w in words)
        name = name[0].lower() + name[1:] if style == "camel" else name
    name += str(suffix) if suffix % 3 == 0 else ""
    assert not credential_shaped(name)
