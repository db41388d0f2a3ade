"""The capture session of one kernel: what has been recorded so far, and how it becomes a manifest.

The session is plain state plus the two hook methods the kernel events call. The hooks do the least
possible work per cell: two clock reads, a list append, and a cached scan of the cell's source; data
is hashed only when a cell reads a file (and a file is hashed once per (path, size, mtime)).
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from pathlib import Path
from typing import Any

from .._version import __version__
from ._data import describe_file, track_names
from ._environment import environment, git_state, write_lock
from ._scan import scan_cell
from ._seeds import SeedRecord, set_seeds
from .manifest import SCHEMA_VERSION, validate_manifest

__all__ = ["CaptureSession", "INJECTED_MARKER"]

#: First line of cells that ``capture_notebook`` injects; the hooks ignore such cells.
INJECTED_MARKER = "# nbpromote-capture: injected"


def _iso(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, _dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CaptureSession:
    """Provenance recorded in one kernel.

    Attributes
    ----------
    seeds : SeedRecord or None
        The last ``%promote seed``.
    data : dict
        Name (variable, or path as written for files read by cells) -> manifest data entry.
    environment : dict or None
        The last ``%promote env`` (or the one taken when the manifest was first built).
    execution : list of tuple
        ``(cell_id, execution_count, started_at, duration_s, success)`` per cell run.
    unseeded_cells : list of dict
        Cells that drew random numbers with no seed set.
    parameters : dict
        Parameters of a papermill run (set by ``capture_notebook``).
    warnings : list of str
        Things the hooks could not record (an unreadable file …), shown by ``%promote status``.
    """

    def __init__(self) -> None:
        self.seeds: SeedRecord | None = None
        self.user_seeded = False
        self.data: dict[str, dict[str, Any]] = {}
        self.environment: dict[str, Any] | None = None
        self.lock_path: str | None = None
        self.execution: list[tuple[str | None, int | None, float, float, bool]] = []
        self.unseeded_cells: list[dict[str, Any]] = []
        self.parameters: dict[str, Any] = {}
        self.warnings: list[str] = []
        self._pending: tuple[str | None, float, float, bool] | None = None
        #: The run-time row tracer (:meth:`track_rows`), or None when rows are not tracked.
        self.rows: Any = None
        self._cell: list[Any] = [None, None, 0]
        self._user_ns: dict[str, Any] | None = None
        #: Files read at run time (the manifest's ``reads``): name -> hash, size, mtime_ns, how, site.
        self.reads: dict[str, dict[str, Any]] = {}
        self.record_reads = True
        self._recorder: Any = None
        self._shell: Any = None

    # -- the hooks -----------------------------------------------------------------------------
    def pre_run_cell(self, info: Any) -> None:
        """``pre_run_cell`` event: note the start time (cheap)."""
        raw = info.raw_cell or ""
        self._pending = (getattr(info, "cell_id", None), time.time(), time.perf_counter(), raw.startswith(INJECTED_MARKER))
        if self.record_reads and not raw.startswith(INJECTED_MARKER):
            self._start_recording()
        if self.rows is not None:
            # the calls of this cell share this list; post_run_cell fills in the execution count
            # (ipykernel and IPython disagree on the shell's counter before a cell runs).
            # IPython drops a cell's leading blank lines before compiling: lines count from the source.
            blank = len(raw) - len(raw.lstrip("\n")) if raw.strip() else 0
            self._cell = [None, getattr(info, "cell_id", None), blank]

    def post_run_cell(self, result: Any, namespace: dict[str, Any] | None = None) -> None:
        """``post_run_cell`` event: record the run, then look at what the cell read and drew."""
        pending, self._pending = self._pending, None
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            try:
                recorder.__exit__(None, None, None)
            except Exception as exc:  # provenance must never break a cell
                self.warnings.append(f"read recording failed: {type(exc).__name__}: {exc}")
                recorder = None
        if pending is None:
            return
        cell_id, started, started_perf, injected = pending
        if injected:
            return
        duration = time.perf_counter() - started_perf
        count = result.execution_count
        self._cell[0] = count
        self.execution.append((cell_id, count, started, duration, bool(result.success)))
        info = result.info
        python = getattr(info, "transformed_cell", None)
        if python is None:
            from ..notebook import python_source

            python = python_source(info.raw_cell or "")[0]
        recorded = self._recorded_reads(recorder, cell_id, count) if recorder is not None else False
        scan = scan_cell(python)
        if scan is _NOTHING:
            return
        if scan.seeds_itself:
            self.user_seeded = True
        calls = list(scan.unseeded_always)
        if self.seeds is None and not self.user_seeded:
            calls = list(scan.random_draws) + calls
        if calls:
            self.unseeded_cells.append({
                "cell_id": cell_id, "execution_count": count, "calls": calls,
                "always": bool(scan.unseeded_always) and not scan.random_draws,
            })
        if not recorded and (scan.reads or scan.read_names):  # fallback: the paths the source names
            self._hash_reads(scan.reads, scan.read_names, namespace or {}, cell_id, count)

    def _start_recording(self) -> None:
        try:
            from .._reads import record_reads

            recorder = record_reads()
            recorder.__enter__()
            self._recorder = recorder
        except Exception as exc:
            self.warnings.append(f"read recording could not start: {type(exc).__name__}: {exc}")

    def _recorded_reads(self, recorder: Any, cell_id: str | None, count: int | None) -> bool:
        """Put the files ``recorder`` saw into ``reads`` and ``data``; False when it saw none."""
        try:
            files = recorder.to_dict()
        except Exception as exc:
            self.warnings.append(f"recorded reads could not be hashed: {type(exc).__name__}: {exc}")
            return False
        where = f"cell {cell_id}" if cell_id else f"cell [{count}]"
        for name, info in files.items():
            self.reads[name] = {"hash": info["hash"], "size": info["size"], "mtime_ns": info["mtime_ns"],
                                "how": "recorded at run time",
                                "site": {"cell": None, "cell_id": cell_id, "execution_count": count, "line": None}}
            self.data[name] = {"hash": info["hash"], "kind": "file", "size": info["size"], "path": name,
                               "source": f"read by {where}", "recorded": "run time"}
        return bool(files)

    def _hash_reads(
        self, reads: tuple[str, ...], names: tuple[str, ...], namespace: dict[str, Any],
        cell_id: str | None, count: int | None,
    ) -> None:
        paths = list(reads)
        for name in names:
            value = namespace.get(name)
            if isinstance(value, (str, os.PathLike)):
                paths.append(os.fspath(value))
        where = f"cell {cell_id}" if cell_id else f"cell [{count}]"
        for path in paths:
            try:
                if not os.path.isfile(path):
                    continue  # a directory (parquet dataset), a URL, or a file the cell failed to open
                self.data[path] = describe_file(path, source=f"read by {where}")
            except OSError as exc:  # never let provenance break the user's cell
                self.warnings.append(f"{path}: could not hash ({exc.strerror or exc}).")

    # -- run-time row tracking ------------------------------------------------------------------------
    def track_rows(self, shell: Any) -> Any:
        """Start recording which rows reach each learning/predicting/scoring call (idempotent).

        Only an import hook is installed now; libraries are wrapped when the notebook imports them
        (see :mod:`nbpromote.capture._rows`). Returns the :class:`~nbpromote.capture._rows.RowTracer`.
        """
        from ._rows import RowTracer

        self._shell = shell
        self._user_ns = getattr(shell, "user_ns", None)
        if self.rows is None:
            self.rows = RowTracer(self._where)
        self.rows.install()
        return self.rows

    def stop_tracking_rows(self) -> None:
        """Remove the row tracer's wrappers (what it recorded is kept)."""
        if self.rows is not None:
            self.rows.uninstall()

    def _where(self) -> tuple[Any, int | None]:
        """(cell, line) of the call being made: the outermost frame running in the user's namespace."""
        import sys

        namespace = self._user_ns
        frame: Any = sys._getframe(1)
        line = None
        while frame is not None:
            if frame.f_globals is namespace:
                line = frame.f_lineno
            frame = frame.f_back
        if line is not None:
            line += self._cell[2]
        return self._cell, line

    def rows_section(self, cell_of: Any = None) -> dict[str, Any]:
        """The manifest's ``rows`` section (row evidence), empty when rows were not tracked."""
        from ._evidence import EMPTY_SECTION, rows_section

        if self.rows is None:
            return {**EMPTY_SECTION, "calls": [], "evidence": [], "notes": []}
        return rows_section(self.rows.calls, dropped=self.rows.dropped, notes=self.rows.notes, cell_of=cell_of)

    # -- the magics' actions ---------------------------------------------------------------------
    def seed(self, seed: int | str) -> SeedRecord:
        """Set and record every seed (:func:`~nbpromote.capture.set_seeds`)."""
        self.seeds = set_seeds(seed)
        return self.seeds

    def track(self, namespace: dict[str, Any], names: list[str]) -> dict[str, dict[str, Any]]:
        """Hash the variables ``names`` and record them; returns the new entries."""
        entries = track_names(namespace, names)
        self.data.update(entries)
        return entries

    def capture_environment(self, *, lock: str | Path | None = None, force: bool = False) -> dict[str, Any]:
        """Record the environment; with ``lock``, also write the pinned lock file there."""
        env = environment()
        if lock is not None:
            write_lock(lock, env["packages"], force=force)
            self.lock_path = str(lock)
        self.environment = env
        return env

    # -- the manifest ------------------------------------------------------------------------------
    def execution_records(self) -> list[dict[str, Any]]:
        return [
            {"cell_id": cell_id, "execution_count": count, "started_at": _iso(started),
             "duration_ms": round(duration * 1000, 3), "success": success}
            for cell_id, count, started, duration, success in self.execution
        ]

    def seeds_section(self) -> dict[str, Any]:
        base = self.seeds.to_dict() if self.seeds else {"seed": None, "libraries": [], "pythonhashseed": None, "notes": []}
        if self.seeds is None and self.user_seeded:
            base["notes"] = ["seeded by the notebook's own code (random.seed / np.random.seed …), not by %promote seed"]
        base["unseeded_cells"] = [dict(cell) for cell in self.unseeded_cells]
        return base

    def to_manifest(
        self, *, notebook: str | Path | None = None, notebook_hash: str | None = None,
        git_path: str | Path | None = None,
    ) -> dict[str, Any]:
        """The manifest of everything recorded so far (validated).

        The environment is captured now if ``%promote env`` was never run, so every manifest has one.
        """
        if self.environment is None:
            self.capture_environment()
        environment_section = dict(self.environment or {})
        environment_section["lock_path"] = self.lock_path
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "created_at": _iso(time.time()),
            "nbpromote_version": __version__,
            "notebook": str(notebook) if notebook is not None else None,
            "notebook_hash": notebook_hash,
            "parameters": dict(self.parameters),
            "seeds": self.seeds_section(),
            "data": {name: dict(entry) for name, entry in sorted(self.data.items())},
            "environment": environment_section,
            "git": git_state(git_path if git_path is not None else (Path(notebook).parent if notebook else Path.cwd())),
            "execution": self.execution_records(),
            "rows": self.rows_section(),
            "reads": {name: dict(entry) for name, entry in sorted(self.reads.items())},
        }
        validate_manifest(manifest)
        return manifest

    def summary(self) -> dict[str, Any]:
        """A small dict for ``%promote status`` (no environment scan, no git call)."""
        return {
            "seed": self.seeds.seed if self.seeds else None,
            "seeded_libraries": list(self.seeds.libraries) if self.seeds else [],
            "user_seeded": self.user_seeded,
            "unseeded_cells": [dict(cell) for cell in self.unseeded_cells],
            "data": {name: dict(entry) for name, entry in sorted(self.data.items())},
            "environment": None if self.environment is None else {
                "python": self.environment["python"], "platform": self.environment["platform"],
                "packages": len(self.environment["packages"]), "lock_hash": self.environment["lock_hash"],
                "lock_path": self.lock_path,
            },
            "cells_run": len(self.execution),
            "failed_runs": sum(1 for run in self.execution if not run[4]),
            "execution": self.execution_records()[-10:],
            "warnings": list(self.warnings),
        }


# scan_cell returns this shared object for cells with nothing to look at.
_NOTHING = scan_cell("")
