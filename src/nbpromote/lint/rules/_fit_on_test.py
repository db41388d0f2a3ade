"""fit-on-test: ``fit``/``fit_transform``/``fit_resample`` called on test or validation data."""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import Data, overlap, within_test


def check(ctx: Context) -> Iterator[Finding]:
    seen = set()
    # Test data is labelled held-out data that is scored: refitting a scaler on an unlabelled
    # submission frame (Kaggle's test.csv) or on a test split nothing is ever scored on is a bug
    # of another kind, not a leak into a reported score.
    scored = [ev.X.rows for ev in ctx.facts.evals if ev.scored and isinstance(ev.X, Data) and ev.X.rows]
    for fit in ctx.facts.fits:
        if fit.est.kind in {"splitter", "stateless"} or not isinstance(fit.X, Data) or not within_test(fit.X.rows):
            continue
        if not any(overlap(fit.X.rows, rows) for rows in scored):
            continue
        if fit.site in seen:
            continue
        seen.add(fit.site)
        name = fit.est.cls
        data = fit.x_text or "the test data"
        transform = fit.est.kind in {"transformer", "cluster", "stateless"}
        yield ctx.finding(
            fit.site[0], fit.site[1],
            f"{name}.{fit.method} learns from {data}, which is test data, so the test set shapes what it "
            "is supposed to evaluate.",
            (f"Fit {name} on the training split and call only .transform({data}) on the test data."
             if transform else f"Fit {name} on the training split (X_train, y_train); use {data} only to evaluate."),
        )


RULE = register(Rule("fit-on-test", "error", "fit/fit_transform called on test data.", check, "leakage"))
