"""Value rules: documented provider prefixes are found, and look-alikes (ids, versions, addresses, dotted
names, messages naming a key format, placeholders) are left alone."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framecap.scrub import FILTERED, Scrubber
from framecap.secrets import card_valid

F = FILTERED
HEX = "9f3c7a1e5b2d8c4f6a0e1d2c3b4a5f6e"


@pytest.mark.parametrize(
    "token",
    [
        "shpat_" + HEX,
        "dop_v1_" + HEX * 2,
        "hvs.CAESIJ8x2Lm4Qp7Rt9Vw3Zy6Bn1Kc5Hd0Fg2Js8Ae4Ui7OoPl",
        "lin_api_" + "Q7f2LkW9xPz4Rt8Vb1Nc6Hd5Fg0Js3Ae8Ui2Oy4Z",
        "ntn_" + "Q7f2LkW9xPz4Rt8Vb1Nc6Hd5Fg0Js3Ae8Ui2Oy4Zr6Km",
        "sntryu_" + HEX * 2,
        "glsa_" + "Q7f2LkW9xPz4Rt8Vb1Nc6Hd5Fg0Js3Ae_" + HEX[:8],
        "PMAK-" + HEX[:24] + "-" + HEX + "ab",
        "dapi" + HEX,
        HEX + "-us12",
        "pul-" + HEX + "01234567",
        "sbp_" + HEX + "01234567",
        "r8_" + "Q7f2LkW9xPz4Rt8Vb1Nc6Hd5Fg0Js3Ae8Ui2O",
        "LTAI5tQ7f2LkW9xPz4Rt8V",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCY9zKq2Lm4Vx",  # an AWS secret access key, no name
    ],
)
def test_documented_prefixes_are_filtered_without_a_name(token):
    assert Scrubber().scrub_text(f"upstream replied with {token} (retrying)") == f"upstream replied with {F} (retrying)"


def test_a_base64_private_key_is_filtered_and_a_base64_certificate_kept():
    key = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n").decode()
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ7f2LkW9xPz4Rt8Vb1Nc\n").decode()
    assert Scrubber().scrub_text(f"data={key}") == f"data={F}"
    assert Scrubber().scrub_text(f"ca={cert}") == f"ca={cert}"


@pytest.mark.parametrize(
    "text",
    [
        "Order 44012345678901 not found",  # a Visa-prefixed, Luhn-valid id of 14 digits: no Visa length
        "bound to 100.101.102.103:8080 (tailscale0)",  # carrier-grade NAT (RFC 6598)
        "Upgrading msodbcsql18 to 18.3.2.1",
        "NotificationServiceHandler.config.send_notification_email_to_all failed",
        "Expected a PEM file beginning with -----BEGIN PRIVATE KEY----- but found -----BEGIN CERTIFICATE-----",
        "AccountKey=<redacted> in the template",
        "Secret=None",
        "token_type=bearer expires_in=3600",
    ],
)
def test_look_alikes_are_kept(text):
    assert Scrubber().scrub_text(text) == text


def test_card_lengths_follow_the_issuer():
    assert card_valid("4111111111111111") and card_valid("378282246310005") and card_valid("36227206271667")
    assert not card_valid("44012345678901")  # Visa has no 14-digit numbers
    assert not card_valid("5105105105105100"[:15])


def test_discord_tokens_start_with_a_base64_user_id():
    user = base64.b64encode(b"198622483471925248").decode()
    token = f"{user}.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    assert Scrubber().scrub_text(f"bot {token} rejected") == f"bot {F} rejected"


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh0123456789 .-\n", max_size=200))
def test_a_private_key_header_never_swallows_more_than_its_base64_body(tail):
    text = f"-----BEGIN PRIVATE KEY----- {tail} ~ the rest"
    assert Scrubber().scrub_text(text).endswith("~ the rest")


@pytest.mark.parametrize(
    "token",
    ["ZbxijsbEObEeWYLBfEIMGgiI", "mxyHugAwiKect0ZPIuAtuwru", "aGHDbcDdyskIjtxKDROhckIv", "MIDCISLCMiWSvRtWigiiUTSQ"],
)
def test_a_token_after_a_scheme_word_is_filtered_even_without_digits(token):
    # Random letters can read as a word to the shape test; after "Bearer" they are a credential.
    assert token not in Scrubber().scrub_text(f"cannot reach postgres with Bearer {token} (timeout)")


@pytest.mark.parametrize(
    "text", ["use a Bearer token", "token ExpiredSignatureError raised", "Token XMLHttpRequestHandler failed"]
)
def test_words_and_class_names_after_a_scheme_word_are_kept(text):
    assert Scrubber().scrub_text(text) == text
