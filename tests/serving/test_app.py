"""The HTTP service, on a real uvicorn server on 127.0.0.1, in front of a real registered model."""

from __future__ import annotations

import pytest

from nbpromote.serving import Guardrails, ServeConfig, ServerThread
from nbpromote.serving._challengers import route_fraction

from .conftest import call, records

pytestmark = pytest.mark.slow


def config(**overrides):
    return ServeConfig(reload_interval=0, **overrides)


def test_health_ready_and_metadata_name_the_verified_production_model(home_env):
    with ServerThread(home_env["pipeline"], config()) as server:
        assert call(server.url + "/health")[0] == 200
        status, ready, _ = call(server.url + "/ready")
        assert status == 200 and ready["version"] == 1 and ready["artifact_sha256"].startswith("sha256:")
        status, meta, _ = call(server.url + "/metadata")
    assert status == 200
    assert meta["model"] == "credit_srv" and meta["version"] == 1
    assert meta["artifact_sha256"] == ready["artifact_sha256"]
    assert meta["lineage"]["run_id"] and meta["lineage"]["params"]["C"] == 1.0
    assert meta["features"]["age"]["kind"] == "numeric"
    assert "salaried" in meta["features"]["employment_type"]["categories"]
    assert meta["serving_path"]["mode"] == "model" and meta["serving_path"]["passed_through"] == ["validate"]


def test_predict_answers_one_result_per_row_for_json_and_csv(home_env):
    import pandas as pd

    rows = records(home_env["data"], 5)
    with ServerThread(home_env["pipeline"], config()) as server:
        status, body, headers = call(server.url + "/predict", "POST", rows, {"X-Request-Id": "req-json"})
        csv = pd.DataFrame(rows).to_csv(index=False).encode()
        status_csv, body_csv, _ = call(server.url + "/predict", "POST", raw=csv, headers={"content-type": "text/csv"})
        model = server.service.champion.model
    assert status == 200 and status_csv == 200
    assert body["request_id"] == "req-json" and headers["x-model-version"] == "1"
    assert [r["row"] for r in body["predictions"]] == list(range(5))
    expected = model.predict_proba(pd.DataFrame(rows)[list(model.feature_names_in_)])[:, 1]
    assert [r["score"] for r in body["predictions"]] == pytest.approx(expected.tolist())
    assert [r["score"] for r in body_csv["predictions"]] == pytest.approx(expected.tolist())


def test_a_bad_row_gets_422_listing_row_field_and_rule_and_nothing_is_scored(home_env):
    rows = records(home_env["data"], 3)
    rows[1]["age"] = "forty"
    rows[2]["income"] = -5_000_000
    del rows[2]["region"]
    with ServerThread(home_env["pipeline"], config()) as server:
        status, body, _ = call(server.url + "/predict", "POST", rows)
        status_partial, partial, _ = call(server.url + "/predict?partial=true", "POST", rows)
        status_bad, bad, _ = call(server.url + "/predict", "POST", raw=b"{not json")
    assert status == 422 and body["error"]["code"] == "validation_failed"
    assert "predictions" not in body
    failures = {(r["row"], e["field"], e["rule"]) for r in body["rows"] for e in r["errors"]}
    assert (1, "age", "type") in failures
    assert (2, "income", "out_of_range") in failures
    assert not any(row == 0 for row, _f, _r in failures)
    assert status_partial == 200
    assert "prediction" in partial["predictions"][0]
    assert partial["predictions"][1]["errors"][0]["field"] == "age"
    assert status_bad == 400 and bad["error"]["code"] == "bad_request"


