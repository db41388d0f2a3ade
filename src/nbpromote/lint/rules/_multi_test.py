"""multi-test: the same test set used to choose among models or hyperparameters.

Evaluating several models, or one model inside a loop, on one held-out set and keeping the best
turns that set into validation data; it is reported only when no untouched test set remains (a
second held-out split evaluated once, or never).
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import Data, contained, overlap, split_label


def _is_cv(rows: frozenset) -> bool:
    return any(p and isinstance(p[-1][0], tuple) and p[-1][0][:1] == ("cv",) for _r, p in rows)


def _carved_from_training(rows: frozenset, splits: list, chosen_on: list) -> bool:
    """The set was split off the training side of a labelled hold-out split whose test side is not
    used for choosing, or off the training part of a cross-validation fold: a validation set, with
    the test set (the fold) kept for the score."""
    for split in splits:
        if split.how not in {"train_test_split", "cv"} or (split.how == "train_test_split" and len(split.inputs) < 2):
            continue  # an unlabelled split (no y) keeps no test set to score
        train = frozenset((r, p + ((split.sid, "train"),)) for d in split.inputs for r, p in d.rows)
        test = split.test_rows()
        if contained(rows, train) and not any(overlap(test, other) for other in chosen_on):
            return True
    return False


def _redrawn_depth(rows: frozenset) -> int:
    """The loop depth at which the split that made these rows is drawn anew each iteration (a
    ``train_test_split`` inside the loop, unseeded or over data made in the loop), else 0: each
    iteration's evaluation at that depth is on its own hold-out."""
    depths = [sid[-1][1] for _r, path in rows for sid, _side in path
              if isinstance(sid, tuple) and sid and isinstance(sid[-1], tuple) and sid[-1][:1] == ("redrawn",)]
    return max(depths, default=0)


def _encodings_compared(evs: list) -> bool:
    """One model scored on the same rows through two different learned encodings (bag-of-words
    and TF-IDF of the same test texts): the scores compare settings, as two models would."""
    encodings: dict[int, set] = {}
    for ev in evs:
        stats = frozenset(stat.site for stat in ev.X.stats)
        if stats and ev.est.cls != "metric":
            encodings.setdefault(id(ev.est), set()).add(stats)
    return any(len(seen) >= 2 for seen in encodings.values())


def _roots(rows: frozenset) -> set:
    return {r for r, _p in rows}


def _untouched(rows: frozenset, other: frozenset, others: list, evs: list) -> bool:
    """``other`` is a labelled held-out set apart from ``rows`` for the same problem: neither its rows
    nor the labels its predictions were scored against (``mean_squared_error(stacked_pred, y_test)``
    scores ``y_test``'s rows, whatever the features were rebuilt from) are among them, and the model
    scored on it learned from the same data as the compared models (a test split of another data
    set, made later under the same name, is not the final test of this comparison)."""
    if overlap(rows, other) or any(overlap(rows, ev.labels) for ev in others):
        return False
    compared = set().union(*(_roots(ev.trained) for ev in evs))
    final = set().union(*(_roots(ev.trained) for ev in others))
    return not compared or not final or bool(compared & final)


