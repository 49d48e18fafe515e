"""README "Privacy": examples it gives that no other test pins, each from a real capture."""

import framecap


def _frame_vars(memory):
    return memory.events[-1]["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]


def test_a_passphrase_under_a_weak_name_is_filtered_and_prose_after_a_name_stays(memory):
    def fail():
        token = "correct horse battery staple"  # noqa: F841 - weak name, a password a person chose
        hint = "password: must be 8 characters"  # noqa: F841 - prose, not a pair
        message = "Missing Bearer token in Authorization header"  # noqa: F841 - a sentence
        raise RuntimeError("failed")

    try:
        fail()
    except RuntimeError:
        framecap.capture_exception()
    variables = _frame_vars(memory)
    assert variables["token"] == "'[Filtered]'"
    assert variables["hint"] == "'password: must be 8 characters'"
    assert variables["message"] == "'Missing Bearer token in Authorization header'"


def innocent():
    pair = ("admin", "hunter2")  # noqa: F841
    raise RuntimeError("failed")


def test_a_pair_under_an_innocent_name_is_sent(memory):
    try:
        innocent()
    except RuntimeError:
        framecap.capture_exception()
    assert _frame_vars(memory)["pair"] == ["'admin'", "'hunter2'"], "what no scrubber can know"


def test_fingerprints_are_never_scrubbed_but_data_set_by_hand_is(memory):
    framecap.set_tag("build", "password=hunter2-leaked")
    framecap.set_extra("db_password", "hunter2-leaked")
    framecap.capture_message("grouped", fingerprint=["password=hunter2-leaked"])
    (event,) = memory.events
    assert event["fingerprint"] == ["password=hunter2-leaked"], "a fingerprint names a group: sent as given"
    assert "hunter2" not in str(event["tags"]) and "hunter2" not in str(event["extra"])


# (far from `innocent`: a frame's source context holds the lines around it, and a literal filtered
# there is filtered again wherever the same event repeats it)


def named():
    creds = ("admin", "hunter2")  # noqa: F841
    raise RuntimeError("failed")


def test_the_same_pair_under_creds_is_caught(memory):
    try:
        named()
    except RuntimeError:
        framecap.capture_exception()
    assert _frame_vars(memory)["creds"] == "[Filtered]"


def test_the_readmes_added_rules_replace_a_named_secret_group_only_and_name_the_rule(memory):
    from framecap.secrets import Rule

    framecap.init(
        transport=memory,
        install_hooks=False,
        secret_rules=[
            Rule("acme-key", r"acme_[0-9a-f]{32}", "ACME API docs", hints=("acme_",)),
            r"INTERNAL-(?P<secret>\d{6})",
        ],
    )
    framecap.capture_message("ticket INTERNAL-123456 and key acme_" + "0a" * 16)
    (event,) = memory.events
    assert event["logentry"]["formatted"] == "ticket INTERNAL-[Filtered] and key [Filtered]"
    removed = event["_meta"]["logentry"]["formatted"][""]["rem"]
    assert sorted(rule for rule, *_ in removed) == ["framecap:acme-key", "framecap:custom-1"]


def login(user, password):
    raise PermissionError(f"no such user {user}")


def test_before_send_and_the_transport_only_ever_see_the_scrubbed_event(memory):
    import json

    seen = []

    def before_send(event, hint):
        seen.append(json.dumps(event))
        return event

    # (no source context: this test's own lines hold the password it looks for)
    framecap.init(transport=memory, install_hooks=False, before_send=before_send, include_source_context=False)
    try:
        login("ada", "Tr0ub4dor&3-x9")
    except PermissionError:
        framecap.capture_exception()
    assert "Tr0ub4dor" not in seen[0] and "Tr0ub4dor" not in json.dumps(memory.events[0])
    assert _frame_vars(memory)["password"] == "'[Filtered]'"


def test_the_readmes_url_and_card_examples(memory):
    token = "8f3e2c1d9b7a6e5f4d3c2b1a"
    expected = {
        f"https://app.example.com/{kind}/{token}": f"https://app.example.com/{kind}/[Filtered]"
        for kind in ("verify", "invite", "set-password", "unsub", "hooks")
    }
    expected.update(
        {
            "https://app.example.com/invite/friends": "https://app.example.com/invite/friends",  # not a token
            "track %B4111111111111111^DOE/JOHN^2512101": "track %B[Filtered]^DOE/JOHN^2512101",
            "PAN4539578763621486 seen": "PAN[Filtered] seen",  # inside a word
            "hex 0x4111111111111111ab": "hex 0x4111111111111111ab",  # never inside hex
            f"https://{token}abcdef0123456789@github.com/org/repo.git": "https://[Filtered]@github.com/org/repo.git",
            "https://0123456789abcdef0123456789abcdef@o123.ingest.sentry.io/456": (
                "https://0123456789abcdef0123456789abcdef@o123.ingest.sentry.io/456"  # a DSN's public key stays
            ),
        }
    )
    for text in expected:
        framecap.capture_message(text)
    assert {text: e["logentry"]["formatted"] for text, e in zip(expected, memory.events)} == expected


SOURCE_IS_CODE = """
class Settings:
    def __init__(self):
        self.api_key: str = "k3y-Valu3-9f8e7d6c"
        self.host = "db.internal"


def check_password(password: str) -> bool:
    token = Settings().api_key
    run(host="0.0.0.0", greeting="hello")
    return token


def run(**kwargs):
    raise ConnectionError("refused")
"""


def test_source_text_is_code_only_literals_change(memory, tmp_path):
    from helpers import load_module

    framecap.init(transport=memory, install_hooks=False, project_root=str(tmp_path), context_lines=10)
    module = load_module(tmp_path, SOURCE_IS_CODE, "readme_source_is_code")
    try:
        module.check_password("whatever")
    except ConnectionError:
        framecap.capture_exception()
    frames = memory.events[0]["exception"]["values"][-1]["stacktrace"]["frames"]
    (frame,) = [f for f in frames if f["function"] == "check_password"]
    lines = frame["pre_context"] + [frame["context_line"]] + frame["post_context"]
    assert '        self.api_key: str = "[Filtered]"' in lines, "an annotated assignment to a sensitive name"
    assert '        self.host = "db.internal"' in lines
    assert "def check_password(password: str) -> bool:" in lines, "identifiers and annotations never change"
    assert "    token = Settings().api_key" in lines and '    run(host="0.0.0.0", greeting="hello")' in lines
