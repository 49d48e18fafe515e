"""``{"name": ..., "value": ...}`` pairs: the value is judged by its sibling name."""

from framecap.scrub import FILTERED, Scrubber

F = FILTERED


def test_name_value_pairs_take_the_tier_of_their_name():
    event = {
        "request": {
            "data": {
                "env": [{"name": "DB_PASSWORD", "value": "Rq5vX8mK2wL7pQ4z"}, {"name": "LOG_LEVEL", "value": "debug"}],
                "Parameters": [{"Key": "ApiToken", "Value": "Rq5vX8mK2wL7pQ4zAA"}, {"Key": "Env", "Value": "prod"}],
                "tags": [{"Key": "token_budget", "Value": "4096"}],
            }
        }
    }
    Scrubber()(event)
    assert event["request"]["data"] == {
        "env": [{"name": "DB_PASSWORD", "value": F}, {"name": "LOG_LEVEL", "value": "debug"}],
        "Parameters": [{"Key": "ApiToken", "Value": F}, {"Key": "Env", "Value": "prod"}],
        "tags": [{"Key": "token_budget", "Value": "4096"}],
    }


def test_pairs_in_frame_variables_are_reprs():
    frame = {"function": "f", "vars": {"p": {"name": "'DB_PASSWORD'", "value": "'hunter2'"}}}
    event = {"exception": {"values": [{"type": "E", "value": "x", "stacktrace": {"frames": [frame]}}]}}
    Scrubber()(event)
    assert frame["vars"] == {"p": {"name": "'DB_PASSWORD'", "value": "'[Filtered]'"}}