def check(ctx: Context) -> Iterator[Finding]:
    facts = ctx.facts
    groups: dict[frozenset, list] = {}
    for ev in facts.evals:
        # An evaluation is a score computed from predictions and labels on held-out rows; predicting
        # unlabelled rows (a submission frame, a hand-made example) or drawing a fitted curve is not.
        if ev.est.is_model and ev.scored and ev.held_out and ev.X.rows and not _is_cv(ev.X.rows):
            groups.setdefault(ev.X.rows, []).append(ev)
    for ev in facts.evals:
        # A model fit on all rows (a statsmodels formula over the whole frame) and then scored on the
        # test split another model was scored on still compares on that test set (its own score is
        # the overlap rule's finding).
        if ev.est.is_model and ev.scored and not ev.held_out and isinstance(ev.X, Data) and ev.X.rows in groups \
                and split_label(ev.X.rows) == "test" and not ev.loop:
            groups[ev.X.rows].append(ev)
    order = {id(ev): i for i, ev in enumerate(facts.evals)}
    suspicious = []
    clean_sets = []
    for rows, evs in groups.items():
        # A metric inside a loop stands for the model whose predictions it scores, not another one.
        models = {id(ev.est) for ev in evs if ev.est.cls != "metric"}
        redrawn = _redrawn_depth(rows)
        # A loop over candidate models whose split is drawn anew in each iteration scores each model on
        # its own hold-out: only models scored within one iteration share one.
        per_iteration = redrawn > 0 and all(ev.loop <= redrawn for ev in evs)
        many = len(models) + (0 if per_iteration else sum(1 for ev in evs if ev.est.multi and id(ev.est) in models)) >= 2
        many = many or _encodings_compared(evs)
        if many or any(ev.loop > redrawn for ev in evs):
            suspicious.append((rows, evs))
        else:
            clean_sets.append((rows, evs))
    for rows, evs in suspicious:
        # An untouched test set remains only when a labelled held-out set that shares no rows with
        # this one (a re-split of the same rows does share them) is scored once, after the choice.
        last = max(order[id(ev)] for ev in evs)
        if any(_untouched(rows, other, others, evs) and min(order[id(e)] for e in others) > last
               for other, others in clean_sets):
            continue
        if _carved_from_training(rows, facts.splits, [r for r, _e in suspicious]):
            continue
        first = evs[0]
        # Where the predictions met the labels (the metric a cell after ``pred = model.predict(X_test)``):
        # the score the reader sees.
        where = min((ev.scored_at or ev.origin) for ev in evs)
        cells = sorted({(ev.scored_at or ev.origin)[0] + 1 for ev in evs})  # counted from 1, as reported
        count = len({id(e.est) for e in evs})
        comparator = next((ev.est.cls for ev in evs if ev.est.multi and not ev.loop and ev.method == "fit"), None)
        if comparator is not None:
            how = f"by every model {comparator} fits"
        elif any(ev.loop and not ev.method.startswith("fit(") for ev in evs):
            how = "inside a loop"
        elif count > 1:
            how = f"by {count} models"
        elif _encodings_compared(evs):
            how = "through several encodings of its rows by one model"
        elif any(ev.method.startswith("fit(") for ev in evs):
            how = "to stop training early and then scored"
        else:
            how = "inside a loop"
        data = first.x_text or "the test set"
        counted = "one call" if comparator is not None and len(evs) == 1 else f"{len(evs)} evaluations"
        yield ctx.finding(
            where[0], where[1],
            f"{data} is evaluated {how} ({counted} in cells {', '.join(map(str, cells))}) to choose "
            "among models, so its score is no longer an unbiased estimate and no untouched test set remains.",
            "Choose with cross-validation or a validation split carved from the training data "
            "(train_test_split(X_train, y_train)), and evaluate the chosen model on the test set once.",
        )
    yield from _stopped_and_scored_folds(ctx)
    tuned = list(_tuned_then_cross_validated(ctx))
    yield from tuned
    yield from _tuned_on_the_reported_folds(ctx)
    if not tuned:
        yield from _compared_by_cross_validation(ctx)


def _same_folds(a: object, b: object) -> bool:
    """Two ``cv=`` arguments cut the same rows into the same folds: one splitter object, or the same
    fold count (the default, unshuffled K-fold)."""
    if a is b:
        return True
    value_a, value_b = getattr(a, "value", a), getattr(b, "value", b)
    return isinstance(value_a, (int, type(None))) and value_a == value_b


def _fold_cell(path: tuple) -> int | None:
    """The cell whose splitter drew the fold a row path ends in."""
    sid = path[-1][0] if path else None
    if isinstance(sid, tuple) and len(sid) > 1 and sid[0] == "cv" and isinstance(sid[1], tuple) and sid[1]:
        return sid[1][0]
    return None


