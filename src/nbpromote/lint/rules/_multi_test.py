"""multi-test: the same test set used to choose among models or hyperparameters.

Evaluating several models, or one model inside a loop, on one held-out set and keeping the best
turns that set into validation data; it is reported only when no untouched test set remains (a
second held-out split evaluated once, or never).
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from .._values import overlap


def _is_cv(rows: frozenset) -> bool:
    return any(p and isinstance(p[-1][0], tuple) and p[-1][0][:1] == ("cv",) for _r, p in rows)


def check(ctx: Context) -> Iterator[Finding]:
    facts = ctx.facts
    groups: dict[frozenset, list] = {}
    for ev in facts.evals:
        if ev.est.is_model and ev.held_out and ev.X.rows and not _is_cv(ev.X.rows):
            groups.setdefault(ev.X.rows, []).append(ev)
    suspicious = []
    clean_sets = []
    for rows, evs in groups.items():
        models = {id(ev.est) for ev in evs}
        many = len(models) + sum(1 for ev in evs if ev.est.multi and id(ev.est) in models) >= 2
        if many or any(ev.loop for ev in evs):
            suspicious.append((rows, evs))
        else:
            clean_sets.append(rows)
    evaluated = list(groups)
    for split in facts.splits:
        if split.how == "train_test_split":
            rows = split.test_rows()
            if rows and not any(overlap(rows, e) for e in evaluated):
                clean_sets.append(rows)  # held out and never touched
    for rows, evs in suspicious:
        if any(not overlap(rows, other) for other in clean_sets):
            continue
        first = evs[0]
        cells = sorted({ev.site[0] for ev in evs})
        how = "inside a loop" if any(ev.loop for ev in evs) else f"by {len({id(e.est) for e in evs})} models"
        data = first.x_text or "the test set"
        yield ctx.finding(
            first.site[0], first.site[1],
            f"{data} is evaluated {how} ({len(evs)} evaluations in cells {', '.join(map(str, cells))}) to choose "
            "among models, so its score is no longer an unbiased estimate and no untouched test set remains.",
            "Choose with cross-validation or a validation split carved from the training data "
            "(train_test_split(X_train, y_train)), and evaluate the chosen model on the test set once.",
        )


RULE = register(Rule("multi-test", "warning",
                     "The same test set used repeatedly to choose among models.", check, "leakage"))
