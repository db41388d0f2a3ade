"""The promotion gate, as a specification: δ from holdout noise, same holdout, guardrails."""

from __future__ import annotations

import math

import pytest

from nbpromote.errors import UsageError
from nbpromote.registry import evaluate_gate, holdout_noise, parse_guardrail

H = "xxh3_128:holdout"


def version(v, **metrics):
    return {"version": v, "metrics": metrics, "holdout_hash": H, "holdout_rows": 2000}


class TestHoldoutNoise:
    def test_accuracy_uses_binomial_noise(self):
        delta, how = holdout_noise("accuracy", 0.8, 2000, {})
        assert delta == pytest.approx(1.96 * math.sqrt(0.8 * 0.2 / 2000))
        assert "sqrt(p(1−p)/m)" in how and "m = 2000" in how

    def test_auc_with_class_counts_uses_hanley_mcneil(self):
        a, npos, nneg = 0.85, 300, 700
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        se = math.sqrt((a * (1 - a) + (npos - 1) * (q1 - a * a) + (nneg - 1) * (q2 - a * a)) / (npos * nneg))
        delta, how = holdout_noise("roc_auc", a, 1000, {"n_pos": npos, "n_neg": nneg})
        assert delta == pytest.approx(1.96 * se)
        assert "Hanley–McNeil" in how

    def test_auc_fallback_without_counts_is_larger_than_balanced_hanley_mcneil(self):
        exact, _ = holdout_noise("roc_auc", 0.8, 1000, {"n_pos": 500, "n_neg": 500})
        fallback, how = holdout_noise("roc_auc", 0.8, 1000, {})
        assert fallback > exact
        assert "no n_pos/n_neg" in how

    def test_auc_prevalence_gives_counts(self):
        from_prev, _ = holdout_noise("roc_auc", 0.8, 1000, {"prevalence": 0.3})
        from_counts, _ = holdout_noise("roc_auc", 0.8, 1000, {"n_pos": 300, "n_neg": 700})
        assert from_prev == pytest.approx(from_counts)

    def test_non_proportion_metric_has_no_default(self):
        delta, how = holdout_noise("rmse", 12.5, 1000, {})
        assert delta is None and "pass delta" in how

    def test_unknown_holdout_size_has_no_default(self):
        delta, how = holdout_noise("accuracy", 0.8, None, {})
        assert delta is None and "holdout size is unknown" in how


class TestGuardrailParsing:
    @pytest.mark.parametrize("text, expected", [
        ("p99_latency_ms<=50", {"type": "max", "metric": "p99_latency_ms", "limit": 50.0, "optional": False}),
        ("calibration_error?<=0.05", {"type": "max", "metric": "calibration_error", "optional": True}),
        ("accuracy[sex=*]>=0.7", {"type": "slice_min", "metric": "accuracy", "attribute": "sex"}),
        ("gap(accuracy[sex])<=0.05", {"type": "slice_gap", "metric": "accuracy", "attribute": "sex"}),
        ("roc_auc>0.7", {"type": "min", "strict": True}),
    ])
    def test_valid(self, text, expected):
        spec = parse_guardrail(text)
        for key, value in expected.items():
            assert spec[key] == value

    @pytest.mark.parametrize("text", ["latency", "p99<=fast", "gap(accuracy)<=0.1", "gap(accuracy[sex])>=0.1", ""])
    def test_invalid_is_a_usage_error_with_examples(self, text):
        with pytest.raises(UsageError, match="Guardrail|slice gap"):
            parse_guardrail(text)


class TestGate:
    def test_clearly_better_challenger_passes_with_numbers(self):
        result = evaluate_gate(version(3, accuracy=0.86), version(1, accuracy=0.80))
        assert result.passed
        assert result.improvement == pytest.approx(0.06)
        assert result.delta == pytest.approx(1.96 * math.sqrt(0.8 * 0.2 / 2000))
        assert result.to_dict()["champion"] == {"version": 1, "value": 0.80}

    def test_marginal_challenger_is_refused_with_numbers(self):
        result = evaluate_gate(version(2, accuracy=0.81), version(1, accuracy=0.80))
        assert not result.passed
        (failure,) = result.failures
        assert "+0.0100" in failure and "δ = 0.0175" in failure and "0.8100" in failure

    def test_default_metric_is_roc_auc_when_present(self):
        result = evaluate_gate(version(2, roc_auc=0.95, accuracy=0.5, n_pos=1000, n_neg=1000),
                               version(1, roc_auc=0.80, accuracy=0.9))
        assert result.metric == "roc_auc" and result.passed

    def test_explicit_delta_overrides_noise(self):
        assert evaluate_gate(version(2, accuracy=0.81), version(1, accuracy=0.80), delta=0.005).passed
        assert not evaluate_gate(version(2, accuracy=0.81), version(1, accuracy=0.80), delta=0.02).passed

    @pytest.mark.parametrize("bad", [-0.1, float("nan"), "0.1"])
    def test_bad_delta_is_usage_error(self, bad):
        with pytest.raises(UsageError, match="delta"):
            evaluate_gate(version(2, accuracy=0.9), version(1, accuracy=0.8), delta=bad)

    def test_lower_is_better_metric(self):
        better = evaluate_gate(version(2, log_loss=0.30), version(1, log_loss=0.40), metric="log_loss", delta=0.01)
        worse = evaluate_gate(version(2, log_loss=0.50), version(1, log_loss=0.40), metric="log_loss", delta=0.01)
        assert better.passed and not better.higher_is_better
        assert not worse.passed

    def test_different_holdouts_are_refused(self):
        other = {**version(1, accuracy=0.5), "holdout_hash": "xxh3_128:other"}
        result = evaluate_gate(version(2, accuracy=0.9), other)
        assert not result.passed
        assert any("different holdouts" in f for f in result.failures)

    def test_unknown_holdout_is_refused(self):
        unknown = {**version(1, accuracy=0.5), "holdout_hash": None}
        result = evaluate_gate(version(2, accuracy=0.9), unknown)
        assert any("holdout unknown for v1" in f for f in result.failures)

    def test_metric_missing_from_champion_is_refused(self):
        result = evaluate_gate(version(2, accuracy=0.9, f1=0.9), version(1, accuracy=0.8), metric="f1")
        assert any("'f1' is missing from v1" in f for f in result.failures)

    def test_first_model_needs_only_guardrails(self):
        assert evaluate_gate(version(1, accuracy=0.6), None).passed
        refused = evaluate_gate(version(1, accuracy=0.6, p99_latency_ms=80), None, guardrails=["p99_latency_ms<=50"])
        assert not refused.passed and "80 violates ceiling 50" in refused.failures[0]