def _compared_by_cross_validation(ctx: Context) -> Iterator[Finding]:
    """Several models or settings scored by cross-validation over the same folds of the same rows
    (``cross_val_score`` inside a loop over ``k``, then the chosen ``k`` cross-validated again; a
    helper's fold loop called with 2, 5 and 10 epochs), with no untouched held-out set scored: the
    folds that chose are the folds whose score is reported."""
    facts = ctx.facts
    groups: list[list] = []  # [(rows, folds, [(site, origin, est id, loop)])]
    for cv in facts.cvs:
        if not isinstance(cv.X, Data) or not cv.X.rows or cv.shuffle:
            continue
        for group in groups:
            if group[0] == cv.X.rows and _same_folds(group[1], cv.folds):
                group[2].append((cv.site, cv.origin, id(cv.est), cv.loop))
                break
        else:
            groups.append([cv.X.rows, cv.folds, [(cv.site, cv.origin, id(cv.est), cv.loop)]])
    # A fold loop the notebook wrote (``for tr, te in kf.split(X)``), scored once per call of the
    # helper it lives in: each call is one setting.
    # Unshuffled splitters drawn at one place cut the same rows the same way on every call.
    fixed = {split.sid for split in facts.splits if split.how == "cv" and not split.shuffle}
    folds: dict[frozenset, list] = {}
    for ev in facts.evals:
        if ev.est.is_model and ev.scored and ev.held_out and isinstance(ev.X, Data) and ev.X.rows and _is_cv(ev.X.rows) \
                and ev.est.cls != "metric" and not ev.method.startswith("fit(") \
                and all(_fold_cell(p) == ev.site[0] != ev.origin[0] for _r, p in ev.X.rows):
            # (The folds are drawn inside the helper that scores them: each call is one whole
            # cross-validation of one setting. Models compared fold by fold in one loop are not.)
            key = frozenset((r, p[:-1] + (((p[-1][0][:2] if p[-1][0] in fixed else p[-1][0]), p[-1][1]),))
                            for r, p in ev.X.rows)
            folds.setdefault(key, []).append((ev.site, ev.origin, id(ev.est), 0))
    groups += [[frozenset((r, p[:-1]) for r, p in rows), None, events] for rows, events in folds.items()]
    for index, (cv_rows, _folds, events) in enumerate(groups):
        if index < len(groups) - len(folds):
            # cross_val_score: a sweep (inside a loop over k, C, models) followed by the chosen setting
            # cross-validated again on the same folds for the score reported. Models compared by CV
            # with nothing re-scored is how choosing *should* be done, not a reused test set.
            swept = [site for site, _o, _e, loop in events if loop]
            if not swept or not any(not loop and site > min(swept) for site, _o, _e, loop in events):
                continue
        elif len({est for _s, _o, est, _l in events}) < 2 or len({o for _s, o, _e, _l in events}) < 2:
            continue  # a fold loop of one's own, called with one model, or one setting
        roots = {r for r, _p in cv_rows}
        if any(ev.est.is_model and ev.scored and ev.held_out and isinstance(ev.X, Data) and ev.X.rows
               and not _is_cv(ev.X.rows) and not overlap(ev.X.rows, cv_rows) and roots & _roots(ev.trained)
               for ev in facts.evals):
            continue  # an untouched test set of the same data is scored: the CV only chose
        first = min(origin for _s, origin, _e, _l in events)
        cells = sorted({origin[0] + 1 for _s, origin, _e, _l in events})
        yield ctx.finding(
            first[0], first[1],
            f"The same cross-validation folds score several models or settings ({len(events)} evaluations in "
            f"cell{'s' if len(cells) > 1 else ''} {', '.join(map(str, cells))}) to choose among them, and no untouched test set is scored afterwards, so "
            "the chosen one's cross-validated score is optimistic.",
            "Keep a test split apart (train_test_split), choose by cross-validation on the training split only "
            "(or nest the choice: cross_val_score(GridSearchCV(...), X, y)), and score the chosen model once on the test split.",
        )
        return


def _tuned_on_the_reported_folds(ctx: Context) -> Iterator[Finding]:
    """An optimiser's objective (``study.optimize(objective)``) scored settings on cross-validation
    folds, and the chosen settings are then scored on those very folds for the reported score."""
    tuned = {ev.X.rows for ev in ctx.facts.evals
             if ev.tuning and ev.scored and ev.est.is_model and isinstance(ev.X, Data) and _is_cv(ev.X.rows)}
    for ev in ctx.facts.evals:
        if ev.tuning or not ev.scored or not ev.est.is_model or not isinstance(ev.X, Data) or ev.X.rows not in tuned:
            continue
        where = ev.scored_at or ev.origin
        subject = ev.x_text if ev.x_text and not ev.method.startswith("fit(") else "These folds"
        yield ctx.finding(
            where[0], where[1],
            f"{subject} scored the settings an optimiser chose on these same folds, so the "
            "reported out-of-fold score is measured on the data that chose the settings.",
            "Tune inside each outer fold (nested cross-validation) or on folds of a training split, and report a "
            "score on data the tuning never saw.",
        )
        return


