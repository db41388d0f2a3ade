"""The champion/challenger promotion gate: pure functions over two versions' metrics.

A challenger is promoted iff ``M_challenger − M_champion > δ`` on the same frozen holdout (same
holdout hash) and every guardrail holds. The first model for a slot has no champion: only its
guardrails (and an explicit approval, checked by the registry) apply.

δ, when not given, is the holdout's noise at 95 %:

* accuracy-like metrics (a proportion in [0, 1]: accuracy, precision, recall, f1 …):
  ``δ = 1.96 · sqrt(p(1 − p) / m)`` with ``p`` the champion's value and ``m`` the holdout rows;
* AUC (any metric whose name contains ``auc``): ``δ = 1.96 · SE`` with the Hanley–McNeil (1982)
  standard error ``SE² = [A(1−A) + (n₊−1)(Q₁−A²) + (n₋−1)(Q₂−A²)] / (n₊ n₋)``,
  ``Q₁ = A/(2−A)``, ``Q₂ = 2A²/(1+A)``, ``A`` the champion's AUC, ``n₊``/``n₋`` the holdout's
  positives/negatives taken from the metrics (``n_pos``/``n_neg``, or ``prevalence`` × rows).
  Without class counts the fallback is the distribution-free bound ``Var(A) ≤ A(1−A)/min(n₊, n₋)``
  with ``min(n₊, n₋) = m/2``; it is larger than Hanley–McNeil for balanced classes and stays
  conservative down to about 25 % prevalence — pass the counts for rarer positives;
* any other metric (RMSE, log loss …) has no default: pass ``delta``.

Guardrails (strings or dicts; see :func:`parse_guardrail`): a ceiling or floor on any metric
(``p99_latency_ms<=50``, ``calibration_error<=0.05``), a floor or ceiling for every slice of a metric
(``accuracy[sex=*]>=0.7``), and a maximum gap between the slices of a protected attribute
(``gap(accuracy[sex])<=0.05``). A guardrail naming a metric the version does not have fails,
saying so, unless it is marked optional with ``?`` (``calibration_error?<=0.05``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import UsageError

__all__ = ["GateResult", "evaluate_gate", "parse_guardrail", "normalize_guardrails", "holdout_noise",
           "default_metric", "is_higher_better", "slices", "margin_text"]

Z95 = 1.96
LOWER_IS_BETTER = {
    "log_loss", "logloss", "brier", "brier_score", "rmse", "mse", "mae", "mape", "error_rate",
    "calibration_error", "ece", "p99_latency_ms", "latency_p99_ms", "latency_ms",
}
_SLICE = re.compile(r"^(?P<metric>[^\[\]]+)\[(?P<attr>[^=\]]+)=(?P<value>[^\]]*)\]$")
_GUARD = re.compile(
    r"^\s*(?:(?P<gap>gap)\(\s*(?P<gmetric>[^\[\]()\s]+)\[(?P<gattr>[^\]=]+)\]\s*\)"
    r"|(?P<metric>[^\[\]<>=?\s()]+)(?:\[(?P<attr>[^\]=]+|\*)(?:=\*)?\])?)(?P<optional>\?)?\s*"
    r"(?P<op><=|>=|<|>)\s*(?P<limit>[-+0-9.eE]+)\s*$"
)


def is_higher_better(metric: str, declared: bool | None = None) -> bool:
    """Higher is better unless declared, or the metric is a known loss/error/latency."""
    if declared is not None:
        return declared
    base = metric.split("[", 1)[0].lower()
    return not (base in LOWER_IS_BETTER or base.endswith(("_loss", "_error", "_ms")))


def default_metric(metrics: Mapping[str, Any]) -> str | None:
    """``roc_auc`` if present, else ``accuracy``; for regression ``r2``, else lower-is-better ``rmse``;
    else None. Cross-validation means (``cv_…``) are never the primary metric: the gate compares
    holdout figures only."""
    for name in ("roc_auc", "accuracy", "r2", "rmse"):
        if name in metrics:
            return name
    return None


NO_METRIC_HINT = ("compute one on held-out data in the notebook (e.g. accuracy_score(y_test, y_pred) or "
                  "model.score(X_test, y_test); exported metric calls are recorded automatically), or name the "
                  "primary one with a `metric:NAME` cell tag or `%promote metric NAME`")


def _numeric(metrics: Mapping[str, Any]) -> list[str]:
    return sorted(k for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                  and not k.startswith("n_") and k not in ("prevalence",))


def slices(metrics: Mapping[str, Any], metric: str, attribute: str | None = None) -> dict[str, float]:
    """``{"attr=value": number}`` for every ``metric[attr=value]`` in ``metrics``."""
    found = {}
    for key, value in metrics.items():
        match = _SLICE.match(key)
        if match and match["metric"] == metric and (attribute in (None, "*") or match["attr"] == attribute):
            found[f"{match['attr']}={match['value']}"] = value
    return found


def parse_guardrail(text: str) -> dict[str, Any]:
    """Parse ``"p99_latency_ms<=50"``, ``"accuracy[sex=*]>=0.7"``, ``"gap(accuracy[sex])<=0.05"``.

    Returns
    -------
    dict
        ``{"type": "max"|"min"|"slice_max"|"slice_min"|"slice_gap", "metric", "attribute", "limit",
        "strict", "optional", "text"}``.
    """
    match = _GUARD.match(text)
    if not match:
        raise UsageError(
            f"Guardrail {text!r} is not understood.",
            hint="Write e.g. 'p99_latency_ms<=50', 'calibration_error?<=0.05' (? = only if present), "
                 "'accuracy[sex=*]>=0.7' (every slice) or 'gap(accuracy[sex])<=0.05'.",
        )
    try:
        limit = float(match["limit"])
    except ValueError:
        raise UsageError(f"Guardrail {text!r}: limit {match['limit']!r} is not a number.") from None
    op = match["op"]
    optional = bool(match["optional"])
    if match["gap"]:
        if op not in ("<=", "<"):
            raise UsageError(f"Guardrail {text!r}: a slice gap can only have a ceiling (<= or <).")
        return {"type": "slice_gap", "metric": match["gmetric"], "attribute": match["gattr"], "limit": limit,
                "strict": op == "<", "optional": optional, "text": text.strip()}
    bound = "max" if op in ("<=", "<") else "min"
    attr = match["attr"]
    return {"type": f"slice_{bound}" if attr else bound, "metric": match["metric"], "attribute": attr,
            "limit": limit, "strict": op in ("<", ">"), "optional": optional, "text": text.strip()}


_TYPES = {"max", "min", "slice_max", "slice_min", "slice_gap"}


def normalize_guardrails(guardrails: Iterable[str | Mapping[str, Any]] | Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Guardrails as a list of dicts (strings parsed, dicts checked); ``{name: limit}`` means ceilings."""
    if guardrails is None:
        return []
    if isinstance(guardrails, str):
        guardrails = [guardrails]
    if isinstance(guardrails, Mapping):
        guardrails = [f"{name}<={limit}" for name, limit in guardrails.items()]
    out = []
    for item in guardrails:
        if isinstance(item, str):
            out.append(parse_guardrail(item))
            continue
        if not isinstance(item, Mapping) or item.get("type") not in _TYPES or "metric" not in item \
                or not isinstance(item.get("limit"), (int, float)):
            raise UsageError(
                f"Guardrail {item!r} is not valid.",
                hint=f"Use a string like 'p99_latency_ms<=50' or a dict with type in {sorted(_TYPES)}, "
                     "metric and a numeric limit.",
            )
        spec = {"attribute": None, "strict": False, "optional": False, **dict(item)}
        spec.setdefault("text", _describe(spec))
        out.append(spec)
    return out


