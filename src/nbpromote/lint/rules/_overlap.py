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
from .._values import Data, contained


def check(ctx: Context) -> Iterator[Finding]:
    facts = ctx.facts
    by_model: dict[int, list] = {}
    for ev in facts.evals:
        if ev.est.is_model and ev.scored and isinstance(ev.X, Data) and ev.X.rows:
            by_model.setdefault(id(ev.est), []).append(ev)
    for evs in by_model.values():
        if all(contained(ev.X.rows, ev.trained) for ev in evs) and any(ev.X.label != "train" for ev in evs):
            first = next(ev for ev in evs if ev.X.label != "train")
            name = first.est.name or first.est.cls
            yield ctx.finding(
                first.site[0], first.site[1],
                f"{name} is evaluated on {first.x_text or 'data'}, whose rows were all in its training data, "
                "so the score measures memory, not generalisation.",
                f"Fit {name} on the training split only (e.g. X_train, y_train) and evaluate it on the held-out split.",
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
