"""target-leakage: the target, or a column computed from it, is among the model's features.

The target is what reaches ``fit`` as ``y``; when it was read from a frame column (``df['default']``,
``df.pop('default')``), the features that reach ``fit`` as ``X`` from the same data must not keep that
column, any column computed from it (``df['flag'] = df['default'] == 1``), or a column named after it.
Only reported when the feature columns are known (explicit lists, ``drop``, ``df`` itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import Data, overlap, position_in


def _closure(targets: set[str], derived: dict) -> set[str]:
    out = set(targets)
    frontier = list(targets)
    while frontier:
        for source in derived.get(frontier.pop(), ()):
            if source not in out:
                out.add(source)
                frontier.append(source)
    return out


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", name.lower()) if w}


def _shifted(X: Data, y: Data) -> bool:
    """Features and label are different positional slices of the same rows (``series[:-1]`` to
    predict ``series[1:]``): each row's label is a later row's value, so the target column among
    the features holds earlier values — autoregressive lags, not the answer."""
    if X.rows == y.rows:
        return False
    steps = {p[-1][0] for _r, p in X.rows | y.rows if p}
    return any(isinstance(s, tuple) and s[:1] == ("cut",) and s[1][:1] == ("slice",) for s in steps)


def problems(X: Data, y: Data) -> list[str]:
    """Human descriptions of how ``X`` carries the target ``y`` (empty when it does not)."""
    xp, yp = X.cols.positions, y.cols.positions
    shared = {r for r, _p in X.rows} & {r for r, _p in y.rows}
    if yp and yp[3] and X.cols.known and X.cols == yp[0] and shared:
        return [f"the target column (position {yp[1]}) is among the features (all the columns)"]
    if xp and yp and not xp[3] and yp[3] and xp[0] == yp[0] and {r for r, _p in X.rows} & {r for r, _p in y.rows}:
        # y = df.iloc[:, -1] with X = df.iloc[:, 1:]: the label's position is among the features'.
        if position_in(yp[1], xp[1], xp[2]):
            span = f"{'' if xp[1] is None else xp[1]}:{'' if xp[2] is None else xp[2]}"
            return [f"the target column (position {yp[1]}) is among the features (columns [{span}])"]
        return []
    if not y.src or not X.cols.known or _shifted(X, y):
        return []
    if not {r for r, _p in X.rows} & {r for r, _p in y.rows}:
        return []
    targets = set(y.src)
    if not y.future:
        # The columns the target was computed from are the outcome too (approved = payout > 0 makes
        # payout a leak) — unless the target looks ahead (close.shift(-1) > close): then today's
        # values are the legitimate predictors of tomorrow's.
        targets = _closure(targets, y.cols.derived_map())
    out = []
    for column in sorted(X.cols.kept_columns(targets)):
        out.append(f"the target column '{column}' is among the features")
    for column, sources in sorted(X.cols.derived_map().items()):
        if column not in targets and sources & targets and X.cols.keeps(column):
            tied = "', '".join(sorted(sources & targets))
            out.append(f"the feature '{column}' is computed from the target '{tied}'")
    if X.cols.selected is not None:
        flagged = {p.split("'")[1] for p in out}
        built = set(X.cols.derived_map())  # lineage known: no guessing from names
        for column in sorted(X.cols.selected - targets - flagged - built):
            for target in y.src:
                if len(target) > 2 and _words(target) <= _words(column) and target != "target":
                    out.append(f"the feature '{column}' is named after the target '{target}'")
    return out


def _encoded_targets(ctx: Context) -> Iterator[tuple]:
    """(target statistic, evaluation site, how) for target encoders whose fit rows include rows a
    model is then scored on (or cross-validated over): those rows' features hold their own label."""
    facts = ctx.facts
    for ev in facts.evals:
        if not ev.est.is_model or not ev.scored or not isinstance(ev.X, Data) or not ev.held_out \
                or ev.method.startswith("fit("):
            continue
        for stat in ev.X.stats:
            if stat.target and overlap(stat.rows, ev.X.rows):
                yield stat, ev.site, f"{ev.x_text or 'the evaluation data'}, scored at"
    for cv in facts.cvs:
        if isinstance(cv.X, Data):
            for stat in cv.X.stats:
                if stat.target and overlap(stat.rows, cv.X.rows):
                    yield stat, cv.site, f"the validation folds of {cv.func} at"


def check(ctx: Context) -> Iterator[Finding]:
    reported: set = set()
    for stat, site, how in _encoded_targets(ctx):
        if stat.site in reported:
            continue
        reported.add(stat.site)
        cls = stat.what.split(".")[0]
        yield ctx.finding(
            stat.site[0], stat.site[1],
            f"{cls} encodes categories with the target of the rows it is fit on, and some of them are the rows of "
            f"{how} {ctx.where(site)}: their features hold their own label, so the score is inflated.",
            f"Fit {cls} on the training rows only (inside each fold: make_pipeline({cls}(), model)), or use "
            "sklearn's TargetEncoder.fit_transform, which cross-fits.",
        )
    seen: set[str] = set()
    # After select_dtypes the analysis cannot tell whether a column survived: a warning, worded so.
    events = [(f.site, f.X, f.y, f.est) for f in ctx.facts.fits if f.est.is_model]
    events += [(c.site, c.X, c.y, c.est) for c in ctx.facts.cvs]
    for site, X, y, _est in events:
        if not isinstance(X, Data) or not isinstance(y, Data) or X is y:
            continue  # (X is y: a univariate model fit on the target series alone, ARIMA(train).fit())
        for problem in problems(X, y):
            if problem in seen:
                continue
            seen.add(problem)
            column = problem.split("'")[1] if "'" in problem else None
            maybe = X.cols.dtype_filtered
            by_name = "named after the target" in problem  # a guess from the name: a warning
            yield ctx.finding(
                site[0], site[1],
                (f"At this fit {problem} unless select_dtypes filtered it out (it keeps it if it is numeric), "
                 "so the model may learn the answer instead of predicting it." if maybe else
                 f"At this fit {problem}, so the model may learn the answer instead of predicting it; check it is "
                 "known before the outcome." if by_name else
                 f"At this fit {problem}, so the model learns the answer instead of predicting it."),
                (f"Drop '{column}' from the features before fitting (e.g. X = df.drop(columns=['{column}', target])), "
                 "and keep only columns known before the outcome." if column is not None else
                 "Select the features without the label's position (e.g. X = df.iloc[:, :-1] when the label is the "
                 "last column), or by name: X = df.drop(columns=[target])."),
                severity="warning" if maybe or by_name else None,
            )


RULE = register(Rule("target-leakage", "error", "The target or a column derived from it is a feature.",
                     check, "leakage"))
