"""Personal identifiers by their checks: payment cards (issuer prefix, the issuer's lengths, Luhn) and
IBANs (the country's length, mod-97)."""

from __future__ import annotations

import re

__all__ = ["card_valid", "iban_valid", "luhn_valid"]


def luhn_valid(digits: str) -> bool:
    """ISO/IEC 7812 check digit."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if index % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Issuer prefixes (ISO/IEC 7812 IINs as the networks publish them): Visa 4; Mastercard 51-55, 2221-2720;
# Amex 34, 37; Diners 30, 36, 38, 39; JCB 3528-3589; Discover 6011, 644-649, 65; UnionPay 62, 81;
# Maestro 50, 56-69; Mir 2200-2204; RuPay 60, 65, 81, 82, 508; Troy 9792.
_ISSUER = re.compile(r"4|5[0-9]|6|3[0456789]|2(?:2[0-9]|[3-6]|7[0-2])|8[12]|9792")


#: Card number lengths by issuer prefix (the networks' published ranges); the others 16 to 19.
_LENGTHS = (
    (re.compile(r"4"), (13, 16, 19)),  # Visa
    (re.compile(r"3[47]"), (15,)),  # Amex
    (re.compile(r"5[1-5]|2(?:2[2-9]|[3-6]|7[01]|720)"), (16,)),  # Mastercard
    (re.compile(r"3[0689]"), (14, 15, 16, 17, 18, 19)),  # Diners
    (re.compile(r"5[06-9]|6[0-9]"), (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro (and Discover, RuPay, UnionPay)
)


def _length_fits(digits: str) -> bool:
    for prefix, lengths in _LENGTHS:
        if prefix.match(digits):
            return len(digits) in lengths
    return 16 <= len(digits) <= 19


def card_valid(text: str) -> bool:
    """A payment card number of any major issuer (its length fits the issuer), with or without single
    space/dash separators."""
    digits = text.replace(" ", "").replace("-", "").replace(".", "")
    if not digits.isascii() and digits.isdigit():
        digits = "".join(str(int(c)) for c in digits)  # full-width or other decimal digits
    if not 12 <= len(digits) <= 19 or not digits.isdigit() or not _ISSUER.match(digits) or not _length_fits(digits):
        return False
    if len(set(digits)) == 1:  # 0000 0000 0000 0000 and the like are placeholders
        return False
    return luhn_valid(digits)


_IBAN_LENGTHS = {
    **dict.fromkeys(["NO"], 15),
    **dict.fromkeys(["BE"], 16),
    **dict.fromkeys(["DK", "FI", "FO", "GL", "NL"], 18),
    **dict.fromkeys(["MK", "SI"], 19),
    **dict.fromkeys(["AT", "BA", "EE", "KZ", "LT", "LU", "XK"], 20),
    **dict.fromkeys(["CH", "CR", "HR", "LI", "LV"], 21),
    **dict.fromkeys(["BG", "BH", "DE", "GB", "GE", "IE", "ME", "RS", "VA"], 22),
    **dict.fromkeys(["AE", "GI", "IL", "TL"], 23),
    **dict.fromkeys(["AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG"], 24),
    **dict.fromkeys(["PT"], 25),
    **dict.fromkeys(["IS", "TR"], 26),
    **dict.fromkeys(["FR", "GR", "IT", "MC", "MR", "SM"], 27),
    **dict.fromkeys(["AL", "AZ", "BY", "CY", "DO", "GT", "HU", "LB", "PL", "SV"], 28),
    **dict.fromkeys(["BR", "EG", "PS", "QA", "UA"], 29),
    **dict.fromkeys(["JO", "KW", "MU"], 30),
    **dict.fromkeys(["MT"], 31),
    **dict.fromkeys(["LC"], 32),
    # added to the SWIFT IBAN registry since 2020
    **dict.fromkeys(["SD", "FK"], 18),
    **dict.fromkeys(["MN"], 20),
    **dict.fromkeys(["IQ", "OM", "SO"], 23),
    **dict.fromkeys(["LY"], 25),
    **dict.fromkeys(["BI", "DJ"], 27),
    **dict.fromkeys(["NI", "HN"], 28),
    **dict.fromkeys(["YE"], 30),
    **dict.fromkeys(["SC"], 31),
    **dict.fromkeys(["RU"], 33),
}


def iban_valid(text: str) -> bool:
    """ISO 13616: the country's length and the mod-97 check digits."""
    iban = text.replace(" ", "").replace("-", "").upper()
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1
