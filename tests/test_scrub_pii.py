"""Personal identifiers in the formats they are written in: cards with any grouping, embedded PANs,
IBANs of every registered country in any case, SSNs with spaces or dots; hashes and ids stay."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framecap.pii import card_valid, iban_valid, luhn_valid
from framecap.scrub import FILTERED, Scrubber

F = FILTERED


def with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


DINERS = with_check_digit("3056930902590")  # 14 digits
VISA = with_check_digit("453914880343646")


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"Diners {DINERS[:4]} {DINERS[4:8]} {DINERS[8:12]} {DINERS[12:]} ok", f"Diners {F} ok"),
        (f"card {VISA[:4]}.{VISA[4:8]}.{VISA[8:12]}.{VISA[12:]} ok", f"card {F} ok"),
        (f"card {VISA[:4]}  {VISA[4:8]}  {VISA[8:12]}  {VISA[12:]} ok", f"card {F} ok"),
        (f"%B{VISA}^DOE/JOHN^2512", f"%B{F}^DOE/JOHN^2512"),
        (f"PAN{VISA} rejected", f"PAN{F} rejected"),
        (f"order_{VISA}_retry", f"order_{F}_retry"),
        ("ssn 219 09 9999 and 219.09.9999", f"ssn {F} and {F}"),
        ("IBAN GB82-WEST-1234-5698-7654-32", f"IBAN {F}"),
        ("iban gb82west12345698765432 ok", f"iban {F} ok"),
        ("refund to ES91 2100 0418 4502 0005 1332 failed", f"refund to {F} failed"),
    ],
)
def test_personal_identifiers_in_their_written_forms(text, expected):
    assert Scrubber().scrub_text(text) == expected


def test_iban_countries_added_to_the_registry():
    assert iban_valid("RU0204452560040702810412345678901") and iban_valid("LY83002048000020100120361")
    assert iban_valid("SC18SSCB11010000000000001497USD") and iban_valid("IQ98NBIQ850123456789012")


@given(st.text("0123456789abcdef", min_size=32, max_size=64))
def test_digits_inside_hex_are_never_a_card(digest):
    assert Scrubber().scrub_text(f"sha {digest} ok") == f"sha {digest} ok" or not any(c in "abcdef" for c in digest)


def test_card_checks():
    assert card_valid(DINERS) and card_valid(VISA) and not card_valid("44012345678901")