class TestGuardrails:
    chal = version(2, accuracy=0.9, p99_latency_ms=30, **{"accuracy[sex=F]": 0.88, "accuracy[sex=M]": 0.91,
                                                          "accuracy[age=young]": 0.70})
    champ = version(1, accuracy=0.8)

    def test_latency_ceiling(self):
        assert evaluate_gate(self.chal, self.champ, guardrails=["p99_latency_ms<=50"]).passed
        result = evaluate_gate(self.chal, self.champ, guardrails=["p99_latency_ms<=20"])
        assert "p99_latency_ms = 30 violates ceiling 20" in result.failures[0]

    def test_slice_floor_names_the_failing_slice(self):
        assert evaluate_gate(self.chal, self.champ, guardrails=["accuracy[sex=*]>=0.85"]).passed
        result = evaluate_gate(self.chal, self.champ, guardrails=["accuracy[*]>=0.85"])
        assert not result.passed and "accuracy[age=young] = 0.7" in result.failures[0]

    def test_slice_gap(self):
        assert evaluate_gate(self.chal, self.champ, guardrails=["gap(accuracy[sex])<=0.05"]).passed
        result = evaluate_gate(self.chal, self.champ, guardrails=["gap(accuracy[sex])<=0.01"])
        assert not result.passed and "gap in accuracy across sex = 0.03" in result.failures[0]

    def test_calibration_ceiling_only_when_optional_and_missing(self):
        assert evaluate_gate(self.chal, self.champ, guardrails=["calibration_error?<=0.05"]).passed
        with_ece = version(2, accuracy=0.9, calibration_error=0.2)
        assert not evaluate_gate(with_ece, self.champ, guardrails=["calibration_error?<=0.05"]).passed

    def test_guardrail_naming_a_missing_metric_fails_clearly(self):
        result = evaluate_gate(self.chal, self.champ, guardrails=["calibration_error<=0.05"])
        assert not result.passed
        assert "names metric 'calibration_error', which version 2 does not report" in result.failures[0]

    def test_missing_slices_fail_clearly(self):
        result = evaluate_gate(self.chal, self.champ, guardrails=["gap(accuracy[race])<=0.05"])
        assert "slice metrics 'accuracy[race=…]'" in result.failures[0]

    def test_dict_guardrails_are_accepted_and_bad_ones_refused(self):
        spec = {"type": "max", "metric": "p99_latency_ms", "limit": 50}
        assert evaluate_gate(self.chal, self.champ, guardrails=[spec]).passed
        with pytest.raises(UsageError):
            evaluate_gate(self.chal, self.champ, guardrails=[{"type": "nope", "metric": "x", "limit": 1}])


def test_a_first_model_with_no_numeric_metric_is_refused_and_told_how_to_name_one():
    result = evaluate_gate({"version": 1, "metrics": {}}, None)
    assert not result.passed
    assert "no numeric metric" in result.failures[0]
    assert "metric:NAME" in result.failures[0] and "accuracy_score(y_test, y_pred)" in result.failures[0]


def test_counts_alone_are_not_a_metric():
    assert not evaluate_gate({"version": 1, "metrics": {"n_holdout": 200}}, None).passed


def test_regression_defaults_to_r2_then_rmse_and_never_to_a_cross_validation_mean():
    assert evaluate_gate({"version": 1, "metrics": {"r2": 0.7, "cv_r2_mean": 0.9}}, None).metric == "r2"
    result = evaluate_gate({"version": 1, "metrics": {"rmse": 3.0, "cv_r2_mean": 0.9}}, None)
    assert result.metric == "rmse" and result.higher_is_better is False
    assert evaluate_gate({"version": 1, "metrics": {"cv_accuracy_mean": 0.9}}, None).metric is None
