"""What the scope adds to an event (request, user, tags, contexts, extra, fingerprint, breadcrumbs), bounded together.

The request goes through the request policy; everything is serialized by one serializer (JSON
types kept, strings cut) within one share of the event budget, breadcrumbs newest first. The
scope's level is not here: the composing layer weighs it against the capture's own.
"""

from __future__ import annotations

from typing import Any

from .budget import REQUEST_OVERHEAD, Budget
from .meta import CUT_MARGIN, Meta, record
from .options import Options
from .request import BODY_LIMITS, request_data
from .scope import Scope
from .serialize import Serializer, clean_text, cut_text

__all__ = ["scope_data"]

_MAX_TAGS = 200  # tags kept, and characters per tag key and value (Sentry's limit for values)
_MAX_PARTS = 64  # parts of a fingerprint kept


def scope_data(
    scope: Scope,
    options: Options,
    meta: Meta,
    budget: Budget,
    margin: int = CUT_MARGIN,
    revealed: list[str] | None = None,
) -> dict[str, Any]:
    """The event keys the scope fills in, their cuts recorded in ``meta``; spends from ``budget``. What the
    pydantic secrets in the data hide (``set_extra(cfg=<model>)``) is added to ``revealed``, for the scrubber."""
    out: dict[str, Any] = {}
    if scope.request is None and not (
        scope.user
        or scope.integration_user
        or scope.tags
        or scope.extra
        or scope.contexts
        or scope.fingerprint
        or scope.breadcrumbs
    ):
        return out
    serializer = Serializer(
        max_depth=options.max_depth,
        max_breadth=options.max_breadth,
        max_length=options.max_value_length,
        repr_strings=False,
        margin=margin,
    )
    share = budget.scope_share()
    left = share

    def bounded(value: Any, path: tuple[Any, ...]) -> Any:
        nonlocal left
        data, data_meta, size = serializer.serialize(value, left)
        left -= size
        record(meta, path, data_meta)
        return data

    user: dict[str, Any] = {}
    if options.send_default_pii and scope.integration_user:
        user.update(scope.integration_user)
    if scope.user:
        user.update(scope.user)
    if scope.request is not None:
        try:
            request, ip, request_meta = request_data(
                scope.request,
                options.send_default_pii,
                BODY_LIMITS[options.max_request_body_size],
                options.trusted_proxies,
            )
        except BaseException as error:  # noqa: B036 - a request that can't be read costs only the request
            request, ip, request_meta = {}, None, {"": {"rem": [[f"framecap:failed:{type(error).__name__}", "x"]]}}
        record(meta, ("request",), request_meta)
        if "data" in request:
            request["data"] = bounded(request["data"], ("request", "data"))
        out["request"] = request
        left -= REQUEST_OVERHEAD
        if ip and "ip_address" not in user:
            user["ip_address"] = ip
    if user:
        out["user"] = bounded(user, ("user",))
    if scope.tags:
        tags = {}
        for k, v in list(scope.tags.items())[:_MAX_TAGS]:
            if type(k) is str and type(v) is str:  # set_tag makes them strings; anything else is left out
                key = clean_text(k)[:_MAX_TAGS]
                tags[key], tag_meta = cut_text(v, _MAX_TAGS, None, margin)  # cut after scrubbing, like all text
                record(meta, ("tags", key), tag_meta)
        out["tags"] = tags
        left -= sum(len(k) + min(len(v), _MAX_TAGS) for k, v in tags.items())
    if scope.fingerprint:
        out["fingerprint"] = _fingerprint(scope.fingerprint, options.max_value_length, meta)
        left -= sum(len(part) for part in out["fingerprint"])
    if scope.contexts:
        out["contexts"] = bounded(dict(scope.contexts), ("contexts",))
    if scope.extra:
        out["extra"] = bounded(dict(scope.extra), ("extra",))
    held = list(scope.breadcrumbs)
    crumbs = held[-options.max_breadcrumbs :] if options.max_breadcrumbs else []
    if crumbs:
        newest_first = [bounded(crumbs[i], ("breadcrumbs", "values", i)) for i in reversed(range(len(crumbs)))]
        out["breadcrumbs"] = {"values": newest_first[::-1]}  # the budget goes to the newest first
    total = len(held) + getattr(scope, "breadcrumbs_dropped", 0)
    if total > len(crumbs):  # past max_breadcrumbs (here, or pushed out of the scope earlier): counted
        record(meta, ("breadcrumbs", "values"), {"": {"len": total}})
    serializer.close()
    if revealed is not None:
        revealed.extend(serializer.revealed)
    budget.spend(share - left)
    return out


def _fingerprint(parts: list[str], limit: int, meta: Meta) -> list[str]:
    """At most :data:`_MAX_PARTS` strings of at most ``limit`` characters (not scrubbed: they name a group)."""
    kept = []
    for index, part in enumerate(parts[:_MAX_PARTS]):
        text, part_meta = cut_text(part, limit)
        record(meta, ("fingerprint", index), part_meta)
        kept.append(text)
    if len(parts) > _MAX_PARTS:
        record(meta, ("fingerprint",), {"": {"len": len(parts)}})
    return kept
