"""Progress of a run as events: what ``run`` prints on stderr and keeps in the run record.

The runner emits one event when the run starts, one when each stage starts and ends, and one when
the run ends. ``python -m <package> run`` renders them as lines on stderr (:func:`format_event`);
with ``--events`` it prints them as JSON lines instead; the run record keeps them (``events``).
Every executor reports through the same events, since the runner emits them.

ETA: each stage's duration in its last run where it *ran* (from the previous run records); the
ETA of a stage that starts is the sum of those durations over the stages still to come, itself
included. Stages with no earlier duration count as 0, so the first run shows no ETA.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

__all__ = ["RunEvents", "format_event", "previous_durations"]


def _iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def previous_durations(records: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Stage → seconds of its most recent run where it ran, from run records newest first."""
    found: dict[str, float] = {}
    for record in records:
        for stage in record.get("stages", []):
            if stage.get("status") == "ran" and stage["name"] not in found:
                found[stage["name"]] = float(stage.get("seconds") or 0.0)
    return found


class RunEvents:
    """Collects a run's events and hands each to ``listener`` as it happens.

    Parameters
    ----------
    stages : sequence of str
        The stages this run will consider, in order.
    durations : mapping
        Stage → seconds from earlier runs (:func:`previous_durations`), for the ETA.
    listener : callable or None, default=None
        Called with each event dict.
    """

    def __init__(self, stages: Sequence[str], durations: Mapping[str, float],
                 listener: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.stages = list(stages)
        self.durations = dict(durations)
        self.listener = listener
        self.events: list[dict[str, Any]] = []
        self._started = time.perf_counter()

    def _eta(self, index: int) -> float | None:
        remaining = sum(self.durations.get(name, 0.0) for name in self.stages[index:])
        return round(remaining, 3) if remaining > 0 else None

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        document = {"event": event, "at": _iso(), **fields}
        self.events.append(document)
        if self.listener is not None:
            self.listener(document)
        return document

    def run_started(self, run_id: str, pipeline: str, executor: str) -> None:
        self.emit("run_started", run_id=run_id, pipeline=pipeline, executor=executor, total=len(self.stages),
                  eta_seconds=self._eta(0))

    def stage_started(self, name: str) -> None:
        index = self.stages.index(name)
        self.emit("stage_started", stage=name, index=index + 1, total=len(self.stages), eta_seconds=self._eta(index))

    def stage_finished(self, name: str, status: str, seconds: float, reasons: Sequence[str] = ()) -> None:
        index = self.stages.index(name)
        self.emit("stage_finished", stage=name, index=index + 1, total=len(self.stages), status=status,
                  seconds=round(seconds, 3), reasons=list(reasons), eta_seconds=self._eta(index + 1))

    def run_finished(self, status: str) -> None:
        self.emit("run_finished", status=status, seconds=round(time.perf_counter() - self._started, 3))


def format_event(event: Mapping[str, Any]) -> str | None:
    """One line of text for an event (None for events without a line of their own).

    Examples
    --------
    >>> format_event({"event": "stage_finished", "stage": "train", "index": 3, "total": 4,
    ...               "status": "ran", "seconds": 1.25, "reasons": ["data.csv changed"], "eta_seconds": 0.5})
    '[3/4] train: ran in 1.25 s (reran: data.csv changed), ETA 0.5 s'
    """
    kind = event.get("event")
    eta = event.get("eta_seconds")
    tail = f", ETA {eta:.1f} s" if isinstance(eta, (int, float)) and eta > 0 else ""
    if kind == "run_started":
        return f"run {event['run_id']}: {event['total']} stages ({event['executor']}){tail}"
    where = f"[{event.get('index')}/{event.get('total')}] {event.get('stage')}"
    if kind == "stage_started":
        return f"{where}: started{tail}"
    if kind == "stage_finished":
        status = event.get("status")
        if status == "cached":
            return f"{where}: cached"
        reasons = list(event.get("reasons") or [])
        why = "; ".join(reasons)
        if status == "failed":
            return f"{where}: failed after {event.get('seconds', 0):.2f} s{f' ({why})' if why else ''}"
        first = reasons and all(r.startswith(("first run", "forced by")) for r in reasons)
        shown = f" ({why})" if first else f" (reran: {why})" if why else ""
        return f"{where}: ran in {event.get('seconds', 0):.2f} s{shown}{tail}"
    if kind == "run_finished":
        return f"run {event['status']} in {event['seconds']:.2f} s"
    return None
