"""Per-cell progress of a capture run, as events.

:func:`~nbpromote.capture.capture_notebook` runs the notebook with papermill; :class:`CellEvents`
gives papermill's engine (nbclient) two hooks, ``on_cell_execute`` and ``on_cell_executed``, and
turns them into events handed to a listener: ``capture_started``, ``cell_started``,
``cell_finished`` (status ``ok`` or ``error``) and ``capture_finished``. The command line renders
them as a progress bar on a terminal or as plain lines (:func:`format_cell_event`) in a CI log;
nothing here writes anywhere.

Only the notebook's own code cells count: the two hidden cells capture adds and papermill's
injected-parameters cell run without an event. Cells are numbered as the notebook shows them
(``cell 3`` is the third cell, markdown included), the numbering capture's errors use.

ETA: each cell's duration in the last capture written to the same output (its sidecar manifest,
else the manifest in its metadata), matched by cell id. The ETA when a cell starts is the sum of
those durations over the cells still to run, itself included; :meth:`CellEvents.eta` also counts
down while a cell runs. Cells with no earlier duration count as 0, so a first capture has no ETA.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CellEvents", "format_cell_event", "previous_cell_durations", "cell_label"]

_LABEL_WIDTH = 30


def previous_cell_durations(executed: str | Path) -> dict[str, float]:
    """Cell id → seconds, from the capture last written to ``executed`` (empty when there is none).

    Reads the sidecar ``<stem>.manifest.json`` and falls back to ``metadata.nbpromote.manifest`` of
    the executed notebook. A cell run twice keeps its last duration. Unreadable files give ``{}``:
    an ETA is a nicety, never a reason to fail.
    """
    from .manifest import sidecar_path

    target = Path(executed)
    manifest: Any = None
    for candidate in (sidecar_path(target), target):
        try:
            document = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if candidate == target and isinstance(document, dict):
            document = document.get("metadata", {}).get("nbpromote", {}).get("manifest")
        if isinstance(document, dict) and isinstance(document.get("execution"), list):
            manifest = document
            break
    if manifest is None:
        return {}
    found: dict[str, float] = {}
    for run in manifest["execution"]:
        if isinstance(run, dict) and run.get("cell_id") and isinstance(run.get("duration_ms"), (int, float)):
            found[str(run["cell_id"])] = float(run["duration_ms"]) / 1000.0
    return found


def cell_label(source: str | Sequence[str]) -> str:
    """The first line of code in a cell, shortened: what the progress bar names a running cell by.

    Examples
    --------
    >>> cell_label("# load the data\\ndf = pd.read_csv('d.csv')")
    "df = pd.read_csv('d.csv')"
    >>> cell_label("model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))")
    'model = make_pipeline(Standar…'
    """
    text = source if isinstance(source, str) else "".join(source)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    code = [line for line in lines if not line.startswith("#")]
    first = (code or lines or [""])[0]
    return first if len(first) <= _LABEL_WIDTH else first[: _LABEL_WIDTH - 1] + "…"


@dataclass
class _Cell:
    position: int  # 0-based index in the user's notebook
    label: str
    expected: float | None  # seconds in the last capture


class CellEvents:
    """Turns nbclient's cell hooks into progress events for one capture.

    Parameters
    ----------
    notebook : str
        The notebook's name, for the events.
    cells : mapping
        Cell id → (0-based position in the user's notebook, source) of every code cell that counts,
        in run order.
    durations : mapping
        Cell id → seconds in the last capture (:func:`previous_cell_durations`).
    listener : callable
        Called with each event dict.

    Examples
    --------
    >>> seen = []
    >>> events = CellEvents("nb.ipynb", {"a": (0, "x = 1"), "b": (2, "fit()")}, {"a": 1.0, "b": 3.0}, seen.append)
    >>> events.started()
    >>> seen[-1]["event"], seen[-1]["total"], seen[-1]["eta_seconds"]
    ('capture_started', 2, 4.0)
    """

    def __init__(self, notebook: str, cells: Mapping[str, tuple[int, str]], durations: Mapping[str, float],
                 listener: Callable[[dict[str, Any]], None]) -> None:
        self.notebook = notebook
        self.listener = listener
        self.cells = {cell_id: _Cell(position, cell_label(source), durations.get(cell_id))
                      for cell_id, (position, source) in cells.items()}
        self.order = list(self.cells)
        self.done = 0
        self.current: str | None = None
        self._cell_started = 0.0
        self._started = time.perf_counter()

    @property
    def total(self) -> int:
        return len(self.order)

    def eta(self) -> float | None:
        """Seconds still to go by the last capture's durations (None when it recorded none)."""
        if not any(cell.expected for cell in self.cells.values()):
            return None
        ahead = [cell_id for cell_id in self.order[self.done:] if cell_id != self.current]
        remaining = sum(self.cells[cell_id].expected or 0.0 for cell_id in ahead)
        if self.current is not None:
            running = time.perf_counter() - self._cell_started
            remaining += max((self.cells[self.current].expected or 0.0) - running, 0.0)
        return round(remaining, 3)

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def _emit(self, event: str, **fields: Any) -> None:
        self.listener({"event": event, "notebook": self.notebook, "total": self.total, **fields})

    def started(self) -> None:
        """Emit ``capture_started`` (with the whole run's ETA)."""
        self._started = time.perf_counter()
        self._emit("capture_started", eta_seconds=self.eta())

    def finished(self, status: str) -> None:
        """Emit ``capture_finished`` with ``status`` (``ok``, ``failed`` or ``restarted``)."""
        self.current = None
        self._emit("capture_finished", status=status, done=self.done, seconds=round(self.elapsed(), 3))

    def on_cell_execute(self, cell: Any, cell_index: int, **_: Any) -> None:
        """nbclient hook: a code cell is about to run."""
        cell_id = cell.get("id")
        if cell_id not in self.cells:
            return
        self.current = cell_id
        self._cell_started = time.perf_counter()
        info = self.cells[cell_id]
        self._emit("cell_started", index=self.done + 1, cell=info.position, cell_id=cell_id, label=info.label,
                   expected_seconds=info.expected, eta_seconds=self.eta())

    def on_cell_executed(self, cell: Any, cell_index: int, execute_reply: Any = None, **_: Any) -> None:
        """nbclient hook: a code cell finished, with or without an error."""
        cell_id = cell.get("id")
        if cell_id not in self.cells or cell_id != self.current:
            return
        seconds = time.perf_counter() - self._cell_started
        content = (execute_reply or {}).get("content", {}) if isinstance(execute_reply, Mapping) else {}
        status = "error" if content.get("status") == "error" else "ok"
        info = self.cells[cell_id]
        self.done += 1
        self.current = None
        self._emit("cell_finished", index=self.done, cell=info.position, cell_id=cell_id, label=info.label,
                   status=status, seconds=round(seconds, 3), eta_seconds=self.eta())

    def hooks(self) -> dict[str, Callable[..., None]]:
        """The keyword arguments that hand these hooks to papermill's nbclient engine."""
        return {"on_cell_execute": self.on_cell_execute, "on_cell_executed": self.on_cell_executed}


def _duration(seconds: float) -> str:
    seconds = max(float(seconds), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def format_cell_event(event: Mapping[str, Any]) -> str | None:
    """One plain line for an event (None for events without a line of their own).

    Examples
    --------
    >>> format_cell_event({"event": "cell_finished", "notebook": "nb.ipynb", "index": 3, "total": 12,
    ...                    "cell": 4, "label": "model.fit(X, y)", "status": "ok", "seconds": 1.25,
    ...                    "eta_seconds": 80.0})
    'capture nb.ipynb [3/12] cell 5 done in 1.2 s: model.fit(X, y) (ETA 1m20s)'
    """
    kind = event.get("event")
    eta = event.get("eta_seconds")
    where = f"capture {event.get('notebook')}"
    if kind == "capture_started":
        tail = f", ETA {_duration(eta)} by the last capture" if isinstance(eta, (int, float)) and eta > 0 else ""
        return f"{where}: {event.get('total')} code cells{tail}"
    if kind == "cell_finished":
        tail = f" (ETA {_duration(eta)})" if isinstance(eta, (int, float)) and eta > 0 else ""
        outcome = "done in" if event.get("status") == "ok" else "raised an error after"
        return (f"{where} [{event.get('index')}/{event.get('total')}] cell {int(event.get('cell', 0)) + 1} "
                f"{outcome} {_duration(event.get('seconds', 0))}: {event.get('label')}{tail}")
    if kind == "cell_running":
        return (f"{where} [{event.get('index')}/{event.get('total')}] cell {int(event.get('cell', 0)) + 1} "
                f"still running after {_duration(event.get('seconds', 0))}: {event.get('label')}")
    if kind == "capture_finished":
        status = event.get("status")
        if status == "restarted":
            return f"{where}: a failing `skip` cell is left out; running the notebook again"
        return f"{where}: {status} after {_duration(event.get('seconds', 0))} ({event.get('done')}/{event.get('total')} cells)"
    return None
