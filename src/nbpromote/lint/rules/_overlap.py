"""overlap: training and evaluation share rows.

Reported when every evaluation of a model is on rows it was trained on (and they are not simply its
training split — printing training accuracy is not leakage), and when rows are duplicated or
synthesised (SMOTE, ``sample(replace=True)``, concatenating a frame with part of itself) before the
data is split or cross-validated, so copies of one row land on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import Data, contained, overlap, split_label


def _on_training_rows(ev) -> bool:
    return bool(ev.trained) and (contained(ev.X.rows, ev.trained) or contained(ev.trained, ev.X.rows))


def _training_side(ev, unsplit: bool) -> bool:
    """The evaluation is on a training split (training accuracy printed beside a held-out score).
    The rows of a file named train.csv count as one only when the notebook holds something out
    somewhere (a split, a cross-validation): with no split at all they are all the labelled data."""
    if unsplit:
        return split_label(ev.X.rows) == "train"
    return ev.X.label == "train"


def _both_sides_used(facts) -> bool:
    """Some split (a cut, a split by name) had both its sides reach a fit or an evaluation."""
    seen: dict = {}
    for event in [*facts.evals, *facts.fits]:
        if isinstance(event.X, Data):
            for _r, path in event.X.rows:
                for sid, side in path:
                    if not (isinstance(sid, tuple) and sid[:1] == ("file",)):
                        seen.setdefault(sid, set()).add(side)
    return any(len(sides) > 1 for sides in seen.values())


def check(ctx: Context) -> Iterator[Finding]:
    facts = ctx.facts
    unsplit = not facts.splits and not facts.cvs and not _both_sides_used(facts)
    by_model: dict[int, list] = {}
    for ev in facts.evals:
        if ev.est.is_model and ev.scored and isinstance(ev.X, Data) and ev.X.rows:
            by_model.setdefault(id(ev.est), []).append(ev)
    for evs in by_model.values():
        # Every score of the model is on rows it was trained on: the training rows themselves, a
        # part of them, or a superset of them (all of X after fitting on a fold of it). Scoring the
        # training *split* is reporting training accuracy, not leakage.
        if all(_on_training_rows(ev) for ev in evs) and any(not _training_side(ev, unsplit) for ev in evs):
            first = next(ev for ev in evs if not _training_side(ev, unsplit))
            name = first.est.name or first.est.cls
            yield ctx.finding(
                first.site[0], first.site[1],
                f"{name} is evaluated on {first.x_text or 'data'}, whose rows were all in its training data, "
                "so the score measures memory, not generalisation.",
                f"Fit {name} on the training split only (e.g. X_train, y_train) and evaluate it on the held-out split.",
            )
    reported = {id(evs[0].est) for evs in by_model.values()
                if all(_on_training_rows(ev) for ev in evs) and any(not _training_side(ev, unsplit) for ev in evs)}
    for evs in by_model.values():
        for ev in evs:
            # Scored on a set that holds all its training rows and more (all of X, after fitting on a
            # fold or a split of it): the score mixes memory with generalisation.
            if id(ev.est) in reported or not ev.trained or contained(ev.X.rows, ev.trained) \
                    or not contained(ev.trained, ev.X.rows):
                continue
            if _training_side(ev, unsplit) and any(not overlap(other.X.rows, ev.X.rows) for other in evs):
                # The training split's accuracy printed beside a score on rows outside it (the last
                # fold's model of a CV helper, then the test split): a training diagnostic, not the
                # reported score.
                continue
            reported.add(id(ev.est))
            name = ev.est.name or ev.est.cls
            yield ctx.finding(
                ev.origin[0], ev.origin[1],
                f"{name} is scored on {ev.x_text or 'data'}, which holds every row it was trained on, so the score "
                "is inflated by rows it has memorised.",
                f"Score {name} on the held-out rows only (the test split or the validation fold).",
            )
    seen = set()
    for split in facts.splits:
        for data in split.inputs:
            if data.oversampled and data.oversampled not in seen:
                seen.add(data.oversampled)
                site = data.oversampled
                verb = "splits" if split.how == "train_test_split" else "cross-validates"
                yield ctx.finding(
                    site[0], site[1],
                    f"Rows are duplicated or synthesised here before {ctx.where(split.site)} {verb} the data, "
                    "so copies of the same row end up in both training and test.",
                    "Split first, then oversample/augment the training split only (or use an imblearn "
                    "Pipeline so resampling happens inside each fold).",
                )
    for cv in facts.cvs:
        if isinstance(cv.X, Data) and cv.X.oversampled and cv.X.oversampled not in seen:
            site = cv.X.oversampled
            seen.add(site)
            yield ctx.finding(
                site[0], site[1],
                f"Rows are duplicated or synthesised here before {cv.func} ({ctx.where(cv.site)}) splits them "
                "into folds, so copies of a row are in both the training and the validation folds.",
                "Resample inside the cross-validation: imblearn.pipeline.make_pipeline(SMOTE(), model).",
            )
    for ev in facts.evals:
        if ev.held_out and ev.X.oversampled and ev.X.oversampled not in seen:
            site = ev.X.oversampled
            seen.add(site)
            yield ctx.finding(
                site[0], site[1],
                f"The evaluation data at {ctx.where(ev.site)} contains duplicated or synthesised rows made here, "
                "so it shares rows with the training data.",
                "Oversample or augment only the training split, after splitting.",
            )


RULE = register(Rule("overlap", "error", "Training and test data share rows.", check, "leakage"))
