"""Atomic writes: a SIGKILL mid-write leaves a temporary that the next write removes (issue 16, item 10)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from nbpromote._io import STALE_TEMP_SECONDS, atomic_write_bytes, remove_stale_temporaries

_SLOW_WRITER = """
import os, sys
sys.path.insert(0, {src!r})
import nbpromote._io as io_module

real_fdopen = os.fdopen

class Slow:
    def __init__(self, handle):
        self.handle = handle
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)
    def write(self, data):
        self.handle.write(data[:10])
        self.handle.flush()
        print("writing", flush=True)
        import time
        time.sleep(60)
    def __getattr__(self, name):
        return getattr(self.handle, name)

io_module.os.fdopen = lambda fd, mode: Slow(real_fdopen(fd, mode))
io_module.atomic_write_bytes({target!r}, b"x" * 1000)
"""


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_temporary_names_carry_host_pid_and_a_random_part(tmp_path):
    target = tmp_path / "record.json"
    seen = []
    real = os.replace

    def spy(source, destination):
        seen.append(Path(source).name)
        real(source, destination)

    os.replace = spy
    try:
        atomic_write_bytes(target, b"{}")
    finally:
        os.replace = real
    host = socket.gethostname().replace(".", "-")[:40]
    name = seen[0]
    assert name.startswith(f".record.json.{host}.{os.getpid()}.") and name.endswith(".tmp")
    assert len(name.split(".")[-2]) >= 6  # the random part


def test_a_writer_killed_mid_write_leaves_a_temporary_the_next_write_removes(tmp_path):
    target = tmp_path / "model.pkl"
    src = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER.format(src=src, target=str(target))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = _temporaries(tmp_path)
    assert len(left) == 1 and f".{proc.pid}." in left[0]
    assert not target.exists()
    atomic_write_bytes(target, b"fresh")
    assert _temporaries(tmp_path) == []
    assert target.read_bytes() == b"fresh"


def test_live_writers_and_other_targets_temporaries_are_left_alone(tmp_path):
    mine = tmp_path / f".a.txt.{socket.gethostname().replace('.', '-')[:40]}.{os.getppid()}.abc123.tmp"
    mine.write_bytes(b"partial")  # the parent process (pytest's launcher) is alive
    other = tmp_path / ".b.txt.somehost.1.abc123.tmp"
    other.write_bytes(b"x")
    atomic_write_bytes(tmp_path / "a.txt", b"done")
    assert mine.exists() and other.exists()


def test_temporaries_of_other_hosts_on_a_shared_disk_are_removed_by_age(tmp_path):
    young = tmp_path / ".a.txt.otherhost.12.young1.tmp"
    old = tmp_path / ".a.txt.otherhost.13.old111.tmp"
    legacy = tmp_path / ".a.txt.k2j3h4g5.tmp"
    for path in (young, old, legacy):
        path.write_bytes(b"partial")
    past = time.time() - STALE_TEMP_SECONDS - 10
    os.utime(old, (past, past))
    os.utime(legacy, (past, past))
    removed = remove_stale_temporaries(tmp_path, "a.txt")
    assert sorted(removed) == sorted([old.name, legacy.name])
    assert young.exists()
