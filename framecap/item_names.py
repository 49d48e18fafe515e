"""Items named by other items: a dict's ``{"name": ..., "value": ...}`` pair, a list's ``[name, value]``
pair or command line (``["--password", x]``, ``["sshpass", "-p", x]``, mysql's ``-pSECRET``), an auth
tuple, and a private key's lines in a list. Plain functions over the items, for
:class:`framecap.scrub_data.DataScrubbing`: each says which item takes which tier of name.
"""

from __future__ import annotations

import re
from typing import Any

from .names import NONE, STRONG, Names

__all__ = ["KEY_LINE", "auth_pair", "list_tiers", "named_value"]

_HEADER_NAME = re.compile(r"(?:[Xx]|[A-Za-z]{2,})(?:-[A-Za-z][A-Za-z0-9]*)+\Z")  # ``X-Custom``, ``sec-websocket-key``
_PAIR_NAME = re.compile(r"[bu]?['\"]?(?P<name>[A-Za-z0-9_.\-]{1,64})['\"]?\Z")

KEY_LINE = -9  # a private key's line in a list (after its BEGIN item), filtered whatever it is; no tier of names
_PAIR_NAMES = frozenset({"name", "key", "parametername", "parameterkey", "variable", "varname", "envname"})
_PAIR_VALUES = frozenset({"value", "parametervalue", "secretvalue", "val"})


def named_value(value: dict[Any, Any], names: Names) -> tuple[str, int] | None:
    """``{"name": "DB_PASSWORD", "value": ...}`` (Kubernetes and ECS env, SSM, CloudFormation parameters,
    ``{"Key": ..., "Value": ...}`` tags): the value's key, and the tier its sibling name gives it."""
    for key in value:  # a value's key (``Value``, ``parameter_value``, ``val``) holds an ``l``: a cheap test first
        if type(key) is str and ("l" in key or "L" in key):
            break
    else:
        return None
    name = value_key = None
    for key in value:
        if type(key) is str:
            folded = key.lower().replace("_", "")
            if folded in _PAIR_NAMES and type(value[key]) is str:
                name = value[key]
            elif folded in _PAIR_VALUES:
                value_key = key
    if name is None or value_key is None:
        return None
    if name[:1] in "'\"" and name[-1:] == name[:1]:
        name = name[1:-1]  # a frame variable's repr
    level = names.tier(name) if 0 < len(name) <= 100 else NONE
    return (value_key, level) if level > NONE else None


def auth_pair(path: tuple[Any, ...], value: list[Any]) -> bool:
    """``auth = ("admin", "pw")`` (requests, httpx, aiohttp): a user name and a password under an auth name."""
    key = path[-1] if path else None
    return type(key) is str and "auth" in key.lower() and type(value[0]) is str and type(value[1]) is str


def list_tiers(items: list[Any], names: Names) -> dict[int, int] | None:
    """Items named by other items: ``[name, value]`` pairs (header lists, ASGI headers), and command lines
    (``["--password", x]``, ``["sshpass", "-p", x]``, mysql's ``-pSECRET``), and a private key's lines
    (``pem.splitlines()``: every item after a ``-----BEGIN ... PRIVATE KEY-----`` item up to its END line).
    The first item is a string."""
    first = items[0]
    if len(items) == 2:
        if "PRIVATE KEY" in first and first.lstrip("bu'\"").startswith("-----BEGIN"):
            return {1: KEY_LINE}  # (a key of one line)
        match = _PAIR_NAME.match(first)
        name = match.group("name") if match else None
        tier = NONE if name is None else names.header(name) if _HEADER_NAME.match(name) else names.tier(name)
        return {1: tier} if tier > NONE else None
    flags = [
        i for i, item in enumerate(items) if type(item) is str and "-" in item[:3] and item.lstrip("bu'\"")[:1] == "-"
    ]
    if not flags:
        return None
    words = [item.strip("bu'\"") if type(item) is str else "" for item in items]
    found: dict[int, int] = {}
    mysql = any(w.rsplit("/", 1)[-1].startswith(("mysql", "mariadb")) for w in words)
    for i in flags:
        flag = words[i]
        if flag.startswith(("-----BEGIN", "-----END")):
            if "PRIVATE KEY" in flag and flag.startswith("-----BEGIN"):
                _pem_body(words, i, found)
            continue
        if flag.startswith("--") and "=" not in flag and i + 1 < len(items):
            tier = names.tier(flag[2:])
            if tier > NONE:
                found[i + 1] = tier
        elif flag == "-p" and i + 1 < len(items) and "sshpass" in words:
            found[i + 1] = STRONG
        elif mysql and flag.startswith("-p") and len(flag) > 2:
            found[i] = STRONG
    return found or None


def _pem_body(words: list[str], begin: int, found: dict[int, int]) -> None:
    """The items of a private key's body: after the BEGIN item at ``begin``, up to an ``-----END`` item (all
    the rest when there is none: a key cut short is still a key)."""
    for i in range(begin + 1, len(words)):
        if words[i].startswith("-----END"):
            return
        found[i] = KEY_LINE