def _describe(spec: Mapping[str, Any]) -> str:
    op = ("<" if spec["strict"] else "<=") if spec["type"] in ("max", "slice_max", "slice_gap") else \
        (">" if spec["strict"] else ">=")
    opt = "?" if spec.get("optional") else ""
    if spec["type"] == "slice_gap":
        return f"gap({spec['metric']}[{spec['attribute']}]){opt}{op}{spec['limit']}"
    if spec["type"].startswith("slice_"):
        return f"{spec['metric']}[{spec.get('attribute') or '*'}=*]{opt}{op}{spec['limit']}"
    return f"{spec['metric']}{opt}{op}{spec['limit']}"


def _holds(value: float, spec: Mapping[str, Any], bound: str) -> bool:
    limit = spec["limit"]
    if bound == "max":
        return value < limit if spec["strict"] else value <= limit
    return value > limit if spec["strict"] else value >= limit


def check_guardrail(metrics: Mapping[str, Any], spec: Mapping[str, Any], *, version: Any) -> dict[str, Any]:
    """One guardrail against one version's metrics → ``{"guardrail", "passed", "detail", …}``."""
    text = spec.get("text") or _describe(spec)
    metric = spec["metric"]
    kind = spec["type"]
    base = {"guardrail": text, "type": kind, "metric": metric, "limit": spec["limit"]}
    if kind in ("max", "min"):
        if metric not in metrics:
            if spec.get("optional"):
                return {**base, "passed": True, "skipped": True,
                        "detail": f"{metric} not reported by version {version}; optional guardrail skipped"}
            return {**base, "passed": False,
                    "detail": f"guardrail names metric '{metric}', which version {version} does not report "
                              f"(available: {', '.join(sorted(metrics)) or 'none'})"}
        value = float(metrics[metric])
        ok = _holds(value, spec, kind)
        word = "ceiling" if kind == "max" else "floor"
        return {**base, "passed": ok, "value": value,
                "detail": f"{metric} = {value:.6g} {'within' if ok else 'violates'} {word} {spec['limit']:g}"}
    found = slices(metrics, metric, spec.get("attribute"))
    attr = spec.get("attribute") or "*"
    if not found:
        if spec.get("optional"):
            return {**base, "passed": True, "skipped": True,
                    "detail": f"no {metric}[{attr}=…] slices in version {version}; optional guardrail skipped"}
        return {**base, "passed": False,
                "detail": f"guardrail needs slice metrics '{metric}[{attr}=…]', which version {version} does not "
                          "report (write them as metric[attr=value] in the metrics dict)"}
    values = {k: float(v) for k, v in found.items()}
    if kind == "slice_gap":
        worst, best = min(values, key=values.get), max(values, key=values.get)  # type: ignore[arg-type]
        gap = values[best] - values[worst]
        ok = _holds(gap, spec, "max")
        return {**base, "passed": ok, "value": gap, "slices": values,
                "detail": f"gap in {metric} across {attr} = {gap:.6g} ({best}: {values[best]:.6g}, {worst}: "
                          f"{values[worst]:.6g}) {'within' if ok else 'exceeds'} max {spec['limit']:g}"}
    bound = "max" if kind == "slice_max" else "min"
    bad = {k: v for k, v in values.items() if not _holds(v, spec, bound)}
    word = "ceiling" if bound == "max" else "floor"
    if bad:
        listed = ", ".join(f"{metric}[{k}] = {v:.6g}" for k, v in sorted(bad.items()))
        return {**base, "passed": False, "slices": values, "detail": f"{listed} violate {word} {spec['limit']:g}"}
    return {**base, "passed": True, "slices": values,
            "detail": f"all {len(values)} slices of {metric} within {word} {spec['limit']:g}"}


