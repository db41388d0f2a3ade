"""Challengers: shadow agreement, canary routing and guardrails, and label feedback.

* **Shadow**: the challenger scores the same valid rows off the response path; per version we
  count rows and agreements (same predicted class, or for regressors the same value to 1e-9) and
  keep the outputs by request id so labels arriving later (``POST /feedback``) give metric
  estimates for both versions on the same rows.
* **Canary**: ``route(key)`` is deterministic: ``sha256(key)`` as a number in [0, 1) below
  ``share`` goes to the challenger. The canary's guardrails are checked after each of its requests
  once ``min_requests`` have been seen: error rate (model errors, timeouts, fallbacks), latency p99
  against the champion's (``max(p99_factor × champion p99, p99_floor_ms)``) and the validation
  failure rate against the champion's (+ ``max_validation_excess``). A breach stops the canary:
  everything goes back to the champion, and the reason is recorded.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["route_fraction", "Canary", "Guardrails", "Outcomes", "FeedbackBook", "ShadowBook"]


def route_fraction(key: str) -> float:
    """The routing key's deterministic position in [0, 1)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Outcomes:
    """A rolling window of one version's request outcomes (latency, error, validation failure)."""

    def __init__(self, size: int = 500) -> None:
        self._items: deque[tuple[float, bool, bool]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, latency_ms: float, error: bool, invalid: bool) -> None:
        with self._lock:
            self._items.append((latency_ms, error, invalid))

    def summary(self) -> dict[str, Any]:
        with self._lock:
            items = list(self._items)
        if not items:
            return {"requests": 0, "error_rate": 0.0, "validation_rate": 0.0, "p99_ms": None, "p50_ms": None}
        latencies = sorted(i[0] for i in items)

        def q(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

        return {"requests": len(items), "error_rate": sum(i[1] for i in items) / len(items),
                "validation_rate": sum(i[2] for i in items) / len(items), "p99_ms": q(0.99), "p50_ms": q(0.5)}


@dataclass
class Guardrails:
    """When a canary goes back to the champion."""

    max_error_rate: float = 0.05
    p99_factor: float = 3.0
    p99_floor_ms: float = 250.0
    max_validation_excess: float = 0.1
    min_requests: int = 20

    def breach(self, canary: dict[str, Any], champion: dict[str, Any]) -> str | None:
        if canary["requests"] < self.min_requests:
            return None
        if canary["error_rate"] > self.max_error_rate:
            return (f"error rate {canary['error_rate']:.1%} over {canary['requests']} requests "
                    f"> {self.max_error_rate:.1%}")
        limit = max(self.p99_factor * (champion["p99_ms"] or 0.0), self.p99_floor_ms)
        if canary["p99_ms"] is not None and canary["p99_ms"] > limit:
            return f"latency p99 {canary['p99_ms']:.1f} ms > {limit:.1f} ms"
        excess = canary["validation_rate"] - champion["validation_rate"]
        if excess > self.max_validation_excess:
            return (f"validation failures {canary['validation_rate']:.1%} vs champion "
                    f"{champion['validation_rate']:.1%}")
        return None


@dataclass
class Canary:
    """A challenger taking a deterministic share of the traffic."""

    slot: Any
    share: float
    outcomes: Outcomes = field(default_factory=Outcomes)
    stopped: str | None = None

    def takes(self, key: str) -> bool:
        return self.stopped is None and route_fraction(key) < self.share


class ShadowBook:
    """Per shadow version: rows scored, agreements, score differences."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.versions: dict[int, dict[str, Any]] = {}

    def add(self, version: int, champion: list[Any], challenger: list[Any]) -> int:
        agree = sum(1 for a, b in zip(champion, challenger, strict=False) if _same(a, b))
        with self._lock:
            entry = self.versions.setdefault(version, {"rows": 0, "agree": 0, "errors": 0})
            entry["rows"] += len(challenger)
            entry["agree"] += agree
        return len(challenger) - agree

    def error(self, version: int) -> None:
        with self._lock:
            self.versions.setdefault(version, {"rows": 0, "agree": 0, "errors": 0})["errors"] += 1

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {str(v): {**e, "agreement": (e["agree"] / e["rows"]) if e["rows"] else None}
                    for v, e in self.versions.items()}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-9
        except (TypeError, ValueError):
            return False
    return bool(a == b)


class FeedbackBook:
    """Outputs kept by request id (bounded), and the labels that arrive for them."""

    def __init__(self, keep: int = 100_000) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._outputs: OrderedDict[str, dict[int, dict[str, list[Any]]]] = OrderedDict()
        self._pairs: dict[int, list[tuple[Any, Any, Any]]] = {}

    def remember(self, request_id: str, version: int, predictions: list[Any], scores: list[Any] | None,
                 rows: list[int]) -> None:
        with self._lock:
            entry = self._outputs.setdefault(request_id, {})
            entry[version] = {"prediction": predictions, "score": scores or [None] * len(predictions), "rows": rows}
            self._outputs.move_to_end(request_id)
            while len(self._outputs) > self.keep:
                self._outputs.popitem(last=False)

    def label(self, request_id: str, labels: list[Any]) -> int:
        """Attach labels (one per request row, None to skip a row); returns pairs added, -1 if unknown."""
        with self._lock:
            entry = self._outputs.get(request_id)
            if entry is None:
                return -1
            added = 0
            for version, out in entry.items():
                for prediction, score, row in zip(out["prediction"], out["score"], out["rows"], strict=False):
                    if row < len(labels) and labels[row] is not None:
                        self._pairs.setdefault(version, []).append((labels[row], prediction, score))
                        added += 1
            return added

    def estimates(self) -> dict[str, Any]:
        """Per version: labelled rows, accuracy and ROC AUC (when scores and both classes exist)."""
        with self._lock:
            pairs = {v: list(p) for v, p in self._pairs.items()}
        out: dict[str, Any] = {}
        for version, items in pairs.items():
            labels = [p[0] for p in items]
            preds = [p[1] for p in items]
            entry: dict[str, Any] = {"labelled_rows": len(items),
                                     "accuracy": sum(1 for a, b in zip(labels, preds, strict=False) if _same(a, b))
                                     / len(items)}
            scores = [p[2] for p in items]
            if all(s is not None for s in scores) and len(set(map(str, labels))) == 2:
                from sklearn.metrics import roc_auc_score

                try:
                    entry["roc_auc"] = float(roc_auc_score(labels, scores))
                except ValueError:
                    pass
            out[str(version)] = entry
        return out
