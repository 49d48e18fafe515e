"""Both SDKs set up with their defaults, behind one small interface: ``capture(error)`` and ``flush()``.

framecap runs with ALL its defaults, the local inbox included (a temporary file): what a user gets
from ``framecap.init()``. sentry-sdk runs with its defaults (``auto_enabling_integrations`` off, so
that frameworks installed for the scenarios don't add integrations a plain program wouldn't have)
and an in-memory transport, which costs it less than its real HTTP transport would.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Callable


class Sdk:
    def __init__(self, name: str, capture: Callable[[BaseException], Any], flush: Callable[[], Any]) -> None:
        self.name = name
        self.capture = capture
        self.flush = flush


def framecap_sdk(**options: Any) -> Sdk:
    import framecap

    options.setdefault("store", os.path.join(tempfile.mkdtemp(prefix="framecap-bench-"), "events.db"))
    framecap.init(**options)
    return Sdk("framecap", framecap.capture_exception, lambda: framecap.flush(10))


def sentry_sdk_defaults(**options: Any) -> Sdk:
    import sentry_sdk
    from sentry_sdk.transport import Transport

    class Memory(Transport):  # type: ignore[misc]
        def __init__(self, options: Any = None) -> None:
            super().__init__(options)
            self.envelopes: list[Any] = []

        def capture_envelope(self, envelope: Any) -> None:
            self.envelopes.append(envelope)
            del self.envelopes[:-5]

    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=Memory, auto_enabling_integrations=False, **options)
    return Sdk("sentry", sentry_sdk.capture_exception, lambda: sentry_sdk.flush(10))


def make_sdk(name: str, **options: Any) -> Sdk:
    return framecap_sdk(**options) if name == "framecap" else sentry_sdk_defaults(**options)
