"""Evidence before filtering: echoes only of strongly evidenced secrets, a shape test that knows structure,
names that describe a secret rather than hold it, and values that point at a secret rather than hold it."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framecap.names import STRONG, Names
from framecap.scrub import FILTERED, Scrubber
from framecap.shapes import credential_shaped, passphrase, random_length, reference

F = FILTERED


def frame_event(variables, context_line="    x()", value="boom", pre_context=None):
    frame = {"function": "f", "filename": "a.py", "context_line": context_line, "vars": variables}
    if pre_context is not None:
        frame["pre_context"] = pre_context
    event = {"exception": {"values": [{"type": "E", "value": value, "stacktrace": {"frames": [frame]}}]}}
    return event, frame


# -- echoes -----------------------------------------------------------------------------------------


def test_a_weak_names_structured_value_is_neither_filtered_nor_spread():
    key = "media/9c1e7a4b2f/invoice_2025.pdf"
    event, frame = frame_event(
        {"Key": f"'{key}'", "url": f"'http://127.0.0.1:9000/shop/{key}'"},
        context_line=f'    s3.put_object(Bucket="shop", Key="{key}")',
        value=f'Could not connect to the endpoint URL: "http://127.0.0.1:9000/shop/{key}"',
    )
    Scrubber()(event)
    assert json.dumps(event).count(key) == 4 and "_meta" not in event


def test_short_and_numeric_secrets_are_filtered_but_not_searched_for():
    event, frame = frame_event(
        {
            "pin": "'1987'",
            "otp": "'730215'",
            "born": "'1987-03-14T08:30:00Z'",
            "note": "'parcel 730215 delivered'",
        },
        value="card PIN rejected after 1987 attempts",
    )
    Scrubber()(event)
    assert frame["vars"] == {
        "pin": "'[Filtered]'",
        "otp": "'[Filtered]'",
        "born": "'1987-03-14T08:30:00Z'",
        "note": "'parcel 730215 delivered'",
    }
    assert event["exception"]["values"][0]["value"] == "card PIN rejected after 1987 attempts"


def test_a_password_without_random_parts_is_found_again_only_whole():
    event, frame = frame_event(
        {"password": "'Winter2025!Promo'", "banner": "'Winter2025 campaign'", "echo": "'retry Winter2025!Promo now'"},
        value="login failed with Winter2025!Promo",
    )
    Scrubber()(event)
    assert frame["vars"]["banner"] == "'Winter2025 campaign'"
    assert frame["vars"]["echo"] == "'retry [Filtered] now'"
    assert event["exception"]["values"][0]["value"] == "login failed with [Filtered]"


@pytest.mark.parametrize("phrase", ["purple-monkey-dishwasher-orbit", "violet walrus juggling lanterns"])
def test_a_strong_names_passphrase_is_found_again(phrase):
    event, frame = frame_event({"passphrase": repr(phrase)}, value=f"keyring rejected {phrase!r}")
    Scrubber()(event)
    assert phrase not in json.dumps(event)


def test_a_weak_names_value_echoes_only_when_random():
    token = "Xq7Lm2Pz9Rt4Vw8Kb3Nc6Hd5"
    event, frame = frame_event(
        {"auth_header_token": f"'{token}'", "key": "'orders:eu:v2'", "line": "'cache miss orders:eu:v2'"},
        value=f"upstream rejected {token[:16]}...",
    )
    Scrubber()(event)
    assert frame["vars"]["key"] == "'orders:eu:v2'" and frame["vars"]["line"] == "'cache miss orders:eu:v2'"
    assert event["exception"]["values"][0]["value"] == "upstream rejected [Filtered]..."


def test_a_shared_public_prefix_is_no_copy():
    import base64

    public = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n")
    private = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n")
    event, frame = frame_event({"client_certificate": repr(public.decode()), "private_key": repr(private.decode())})
    Scrubber()(event)
    assert frame["vars"] == {"client_certificate": repr(public.decode()), "private_key": "'[Filtered]'"}


def test_echoes_change_literals_and_comments_never_code():
    secret = "Rk4Tz8Wq2Lp6Mv9Xc3Bn"
    event, frame = frame_event(
        {"api_secret": f"'{secret}'"},
        context_line=f'    handlers["{secret}"] = route_{secret}  # {secret}',
    )
    Scrubber()(event)
    assert frame["context_line"] == f'    handlers["[Filtered]"] = route_{secret}  # [Filtered]'


# -- the shape test ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "shipping_line2",
        "orders:eu:42:v3",
        "alt+shift+k",
        "avatars/7f3a9c2e1b/profile_v3.webp",
        "render_v2",
        "mp4_h265_main",
        "2025-01-31T23:59:59+01:00",
        "eyJMYXN0RXZhbHVhdGVkS2V5Ijp7fX0=",
        "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shop/db-Zx81Qa",
        "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
        "SM9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "updatedByUserId",
        "refresh_in=1800",
        "x86_64-linux-gnu",
    ],
)
def test_structured_values_are_not_credential_shaped(text):
    assert not credential_shaped(text)


@pytest.mark.parametrize(
    "text",
    [
        "Pq8Ls2Dk9Wm4Zr7Tx3Vb",
        "8d3f1c7b9e2a4f6d0c5b8a7e9f1d3c2b",
        "Gh5_kLp2-Qr8sTv4Wx7yZb1cDe3fGh6jKm9nPq2rSt",
        "t6Yh1+Qw3/Rt5Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb=",
        "/9Rk2Lm5Np8Qs1Tu4Wx7Yz0Ab3Cd6Ef9Gh2Jk5",
        "K3QZ-7TXM-9P2W-R5VN",
        "Qm7vXt2Lp&9sWk4R",
        "0c7e2f9a-4b1d-4e3a-9f6c-2d8b7a1e5c40",
        "b'\\x9a\\x01\\xfe\\x7f\\x10\\xc4\\x88\\x00\\x13\\xab'",
    ],
)
def test_random_values_are_credential_shaped(text):
    assert credential_shaped(text)


def test_random_length_and_passphrases():
    assert random_length("orders:eu:v2") == 0 and random_length("id-Pq8Ls2Dk9Wm4") == 12
    assert passphrase("violet walrus juggling lanterns") and not passphrase("Winter2025!Promo")


@pytest.mark.parametrize(
    "text, points",
    [
        ("/run/secrets/gcp/service-account.json", True),
        ("~/.aws/credentials", True),
        ("https://vault.internal:8200/v1/kv/shop", True),
        ("arn:aws:secretsmanager:eu-west-1:210987654321:secret:shop/db", True),
        ("STRIPE_SECRET_KEY", True),
        ("stripe_secret_key", True),
        ("StripeSecretKey", True),
        ("hunter2", False),
        ("Winter2025!Promo", False),
        ("/Rk4Tz8Wq2Lp6Mv9Xc3BnYh7", False),
    ],
)
def test_references_point_at_secrets(text, points):
    assert reference(text) is points


# -- names and what they hold --------------------------------------------------------------------------


def test_strong_names_that_hold_references_filter_nothing():
    event, frame = frame_event(
        {
            "pwd": "'/srv/app/current'",
            "GOOGLE_APPLICATION_CREDENTIALS": "'/run/secrets/gcp/sa.json'",
            "SECRET_KEY": "'DJANGO_SECRET_KEY'",
            "password": "'Hk3!x'",
            "SecretId": "'shop/prod/db'",
            "secret_id": "'6f1d2c3b-4a5e-4f60-9b7a-8c9d0e1f2a3b'",
        },
        value="[Errno 2] No such file or directory: '/run/secrets/gcp/sa.json'",
    )
    Scrubber()(event)
    assert frame["vars"] == {
        "pwd": "'/srv/app/current'",
        "GOOGLE_APPLICATION_CREDENTIALS": "'/run/secrets/gcp/sa.json'",
        "SECRET_KEY": "'DJANGO_SECRET_KEY'",
        "password": "'[Filtered]'",
        "SecretId": "'shop/prod/db'",
        "secret_id": "'[Filtered]'",
    }
    assert event["exception"]["values"][0]["value"].endswith("'/run/secrets/gcp/sa.json'")


def test_hardware_pins_and_process_passes_are_no_secrets():
    names = Names()
    assert {n: names.tier(n) for n in ("BUZZER_PIN", "dht_pins", "lowering_pass", "pin", "otp_code")} == {
        "BUZZER_PIN": 0,
        "dht_pins": 0,
        "lowering_pass": 0,
        "pin": STRONG,
        "otp_code": STRONG,
    }


def test_an_auth_pair_holds_a_password_and_raw_key_bytes_are_filtered():
    event, frame = frame_event(
        {
            "upstream_auth": ["'deploy'", "'plainpass'"],
            "auth": ["'deploy'", "'plain pass'"],
            "preferred_auths": ["'PLAIN'", "'LOGIN'", "'XOAUTH2'"],
            "sig": "b'\\x9a\\x01\\xfe\\x7f\\x10\\xc4\\x88\\x00\\x13\\xab\\x07\\x99'",
            "key": "b'id_rsa.pub'",
        },
        context_line='    auth = ("deploy", "plainpass")',
    )
    Scrubber()(event)
    assert frame["vars"] == {
        "upstream_auth": ["'deploy'", "'[Filtered]'"],
        "auth": ["'deploy'", "'[Filtered]'"],
        "preferred_auths": ["'PLAIN'", "'LOGIN'", "'XOAUTH2'"],
        "sig": "b'[Filtered]'",
        "key": "b'id_rsa.pub'",
    }
    assert frame["context_line"] == '    auth = ("deploy", "[Filtered]")'


@pytest.mark.parametrize(
    "line",
    [
        'TEST_COOKIE_VALUE = "worked"',
        "ACCESS_KEY = 'AWS_ACCESS_KEY_ID'",
        'session_cookie: str = "session",',
        "preferred_auths = ['CRAM-MD5', 'PLAIN', 'LOGIN']",
        'elif token == "#bygroup":',
        "# token          = 1*tchar",
        "#> username='scolvin' password=SecretStr('**********')",
    ],
)
def test_library_constants_stay(line):
    event, frame = frame_event({}, context_line=line)
    Scrubber()(event)
    assert frame["context_line"] == line


# -- word-like secrets: found again only as values -------------------------------------------------------


@pytest.mark.parametrize(
    "variables, message, expected",
    [
        ({"password": "'Sunshine'"}, "bad password 'Sunshine'", "bad password '[Filtered]'"),
        ({"pin": "'4821'"}, "wrong PIN 4821 for card ending 4242", "wrong PIN [Filtered] for card ending 4242"),
        ({"passphrase": "'Marmalade'"}, "passphrase is Marmalade", "passphrase is [Filtered]"),
        ({"password": "'Sunshine'"}, "Sunshine Street 4, since 2024", "Sunshine Street 4, since 2024"),
        ({"pin": "'2024'"}, "created 2024-05-17, user pin ok", "created 2024-05-17, user pin ok"),
    ],
)
def test_a_word_like_secret_is_found_again_only_as_a_value(variables, message, expected):
    event, frame = frame_event(variables, value=message)
    Scrubber()(event)
    assert event["exception"]["values"][0]["value"] == expected


_words = st.sampled_from(["Sunshine", "order", "2024", "Street", "for", "the", "shipped", "4821", "user"])


@given(st.lists(_words, max_size=12).map(" ".join))
def test_word_like_secrets_never_change_prose_that_does_not_hold_them_as_values(prose):
    event, frame = frame_event({"password": "'Sunshine'", "pin": "'4821'"}, value=prose)
    Scrubber()(event)
    assert event["exception"]["values"][0]["value"] == prose


def test_numbers_under_100_are_no_secret_whatever_their_name():
    event, frame = frame_event(
        {"pin": "17", "pass_": "2", "cvv": "123", "PIN": "4821"}, context_line="    pin = 17; cvv = 123"
    )
    Scrubber()(event)
    assert frame["vars"] == {"pin": "17", "pass_": "2", "cvv": F, "PIN": F}
    assert frame["context_line"] == "    pin = 17; cvv = [Filtered]"
