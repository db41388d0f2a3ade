"""Suite-wide fixtures."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _restore_main_module():
    # An in-process IPython shell (the magics' tests) installs its own `__main__`, which has no
    # __spec__; multiprocessing's spawn start method (the registry's concurrency tests) then fails.
    # Each test gets the interpreter's real `__main__` back.
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


def _stderr_on_pty(argv: list[str], *, cwd: str | None = None, env: dict[str, str] | None = None,
                   timeout: float = 600, columns: int = 120) -> tuple[int, str, str]:
    """Run ``argv`` with stderr on a real pseudo-terminal (``os.openpty``) and stdout on a pipe.

    Returns (exit code, stdout, everything written to the terminal). The terminal is ``columns``
    wide, so progress bars draw as they would for a person at a terminal.
    """
    import fcntl
    import os
    import select
    import struct
    import subprocess
    import termios
    import threading
    import time

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=slave, close_fds=True)
    os.close(slave)
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    terminal = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer has closed the terminal
                    break
                if not chunk:
                    break
                terminal += chunk
            elif process.poll() is not None:
                break
        else:
            process.kill()
            raise TimeoutError(f"{argv} ran longer than {timeout} s")
    finally:
        os.close(master)
    code = process.wait(timeout=60)
    reader.join(timeout=60)
    return code, b"".join(out).decode("utf-8"), terminal.decode("utf-8", errors="replace")


@pytest.fixture
def stderr_on_pty():
    """Run a command with stderr on a pseudo-terminal: ``stderr_on_pty(argv, cwd=…, env=…)`` →
    (exit code, stdout, terminal text)."""
    return _stderr_on_pty
