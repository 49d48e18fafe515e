"""The spool: events that could not be delivered now, on disk, until a later attempt delivers them.

One directory per DSN. Each event is one file, written atomically (a temporary file, then
``os.replace``), named so that sorting gives the oldest first. Bounded in count and bytes (the
oldest are dropped). A sender *claims* a file by renaming it (atomic, so two processes never send
the same file), deletes it once delivered, or puts it back. A claim left by a process that died
is taken back by the next one.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid

__all__ = ["Spool"]

_SUFFIX = ".event"
_CLAIM = ".claimed-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class Spool:
    """Files of encoded events under ``directory``; every method is safe to call from any process."""

    def __init__(self, directory: str, max_events: int = 100, max_bytes: int = 10_000_000) -> None:
        self.directory = directory
        self.max_events = max_events
        self.max_bytes = max_bytes

    def put(self, event_id: str, payload: bytes) -> bool:
        """Store one encoded event; False if the spool is disabled or the disk refused."""
        if self.max_events <= 0 or len(payload) > self.max_bytes:
            return False
        try:
            os.makedirs(self.directory, exist_ok=True)
            name = f"{time.time_ns():020d}-{event_id}{_SUFFIX}"
            temporary = os.path.join(self.directory, f".tmp-{uuid.uuid4().hex}")
            with open(temporary, "wb") as handle:
                handle.write(payload)
            os.replace(temporary, os.path.join(self.directory, name))
        except OSError:
            return False
        self._enforce_bounds()
        return True

    def _entries(self) -> list[tuple[str, int]]:
        try:
            with os.scandir(self.directory) as found:
                entries = [
                    (e.name, e.stat().st_size) for e in found if _SUFFIX in e.name and not e.name.startswith(".")
                ]
        except OSError:
            return []
        entries.sort()
        return entries

    def _enforce_bounds(self) -> None:
        entries = [e for e in self._entries() if e[0].endswith(_SUFFIX)]
        total = sum(size for _, size in entries)
        while entries and (len(entries) > self.max_events or total > self.max_bytes):
            name, size = entries.pop(0)
            with contextlib.suppress(OSError):
                os.remove(os.path.join(self.directory, name))
            total -= size

    def count(self) -> int:
        """Files waiting (claimed ones included)."""
        return len(self._entries())

    def claim(self, limit: int) -> list[tuple[str, str, bytes]]:
        """Take up to ``limit`` of the oldest events: ``(claim path, event_id, payload)`` each."""
        claimed: list[tuple[str, str, bytes]] = []
        me = os.getpid()
        for name, _ in self._entries():
            if len(claimed) >= limit:
                break
            base = name
            if _CLAIM in name:
                base, _, owner = name.partition(_CLAIM)
                if not owner.isdigit() or _alive(int(owner)):
                    continue  # a living process is sending it
            source = os.path.join(self.directory, name)
            target = os.path.join(self.directory, f"{base}{_CLAIM}{me}")
            try:
                os.replace(source, target) if _CLAIM in name else os.rename(source, target)
                with open(target, "rb") as handle:
                    payload = handle.read()
            except OSError:
                continue  # another process claimed it first
            event_id = base[: -len(_SUFFIX)].split("-", 1)[-1]
            claimed.append((target, event_id, payload))
        return claimed

    @staticmethod
    def done(claim_path: str) -> None:
        """The claimed event was delivered (or is to be dropped): remove it."""
        with contextlib.suppress(OSError):
            os.remove(claim_path)

    @staticmethod
    def release(claim_path: str) -> str | None:
        """Give a claimed event back, for a later attempt."""
        base = claim_path.partition(_CLAIM)[0]
        try:
            os.rename(claim_path, base)
            return base
        except OSError:
            return None
