"""The scoring service's core, independent of the web framework: one :class:`Service` per process.

A request goes: routing (champion or canary, by the routing key) → validation gate (per row; any
bad row → 422 with every failing row, field and rule, nothing scored; ``partial`` scores the valid
rows) → the serving path (the package's own stage code) → the model, within the per-request
budget → fallback for rows the model could not answer (error, timeout, confidence under the
floor) → the answer, then off the response path: the prediction log, the shadow challenger, the
drift window and the canary's guardrails.

The champion follows the registry: a thread polls the Production version every
``reload_interval`` seconds and, when it changes (promotion or rollback), loads the new version
(hash verified), then swaps one reference: requests in flight finish on the version they started
with, the next ones get the new one, none is dropped.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NbpromoteError, ServingError
from ._challengers import Canary, FeedbackBook, Guardrails, Outcomes, ShadowBook
from ._gate import GateResult
from ._log import LogSettings, open_log
from ._metrics import DriftWindow, ServiceMetrics
from ._path import score
from ._slots import ModelSlot, load_fallback_rule, load_slot

__all__ = ["ServeConfig", "Service", "Answer"]

CLEAN_RECORDS_MAX = 200  # up to this many JSON records a plain-value look comes first (beyond, numpy per column is cheaper)


@dataclass
class ServeConfig:
    """Settings of ``python -m <pkg> serve`` (each is a command-line option of the same name)."""

    db: str | None = None
    store: Path | None = None
    version: str | None = None
    shadow: str | None = None
    canary: str | None = None
    share: float = 0.05
    timeout_ms: float = 1000.0
    min_confidence: float | None = None
    fallback: str = "previous"
    reload_interval: float = 2.0
    drift_window: int = 1000
    max_rows: int = 10_000
    log: LogSettings = field(default_factory=LogSettings)
    guardrails: Guardrails = field(default_factory=Guardrails)


@dataclass
class Answer:
    """What the web layer sends back: an HTTP status and a JSON body (+ headers)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: str, message: str, hint: str | None = None, override: str | None = None,
           **extra: Any) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message, "hint": hint, "override": override}, **extra})


def _plain_list(values: Any) -> list[Any]:
    if values is None:
        return []
    out = values.tolist() if hasattr(values, "tolist") else list(values)
    return [v.item() if hasattr(v, "item") else v for v in out]