def _tuned_then_cross_validated(ctx: Context) -> Iterator[Finding]:
    """A search (``GridSearchCV``/``RandomizedSearchCV``) chose settings by cross-validating on some
    rows, and the chosen settings are then cross-validated on those same rows for the reported
    score, with no untouched held-out set scored afterwards: the folds that chose are the folds that
    score (non-nested tuning). Cross-validating the search itself is nested CV and fine."""
    facts = ctx.facts
    searches = [f for f in facts.fits if getattr(f.est, "kind", None) == "search" and isinstance(f.X, Data)
                and f.X.rows]
    for cv in facts.cvs:
        if not isinstance(cv.X, Data) or not cv.X.rows or getattr(cv.est, "kind", None) == "search":
            continue
        chose = next((f for f in searches if f.site < cv.site and overlap(f.X.rows, cv.X.rows)
                      and (contained(cv.X.rows, f.X.rows) or contained(f.X.rows, cv.X.rows))), None)
        if chose is None:
            continue
        if any(ev.est.is_model and ev.scored and ev.held_out and isinstance(ev.X, Data) and ev.X.rows
               and not overlap(ev.X.rows, chose.X.rows) and ev.site > cv.site for ev in facts.evals):
            continue  # an untouched test set is scored after: the CV score is not the reported one
        name = getattr(chose.est, "name", None) or getattr(chose.est, "cls", "the search")
        yield ctx.finding(
            cv.site[0], cv.site[1],
            f"{cv.func} scores settings that {name} chose by cross-validating on the same rows "
            f"({ctx.where(chose.site)}), so the folds that chose the settings are the folds that score them and the "
            "score is optimistic.",
            "Nest the search in the cross-validation (cross_val_score(search, X, y)), or tune on a training "
            "split and score the chosen model once on a held-out test set.",
        )
        return


def _stopped_and_scored_folds(ctx: Context) -> Iterator[Finding]:
    """Each cross-validation fold's held-out part stops training early (a watch list with early
    stopping: ``validation_data=(X_val_fold, y_val_fold)`` with an ``EarlyStopping`` callback) and is
    then the part the same model is scored on: the fold's score is measured on the data that chose
    the stopping epoch."""
    by_rows: dict[frozenset, list] = {}
    for ev in ctx.facts.evals:
        if ev.est.is_model and ev.held_out and ev.X.rows and _is_cv(ev.X.rows):
            by_rows.setdefault(ev.X.rows, []).append(ev)
    for evs in by_rows.values():
        # Keras-style training by epochs (validation_data= with an EarlyStopping callback, which keeps
        # the epoch the fold liked best). Boosting's eval_set early stopping inside CV folds is left
        # out: its effect on the fold score is small and the labelling protocol counts it doubtful.
        stopping = [ev for ev in evs if ev.method == "fit(validation_data=...)"]
        stopped = {id(ev.est) for ev in stopping}
        scored = [ev for ev in evs if ev.scored and not ev.method.startswith("fit(") and id(ev.est) in stopped]
        if not scored:
            continue
        stop, score = stopping[0], scored[0]
        data = score.x_text or "the validation fold"
        yield ctx.finding(
            stop.origin[0], stop.origin[1],
            f"{data} stops training early here and is then the fold the same model is scored on "
            f"({ctx.where(score.origin)}), so each fold's score is measured on the data that chose the stopping point.",
            "Carve the early-stopping set from the fold's training part (train_test_split(X_train_fold, "
            "y_train_fold)), or fix the number of rounds, and score on the untouched fold.",
        )


RULE = register(Rule("multi-test", "warning",
                     "The same test set used repeatedly to choose among models.", check, "leakage"))