def test_metrics_count_requests_latency_validation_failures_and_drift(home_env):
    rows = records(home_env["data"], 60)
    with ServerThread(home_env["pipeline"], config()) as server:
        for start in range(0, 60, 20):
            assert call(server.url + "/predict", "POST", rows[start:start + 20])[0] == 200
        call(server.url + "/predict", "POST", [{**rows[0], "age": "forty"}])
        status, text, _ = call(server.url + "/metrics")
    assert status == 200
    assert 'nbpromote_serving_requests_total{status="200",version="1"} 3.0' in text
    assert 'nbpromote_serving_request_latency_seconds_count{version="1"}' in text
    assert 'nbpromote_serving_validation_failures_total{rule="type"} 1.0' in text
    assert 'nbpromote_serving_drift_psi{feature="income"}' in text
    assert "nbpromote_serving_drift_window_rows 60.0" in text


def test_every_answer_is_in_the_prediction_log_chain_which_verifies(home_env):
    rows = records(home_env["data"], 2)
    with ServerThread(home_env["pipeline"], config()) as server:
        ids = [call(server.url + "/predict", "POST", rows, {"X-Request-Id": f"log-{i}"})[1]["request_id"]
               for i in range(3)]
        log = server.service.log
        log.flush()
        tail = log.tail(50)
        verified = log.verify()
    logged = {r.data["request_id"]: r.data for r in tail if r.data.get("extra", {}).get("role") == "champion"}
    assert set(ids) <= set(logged)
    entry = logged["log-0"]
    assert entry["version"] == 1 and entry["artifact_hash"].startswith("sha256:")
    assert entry["inputs_hash"].startswith("sha256:") and len(entry["outputs"]) == 2
    assert entry["latency_ms"] > 0
    assert verified.ok
    import os
    import subprocess
    import sys

    audit = subprocess.run([sys.executable, "-m", "nbpromote", "audit", "verify", "--chain", "prediction", "--json"],
                           env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_fallback_answers_when_the_model_misses_its_budget_and_is_counted(home_env):
    rows = records(home_env["data"], 3)
    with ServerThread(home_env["pipeline"], config(version="2", timeout_ms=0.001, fallback="previous")) as server:
        server.service.previous = server.service.champion  # a second slot to fall back on
        from nbpromote.serving._slots import load_slot

        server.service.previous = load_slot(home_env["pipeline"], server.service.store, None, 1)
        status, body, _ = call(server.url + "/predict", "POST", rows)
        _s, text, _ = call(server.url + "/metrics")
    assert status == 200
    assert all(r["fallback"]["reason"].startswith("timeout") for r in body["predictions"])
    assert all(r["fallback"]["by"] == "v1" and r["version"] == 1 for r in body["predictions"])
    assert 'nbpromote_serving_fallbacks_total{reason="timeout"} 3.0' in text


def test_confidence_floor_falls_back_to_a_rule_in_the_package(home_env, tmp_path, monkeypatch):
    (tmp_path / "credit_rules.py").write_text(
        "def predict(frame):\n    return [int(x > 0.5) for x in frame['debt_to_income']]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    rows = records(home_env["data"], 4)
    with ServerThread(home_env["pipeline"], config(min_confidence=1.01, fallback="rule:credit_rules:predict")) as server:
        status, body, _ = call(server.url + "/predict", "POST", rows)
    assert status == 200
    assert all(r["fallback"]["by"] == "rule" and r["fallback"]["reason"].startswith("confidence") for r in body["predictions"])
    assert [r["prediction"] for r in body["predictions"]] == [int(r["debt_to_income"] > 0.5) for r in rows]


def test_shadow_scores_off_the_response_path_and_feedback_gives_estimates(home_env):
    rows = records(home_env["data"], 40)
    labels = [r.pop("default") for r in rows]
    with ServerThread(home_env["pipeline"], config()) as server:
        status, started, _ = call(server.url + "/admin/shadow", "POST", {"version": 2})
        assert status == 200 and started["shadow"] == 2
        status, body, _ = call(server.url + "/predict", "POST", rows, {"X-Request-Id": "shadowed"})
        assert status == 200 and body["version"] == 1 and body["role"] == "champion"
        server.service._shadow_pool.submit(lambda: None).result(timeout=30)  # let the shadow finish
        status, fb, _ = call(server.url + "/feedback", "POST", {"request_id": "shadowed", "labels": labels})
        _s, evidence, _ = call(server.url + "/admin/shadow")
        _s, text, _ = call(server.url + "/metrics")
    assert status == 200 and fb["pairs"] == 80
    assert evidence["agreement"]["2"]["rows"] == 40 and 0 <= evidence["agreement"]["2"]["agreement"] <= 1
    assert set(evidence["feedback"]) == {"1", "2"}
    assert evidence["feedback"]["2"]["labelled_rows"] == 40 and "roc_auc" in evidence["feedback"]["2"]
    assert 'nbpromote_serving_shadow_rows_total{version="2"} 40.0' in text


def test_canary_routes_by_key_says_who_answered_and_a_guardrail_breach_sends_traffic_back(home_env):
    rows = records(home_env["data"], 1)
    canary_keys = [k for k in (f"user-{i}" for i in range(400)) if route_fraction(k) < 0.2][:8]
    champion_keys = [k for k in (f"user-{i}" for i in range(400)) if route_fraction(k) >= 0.2][:8]
    guard = Guardrails(min_requests=5, max_validation_excess=0.3)
    with ServerThread(home_env["pipeline"], config(canary="2", share=0.2, guardrails=guard)) as server:
        for key in champion_keys:
            _s, body, _ = call(server.url + "/predict", "POST", rows, {"X-Routing-Key": key})
            assert body["version"] == 1 and body["role"] == "champion"
        for key in canary_keys[:2]:
            _s, body, _ = call(server.url + "/predict", "POST", rows, {"X-Routing-Key": key})
            assert body["version"] == 2 and body["role"] == "canary"
        for key in canary_keys[2:]:  # the canary's traffic starts failing validation
            call(server.url + "/predict", "POST", [{**rows[0], "age": "forty"}], {"X-Routing-Key": key})
        _s, state, _ = call(server.url + "/admin/canary")
        _s, after, _ = call(server.url + "/predict", "POST", rows, {"X-Routing-Key": canary_keys[0]})
    assert state["active"] is False
    assert "validation failures" in state["last_stop"]["reason"]
    assert after["version"] == 1 and after["role"] == "champion"


def test_hot_reload_follows_a_promotion_and_a_rollback(home_env):
    from nbpromote.registry import open_registry

    rows = records(home_env["data"], 2)
    with ServerThread(home_env["pipeline"], ServeConfig(reload_interval=0.2)) as server:
        assert call(server.url + "/predict", "POST", rows)[1]["version"] == 1
        registry = open_registry()
        try:
            v1, v2 = (registry.get("credit_srv", v).metrics for v in (1, 2))
            metric = next(m for m in sorted(v2) if not m.startswith("n_") and v2[m] > v1.get(m, v2[m]))
            registry.promote("credit_srv", 2, metric=metric, delta=0.0, reason="test: switch", approve=True)
            import time

            deadline = time.monotonic() + 30
            while server.service.champion.version != 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert call(server.url + "/predict", "POST", rows)[1]["version"] == 2
            assert call(server.url + "/ready")[1]["version"] == 2
            registry.rollback("credit_srv", reason="test: back")
            deadline = time.monotonic() + 30
            while server.service.champion.version != 1 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            registry.close()
        assert call(server.url + "/predict", "POST", rows)[1]["version"] == 1
        events = [e["event"] for e in server.service.events]
    assert events.count("reload") == 2


def test_shadow_evidence_is_attached_to_a_promotion_through_the_gate(home_env):
    """POST /admin/shadow/promote: the gate decides on holdout metrics, the shadow evidence is recorded."""
    from nbpromote.registry import open_registry

    registry = open_registry()
    try:
        if registry.get("credit_srv", 2).stage == "Archived":  # an earlier test promoted and rolled it back
            registry.transition("credit_srv", 2, "Staging", reason="test: shadow it again")
        v1, v2 = (registry.get("credit_srv", v).metrics for v in (1, 2))
    finally:
        registry.close()
    metric = next(m for m in sorted(v2) if not m.startswith("n_") and v2[m] > v1.get(m, v2[m]))
    rows = records(home_env["data"], 30)
    labels = [r.pop("default") for r in rows]
    with ServerThread(home_env["pipeline"], config()) as server:
        status, body, _ = call(server.url + "/admin/shadow/promote", "POST", {"reason": "no shadow yet"})
        assert status == 400 and body["error"]["code"] == "ServingError" and "/admin/shadow" in body["error"]["hint"]
        call(server.url + "/admin/shadow", "POST", {"version": 2})
        call(server.url + "/predict", "POST", rows, {"X-Request-Id": "evidence"})
        server.service._shadow_pool.submit(lambda: None).result(timeout=30)
        call(server.url + "/feedback", "POST", {"request_id": "evidence", "labels": labels})
        _s, evidence, _ = call(server.url + "/admin/shadow")

        status, body, _ = call(server.url + "/admin/shadow/promote", "POST", {})
        assert status == 400 and body["error"]["code"] == "bad_request"
        status, refused, _ = call(server.url + "/admin/shadow/promote", "POST",
                                  {"reason": "test: too strict", "metric": metric, "delta": 1.0, "actor": "carol"})
        assert status == 409 and refused["error"]["code"] == "GateRejectedError"
        assert refused["gate"]["passed"] is False and refused["gate"]["delta"] == 1.0
        assert server.service.champion.version == 1 and server.service.shadow.version == 2

        status, done, _ = call(server.url + "/admin/shadow/promote", "POST",
                               {"reason": "test: shadow agreed", "metric": metric, "delta": 0.0, "actor": "carol"})
        assert status == 200 and done["promoted"] and done["switched"]
        assert done["transition"]["version"] == 2 and done["transition"]["to_stage"] == "Production"
        assert done["transition"]["evidence"]["gate"]["passed"]
        attached = done["transition"]["evidence"]["attached"]
        assert attached == evidence and attached["agreement"]["2"]["rows"] == 30
        assert attached["feedback"]["2"]["labelled_rows"] == 30 and attached["feedback"]["1"]["labelled_rows"] == 30
        assert server.service.champion.version == 2 and server.service.shadow is None
        assert call(server.url + "/predict", "POST", rows[:1])[1]["version"] == 2

    registry = open_registry()
    try:
        history = registry.history("credit_srv")
        rejected = [t for t in history if t.kind == "rejected" and t.reason == "test: too strict"]
        promoted = [t for t in history if t.kind == "promote" and t.reason == "test: shadow agreed"]
        assert rejected[-1].evidence["attached"]["kind"] == "nbpromote.shadow_evidence"
        assert promoted[-1].evidence["attached"] == evidence and promoted[-1].actor == "carol"
        assert registry.audit.verify().ok
        registry.rollback("credit_srv", reason="test: back to v1")  # leave the shared registry as found
    finally:
        registry.close()


def test_records_parsed_in_the_models_column_order_hold_the_same_values_and_dtypes():
    import json

    import pandas as pd

    from nbpromote.serving._app import parse_request

    records = [{"id": "a", "age": 30, "income": None, "colour": "red"},
               {"age": 31.5, "colour": None, "income": 52_000, "extra": [1]},
               {"id": "c", "age": None, "income": 48_000.25, "colour": "blue"}]
    body = json.dumps(records).encode()
    frame, rows = parse_request(body, "application/json", ["income", "colour", "age", "not_sent"])
    plain, _ = parse_request(body, "application/json")
    assert list(frame.columns) == ["income", "colour", "age", "id", "extra"]
    pd.testing.assert_frame_equal(frame, plain[list(frame.columns)])
    assert rows == records
    assert parse_request(b"age\n1\n", "text/csv")[1] is None
