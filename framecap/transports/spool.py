"""The spool: every event on disk until a server has it, shared safely by every process using one DSN.

One directory per DSN (mode 0700). Each item is one small file (mode 0600) named
``<nanoseconds>-<event id>.event`` (or ``.report`` for a client report left at exit), so sorting the
names gives the oldest first. A file is written as a hidden temporary file, then renamed into place
(atomic: a reader sees all of it or nothing). No fsync: a file survives the death of its process
(kill -9, the OOM killer, ``os._exit``) as soon as it is renamed; an operating-system crash or power
loss may lose the last seconds.

A sender *claims* a file with ``flock`` on an open descriptor: the lock dies with its holder (no
process ids in names, so a reused PID in a container can't leave a claim stuck), and the file is
deleted before the lock is let go, so two processes never both send it (a late claimant finds the
file gone, or unlinked: ``st_nlink == 0``). Bounded in count and bytes (the oldest unclaimed files
are evicted, and reported); temporary files count toward the bounds too, and those a dead writer
left behind are removed by the next scan. Without ``fcntl`` (Windows) claims only hold within one
process.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import itertools
import os
import re
import threading
import time
import uuid
from typing import Callable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["Claim", "Spool", "SpoolError"]

_TEMP = ".tmp-"
_KINDS = ("event", "report")
_NAME = re.compile(r"^\d{20}-[0-9a-f]{1,64}\.(event|report)$")
_STALE_TEMP = 10.0  # seconds: an unlocked temporary file this old was left by a writer that died
_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class SpoolError(OSError):
    """The disk refused a write; ``cause`` is ``disk_full`` or ``unwritable``."""

    def __init__(self, cause: str, detail: str) -> None:
        super().__init__(detail)
        self.cause = cause


def _lock(fd: int) -> bool:
    """Take the claim lock without waiting; False if another open file holds it. (Descriptors are opened
    read-write: on NFS, ``flock`` is emulated with POSIX locks, which need that for an exclusive lock.)"""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


class Claim:
    """One spooled file held by this process: :meth:`read` it, then :meth:`done` (delete) or :meth:`release`."""

    def __init__(self, spool: Spool, name: str, fd: int) -> None:
        self.spool = spool
        self.name = name
        self.fd: int | None = fd

    def read(self) -> bytes:
        if self.fd is None:
            return b""
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        for _ in range(os.fstat(self.fd).st_size // (1 << 16) + 2):  # bounded by the file's size
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def done(self) -> None:
        """Delivered (or refused for good): delete the file, then let go of the lock."""
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(self.spool.directory, self.name))
        self.spool._forget(self.name)
        self.release()

    def release(self) -> None:
        """Keep the file for a later attempt (by any process)."""
        fd, self.fd = self.fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


class Spool:
    """Files of encoded items under ``directory``; safe from several threads and processes at once.

    ``on_evict(names)`` hears of the files evicted past the bounds; ``write_all`` (tests inject
    failures through it) writes a payload to a descriptor.
    """

    def __init__(
        self,
        directory: str,
        max_events: int = 100,
        max_bytes: int = 10_000_000,
        *,
        on_evict: Callable[[list[str]], None] | None = None,
        write_all: Callable[[int, bytes], None] = _write_all,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.max_events = max_events
        self.max_bytes = max_bytes
        self.on_evict = on_evict
        self.write_all = write_all
        self.wall = wall
        self._lock = threading.Lock()
        self._index: collections.OrderedDict[str, int] = collections.OrderedDict()  # oldest first
        self._bytes = 0
        self._other_temps = (0, 0)  # count, bytes of temporary files seen at the last scan
        self._made = False
        self._tag = uuid.uuid4().hex[:12]  # temporary names: this spool object's tag, the process, a serial
        self._serial = itertools.count()

    @property
    def enabled(self) -> bool:
        return self.max_events > 0 and self.max_bytes > 0

    def after_fork(self) -> None:
        """In a forked child: a lock of its own (the parent's may have been held at fork)."""
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------------

    def write(self, item_id: str, payload: bytes, kind: str = "event") -> str | None:
        """Store one encoded item; its file name, or None when it doesn't fit the bounds at all.

        Raises :class:`SpoolError` when the disk refuses (nothing is left behind). Evicts the oldest
        files past the bounds.
        """
        if not self.enabled or len(payload) > self.max_bytes or kind not in _KINDS:
            return None
        safe_id = item_id.lower() if re.fullmatch(r"[0-9a-fA-F]{1,64}", item_id or "") else uuid.uuid4().hex
        name = f"{time.time_ns():020d}-{safe_id}.{kind}"
        temporary = os.path.join(self.directory, f"{_TEMP}{self._tag}-{os.getpid()}-{next(self._serial)}")
        fd = -1
        try:
            if not self._made:
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
                self._made = True
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FLAGS, 0o600)
            _lock(fd)  # a scan never removes a temporary file that is still being written
            self.write_all(fd, payload)
            os.replace(temporary, os.path.join(self.directory, name))
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            self._made = self._made and error.errno != errno.ENOENT
            cause = "disk_full" if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)) else "unwritable"
            raise SpoolError(cause, f"{type(error).__name__}: {error.strerror or error}") from error
        finally:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        with self._lock:
            self._index[name] = len(payload)
            self._bytes += len(payload)
        self._enforce_bounds(keep=name)
        return name

    def _forget(self, name: str) -> None:
        with self._lock:
            size = self._index.pop(name, None)
            if size is not None:
                self._bytes -= size

    def _enforce_bounds(self, keep: str = "") -> None:
        evicted: list[str] = []
        temps, temp_bytes = self._other_temps
        for _ in range(len(self._index) + 1):  # bounded: each round removes one name or stops
            with self._lock:
                over = (
                    len(self._index) + temps > self.max_events or self._bytes + temp_bytes > self.max_bytes
                ) and bool(self._index)
                candidates = [n for n in self._index if n != keep][:8] if over else []
            if not candidates:
                break
            removed = False
            for name in candidates:  # the oldest that nobody is sending right now
                if self._evict(name):
                    evicted.append(name)
                    removed = True
                    break
            if not removed:
                break
        if evicted and self.on_evict is not None:
            self.on_evict(evicted)

    def _evict(self, name: str) -> bool:
        path = os.path.join(self.directory, name)
        try:
            fd = os.open(path, os.O_RDWR | _FLAGS)
        except OSError:
            self._forget(name)  # gone already (delivered by someone): not an eviction
            return False
        try:
            if not _lock(fd):
                return False
            gone = os.fstat(fd).st_nlink == 0
            with contextlib.suppress(OSError):
                os.unlink(path)
        finally:
            os.close(fd)
        self._forget(name)
        return not gone

    # -- reading ---------------------------------------------------------------------------------

    def scan(self) -> list[str]:
        """Look at the directory: the items waiting, oldest first. Removes dead writers' temporary files
        and enforces the bounds (counting the temporary files that are left)."""
        now = self.wall()
        found: list[tuple[str, int]] = []
        temps, temp_bytes = 0, 0
        try:
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    try:
                        stat = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if entry.name.startswith(_TEMP):
                        if now - stat.st_mtime > _STALE_TEMP and self._remove_dead_temp(entry.path):
                            continue
                        temps, temp_bytes = temps + 1, temp_bytes + stat.st_size
                    elif _NAME.match(entry.name):
                        found.append((entry.name, stat.st_size))
        except OSError:
            return []
        found.sort()
        with self._lock:
            self._index = collections.OrderedDict(found)
            self._bytes = sum(size for _, size in found)
            self._other_temps = (temps, temp_bytes)
        self._enforce_bounds()
        with self._lock:
            return list(self._index)

    @staticmethod
    def _remove_dead_temp(path: str) -> bool:
        try:
            fd = os.open(path, os.O_RDWR | _FLAGS)
        except OSError:
            return True  # renamed or removed meanwhile
        try:
            if not _lock(fd):
                return False  # its writer is alive and still writing
            with contextlib.suppress(OSError):
                os.unlink(path)
            return True
        finally:
            os.close(fd)

    def claim(self, name: str) -> Claim | None:
        """Hold ``name`` for sending; None if it is gone or another process holds it."""
        try:
            fd = os.open(os.path.join(self.directory, name), os.O_RDWR | _FLAGS)
        except OSError:
            self._forget(name)
            return None
        try:
            if not _lock(fd):
                os.close(fd)
                return None
            if os.fstat(fd).st_nlink == 0:  # delivered and deleted by whoever held it before us
                os.close(fd)
                self._forget(name)
                return None
        except OSError:
            with contextlib.suppress(OSError):
                os.close(fd)
            return None
        return Claim(self, name, fd)

    def count(self) -> int:
        """Items on disk as this process last saw them (its own writes and deletes, and its last scan)."""
        with self._lock:
            return len(self._index)

    @staticmethod
    def kind(name: str) -> str:
        return name.rpartition(".")[2]

    @staticmethod
    def item_id(name: str) -> str:
        return name.partition("-")[2].rpartition(".")[0]
