"""The spool on a real disk: atomic files, bounds, OS-lock claims that die with their holder, temporary files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import processes
import pytest

from framecap.transports.spool import Spool

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock claims are POSIX")


def names(path):
    return sorted(os.listdir(path))


def test_items_are_written_atomically_bounded_oldest_first(tmp_path):
    evicted = []
    spool = Spool(str(tmp_path), max_events=3, max_bytes=1000, on_evict=evicted.extend)
    written = [spool.write(f"{i:032x}", b'{"n": %d}' % i) for i in range(5)]
    assert names(tmp_path) == sorted(written[2:]) and evicted == written[:2]
    assert spool.write("f" * 32, b"x" * 2000) is None, "larger than the spool: not written"
    assert spool.write("../../etc/passwd", b"{}").endswith(".event"), "an odd id never reaches the file name"
    assert all("/" not in n and ".." not in n for n in names(tmp_path))
    assert oct(os.stat(tmp_path / written[-1]).st_mode & 0o777) == "0o600"
    assert spool.scan() == names(tmp_path) and spool.count() == 3
    assert Spool.item_id(written[-1]) == f"{4:032x}" and Spool.kind(written[-1]) == "event"


def test_a_claim_is_exclusive_and_a_delivered_file_is_never_claimed_again(tmp_path):
    first, second = Spool(str(tmp_path)), Spool(str(tmp_path))
    name = first.write("a" * 32, b"{}")
    claim = first.claim(name)
    assert claim is not None and claim.read() == b"{}"
    assert second.claim(name) is None, "held by another open file"
    claim.release()
    again = second.claim(name)
    assert again is not None
    late = os.open(tmp_path / name, os.O_RDONLY)  # a third process that opened it just before the delete
    again.done()
    assert first.claim(name) is None and names(tmp_path) == []
    import fcntl

    fcntl.flock(late, fcntl.LOCK_EX | fcntl.LOCK_NB)  # it gets the lock on the deleted file...
    assert os.fstat(late).st_nlink == 0, "...and sees it was deleted (what claim() checks)"
    os.close(late)


def _holder(code: str) -> subprocess.Popen:
    child = processes.start("-c", textwrap.dedent(code), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "holding"
    return child


@pytest.mark.slow
@pytest.mark.integration
def test_a_claim_dies_with_its_holder_whatever_its_pid(tmp_path):
    spool = Spool(str(tmp_path))
    name = spool.write("b" * 32, b"{}")
    child = _holder(
        f"""
        import sys
        from framecap.transports.spool import Spool
        claim = Spool({str(tmp_path)!r}).claim({name!r})
        print("holding" if claim else "not", flush=True)
        sys.stdin.read()
        """
    )
    try:
        assert spool.claim(name) is None, "a living process holds it"
    finally:
        child.kill()
        child.wait(20)
    claim = spool.claim(name)
    assert claim is not None, "the lock died with the process: no PID to go stale or be reused"
    claim.done()


@pytest.mark.slow
@pytest.mark.integration
def test_temporary_files_count_toward_the_bounds_and_dead_writers_ones_are_removed(tmp_path):
    spool = Spool(str(tmp_path), max_events=3)
    for i in range(3):
        spool.write(f"{i:032x}", b"{}")
    dead = tmp_path / ".tmp-dead"
    dead.write_bytes(b"half an ev")
    os.utime(dead, (time.time() - 3600, time.time() - 3600))
    live = tmp_path / ".tmp-live"
    live.write_bytes(b"being written")
    os.utime(live, (time.time() - 3600, time.time() - 3600))
    child = _holder(
        f"""
        import fcntl, os, sys
        fd = os.open({str(live)!r}, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("holding", flush=True)
        sys.stdin.read()
        """
    )
    try:
        kept = spool.scan()
        assert not dead.exists() and live.exists(), "a locked temporary file is still being written"
        assert len(kept) == 2, "the live temporary file counts: 2 events + 1 temporary file = 3"
    finally:
        child.kill()
        child.wait(20)
    spool.scan()
    assert not live.exists(), "its writer died: removed"


@pytest.mark.slow
@pytest.mark.integration
def test_a_really_full_disk_leaves_no_temporary_file(tmp_path):
    """On a 64 KiB tmpfs (needs root and mount; skipped elsewhere): writes fail with ENOSPC, cleanly."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"can't mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        spool = Spool(str(disk / "spool"), max_events=1000, max_bytes=10**7)
        causes = []
        for i in range(40):
            try:
                spool.write(f"{i:032x}", os.urandom(5000))
            except OSError as error:
                causes.append(error.cause)
        assert causes and set(causes) == {"disk_full"}
        assert not [n for n in os.listdir(disk / "spool") if n.startswith(".tmp")], "nothing hidden left behind"
        assert len(spool.scan()) == 40 - len(causes)
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
