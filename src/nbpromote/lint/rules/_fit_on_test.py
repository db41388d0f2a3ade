"""fit-on-test: ``fit``/``fit_transform``/``fit_resample`` called on test or validation data."""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import Data


def check(ctx: Context) -> Iterator[Finding]:
    seen = set()
    for fit in ctx.facts.fits:
        if fit.est.kind == "splitter" or not isinstance(fit.X, Data) or fit.X.label != "test":
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