class Service:
    """Champion, challengers, fallback, log and metrics of one pipeline's model."""

    def __init__(self, pipeline: Any, config: ServeConfig | None = None) -> None:
        self.pipeline = pipeline
        self.config = config or ServeConfig()
        self.champion: ModelSlot | None = None
        self.previous: ModelSlot | None = None
        self.shadow: ModelSlot | None = None
        self.canary: Canary | None = None
        self.rule: Any = None
        self.log: Any = None
        self.metrics = ServiceMetrics()
        self.window = DriftWindow(self.config.drift_window)
        self.shadows = ShadowBook()
        self.feedback = FeedbackBook()
        self.champion_outcomes = Outcomes()
        self.events: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="nbpromote-model")
        self._shadow_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nbpromote-shadow")
        self._shadow_pending = 0
        self._reloader: threading.Thread | None = None
        self.started_at = time.time()

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Service:
        from ..pipeline._store import ArtifactStore

        self.store = ArtifactStore(self.config.store)
        self.champion = load_slot(self.pipeline, self.store, self.config.db, self.config.version)
        self.metrics.champion.set(self.champion.version)
        fallback = self.config.fallback
        if fallback.startswith("rule:"):
            self.rule = load_fallback_rule(fallback[len("rule:"):])
        elif fallback == "previous":
            self.previous = self._previous_production()
        elif fallback != "none":
            raise ServingError(f"--fallback {fallback!r}: use 'previous', 'none' or 'rule:module:function'.")
        self.log = open_log(self.config.log)
        if self.config.shadow:
            self.set_shadow(self.config.shadow, actor="serve --shadow")
        if self.config.canary:
            self.set_canary(self.config.canary, self.config.share, actor="serve --canary")
        if self.config.reload_interval > 0 and self.config.version is None:
            self._reloader = threading.Thread(target=self._watch, name="nbpromote-reload", daemon=True)
            self._reloader.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._reloader is not None:
            self._reloader.join(timeout=5)
        self._shadow_pool.shutdown(wait=True)
        self._pool.shutdown(wait=False)
        if self.log is not None:
            self.log.close()
            self.log = None

    def _previous_production(self) -> ModelSlot | None:
        from ..registry import open_registry

        registry = open_registry(self.config.db)
        try:
            finder = getattr(registry, "rollback_target", None)  # not every backend has it
            target = finder(self.pipeline.name) if finder is not None else None
        except NbpromoteError:
            target = None
        finally:
            registry.close()
        if target is None or self.champion is None or int(target.version) == self.champion.version:
            return None
        try:
            return load_slot(self.pipeline, self.store, self.config.db, target.version)
        except NbpromoteError:
            return None

    def _event(self, kind: str, **data: Any) -> None:
        event = {"event": kind, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **data}
        with self._lock:
            self.events.append(event)
            del self.events[:-200]
        if self.log is not None:
            champion = self.champion
            self.log.record(model=self.pipeline.name, version=champion.version if champion else 0,
                            artifact_hash=champion.artifact_hash if champion else "", outputs=None,
                            inputs=None, latency_ms=None, extra={"role": "event", **event})

    # --- hot reload --------------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(self.config.reload_interval):
            try:
                self.reload()
            except NbpromoteError as exc:  # keep serving the current version; say why
                self._event("reload_failed", reason=str(exc))

    def reload(self) -> bool:
        """Switch to the registry's Production version if it changed; True when it switched."""
        from ..registry import open_registry

        registry = open_registry(self.config.db)
        try:
            live = registry.live(self.pipeline.name)
        finally:
            registry.close()
        current = self.champion
        if live is None or current is None or int(live.version) == current.version:
            return False
        new = load_slot(self.pipeline, self.store, self.config.db, live.version)  # hash verified here
        if self.shadow is not None and self.shadow.version == new.version:
            # The shadow run is the promoted version's evidence: keep it in the chain beside the switch.
            self._event("shadow_evidence", evidence=self.shadow_evidence())
        with self._lock:
            old, self.champion = self.champion, new
            if self.config.fallback == "previous" and old is not None:
                self.previous = old
            if self.shadow is not None and self.shadow.version == new.version:
                self.shadow = None
            if self.canary is not None and self.canary.slot.version == new.version:
                self.canary = None
        self.metrics.reloads.inc()
        self.metrics.champion.set(new.version)
        self._event("reload", from_version=old.version if old else None, to_version=new.version,
                    artifact_hash=new.artifact_hash)
        return True

    # --- challengers -------------------------------------------------------------------------
    def set_shadow(self, version: Any, *, actor: str = "api") -> dict[str, Any]:
        if version is None:
            with self._lock:
                stopped, self.shadow = self.shadow, None
            self._event("shadow_stopped", version=stopped.version if stopped else None, actor=actor)
            return self.shadow_evidence()
        slot = load_slot(self.pipeline, self.store, self.config.db, version)
        with self._lock:
            self.shadow = slot
        self._event("shadow_started", version=slot.version, artifact_hash=slot.artifact_hash, actor=actor)
        return self.shadow_evidence()

    def promote_shadow(self, *, reason: str, actor: str = "api", approve: bool = False, metric: str | None = None,
                       delta: float | None = None) -> dict[str, Any]:
        """Promote the shadow version through the registry's gate with the shadow evidence attached.

        The gate decides on holdout metrics as always; the evidence is recorded in the transition
        (and its audit record). On success the service switches to the new champion at once.
        Raises the registry's error (``GateRejectedError`` with ``.gate``) when refused.
        """
        from ..registry import open_registry

        shadow = self.shadow
        if shadow is None:
            raise ServingError("No shadow version is running, so there is no shadow evidence to promote with.",
                               hint='Start one first: POST /admin/shadow {"version": 4}.')
        evidence = self.shadow_evidence()
        registry = open_registry(self.config.db)
        try:
            transition = registry.promote(self.pipeline.name, shadow.version, reason=reason, actor=actor,
                                          approve=approve, metric=metric, delta=delta, evidence=evidence)
        finally:
            registry.close()
        self._event("shadow_promoted", version=shadow.version, actor=actor,
                    transition_id=getattr(transition, "id", None))
        switched = self.reload() if self.config.version is None else False
        return {"promoted": True, "switched": switched, "transition": transition.to_dict()}

    def set_canary(self, version: Any, share: float, *, actor: str = "api") -> dict[str, Any]:
        if version is None:
            with self._lock:
                stopped, self.canary = self.canary, None
            self._event("canary_stopped", version=stopped.slot.version if stopped else None, reason="by request",
                        actor=actor)
            return self.canary_state()
        if not 0 < share <= 0.5:
            raise ServingError(f"Canary share {share} must be in (0, 0.5].", hint="E.g. --share 0.05")
        slot = load_slot(self.pipeline, self.store, self.config.db, version)
        with self._lock:
            self.canary = Canary(slot=slot, share=share)
        self._event("canary_started", version=slot.version, share=share, artifact_hash=slot.artifact_hash,
                    actor=actor)
        return self.canary_state()

    def canary_state(self) -> dict[str, Any]:
        canary = self.canary
        if canary is None:
            stops = [e for e in self.events if e["event"] == "canary_stopped"]
            return {"active": False, "last_stop": stops[-1] if stops else None}
        return {"active": canary.stopped is None, "version": canary.slot.version, "share": canary.share,
                "stopped": canary.stopped, "outcomes": canary.outcomes.summary(),
                "champion_outcomes": self.champion_outcomes.summary()}

    def shadow_evidence(self) -> dict[str, Any]:
        """What the shadow run showed, per version: agreement with the champion, label estimates."""
        shadow, champion = self.shadow, self.champion
        return {
            "kind": "nbpromote.shadow_evidence", "schema_version": 1, "model": self.pipeline.name,
            "champion": champion.version if champion else None,
            "shadow": shadow.version if shadow else None,
            "agreement": self.shadows.to_dict(), "feedback": self.feedback.estimates(),
        }

    def _check_canary(self, canary: Canary) -> None:
        reason = self.config.guardrails.breach(canary.outcomes.summary(), self.champion_outcomes.summary())
        if reason is None or canary.stopped is not None:
            return
        with self._lock:
            canary.stopped = reason
            if self.canary is canary:
                self.canary = None
        self.metrics.canary_stops.labels(reason.split(" ")[0]).inc()
        self._event("canary_stopped", version=canary.slot.version, reason=f"guardrail breach: {reason}",
                    actor="guardrail")

    # --- feedback ----------------------------------------------------------------------------
    def add_feedback(self, request_id: str, labels: list[Any]) -> Answer:
        added = self.feedback.label(request_id, labels)
        if added < 0:
            return _error(404, "unknown_request", f"No answer with request id {request_id!r} is kept.",
                          hint="Send labels for request ids this service answered (the most recent 100,000).")
        self._event("feedback", request_id=request_id, labels=labels)
        return Answer(200, {"request_id": request_id, "pairs": added, "estimates": self.feedback.estimates()})

    # --- predict -----------------------------------------------------------------------------
    def column_order(self) -> list[str] | None:
        """The champion's model columns, in its order: how the web layer lays out a request's frame."""
        champion = self.champion
        return champion.features.columns if champion is not None else None

    def predict(self, frame: Any, **options: Any) -> Answer:
        """Score ``frame`` (one row per record); see the module docstring for the path of a request.

        Options: ``request_id``, ``routing_key``, ``partial`` (score the valid rows, report the
        others), ``inputs_hash``, ``started`` (``perf_counter`` when the request arrived) and
        ``records``: the JSON records ``frame`` was built from, which let the gate pass a small
        clean request without per-column pandas work (:meth:`RowGate.clean_records`); anything it
        is not sure of is checked on the frame. The model runs in the service's pool within the
        per-request budget (``timeout_ms``).
        """
        steps, outcome = _Steps(self._predict(frame, **options)), None
        while (call := _resume(steps, outcome)) is not None:
            try:
                outcome = self._score(*call)
            except Exception as exc:  # noqa: BLE001 - handed to the request's own handling
                outcome = _Raised(exc)
        return steps.result()

    async def predict_async(self, frame: Any, **options: Any) -> Answer:
        """:meth:`predict` for an event loop: the same steps, run on the loop's thread, the model
        in the service's pool (awaited, within the budget). The web layer uses it for small
        requests, whose gate and feature steps cost less than a hand-over to a worker thread."""
        steps, outcome = _Steps(self._predict(frame, **options)), None
        while (call := _resume(steps, outcome)) is not None:
            try:
                outcome = await self._score_async(*call)
            except Exception as exc:  # noqa: BLE001 - handed to the request's own handling
                outcome = _Raised(exc)
        return steps.result()

    def _predict(self, frame: Any, *, request_id: str | None = None, routing_key: str | None = None,
                 partial: bool = False, inputs_hash: str | None = None, started: float | None = None,
                 records: Sequence[Mapping[str, Any]] | None = None) -> Generator[Any, Any, Answer]:
        """The steps of a request; yields ``(model, X, budgeted)`` where a model must score ``X`` and
        receives its :class:`Scores` (or the exception it raised, thrown in)."""
        t0 = started if started is not None else time.perf_counter()
        request_id = request_id or uuid.uuid4().hex
        champion = self.champion
        if champion is None:
            return _error(503, "not_ready", "No model is loaded yet.", hint="Retry once GET /ready answers 200.")
        if len(frame) == 0:
            return _error(400, "empty_request", "The request has no rows.", hint="Send at least one record.")
        if len(frame) > self.config.max_rows:
            return _error(413, "too_many_rows", f"{len(frame)} rows > the limit of {self.config.max_rows}.",
                          hint="Split the batch or raise --max-rows.")
        canary = self.canary
        slot, role = champion, "champion"
        if canary is not None and canary.takes(routing_key or request_id):
            slot, role = canary.slot, "canary"
        import pandas as pd

        index = frame.index
        if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
            frame = frame.reset_index(drop=True)  # rows are answered by position 0..n-1
        timings: dict[str, float] = {}
        t = time.perf_counter()
        if records is not None and len(records) <= CLEAN_RECORDS_MAX and slot.gate.clean_records(records):
            gate = GateResult(rows=len(frame))
        else:
            gate = slot.gate.check(frame)
        timings["validation_ms"] = (time.perf_counter() - t) * 1000
        for rule in gate.rules():
            self.metrics.validation.labels(rule).inc()
        outcomes = canary.outcomes if role == "canary" and canary is not None else self.champion_outcomes
        if not gate.ok and (not partial or not gate.valid):
            latency = (time.perf_counter() - t0) * 1000
            outcomes.add(latency, False, True)
            self.metrics.requests.labels(str(slot.version), "422").inc()
            self._record(request_id, slot, role, None, inputs_hash, latency, status=422, invalid=gate.to_list())
            if role == "canary" and canary is not None:
                self._check_canary(canary)
            bad = len(gate.errors)
            return _error(422, "validation_failed",
                          f"{bad} of {len(frame)} row(s) failed validation against the reference profile of "
                          f"{self.pipeline.name} v{slot.version}; nothing was scored.",
                          hint="Fix the listed fields, or add ?partial=true to score the valid rows only.",
                          override="?partial=true", request_id=request_id, rows=gate.to_list())
        valid = gate.valid
        results: dict[int, dict[str, Any]] = {}
        error = False
        fallback_reason: dict[int, str] = {}
        scored_pred: list[Any] = []
        scored_score: list[Any] | None = None
        if valid:
            sub = frame.iloc[valid] if len(valid) != len(frame) else frame
            t = time.perf_counter()
            X: Any = None
            dropped: list[int] = []
            feature_error: str | None = None
            try:
                X, dropped = slot.features(sub)
            except Exception as exc:  # the notebook's own stage code failed on these rows
                feature_error = f"feature stage error: {type(exc).__name__}: {exc}"
            timings["features_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            scores = None
            if feature_error is None:
                kept = [valid[i] for i in range(len(valid)) if i not in set(dropped)]
                for i in dropped:
                    results[valid[i]] = {"row": valid[i], "error": "row removed by the serving path's stages"}
                try:
                    scores = yield (slot.model, X, True)
                except FutureTimeout:
                    reason = f"timeout ({self.config.timeout_ms:g} ms)"
                except Exception as exc:  # the model raised: fall back, never a 500
                    reason = f"model error: {type(exc).__name__}: {exc}"
                else:
                    reason = ""
            else:
                kept, reason = list(valid), feature_error
            timings["model_ms"] = (time.perf_counter() - t) * 1000
            if scores is None:
                error = True
                for row in kept:
                    fallback_reason[row] = reason
            else:
                preds = _plain_list(scores.prediction)
                score_list = _plain_list(scores.score) if scores.score is not None else None
                conf = _plain_list(scores.confidence) if scores.confidence is not None else None
                floor = self.config.min_confidence
                for i, row in enumerate(kept):
                    if floor is not None and conf is not None and conf[i] < floor:
                        fallback_reason[row] = f"confidence {conf[i]:.3f} < {floor:g}"
                        continue
                    entry = {"row": row, "prediction": preds[i], "version": slot.version}
                    if score_list is not None:
                        entry["score"] = score_list[i]
                    results[row] = entry
                scored_pred = [results[r]["prediction"] for r in kept if r in results and "prediction" in results[r]]
                scored_score = score_list
            if fallback_reason:
                yield from self._fall_back(frame, fallback_reason, results)
        for row, problems in gate.errors.items():
            results[row] = {"row": row, "errors": problems}
        rows = [results[i] for i in range(len(frame))]
        answered = [r for r in rows if "prediction" in r]
        unanswered = [r for r in rows if "prediction" not in r and "errors" not in r]
        latency = (time.perf_counter() - t0) * 1000
        status = 200 if not unanswered else (503 if not answered else 200)
        t = time.perf_counter()
        self._record(request_id, slot, role, rows, inputs_hash, latency, status=status)
        timings["logging_ms"] = (time.perf_counter() - t) * 1000
        outcomes.add(latency, error, not gate.ok)
        self.metrics.requests.labels(str(slot.version), str(status)).inc()
        self.metrics.rows.labels(str(slot.version)).inc(len(answered))
        self.metrics.latency.labels(str(slot.version)).observe(latency / 1000)
        if role == "canary" and canary is not None:
            self._check_canary(canary)
        if valid:
            self.window.add(frame.iloc[valid] if len(valid) != len(frame) else frame)
            kept_rows = [r["row"] for r in answered if r.get("version") == slot.version and not r.get("fallback")]
            self.feedback.remember(request_id, slot.version, [results[r]["prediction"] for r in kept_rows],
                                   [results[r].get("score") for r in kept_rows] if scored_score is not None else None,
                                   kept_rows)
            shadow = self.shadow
            if shadow is not None and role == "champion" and scored_pred:
                self._submit_shadow(shadow, frame, kept_rows, [results[r]["prediction"] for r in kept_rows],
                                    request_id, inputs_hash)
        body = {"request_id": request_id, "model": self.pipeline.name, "version": slot.version,
                "artifact_sha256": slot.artifact_hash, "role": role, "predictions": rows,
                "latency_ms": round(latency, 3), "timings_ms": {k: round(v, 3) for k, v in timings.items()}}
        if status == 503:
            body["error"] = {"code": "model_unavailable", "message": rows[0].get("error", "no answer"),
                             "hint": "Configure --fallback (previous or rule:module:function).", "override": None}
        return Answer(status, body, {"X-Request-Id": request_id, "X-Model-Version": str(slot.version)})

    def _score(self, model: Any, X: Any, budgeted: bool) -> Any:
        budget = self.config.timeout_ms if budgeted else None
        if not budget or budget <= 0:
            return score(model, X)
        return self._pool.submit(score, model, X).result(timeout=budget / 1000)

    async def _score_async(self, model: Any, X: Any, budgeted: bool) -> Any:
        import asyncio

        budget = self.config.timeout_ms if budgeted else None
        future = asyncio.get_running_loop().run_in_executor(self._pool, score, model, X)
        if not budget or budget <= 0:
            return await future
        try:
            return await asyncio.wait_for(future, budget / 1000)
        except asyncio.TimeoutError:
            raise FutureTimeout() from None

    def _fall_back(self, frame: Any, reasons: dict[int, str],
                   results: dict[int, dict[str, Any]]) -> Generator[Any, Any, None]:
        rows = sorted(reasons)
        sub = frame.iloc[rows]
        by: str | None = None
        predictions: list[Any] | None = None
        scores_out: list[Any] | None = None
        try:
            if self.rule is not None:
                predictions, by = _plain_list(self.rule(sub.reset_index(drop=True))), "rule"
            elif self.previous is not None:
                X, _dropped = self.previous.features(sub)
                s = yield (self.previous.model, X, False)  # no budget: the fallback must answer
                predictions = _plain_list(s.prediction)
                scores_out = _plain_list(s.score) if s.score is not None else None
                by = f"v{self.previous.version}"
        except Exception as exc:  # the fallback failed too: those rows get an error, not a 500
            predictions, by = None, f"fallback failed: {type(exc).__name__}: {exc}"
        for i, row in enumerate(rows):
            kind = reasons[row].split(" ")[0].split(":")[0]
            if predictions is None or i >= len(predictions):
                results[row] = {"row": row, "error": f"{reasons[row]}; no fallback answered ({by or 'none configured'})"}
                continue
            entry = {"row": row, "prediction": predictions[i], "fallback": {"reason": reasons[row], "by": by}}
            if by and by.startswith("v") and self.previous is not None:
                entry["version"] = self.previous.version
            if scores_out is not None:
                entry["score"] = scores_out[i]
            results[row] = entry
            self.metrics.fallbacks.labels(kind).inc()

    def _record(self, request_id: str, slot: ModelSlot, role: str, rows: Any, inputs_hash: str | None,
                latency: float, *, status: int, **extra: Any) -> None:
        if self.log is None:
            return
        self.log.record(model=self.pipeline.name, version=slot.version, artifact_hash=slot.artifact_hash,
                        outputs=rows, inputs_hash=inputs_hash, request_id=request_id,
                        latency_ms=round(latency, 3), extra={"role": role, "status": status, **extra})

    # --- shadow ------------------------------------------------------------------------------
    def _submit_shadow(self, shadow: ModelSlot, frame: Any, rows: list[int], champion: list[Any],
                       request_id: str, inputs_hash: str | None) -> None:
        with self._lock:
            if self._shadow_pending >= 1000:
                self.shadows.error(shadow.version)
                return
            self._shadow_pending += 1
        self._shadow_pool.submit(self._run_shadow, shadow, frame.iloc[rows], rows, champion, request_id, inputs_hash)

    def _run_shadow(self, shadow: ModelSlot, sub: Any, rows: list[int], champion: list[Any], request_id: str,
                    inputs_hash: str | None) -> None:
        t = time.perf_counter()
        try:
            X, _dropped = shadow.features(sub)
            s = score(shadow.model, X)
            preds = _plain_list(s.prediction)
            scores_out = _plain_list(s.score) if s.score is not None else None
            disagree = self.shadows.add(shadow.version, champion, preds)
            self.metrics.shadow_rows.labels(str(shadow.version)).inc(len(preds))
            self.metrics.shadow_disagreements.labels(str(shadow.version)).inc(disagree)
            self.feedback.remember(request_id, shadow.version, preds, scores_out, rows)
            if self.log is not None:
                outputs = [{"row": r, "prediction": p, **({"score": scores_out[i]} if scores_out else {})}
                           for i, (r, p) in enumerate(zip(rows, preds, strict=False))]
                self.log.record(model=self.pipeline.name, version=shadow.version, artifact_hash=shadow.artifact_hash,
                                outputs=outputs, inputs_hash=inputs_hash, request_id=request_id,
                                latency_ms=round((time.perf_counter() - t) * 1000, 3),
                                extra={"role": "shadow", "disagreements": disagree})
        except Exception:  # a failing shadow never affects the service; it is counted  # noqa: BLE001
            self.shadows.error(shadow.version)
        finally:
            with self._lock:
                self._shadow_pending -= 1

    # --- read-only views ---------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        champion = self.champion
        if champion is None:
            return {"model": self.pipeline.name, "ready": False}
        profile = champion.profile
        schema = {name: {k: col.get(k) for k in ("kind", "dtype", "min", "max", "null_fraction") if k in col}
                  | ({"categories": sorted(col.get("categories") or {})} if col.get("kind") == "categorical" else {})
                  for name, col in profile.columns.items() if col.get("role") == "feature"}
        return {
            "model": self.pipeline.name, "version": champion.version, "artifact_sha256": champion.artifact_hash,
            "pipeline_version": self.pipeline.version, "lineage": champion.lineage_summary(),
            "metrics": champion.metrics, "features": schema, "target": profile.target,
            "serving_path": champion.features.path.to_dict(),
            "fallback": {"mode": self.config.fallback, "previous": self.previous.version if self.previous else None,
                         "timeout_ms": self.config.timeout_ms, "min_confidence": self.config.min_confidence},
            "shadow": self.shadow.version if self.shadow else None, "canary": self.canary_state(),
            "log": self.config.log.to_dict(), "events": self.events[-20:],
        }

    def render_metrics(self) -> bytes:
        champion = self.champion
        drift = None
        if champion is not None:
            try:
                drift = self.window.report(champion.profile)
            except NbpromoteError:
                drift = None
        stats = self.log.stats() if self.log is not None else None
        return self.metrics.render(drift=drift, window_rows=self.window.rows, log_stats=stats)


@dataclass
class _Raised:
    """What a model call raised, to be thrown into the request's steps."""

    error: Exception


class _Steps:
    """A request's steps (a generator) and, once they finish, their answer."""

    def __init__(self, generator: Generator[Any, Any, Answer]) -> None:
        self.generator = generator
        self.answer: Answer | None = None

    def result(self) -> Answer:
        assert self.answer is not None, "the steps have not finished"
        return self.answer


def _resume(steps: _Steps, outcome: Any) -> Any:
    """Hand ``outcome`` (the model's scores, or what it raised) to the steps; the next model call
    they need, or None when they are done (their answer is then ``steps.answer``)."""
    try:
        if isinstance(outcome, _Raised):
            return steps.generator.throw(outcome.error)
        return steps.generator.send(outcome)
    except StopIteration as done:
        steps.answer = done.value
        return None


def body_hash(data: bytes) -> str:
    """The request's input hash (``sha256:`` of the body bytes), what the log keeps by default."""
    return "sha256:" + hashlib.sha256(data).hexdigest()