def _count(metrics: Mapping[str, Any], *names: str) -> float | None:
    for name in names:
        value = metrics.get(name)
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return None


def holdout_noise(metric: str, value: float, rows: int | None, metrics: Mapping[str, Any]) -> tuple[float | None, str]:
    """The default δ for ``metric`` at ``value`` on ``rows`` holdout rows, and how it was computed.

    Returns ``(None, reason)`` when no default exists (the gate then refuses and asks for ``delta``).
    """
    if not rows or rows <= 0:
        return None, ("the holdout size is unknown, so its noise cannot be computed: register with "
                      "holdout={'hash': …, 'rows': m} (or an 'n_holdout' metric), or pass delta")
    m = float(rows)
    if "auc" in metric.lower():
        a = min(max(value, 1e-9), 1 - 1e-9)
        n_pos = _count(metrics, "n_pos", "n_positive", "positives")
        n_neg = _count(metrics, "n_neg", "n_negative", "negatives")
        prevalence = metrics.get("prevalence")
        if (n_pos is None or n_neg is None) and isinstance(prevalence, (int, float)) and 0 < prevalence < 1:
            n_pos, n_neg = prevalence * m, (1 - prevalence) * m
        if n_pos and n_neg:
            q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
            var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (n_pos * n_neg)
            se = math.sqrt(max(var, 0.0))
            return Z95 * se, (f"1.96 × Hanley–McNeil SE of AUC {a:.4f} with {int(n_pos)} positives / "
                              f"{int(n_neg)} negatives (SE = {se:.5f})")
        se = math.sqrt(a * (1 - a) / (m / 2))
        return Z95 * se, (f"1.96 × sqrt(A(1−A)/(m/2)) = bound on the AUC's SE with A = {a:.4f}, m = {int(m)} "
                          "(no n_pos/n_neg in the metrics; assumes min(n_pos, n_neg) = m/2)")
    if 0.0 <= value <= 1.0:
        noise = Z95 * math.sqrt(value * (1 - value) / m)
        return noise, f"1.96 × sqrt(p(1−p)/m) with p = {value:.4f}, m = {int(m)}"
    return None, (f"metric '{metric}' = {value:g} is not a proportion in [0, 1], so it has no default noise "
                  "estimate: pass delta")


