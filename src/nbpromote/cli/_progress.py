"""Progress on stderr for the long commands: a tqdm bar on a terminal, plain lines in a log.

stdout stays the command's result (one JSON document under ``--json``); progress only ever goes to
stderr. :class:`CaptureProgress` renders the events of a capture
(:mod:`nbpromote.capture._progress`): on a terminal a tqdm bar naming the running cell with the
elapsed time and the ETA from the last capture, refreshed every second by a small thread so the
clock moves while a long cell runs; elsewhere (a CI log, a pipe) one line per finished cell and a
"still running" line every ``heartbeat`` seconds of a long cell. ``{"event": "line", "text": …}``
events (``promote`` forwards the stage lines of the package's ``run``) are written as they are. :class:`FileProgress` is the bar
of ``nbpromote lint`` over many files: shown on a terminal only, and only once the run has taken
half a second, then cleared so the report reads as before.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

__all__ = ["CaptureProgress", "FileProgress", "progress_mode", "command_mode"]

#: the description column is padded to this width so the bar does not jump from cell to cell
_DESC_WIDTH = 40
_CELL_BAR = "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} cells [{elapsed}{postfix}]"


def progress_mode(stream: IO[str], enabled: bool = True) -> str:
    """``"bar"`` on a terminal, ``"lines"`` elsewhere, ``"off"`` when not ``enabled``."""
    if not enabled:
        return "off"
    isatty = getattr(stream, "isatty", None)
    try:
        return "bar" if isatty is not None and isatty() else "lines"
    except ValueError:  # a closed stream
        return "off"


def command_mode(enabled: bool, machine_output: bool, stream: IO[str] | None = None) -> str:
    """The progress a command shows: a bar on a terminal; plain lines in a log when the output is
    for people; nothing in a log under ``--json`` (a program reads both streams then), nothing with
    ``--no-progress``."""
    mode = progress_mode(stream if stream is not None else sys.stderr, enabled)
    return "off" if mode == "lines" and machine_output else mode


def _desc(text: str) -> str:
    return text[:_DESC_WIDTH - 1] + "…" if len(text) > _DESC_WIDTH else text.ljust(_DESC_WIDTH)


def _name(path: Path | str | None, width: int = 32) -> str:
    """A file name cut or padded to ``width``, so the bar keeps its place from file to file."""
    name = Path(path).name if path is not None else ""
    return name[: width - 1] + "…" if len(name) > width else name.ljust(width)


def _clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour), rounded up: a countdown reads 00:01 until it is done."""
    minutes, rest = divmod(math.ceil(max(seconds, 0.0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes:02d}:{rest:02d}"


class CaptureProgress:
    """Renders capture events on ``stream``; use as a context manager around the capture.

    Parameters
    ----------
    stream : file or None, default=None
        Where to draw; None means ``sys.stderr``.
    mode : {"auto", "bar", "lines", "off"}, default="auto"
        ``auto`` is a bar on a terminal and lines elsewhere (:func:`progress_mode`).
    tick : float, default=1.0
        Seconds between refreshes of the bar's clock (and checks for a heartbeat line).
    heartbeat : float, default=30.0
        In ``lines`` mode, seconds between "still running" lines for one long cell.
    """

    def __init__(self, stream: IO[str] | None = None, mode: str = "auto", *, tick: float = 1.0,
                 heartbeat: float = 30.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.mode = progress_mode(self.stream) if mode == "auto" else mode
        self.tick = tick
        self.heartbeat = heartbeat
        self._bar: Any = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cell: Mapping[str, Any] | None = None  # the running cell's cell_started event
        self._cell_at = 0.0
        self._beats = 0

    # context manager: the ticker thread and the bar never outlive the capture
    def __enter__(self) -> CaptureProgress:
        if self.mode != "off":
            self._thread = threading.Thread(target=self._run, name="nbpromote-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            self._close_bar()

    def __call__(self, event: Mapping[str, Any]) -> None:
        if self.mode == "off":
            return
        with self._lock:
            kind = event.get("event")
            if kind == "cell_started":
                self._cell, self._cell_at, self._beats = event, time.perf_counter(), 0
            elif kind in ("cell_finished", "capture_finished"):
                self._cell = None
            if kind == "line":
                self._write(str(event.get("text", "")))
            elif self.mode == "bar":
                self._draw(event)
            else:
                self._line(event)

    # lines ---------------------------------------------------------------------------------------
    def _line(self, event: Mapping[str, Any]) -> None:
        from ..capture._progress import format_cell_event

        text = format_cell_event(event)
        if text is not None:
            self._write(text)

    def _write(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=self.stream)  # above the bar, which is then redrawn
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    # bar -----------------------------------------------------------------------------------------
    def _draw(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event")
        if kind == "capture_started":
            from tqdm import tqdm

            self._close_bar()
            self._bar = tqdm(total=event.get("total") or 0, file=self.stream, desc=_desc(f"capture {event.get('notebook')}"),
                             bar_format=_CELL_BAR, unit="cell", dynamic_ncols=True, leave=True, mininterval=0)
            self._set_eta(event.get("eta_seconds"))
            return
        if self._bar is None:
            return
        if kind == "cell_started":
            self._bar.set_description_str(_desc(f"cell {int(event.get('cell', 0)) + 1}: {event.get('label')}"),
                                          refresh=False)
            self._set_eta(event.get("eta_seconds"))
        elif kind == "cell_finished":
            self._set_eta(event.get("eta_seconds"), refresh=False)
            self._bar.update(1)
        elif kind == "capture_finished":
            status = event.get("status")
            self._bar.set_description_str(_desc(f"capture {event.get('notebook')}"), refresh=False)
            self._bar.set_postfix_str("" if status == "ok" else str(status), refresh=False)
            self._close_bar()
            if status == "restarted":
                self._line(event)

    def _set_eta(self, eta: Any, refresh: bool = True) -> None:
        text = f"ETA {_clock(eta)}" if isinstance(eta, (int, float)) and eta > 0 else ""
        self._bar.set_postfix_str(text, refresh=refresh)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _live_eta(self) -> float | None:
        """The running cell's ETA counted down: its start ETA less the time it has run, but never
        below what the cells after it need."""
        cell = self._cell
        if cell is None or not isinstance(cell.get("eta_seconds"), (int, float)):
            return None
        start_eta = float(cell["eta_seconds"])
        expected = float(cell.get("expected_seconds") or 0.0)
        running = time.perf_counter() - self._cell_at
        return max(start_eta - running, start_eta - expected)

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            with self._lock:
                if self.mode == "bar" and self._bar is not None:
                    if self._cell is not None:
                        self._set_eta(self._live_eta(), refresh=False)
                    self._bar.refresh()
                elif self.mode == "lines" and self._cell is not None:
                    running = time.perf_counter() - self._cell_at
                    if running >= self.heartbeat * (self._beats + 1):
                        self._beats += 1
                        self._line({**self._cell, "event": "cell_running", "seconds": running})


class FileProgress:
    """The bar of a command over many files (``nbpromote lint``); a no-op unless ``enabled``.

    Call it with ``(done, total, path)`` before each file and once with ``path=None`` at the end;
    use it as a context manager so the bar is cleared even when the command fails.

    Parameters
    ----------
    enabled : bool
        Draw at all (the CLI passes "stderr is a terminal and the output is for people").
    stream : file or None, default=None
        Where to draw; None means ``sys.stderr``.
    desc : str, default="lint"
    delay : float, default=0.5
        Seconds before the bar appears: a quick run leaves no trace.
    """

    def __init__(self, enabled: bool, stream: IO[str] | None = None, *, desc: str = "lint",
                 delay: float = 0.5) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.desc = desc
        self.delay = delay
        self._bar: Any = None

    def __enter__(self) -> FileProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __call__(self, done: int, total: int, path: Path | str | None) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self.stream, desc=self.desc, unit="file", leave=False,
                             delay=self.delay, dynamic_ncols=True)
        self._bar.set_postfix_str(_name(path), refresh=False)
        self._bar.update(done - self._bar.n)  # tqdm draws only after ``delay``, at most every 0.1 s
