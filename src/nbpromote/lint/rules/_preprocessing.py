"""preprocessing-before-split: a statistic over rows learned on rows the evaluation data holds.

A fitted scaler/imputer/encoder/selector/PCA/vectorizer, or a pandas/NumPy aggregate (``mean``,
``quantile``, ``pd.qcut`` …) leaks when the rows it learned from overlap the rows a model is
evaluated on (held-out evaluation, or the folds of a cross-validation), and its result reaches that
model's training or evaluation data. Preprocessing inside a Pipeline is fitted per fold: no finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import Data, contained, overlap, split_label, within_test


def _inner_selection(facts, stat, rows: frozenset) -> bool:
    """The statistic was learned on the training split, ``rows`` lie inside it (CV folds or a re-split of
    the training rows), and a model is scored on held-out rows the statistic never saw: the inner score
    only chose among settings, the reported score is clean (the labelling protocol does not count it)."""
    if split_label(stat.rows) != "train" or not contained(rows, stat.rows):
        return False
    return any(ev.est.is_model and ev.scored and ev.held_out and not ev.est.fit_part and isinstance(ev.X, Data)
               and ev.X.rows and not overlap(stat.rows, ev.X.rows)
               # clean: no statistic in it learned from its own rows (a scaler re-fit on X_test is not)
               and not any(overlap(other.rows, ev.X.rows) for other in ev.X.stats | ev.train_stats)
               for ev in facts.evals)


def leaks(ctx: Context) -> dict:
    """Stat -> (evidence site, how) for every statistic that leaks."""
    facts = ctx.facts
    found: dict = {}
    # An early-stopping watch set is validation data, not the test set — unless it is the only
    # estimate the model has (each CV fold's validation part stops training and gives the score).
    tested = {id(ev.est) for ev in facts.evals if ev.scored and ev.held_out and not ev.method.startswith("fit(")}
    for ev in facts.evals:
        # Held-out evaluation means a score from labels: predicting an unlabelled submission frame
        # is not one.
        # A model fit on a random part of all rows (a learning-curve sample, df.sample(frac=p)) and
        # scored on the held-out split of those rows: the split's rows were among what the
        # preprocessing learned from, whatever the sample held.
        held = ev.held_out or (ev.est.fit_part and isinstance(ev.X, Data) and within_test(ev.X.rows))
        if not ev.est.is_model or not isinstance(ev.X, Data) or not held or not ev.scored \
                or (ev.method.startswith("fit(") and id(ev.est) in tested):
            continue
        for stat in ev.X.stats | ev.train_stats:
            # Every row the statistic saw is a row the model was trained on (a scaler fit on X_train,
            # then a training-error diagnostic over all of X): no held-out row was seen — the score
            # on those rows is the overlap rule's business. (Not for a model fit on a random sample:
            # which rows it held is unknown.)
            seen_trained = contained(stat.rows, ev.trained) and not ev.est.fit_part
            if stat not in found and overlap(stat.rows, ev.X.rows) and not seen_trained \
                    and not _inner_selection(facts, stat, ev.X.rows):
                found[stat] = (ev.site, f"{ev.x_text}, evaluated at" if ev.x_text else "the evaluation data at")
    for cv in facts.cvs:
        if not isinstance(cv.X, Data):
            continue
        for stat in cv.X.stats:
            if stat not in found and overlap(stat.rows, cv.X.rows) and not _inner_selection(facts, stat, cv.X.rows):
                found[stat] = (cv.site, f"the validation folds of {cv.func} at")
    held_out = [(s.site, s.test_rows()) for s in facts.splits if s.how == "train_test_split"]
    for fit in facts.fits:
        if not fit.est.is_model or not isinstance(fit.X, Data):
            continue
        for stat in fit.X.stats:
            if stat in found:
                continue
            if fit.est.kind == "search" and overlap(stat.rows, fit.X.rows) and fit.X.label != "train":
                # (A search on the training split of a scored hold-out: the hold-out is the estimate.)
                found[stat] = (fit.site, f"the validation folds of {fit.est.cls} at")
                continue
            for site, rows in held_out:
                if overlap(stat.rows, rows) and not overlap(rows, fit.X.rows) \
                        and not _inner_selection(facts, stat, rows):
                    found[stat] = (site, "the test split made at")
                    break
    return found


def check(ctx: Context) -> Iterator[Finding]:
    seen = set()
    # Targets of the notebook's models: one number computed from a target column (its overall mean,
    # filling categories an encoding has not seen) carries no row's own label.
    targets = frozenset().union(*(f.y.src for f in ctx.facts.fits if isinstance(f.y, Data)))
    for stat, (site, how) in sorted(leaks(ctx).items(), key=lambda kv: kv[0].site):
        if within_test(stat.rows):
            continue  # learned on test rows only: that is fit-on-test, reported there
        if stat.oof or (stat.scalar and stat.columns and stat.columns <= targets):
            continue
        if stat.site in seen:
            continue
        seen.add(stat.site)
        what = stat.what.lstrip(".")
        if "." in what and not what.endswith("()"):  # a fitted estimator: "StandardScaler.fit_transform"
            cls = what.split(".")[0]
            fix = (f"Split first and fit {cls} on the training rows only — best inside a Pipeline with the "
                   f"model, e.g. make_pipeline({cls}(), model).fit(X_train, y_train).")
        else:
            fix = (f"Split first and compute {what} on the training split only (e.g. X_train), then apply that "
                   "value to both splits — or use SimpleImputer/StandardScaler inside the model's Pipeline.")
        yield ctx.finding(
            stat.site[0], stat.site[1],
            f"{what} learns from rows that end up in {how} {ctx.where(site)}, so the score is "
            "measured on data the preprocessing has already seen.",
            fix,
        )


RULE = register(Rule(
    "preprocessing-before-split", "error",
    "A fitted transform or row statistic learned on data that later reaches the test set.",
    check, "leakage",
))
