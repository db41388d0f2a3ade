"""The HTTP face of a :class:`~nbpromote.serving._service.Service`: a Starlette application.

=================  ======  ==================================================================
route              method  answer
=================  ======  ==================================================================
/predict           POST    JSON records (``[{…}]``, ``{"records": […]}``, ``{"dataframe_records": […]}``,
                           ``{"columns": […], "data": […]}``) or a CSV body (``text/csv``); one result
                           per row; ``?partial=true`` scores the valid rows; ``X-Request-Id`` and
                           ``X-Routing-Key`` headers are honoured
/health            GET     liveness (the process answers)
/ready             GET     200 once the model is loaded and its sha256 verified, else 503
/metadata          GET     model, version, artifact sha256, lineage summary, feature schema …
/metrics           GET     Prometheus text
/feedback          POST    ``{"request_id", "label"}`` or ``{"request_id", "labels": […]}`` (or a list)
/admin/shadow      GET     shadow evidence (agreement, label estimates); POST ``{"version"}`` starts
                           one, ``{"version": null}`` stops it
/admin/shadow/     POST    ``{"reason", "actor"?, "approve"?, "metric"?, "delta"?}`` promotes the shadow version through the
promote                    registry's gate with the current shadow evidence attached (recorded in the
                           transition and the audit log); 200 with the transition, or the gate's
                           refusal as the error body (409, ``"gate"`` beside ``"error"``)
/admin/canary      GET     canary state; POST ``{"version", "share"}`` starts one, ``{"version": null}`` stops it
/admin/reload      POST    check the registry's Production version now
=================  ======  ==================================================================

Every error is the product's JSON error body ``{"error": {"code", "message", "hint", "override"}}``
with a 4xx/5xx status, never a traceback.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Sequence
from typing import Any

from ..errors import NbpromoteError
from ._service import Answer, Service, _error, body_hash

__all__ = ["create_app", "parse_frame", "parse_request"]

LOOP_ROWS = 100  # requests up to this many rows are validated and prepared on the event loop


class BadRequest(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def parse_frame(body: bytes, content_type: str, order: Sequence[str] | None = None) -> Any:
    """A DataFrame from a JSON or CSV request body (raises :class:`BadRequest`).

    Values are read by pandas as batch ``predict`` reads them (text keeps pandas' default dtype,
    the one ``read_csv`` gives), so both hand the model the same frame. JSON records are laid out
    with the columns named in ``order`` first, in that order (the model's columns: the serving
    path then need not copy them into that order), then any others as they come.
    """
    return parse_request(body, content_type, order)[0]


def parse_request(body: bytes, content_type: str, order: Sequence[str] | None = None) -> tuple[Any, list[Any] | None]:
    """``(frame, records)``: :func:`parse_frame`'s frame, and the JSON records it was built from
    (None for CSV and column/data bodies), which the validation gate can look at cheaply."""
    import pandas as pd

    if "csv" in content_type:
        try:
            return pd.read_csv(io.BytesIO(body)), None
        except (ValueError, pd.errors.ParserError) as exc:
            raise BadRequest(f"The CSV body cannot be read: {exc}.", "Send a header row, then one row per record.") from None
    try:
        doc = json.loads(body or b"null")
    except ValueError as exc:
        raise BadRequest(f"The body is not JSON: {exc}.", "Send JSON records, or a CSV body with Content-Type text/csv.") from None
    if isinstance(doc, dict):
        for key in ("records", "dataframe_records", "instances"):
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
        else:
            split = doc.get("dataframe_split", doc)
            if isinstance(split, dict) and isinstance(split.get("columns"), list) and isinstance(split.get("data"), list):
                return pd.DataFrame(split["data"], columns=split["columns"]), None
            doc = [doc]  # one record
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise BadRequest("The body must be JSON records: a list of objects (one per row).",
                         'E.g. [{"age": 41, "income": 52000, …}] or {"records": […]}.')
    if order:
        keys = dict.fromkeys(key for record in doc for key in record)
        first = [c for c in order if c in keys]
        taken = set(first)
        return pd.DataFrame.from_records(doc, columns=first + [k for k in keys if k not in taken]), doc
    return pd.DataFrame.from_records(doc), doc


def create_app(service: Service) -> Any:
    """The Starlette application serving ``service`` (started and closed with the app)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def respond(answer: Answer) -> Response:
        return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)

    def failure(exc: Exception) -> Response:
        if isinstance(exc, NbpromoteError):
            return respond(_error(400 if exc.exit_code == 2 else 409, type(exc).__name__, exc.message, exc.hint))
        # never a traceback to the client; the reason stays visible
        return respond(_error(500, "internal_error", f"{type(exc).__name__}: {exc}",
                              "This is a bug in the service; the request was not scored."))

    async def guarded(func: Any, *args: Any, **kwargs: Any) -> Response:
        try:
            return respond(await run_in_threadpool(func, *args, **kwargs))
        except Exception as exc:  # noqa: BLE001
            return failure(exc)

    async def predict(request: Request) -> Response:
        t0 = time.perf_counter()
        body = await request.body()
        try:
            frame, rows = parse_request(body, request.headers.get("content-type", ""), service.column_order())
        except BadRequest as exc:
            return respond(_error(400, "bad_request", exc.message, exc.hint))
        partial = request.query_params.get("partial", "").lower() in ("1", "true", "yes")
        options = {"request_id": request.headers.get("x-request-id"), "routing_key": request.headers.get("x-routing-key"),
                   "partial": partial, "inputs_hash": body_hash(body), "started": t0, "records": rows}
        if len(frame) > LOOP_ROWS:  # the gate and feature steps of a big request run in a worker thread
            return await guarded(service.predict, frame, **options)
        try:  # a small request's steps cost less than a thread hand-over: on the loop, the model in the pool
            return respond(await service.predict_async(frame, **options))
        except Exception as exc:  # noqa: BLE001
            return failure(exc)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "uptime_s": round(time.time() - service.started_at, 3)})

    async def ready(request: Request) -> Response:
        champion = service.champion
        if champion is None:
            return respond(_error(503, "not_ready", "The model is not loaded yet.", "Retry in a moment."))
        return JSONResponse({"ready": True, "model": champion.name, "version": champion.version,
                             "artifact_sha256": champion.artifact_hash, "hash_verified": True})

    async def metadata(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(service.metadata))

    async def metrics(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(await run_in_threadpool(service.render_metrics), media_type=CONTENT_TYPE_LATEST)

    async def json_body(request: Request) -> Any:
        try:
            return json.loads(await request.body() or b"null")
        except ValueError as exc:
            raise BadRequest(f"The body is not JSON: {exc}.", "Send a JSON object.") from None

    async def feedback(request: Request) -> Response:
        try:
            doc = await json_body(request)
        except BadRequest as exc:
            return respond(_error(400, "bad_request", exc.message, exc.hint))
        items = doc if isinstance(doc, list) else [doc]
        answers = []
        for item in items:
            if not isinstance(item, dict) or "request_id" not in item or not ("label" in item or "labels" in item):
                return respond(_error(400, "bad_request", "Feedback needs a request_id and a label (or labels).",
                                      '{"request_id": "…", "label": 1} or {"request_id": "…", "labels": [1, 0]}'))
            labels = item["labels"] if "labels" in item else [item["label"]]
            answer = service.add_feedback(str(item["request_id"]), list(labels))
            if answer.status != 200:
                return respond(answer)
            answers.append(answer.body)
        return JSONResponse(answers[0] if len(answers) == 1 else {"accepted": answers})

    async def admin_shadow(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(service.shadow_evidence())
        try:
            doc = await json_body(request)
        except BadRequest as exc:
            return respond(_error(400, "bad_request", exc.message, exc.hint))
        if not isinstance(doc, dict) or "version" not in doc:
            return respond(_error(400, "bad_request", "Say which version to shadow.", '{"version": 4} or {"version": null}'))
        return await guarded(lambda: Answer(200, service.set_shadow(doc["version"], actor=str(doc.get("actor", "api")))))

    async def admin_shadow_promote(request: Request) -> Response:
        try:
            doc = await json_body(request)
        except BadRequest as exc:
            return respond(_error(400, "bad_request", exc.message, exc.hint))
        if not isinstance(doc, dict) or not isinstance(doc.get("reason"), str) or not doc["reason"].strip():
            return respond(_error(400, "bad_request", "Say why the shadow version should be promoted.",
                                  '{"reason": "shadow agreed 98% and beat the champion on labels"}'))
        delta = doc.get("delta")
        if delta is not None and (isinstance(delta, bool) or not isinstance(delta, (int, float))):
            return respond(_error(400, "bad_request", f"delta must be a number, got {delta!r}.", '{"delta": 0.01}'))
        try:
            body = await run_in_threadpool(
                service.promote_shadow, reason=doc["reason"], actor=str(doc.get("actor", "api")),
                approve=bool(doc.get("approve", False)), metric=doc.get("metric"),
                delta=float(delta) if delta is not None else None)
        except NbpromoteError as exc:  # a gate refusal (or missing approval) carries the gate's numbers
            gate: Any = getattr(exc, "gate", None)
            extra = {"gate": gate.to_dict()} if hasattr(gate, "to_dict") else {}
            return respond(_error(400 if exc.exit_code == 2 else 409, type(exc).__name__, exc.message, exc.hint,
                                  **extra))
        return JSONResponse(body)

    async def admin_canary(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(service.canary_state())
        try:
            doc = await json_body(request)
        except BadRequest as exc:
            return respond(_error(400, "bad_request", exc.message, exc.hint))
        if not isinstance(doc, dict) or "version" not in doc:
            return respond(_error(400, "bad_request", "Say which version takes the canary share.",
                                  '{"version": 4, "share": 0.05} or {"version": null}'))
        return await guarded(lambda: Answer(200, service.set_canary(doc["version"], float(doc.get("share", 0.05)),
                                                                    actor=str(doc.get("actor", "api")))))

    async def admin_reload(request: Request) -> Response:
        return await guarded(lambda: Answer(200, {"switched": service.reload(),
                                                  "version": service.champion.version if service.champion else None}))

    routes = [
        Route("/predict", predict, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/metadata", metadata, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/feedback", feedback, methods=["POST"]),
        Route("/admin/shadow", admin_shadow, methods=["GET", "POST"]),
        Route("/admin/shadow/promote", admin_shadow_promote, methods=["POST"]),
        Route("/admin/canary", admin_canary, methods=["GET", "POST"]),
        Route("/admin/reload", admin_reload, methods=["POST"]),
    ]
    return Starlette(routes=routes)
