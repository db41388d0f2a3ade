"""temporal: time-ordered data split at random, or features that look into the future.

Time-ordered data is data the notebook sorts by a datetime column or index, or resamples, or a source
with a parsed date column over whose rows the notebook computes lags, differences or rolling windows
(order-dependent values: the row order is time); a shuffled
``train_test_split`` or a shuffling CV splitter on it trains on the future and tests on the past.
Look-ahead features are ``shift(-k)``/``diff(-k)``/``pct_change(-k)`` and centred rolling windows that
reach a model's features (a shifted *target* is fine).
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import Data, overlap


def _scored_on(facts, rows: frozenset) -> bool:
    """Some model is scored on rows of ``rows`` (a shuffled split whose test part is never scored
    measures nothing)."""
    return any(ev.scored and isinstance(ev.X, Data) and overlap(ev.X.rows, rows) for ev in facts.evals)


def _evidence(facts, datas: list, site: tuple) -> str:
    if any(isinstance(d, Data) and d.temporal == site for d in datas):
        return "sorted or resampled by time at"
    if site in facts.indexed.values():
        return "indexed by a parsed date at"
    return "dated rows with lags or rolling windows computed over them, at"


def check(ctx: Context) -> Iterator[Finding]:
    facts = ctx.facts
    seen: set = set()
    for split in facts.splits:
        ordered = next((facts.time_ordered(d) for d in split.inputs if facts.time_ordered(d)), None)
        if ordered and split.shuffle and split.site not in seen and _scored_on(facts, split.test_rows()):
            seen.add(split.site)
            how = {"train_test_split": "train_test_split shuffles it", "sample": "a random .sample() splits it"}.get(
                split.how, "this CV splitter shuffles it")
            yield ctx.finding(
                split.site[0], split.site[1],
                f"The data is time-ordered ({_evidence(facts, split.inputs, ordered)} {ctx.where(ordered)}) but {how}, "
                "so the model trains on later "
                "rows than it is tested on.",
                "Split by time: train_test_split(..., shuffle=False), a cutoff date, or TimeSeriesSplit for CV.",
                severity="warning",
            )
    for cv in facts.cvs:
        ordered = facts.time_ordered(cv.X)
        if ordered and cv.shuffle and cv.site not in seen:
            seen.add(cv.site)
            yield ctx.finding(
                cv.site[0], cv.site[1],
                f"The data is time-ordered ({_evidence(facts, [cv.X], ordered)} {ctx.where(ordered)}) but {cv.func} uses "
                "shuffled folds, "
                "so each fold trains on the future.",
                "Use cv=TimeSeriesSplit(n_splits=5).", severity="warning",
            )
    fits = [(f.X, f.site) for f in facts.fits if f.est.is_model]
    fits += [(c.X, c.site) for c in facts.cvs]
    for X, fit_site in fits:
        if not isinstance(X, Data):
            continue
        future: dict = {}
        for site in X.future:
            future.setdefault(site, None)
        if X.cols.known:
            for column, sites in X.cols.future_map().items():
                if X.cols.keeps(column):
                    for site in sites:
                        future[site] = column
        for site, column in sorted(future.items()):
            if site in seen:
                continue
            seen.add(site)
            what = f"the feature '{column}'" if column else "this feature"
            yield ctx.finding(
                site[0], site[1],
                f"{what.capitalize()} looks ahead in time (a negative shift or a centred window) and reaches the "
                f"model's features at {ctx.where(fit_site)}, but the future is not known at prediction time.",
                "Build features from past values only: shift(k) with k > 0, rolling(..., center=False).",
            )


RULE = register(Rule("temporal", "error", "Time-ordered data split at random, or look-ahead features.",
                     check, "leakage"))
