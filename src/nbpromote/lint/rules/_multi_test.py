"""multi-test: the same test set used to choose among models or hyperparameters.

Evaluating several models, or one model inside a loop, on one held-out set and keeping the best
turns that set into validation data; it is reported only when no untouched test set remains (a
second held-out split evaluated once, or never).
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import contained, overlap


def _is_cv(rows: frozenset) -> bool:
    return any(p and isinstance(p[-1][0], tuple) and p[-1][0][:1] == ("cv",) for _r, p in rows)


def _carved_from_training(rows: frozenset, splits: list, chosen_on: list) -> bool:
    """The set was split off the training side of a labelled hold-out split whose test side is not
    used for choosing: a validation set, with the test set kept for the end."""
    for split in splits:
        if split.how != "train_test_split" or len(split.inputs) < 2:
            continue  # an unlabelled split (no y) keeps no test set to score
        train = frozenset((r, p + ((split.sid, "train"),)) for d in split.inputs for r, p in d.rows)
        test = split.test_rows()
        if contained(rows, train) and not any(overlap(test, other) for other in chosen_on):
            return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    facts = ctx.facts
    groups: dict[frozenset, list] = {}
    for ev in facts.evals:
        # An evaluation is a score computed from predictions and labels on held-out rows; predicting
        # unlabelled rows (a submission frame, a hand-made example) or drawing a fitted curve is not.
        if ev.est.is_model and ev.scored and ev.held_out and ev.X.rows and not _is_cv(ev.X.rows):
            groups.setdefault(ev.X.rows, []).append(ev)
    order = {id(ev): i for i, ev in enumerate(facts.evals)}
    suspicious = []
    clean_sets = []
    for rows, evs in groups.items():
        models = {id(ev.est) for ev in evs}
        many = len(models) + sum(1 for ev in evs if ev.est.multi and id(ev.est) in models) >= 2
        if many or any(ev.loop for ev in evs):
            suspicious.append((rows, evs))
        else:
            clean_sets.append((rows, evs))
    for rows, evs in suspicious:
        # An untouched test set remains only when a labelled held-out set that shares no rows with
        # this one (a re-split of the same rows does share them) is scored once, after the choice.
        last = max(order[id(ev)] for ev in evs)
        if any(not overlap(rows, other) and min(order[id(e)] for e in others) > last for other, others in clean_sets):
            continue
        if _carved_from_training(rows, facts.splits, [r for r, _e in suspicious]):
            continue
        first = evs[0]
        cells = sorted({ev.origin[0] for ev in evs})
        how = "inside a loop" if any(ev.loop for ev in evs) else f"by {len({id(e.est) for e in evs})} models"
        data = first.x_text or "the test set"
        yield ctx.finding(
            first.origin[0], first.origin[1],
            f"{data} is evaluated {how} ({len(evs)} evaluations in cells {', '.join(map(str, cells))}) to choose "
            "among models, so its score is no longer an unbiased estimate and no untouched test set remains.",
            "Choose with cross-validation or a validation split carved from the training data "
            "(train_test_split(X_train, y_train)), and evaluate the chosen model on the test set once.",
        )


RULE = register(Rule("multi-test", "warning",
                     "The same test set used repeatedly to choose among models.", check, "leakage"))