@dataclass
class GateResult:
    """The evidence of one gate decision; ``failures`` names each failed condition with numbers."""

    passed: bool
    challenger: dict[str, Any]
    champion: dict[str, Any] | None
    metric: str | None
    higher_is_better: bool = True
    delta: float | None = None
    delta_source: str | None = None
    improvement: float | None = None
    holdout: dict[str, Any] = field(default_factory=dict)
    guardrails: list[dict[str, Any]] = field(default_factory=list)
    approval: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One paragraph for people: the decision and each failed condition."""
        who = f"v{self.challenger.get('version')}"
        if self.passed:
            if self.champion is None:
                return f"{who} passes the gate (first model for the slot: guardrails hold, approved)."
            return (f"{who} passes the gate: {self.metric} {self.challenger.get('value'):.4f} vs champion "
                    f"v{self.champion['version']} {self.champion.get('value'):.4f}, improvement "
                    f"{self.improvement:+.4f} > δ {self.delta:.4f}.")
        return f"{who} refused by the gate: " + "; ".join(self.failures) + "."


def margin_text(gate: Any) -> str | None:
    """How a passing challenger beat its champion, from a gate's evidence (``GateResult.to_dict()``).

    None when there was no champion to beat (a slot's first model) or ``gate`` is not such a dict.

    >>> margin_text({"metric": "roc_auc", "improvement": 0.0463, "delta": 0.0349, "champion": {"version": 1}})
    'roc_auc +0.0463 over champion v1 > δ 0.0349'
    """
    if not isinstance(gate, Mapping) or not isinstance(gate.get("champion"), Mapping) \
            or not isinstance(gate.get("improvement"), (int, float)):
        return None
    text = f"{gate.get('metric')} {gate['improvement']:+.4f} over champion v{gate['champion'].get('version')}"
    return text + (f" > δ {gate['delta']:.4f}" if isinstance(gate.get("delta"), (int, float)) else "")


def evaluate_gate(challenger: Mapping[str, Any], champion: Mapping[str, Any] | None, *, metric: str | None = None,
                  delta: float | None = None, higher_is_better: bool | None = None,
                  guardrails: Any = None) -> GateResult:
    """Decide whether ``challenger`` may replace ``champion``.

    Parameters
    ----------
    challenger, champion : mapping
        ``{"version", "metrics", "holdout_hash", "holdout_rows"}``; ``champion`` None for the first
        model of a slot.
    metric : str or None, default=None
        The primary metric; default ``roc_auc`` if the challenger reports it, else ``accuracy``.
    delta : float or None, default=None
        Required improvement; default the holdout noise (see the module docstring).
    higher_is_better : bool or None, default=None
        Declare the metric's direction; default higher, except known losses, errors and latencies.
    guardrails : list of str or dict, or None, default=None
        See :func:`parse_guardrail`.

    Returns
    -------
    GateResult
        ``passed`` and the evidence; never raises for a failed condition.
    """
    specs = normalize_guardrails(guardrails)
    if delta is not None and (not isinstance(delta, (int, float)) or delta < 0 or not math.isfinite(delta)):
        raise UsageError(f"delta must be a finite number >= 0, got {delta!r}.")
    cmetrics = dict(challenger.get("metrics") or {})
    version = challenger.get("version")
    result = GateResult(passed=False, challenger={"version": version}, champion=None, metric=None)
    result.guardrails = [check_guardrail(cmetrics, spec, version=version) for spec in specs]
    result.failures += [f"guardrail {g['guardrail']}: {g['detail']}" for g in result.guardrails if not g["passed"]]
    if not _numeric(cmetrics):
        # A model nobody measured never reaches Production, the first of a slot included.
        result.failures.append(f"no numeric metric: version {version} was registered without metrics; "
                               + NO_METRIC_HINT)
    if champion is None:
        chosen = metric or default_metric(cmetrics)
        result.metric = chosen
        if chosen and chosen in cmetrics:
            result.challenger["value"] = float(cmetrics[chosen])
        elif metric and _numeric(cmetrics):
            result.failures.append(f"metric '{metric}' is not reported by version {version} "
                                   f"(available: {', '.join(_numeric(cmetrics))})")
        result.higher_is_better = is_higher_better(chosen or "", higher_is_better)
        result.passed = not result.failures
        return result
    hmetrics = dict(champion.get("metrics") or {})
    chosen = metric or default_metric(cmetrics)
    result.metric = chosen
    result.champion = {"version": champion.get("version")}
    result.higher_is_better = is_higher_better(chosen or "", higher_is_better)
    # Same frozen holdout, or the comparison means nothing.
    c_hash, h_hash = challenger.get("holdout_hash"), champion.get("holdout_hash")
    rows = challenger.get("holdout_rows") or cmetrics.get("n_holdout")
    result.holdout = {"challenger_hash": c_hash, "champion_hash": h_hash, "rows": rows,
                      "same": bool(c_hash and h_hash and c_hash == h_hash)}
    if not c_hash or not h_hash:
        missing = [f"v{v}" for v, h in ((version, c_hash), (champion.get("version"), h_hash)) if not h]
        result.failures.append(
            f"holdout unknown for {', '.join(missing)}: the gate compares only versions evaluated on the same "
            "frozen holdout (register with holdout={'hash': …, 'rows': m})")
    elif c_hash != h_hash:
        result.failures.append(
            f"different holdouts: challenger v{version} was evaluated on {c_hash}, champion "
            f"v{champion.get('version')} on {h_hash}; re-evaluate both on the same frozen holdout")
    if chosen is None:
        if _numeric(cmetrics):
            result.failures.append("no primary metric: the challenger reports none of roc_auc, accuracy, r2, rmse "
                                   f"(it reports {', '.join(_numeric(cmetrics))}); pass metric, or "
                                   + NO_METRIC_HINT.split(", or ", 1)[1])
        return _finish(result)
    missing_in = [f"v{v}" for v, ms in ((version, cmetrics), (champion.get("version"), hmetrics)) if chosen not in ms]
    if missing_in:
        result.failures.append(f"metric '{chosen}' is missing from {', '.join(missing_in)}")
        return _finish(result)
    c_val, h_val = float(cmetrics[chosen]), float(hmetrics[chosen])
    result.challenger["value"], result.champion["value"] = c_val, h_val
    improvement = (c_val - h_val) if result.higher_is_better else (h_val - c_val)
    result.improvement = improvement
    if delta is None:
        noise, source = holdout_noise(chosen, h_val, int(rows) if rows else None, {**hmetrics, **cmetrics})
        if noise is None:
            result.failures.append(source)
            return _finish(result)
        result.delta, result.delta_source = noise, f"holdout noise: {source}"
    else:
        result.delta, result.delta_source = float(delta), "given"
    if not improvement > result.delta:
        direction = "higher" if result.higher_is_better else "lower"
        result.failures.append(
            f"{chosen} improvement {improvement:+.4f} (challenger v{version} {c_val:.4f} vs champion "
            f"v{champion.get('version')} {h_val:.4f}, {direction} is better) is not greater than δ = "
            f"{result.delta:.4f} ({result.delta_source})")
    return _finish(result)


def _finish(result: GateResult) -> GateResult:
    result.passed = not result.failures
    return result
