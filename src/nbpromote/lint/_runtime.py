"""Runtime companions of the static rules, for when the data is at hand (a live kernel).

* ``overlap``: rows of a test/validation frame that also appear, identically, in its training frame
  (``X_test`` vs ``X_train``, ``df_val`` vs ``df_train``).
* ``target-leakage``: a single feature that alone predicts the target almost perfectly ("too good to
  be true"): ROC AUC >= 0.99 for a binary target, purity >= 0.99 of a low-cardinality feature for a
  multi-class target, |correlation| >= 0.99 for a numeric target.

Pairs are found by variable name (``X_train``/``X_test``/``y_train``); checks run on at most
``max_rows`` rows (the first ones, so results are deterministic).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._findings import Finding
from ._values import name_side

__all__ = ["runtime_findings", "duplicate_rows", "proxy_features"]

_SIDE_WORD = re.compile(r"(?i)(test|tst|te|valid|val|holdout|train|trn|tr)")


def _is_frame(value: Any) -> bool:
    module = type(value).__module__
    return module.startswith(("pandas", "numpy")) and hasattr(value, "shape") and len(getattr(value, "shape", ())) in (1, 2)


def _as_frame(value: Any, max_rows: int) -> Any:
    import pandas as pd

    frame = value if isinstance(value, pd.DataFrame) else pd.DataFrame(value)
    return frame.iloc[:max_rows]


def _counterpart(name: str, side: str, namespace: Mapping[str, Any]) -> str | None:
    words = ["train", "trn", "tr"] if side == "test" else ["test", "val", "valid", "te"]
    for match in _SIDE_WORD.finditer(name):
        for word in words:
            candidate = name[: match.start()] + (word.upper() if match.group().isupper() else word) + name[match.end():]
            if candidate != name and candidate in namespace and name_side(candidate) != side:
                return candidate
    return None


def duplicate_rows(train: Any, test: Any, *, max_rows: int = 200_000) -> int:
    """How many rows of ``test`` also occur in ``train`` (all columns equal)."""
    import pandas as pd

    a, b = _as_frame(train, max_rows), _as_frame(test, max_rows)
    if list(a.columns) != list(b.columns) or a.empty or b.empty:
        return 0
    seen = set(pd.util.hash_pandas_object(a, index=False).to_numpy().tolist())
    return int(sum(h in seen for h in pd.util.hash_pandas_object(b, index=False).to_numpy().tolist()))


def proxy_features(X: Any, y: Any, *, threshold: float = 0.99, max_rows: int = 20_000,
                   max_columns: int = 500) -> list[tuple[str, str, float]]:
    """Columns of ``X`` that alone predict ``y`` almost perfectly: ``(column, measure, value)``."""
    import numpy as np
    import pandas as pd

    frame = _as_frame(X, max_rows)
    target = pd.Series(np.asarray(y).ravel()[: len(frame)], index=frame.index)
    if len(target) != len(frame) or len(frame) < 20 or target.isna().all():
        return []
    classes = target.nunique(dropna=True)
    out = []
    for column in list(frame.columns)[:max_columns]:
        feature = frame[column]
        mask = feature.notna() & target.notna()
        if mask.sum() < 20:
            continue
        f, t = feature[mask], target[mask]
        if classes == 2 and pd.api.types.is_numeric_dtype(f):
            positive = t == t.unique()[0]
            ranks = f.rank().to_numpy()
            n1, n0 = int(positive.sum()), int((~positive).sum())
            if not n1 or not n0:
                continue
            auc = (ranks[positive.to_numpy()].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
            score = max(auc, 1 - auc)
            if score >= threshold:
                out.append((str(column), "ROC AUC", float(score)))
        elif 2 <= classes <= 50 and f.nunique() <= max(50, len(f) // 20):
            purity = t.groupby(f).agg(lambda s: s.value_counts().iloc[0]).sum() / len(t)
            if purity >= threshold and f.nunique() < len(f) / 2:
                out.append((str(column), "purity", float(purity)))
        elif classes > 50 and pd.api.types.is_numeric_dtype(f) and pd.api.types.is_numeric_dtype(t):
            if f.std() and t.std():
                corr = abs(float(np.corrcoef(f.to_numpy(float), t.to_numpy(float))[0, 1]))
                if corr >= threshold:
                    out.append((str(column), "|correlation|", corr))
    return out


def runtime_findings(namespace: Mapping[str, Any], *, max_rows: int = 20_000) -> list[Finding]:
    """Overlap and too-good-to-be-true features among the data in ``namespace`` (a kernel's globals).

    Parameters
    ----------
    namespace : mapping of str to object
        Variable name -> value; pandas/NumPy values named like train/test splits are checked.
    max_rows : int, default=20000
        Rows used per check (the first ones).

    Returns
    -------
    list of Finding
        With ``cell`` and ``line`` None (they are about values, not code).
    """
    findings: list[Finding] = []
    names = sorted(n for n, v in namespace.items() if not n.startswith("_") and _is_frame(v))
    for name in names:
        if name_side(name) != "test" or name.lower().startswith("y"):
            continue
        other = _counterpart(name, "test", namespace)
        if other is None or not _is_frame(namespace[other]):
            continue
        try:
            shared = duplicate_rows(namespace[other], namespace[name], max_rows=max_rows * 10)
        except Exception:  # odd dtypes (unhashable objects): no verdict
            continue
        total = len(namespace[name])
        if shared:
            share = shared / max(total, 1)
            findings.append(Finding(
                "overlap", "error" if share >= 0.05 else "warning", None, None, None,
                f"{shared:,} of {total:,} rows of {name} ({share:.1%}) also appear in {other}, so the model is "
                "partly evaluated on rows it was trained on.",
                "Deduplicate before splitting (e.g. df = df.drop_duplicates()) or split by a group key "
                "(GroupShuffleSplit) so identical records stay on one side.",
            ))
    for name in names:
        if name_side(name) != "train" or not name.lower().startswith("x"):
            continue
        target_name = "y" + name[1:]
        if target_name not in namespace or not _is_frame(namespace[target_name]):
            continue
        try:
            proxies = proxy_features(namespace[name], namespace[target_name], max_rows=max_rows)
        except Exception:
            continue
        for column, measure, value in proxies:
            findings.append(Finding(
                "target-leakage", "warning", None, None, None,
                f"The feature '{column}' of {name} alone predicts {target_name} with {measure} {value:.3f}, "
                "which is too good to be true for a real signal.",
                f"Check how '{column}' is produced; if it is recorded after (or from) the outcome, drop it "
                "from the features.",
            ))
    return findings
