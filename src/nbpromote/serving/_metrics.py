"""``GET /metrics``: Prometheus text from :mod:`prometheus_client`, one registry per service.

Series (all prefixed ``nbpromote_serving_``): ``requests_total{version,status}``,
``rows_total{version}``, ``request_latency_seconds{version}`` (histogram),
``validation_failures_total{rule}``, ``fallbacks_total{reason}``,
``shadow_rows_total{version}``, ``shadow_disagreements_total{version}``,
``canary_stops_total{reason}``, ``reloads_total``, ``log_records_written``,
and the drift of a rolling window of live inputs against the reference profile:
``drift_psi{feature}``, ``drift_status{feature}`` (0 stable, 1 watch, 2 act), ``drift_window_rows``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

__all__ = ["ServiceMetrics", "DriftWindow"]

_STATUS = {"stable": 0, "watch": 1, "act": 2}


class DriftWindow:
    """The last ``size`` valid input rows; drift against the profile computed at most every ``every`` s."""

    def __init__(self, size: int = 1000, every: float = 5.0, min_rows: int = 50) -> None:
        self.size, self.every, self.min_rows = size, every, min_rows
        self._frames: deque[Any] = deque()
        self._rows = 0
        self._lock = threading.Lock()
        self._computed_at = 0.0
        self._result: dict[str, Any] | None = None

    def add(self, frame: Any) -> None:
        if frame is None or not len(frame):
            return
        with self._lock:
            self._frames.append(frame)
            self._rows += len(frame)
            while self._frames and self._rows - len(self._frames[0]) >= self.size:
                self._rows -= len(self._frames.popleft())

    @property
    def rows(self) -> int:
        return self._rows

    def report(self, profile: Any) -> dict[str, Any] | None:
        """``{feature: {psi, status}}`` of the window (cached for ``every`` seconds)."""
        now = time.monotonic()
        with self._lock:
            if self._rows < self.min_rows:
                return None
            if self._result is not None and now - self._computed_at < self.every:
                return self._result
            import pandas as pd

            window = pd.concat(list(self._frames), ignore_index=True).tail(self.size)
        from ..monitor import drift_report

        features = [c for c in profile.features if c in window.columns]
        report = drift_report(profile, window[features], allow_extra=True).to_dict()
        result = {name: {"psi": info.get("psi"), "status": info.get("status")}
                  for name, info in (report.get("features") or {}).items()}
        with self._lock:
            self._result, self._computed_at = result, now
        return result


class ServiceMetrics:
    """The service's counters and histograms (a private :class:`prometheus_client.CollectorRegistry`)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        p = "nbpromote_serving_"
        r = self.registry
        self.requests = Counter(p + "requests_total", "Predict requests answered", ["version", "status"], registry=r)
        self.rows = Counter(p + "rows_total", "Rows scored", ["version"], registry=r)
        self.latency = Histogram(p + "request_latency_seconds", "Predict latency (request in to response out)",
                                 ["version"], registry=r,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
        self.validation = Counter(p + "validation_failures_total", "Rows rejected by the validation gate", ["rule"],
                                  registry=r)
        self.fallbacks = Counter(p + "fallbacks_total", "Rows answered by the fallback", ["reason"], registry=r)
        self.shadow_rows = Counter(p + "shadow_rows_total", "Rows scored by a shadow challenger", ["version"],
                                   registry=r)
        self.shadow_disagreements = Counter(p + "shadow_disagreements_total",
                                            "Rows where the shadow's prediction differs from the champion's",
                                            ["version"], registry=r)
        self.canary_stops = Counter(p + "canary_stops_total", "Canaries sent back to the champion", ["reason"],
                                    registry=r)
        self.reloads = Counter(p + "reloads_total", "Hot reloads of the Production version", registry=r)
        self.log_written = Gauge(p + "log_records_written", "Prediction-log records committed", registry=r)
        self.log_queued = Gauge(p + "log_records_queued", "Prediction-log records waiting to be committed",
                                registry=r)
        self.drift_psi = Gauge(p + "drift_psi", "PSI of the live input window against the reference", ["feature"],
                               registry=r)
        self.drift_status = Gauge(p + "drift_status", "0 stable, 1 watch, 2 act", ["feature"], registry=r)
        self.drift_rows = Gauge(p + "drift_window_rows", "Rows in the live drift window", registry=r)
        self.champion = Gauge(p + "champion_version", "The version answering by default", registry=r)

    def render(self, *, drift: dict[str, Any] | None, window_rows: int, log_stats: dict[str, Any] | None) -> bytes:
        from prometheus_client import generate_latest

        self.drift_rows.set(window_rows)
        for feature, info in (drift or {}).items():
            if info.get("psi") is not None:
                self.drift_psi.labels(feature).set(float(info["psi"]))
            self.drift_status.labels(feature).set(_STATUS.get(str(info.get("status")), -1))
        if log_stats:
            self.log_written.set(float(log_stats.get("written", 0)))
            self.log_queued.set(float(log_stats.get("queued", 0)))
        return generate_latest(self.registry)
