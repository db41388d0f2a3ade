"""From recorded calls (:mod:`nbpromote.capture._rows`) to row evidence: the manifest's ``rows`` section.

Two kinds of evidence are derived:

``shared-rows``
    For every evaluation (a metric function, ``.score``, a cross-validation) and every fitted thing
    the evaluated data passed through (the model, and each transformer applied to it), the rows the
    thing learned from at its last fit before the evaluation, against the rows evaluated:
    ``learned_rows``, ``evaluated_rows`` and ``shared_rows``. A cross-validation's own model is
    refitted per fold, so only what the data passed through before it counts. Rows match by identity
    (same origin, same row id); rows of unrelated origins match by content hash only, and then
    ``matched_by`` says ``content``.
``reused-rows``
    The same held-out rows scored for several fitted models: ``models`` lists them in order.

Sites are ``{"cell", "cell_id", "execution_count", "line"}``; ``cell`` is the index among all cells
of the notebook when capture knows it (headless capture), else null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._rows import CROSS_VALIDATE, LEARN, SCORE, Call, RowIds

__all__ = ["rows_section", "shared_rows", "EMPTY_SECTION"]

#: The ``rows`` section of a manifest whose run was not tracked.
EMPTY_SECTION: dict[str, Any] = {"observed": False, "calls": [], "evidence": [], "dropped_calls": 0, "notes": []}

#: Largest number of shared-rows records kept (the most shared first).
MAX_EVIDENCE = 500


def shared_rows(learned: RowIds, evaluated: RowIds) -> tuple[int | None, str]:
    """How many of ``evaluated``'s rows are among ``learned``'s, and how that was decided.

    Returns ``(count, "row ids")`` for rows of one origin, ``(count, "content")`` for unrelated origins
    compared by content hash (identical values, possibly distinct records), ``(None, "unknown")`` when
    neither is possible.
    """
    import numpy as np

    if learned.origin == evaluated.origin:
        if learned.ids is None and evaluated.ids is None:
            return min(learned.n, evaluated.n), "row ids"
        a, b = learned.id_array(), evaluated.id_array()
        try:
            return int(np.isin(b, a).sum()), "row ids"
        except TypeError:  # mixed label types
            seen = set(a.tolist())
            return sum(1 for v in b.tolist() if v in seen), "row ids"
    a, b = learned.content_hashes(), evaluated.content_hashes()
    if a is None or b is None:
        return None, "unknown"
    return int(np.isin(b, a).sum()), "content"


def _site(call: Call, cell_of: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    site = dict(cell_of(call.cell))
    site["line"] = call.line
    return site


def _default_cell_of(cell: Any) -> dict[str, Any]:
    count, cell_id = (cell[0], cell[1]) if isinstance(cell, (tuple, list)) else (None, None)
    return {"cell": None, "cell_id": cell_id, "execution_count": count}


def _fingerprint(rows: RowIds) -> tuple:
    import hashlib

    ids = rows.id_array()
    try:
        digest = hashlib.blake2b(ids.tobytes() if ids.dtype != object else repr(ids.tolist()).encode(),
                                 digest_size=16).hexdigest()
    except Exception:
        digest = str(id(rows))
    return rows.origin, rows.n, digest


def rows_section(calls: list[Call], *, dropped: int = 0, notes: list[str] | None = None,
                 cell_of: Callable[[Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """The manifest's ``rows`` section for ``calls`` (in call order)."""
    cell_of = cell_of or _default_cell_of
    section: dict[str, Any] = {"observed": True, "calls": [], "evidence": [], "dropped_calls": dropped,
                               "notes": list(notes or [])}
    for call in calls:
        record: dict[str, Any] = {
            "seq": call.seq, "call": call.name, "roles": list(call.roles), "estimator": call.estimator,
            "site": _site(call, cell_of), "rows": call.rows.n if call.rows else None,
            "origin": call.rows.origin if call.rows else None, "via": list(call.via),
        }
        record.update({k: v for k, v in call.extra.items() if isinstance(v, (str, int, float, bool))})
        section["calls"].append(record)
    last_learn: dict[str, Call] = {}
    evidence: list[dict[str, Any]] = []
    scored: dict[tuple, list[tuple[str, Call]]] = {}
    for call in calls:
        if LEARN in call.roles and call.estimator:
            last_learn[call.estimator] = call
        if SCORE not in call.roles and CROSS_VALIDATE not in call.roles:
            continue
        rows = call.rows
        if rows is None:
            continue
        involved = list(call.via)
        if call.estimator and call.estimator not in involved:
            involved.append(call.estimator)  # model.score(X, y)
        model = next((name for name in reversed(involved) if name in last_learn
                      and last_learn[name].extra.get("kind") == "model"), None)
        if CROSS_VALIDATE not in call.roles and model is not None:
            scored.setdefault(_fingerprint(rows), []).append((model, call))
        others = [name for name, learn in last_learn.items() if name not in involved and learn.rows is not None
                  and learn.rows.origin == rows.origin and learn.extra.get("kind") == "transformer"]
        for name in involved + others:
            learn = last_learn.get(name)
            if learn is None or learn.rows is None:
                continue
            if CROSS_VALIDATE in call.roles and name not in call.via:
                continue  # the model of a cross-validation is refitted per fold
            count, how = shared_rows(learn.rows, rows)
            if count is None or (name in others and not count):
                continue
            evidence.append({
                "kind": "shared-rows", "learner": name, "learner_kind": learn.extra.get("kind", "model"),
                "learned_by": learn.name, "learned_at": _site(learn, cell_of), "learned_rows": learn.rows.n,
                "evaluation": call.name, "evaluated_at": _site(call, cell_of), "evaluated_rows": rows.n,
                "shared_rows": count, "matched_by": how, "in_path": name in involved,
                **({"cross_validation": True} if CROSS_VALIDATE in call.roles else {}),
            })
    for (_origin, n, _digest), uses in scored.items():
        models = list(dict.fromkeys(model for model, _ in uses))
        if len(models) < 2:
            continue
        evidence.append({
            "kind": "reused-rows", "evaluated_rows": n, "models": models,
            "evaluations": [{"evaluation": call.name, "model": model, "at": _site(call, cell_of)} for model, call in uses],
        })
    evidence.sort(key=lambda e: -(e.get("shared_rows") or 0))
    if len(evidence) > MAX_EVIDENCE:
        section["notes"].append(f"{len(evidence) - MAX_EVIDENCE} evidence records left out (the least shared).")
        evidence = evidence[:MAX_EVIDENCE]
    section["evidence"] = evidence
    return section
