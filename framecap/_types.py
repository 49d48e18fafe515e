"""Shapes shared by the pipeline stages: plain dicts described as TypedDicts, and the transport protocol."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Protocol, TypedDict, Union, runtime_checkable

__all__ = ["Event", "Frame", "Hint", "Transport", "TransportLike"]

#: A Sentry-protocol event, as JSON-ready plain data.
Event = Dict[str, Any]
#: What ``before_send`` gets beside the event: ``{"exc_info": (type, value, tb)}``.
Hint = Dict[str, Any]


class Frame(TypedDict, total=False):
    """One stack frame of ``exception.values[i].stacktrace.frames``, oldest first."""

    filename: str
    abs_path: str
    module: Optional[str]
    function: str
    lineno: Optional[int]
    colno: int
    in_app: bool
    pre_context: List[str]
    context_line: Optional[str]
    post_context: List[str]
    vars: Dict[str, Any]


@runtime_checkable
class Transport(Protocol):
    """Where finished events go. ``send`` must not raise into the caller; framecap guards it anyway."""

    def send(self, event: Event) -> None: ...

    def flush(self, timeout: Optional[float] = None) -> bool: ...

    def close(self) -> None: ...


#: What ``transport=`` accepts: a transport object, or a plain callable taking the event dict.
TransportLike = Union[Transport, Callable[[Event], Any]]
