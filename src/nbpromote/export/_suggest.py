"""``suggest_tags``: propose stage tags for an untagged notebook from what its cells do.

Each code cell is classified from its AST (never from text patterns):

==================================================================  ==============
what the cell does                                                  proposed tag
==================================================================  ==============
only imports                                                        ``imports``
only ``def``/``class``                                              ``functions``
the first cell of literal assignments, before any computing cell    ``parameters``
only display (``df.head()``, plots, ``print``) or magics            ``skip``
reads data (``read_csv``, ``read_parquet``, ``load_*``/``fetch_*``)  ``stage:ingest``
calls ``.fit(`` on an estimator                                     ``stage:train``
predicts / scores / computes metrics                                ``stage:evaluate``
splits (``train_test_split``) or builds features                    ``stage:features``
checks data (``assert``, ``raise``)                                 ``stage:validate``
==================================================================  ==============

Only the first cell of each run of same-stage cells gets a ``stage:`` tag (untagged cells inherit
the stage above), so the result reads like a person tagged it. A stage name that would appear
again after another stage gets a suffix (``features_2``) so the stages stay contiguous.

Cells a person already tagged with nbpromote's tags keep them. ``apply_suggestions`` writes the
tags atomically and preserves every tag nbpromote does not own (papermill's, nbval's, a person's).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ..errors import UsageError
from ..notebook import CodeCell, code_cells, load_notebook, write_notebook
from ._metrics import _found, _tables
from ._neutralise import _notebook_only, plot_aliases
from ._tags import is_owned_tag, parse_tags

__all__ = ["TagSuggestion", "suggest_tags", "apply_suggestions"]

_READERS = ("read_csv", "read_parquet", "read_excel", "read_json", "read_sql", "read_table",
            "read_feather", "read_pickle", "load", "loadtxt", "genfromtxt", "fetch_openml")
_SPLITTERS = {"train_test_split", "get_dummies", "fit_transform", "KFold", "StratifiedKFold", "assign",
              "cut", "qcut", "select_dtypes"}
_SCORERS = {"predict", "predict_proba", "decision_function", "score", "classification_report",
            "confusion_matrix", "cross_val_score", "cross_validate"}


@dataclass
class TagSuggestion:
    """A proposal for one code cell.

    Attributes
    ----------
    cell : int
        Index among all cells.
    cell_id : str
    tags : list of str
        The nbpromote tags proposed (empty: leave untagged, the cell inherits the stage above).
    reason : str
    current : list of str
        The cell's tags now (all of them).
    """

    cell: int
    cell_id: str
    tags: list[str]
    reason: str
    current: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return sorted(t for t in self.current if is_owned_tag(t)) != sorted(self.tags)

    def to_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "cell_id": self.cell_id, "tags": list(self.tags), "reason": self.reason,
                "current": list(self.current), "changes": self.changes}


def _calls(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def _classify(cell: CodeCell, plots: frozenset[str], seen_compute: bool) -> tuple[str | None, str]:
    tree = cell.tree
    if tree is None:
        return "skip", "does not parse"
    body = [s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body:
        return None, "empty"
    if all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in body):
        return "imports", "only imports"
    if all(isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for s in body):
        return "functions", "only definitions"
    if not seen_compute and all(
        isinstance(s, (ast.Assign, ast.AnnAssign)) and s.value is not None and _literal(s.value) for s in body
    ):
        return "parameters", "literal assignments at the top"
    # A printed accuracy_score(...) is the notebook's metric, not display: never `skip`.
    metric_calls = [kind for stmt in body for _node, kind in _found(stmt, _tables())]
    if not metric_calls and all(_notebook_only(s, plots) for s in body):
        return "skip", "only displays (or runs magics)"
    calls = _calls(tree)
    read = sorted(c for c in calls if c in _READERS or c.startswith(("read_", "load_", "fetch_")))
    if read:
        return "stage:ingest", f"reads data ({read[0]})"
    if "fit" in calls:
        return "stage:train", "fits an estimator (.fit)"
    if metric_calls:
        return "stage:evaluate", f"computes a metric ({metric_calls[0]})"
    scored = sorted(c for c in calls if c in _SCORERS or c.endswith(("_score", "_error", "_report")))
    if scored:
        return "stage:evaluate", f"predicts or scores ({scored[0]})"
    split = sorted(c for c in calls if c in _SPLITTERS)
    if split:
        return "stage:features", f"splits or builds features ({split[0]})"
    if any(isinstance(n, (ast.Assert, ast.Raise)) for n in ast.walk(tree)):
        return "stage:validate", "checks the data (assert/raise)"
    if any(isinstance(s, ast.Assign) and any(isinstance(t, ast.Subscript) for t in s.targets) for s in body):
        return "stage:features", "adds or changes columns"
    return None, "continues the stage above"


#: The order of the steps a person writes; a cell of an earlier kind continues the current stage.
_RANK = {"prepare": -1, "ingest": 0, "validate": 1, "features": 2, "train": 3, "evaluate": 4}


def _base(stage: str) -> str:
    return stage.rstrip("0123456789").rstrip("_") or stage


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return False
    return True


def suggest_tags(source: Any) -> list[TagSuggestion]:
    """Propose nbpromote tags for every code cell of a notebook.

    Parameters
    ----------
    source : str, Path or nbformat.NotebookNode
        The notebook.

    Returns
    -------
    list of TagSuggestion
        One per code cell, in notebook order. Cells that already carry nbpromote tags keep them.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (
    ...     "import pandas as pd", "df = pd.read_csv('d.csv')", "df.head()")])
    >>> [s.tags for s in suggest_tags(nb)]
    [['imports'], ['stage:ingest'], ['skip']]
    """
    nb = source if isinstance(source, nbformat.NotebookNode) else load_notebook(Path(source))
    cells = code_cells(nb)
    plots = plot_aliases([c.tree for c in cells if c.tree is not None])
    out: list[TagSuggestion] = []
    current: str | None = None
    used: set[str] = set()
    seen_compute = False
    have_parameters = any(parse_tags(c.tags).kind == "parameters" for c in cells)
    user_stage = False  # the stage above was tagged by a person: untagged cells continue it
    for cell in cells:
        owned = [t for t in cell.tags if is_owned_tag(t)]
        if owned:
            tags = parse_tags(cell.tags)
            if tags.kind == "stage":
                current = tags.stage
                used.add(current or "")
                user_stage = True
            seen_compute = seen_compute or tags.kind == "stage"
            out.append(TagSuggestion(cell.index, cell.cell_id, owned, "tagged by you (kept)", list(cell.tags)))
            continue
        if user_stage:
            # A partly tagged notebook (Kale's steps): a continuation cell inherits the stage
            # above, as the tag rules say; proposing new stages would split the person's.
            out.append(TagSuggestion(cell.index, cell.cell_id, [], f"continues stage {current} (tagged by you)",
                                     list(cell.tags)))
            continue
        kind, reason = _classify(cell, plots, seen_compute or have_parameters)
        if kind == "parameters":
            have_parameters = True
        if kind is None or not kind.startswith("stage:"):
            if kind is None and current is None and reason != "empty":
                kind, reason = "stage:prepare", "computes before any recognised stage"
            elif kind is not None:
                out.append(TagSuggestion(cell.index, cell.cell_id, [kind], reason, list(cell.tags)))
                continue
        if kind is None:
            out.append(TagSuggestion(cell.index, cell.cell_id, [], reason, list(cell.tags)))
            continue
        seen_compute = True
        stage = kind.split(":", 1)[1]
        if stage == current or (current is not None and _RANK.get(stage, 0) <= _RANK.get(_base(current), 0)):
            # Same kind, or a kind that comes earlier in a pipeline (a second `fit` after the
            # evaluation, a file read while building features): one stage per step, in the order a
            # person writes them (ingest, features, train, evaluate), not one per cell.
            out.append(TagSuggestion(cell.index, cell.cell_id, [], f"{reason}; continues stage {current}",
                                     list(cell.tags)))
            continue
        base, n = stage, 2
        while stage in used:
            stage, n = f"{base}_{n}", n + 1
        used.add(stage)
        current = stage
        out.append(TagSuggestion(cell.index, cell.cell_id, [f"stage:{stage}"], reason, list(cell.tags)))
    return out


def _retag(cell: Any, suggestion: TagSuggestion) -> int:
    """Replace the cell's nbpromote tags by the suggestion's, keeping every other tag; 1 if changed."""
    current = list(cell.metadata.get("tags", []))
    kept = [t for t in current if not is_owned_tag(t)]
    new = kept + [t for t in suggestion.tags if t not in kept]
    if new == current:
        return 0
    if new:
        cell.metadata["tags"] = new
    else:
        cell.metadata.pop("tags", None)
    return 1


def _apply_to_script(target: Path, suggestions: list[TagSuggestion]) -> int:
    """Write tags into a percent-format script's ``# %% tags=[…]`` markers, with jupytext.

    Cells are matched to the suggestions in order by their code (the suggestions come from the same
    script); everything jupytext keeps (header, markdown, other tags) is kept.
    """
    try:
        import jupytext
    except ImportError:
        raise UsageError(f"{target}: writing tags into a script needs jupytext.",
                         hint="pip install 'nbpromote[scripts]' (jupytext), or convert the script to a notebook.") from None
    from .._io import atomic_write_text

    ours = [c for c in load_notebook(target).cells if c.get("cell_type") == "code"]
    theirs = jupytext.read(str(target), fmt="py:percent")
    code = [c for c in theirs.cells if c.get("cell_type") == "code" and c.get("source", "").strip()]
    ours = [c for c in ours if c.get("source", "").strip()]
    if [c.source.strip() for c in ours] != [c.source.strip() for c in code]:
        raise UsageError(f"{target}: the script's `# %%` cells could not be matched one to one with the cells "
                         "nbpromote read, so tags were not written.", hint="Tag the `# %%` markers by hand.")
    by_id = {cell.get("id"): match for cell, match in zip(ours, code, strict=True)}
    changed = 0
    for suggestion in suggestions:
        cell = by_id.get(suggestion.cell_id)
        if cell is None:
            continue  # an empty cell: nothing to tag
        changed += _retag(cell, suggestion)
    if changed:
        atomic_write_text(target, jupytext.writes(theirs, fmt="py:percent"))
    return changed


def apply_suggestions(path: str | Path, suggestions: list[TagSuggestion]) -> int:
    """Write suggested tags into the notebook at ``path`` (atomically).

    Tags nbpromote does not own are preserved in their order; nbpromote's own tags on a cell are
    replaced by the suggestion's.

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` notebook.
    suggestions : list of TagSuggestion
        From :func:`suggest_tags` on the same notebook.

    Returns
    -------
    int
        The number of cells whose tags changed.

    Raises
    ------
    UsageError
        ``path`` is not an ``.ipynb`` file, or a suggestion's cell id is not in the notebook.
    """
    target = Path(path)
    if target.suffix == ".py":
        return _apply_to_script(target, suggestions)
    if target.suffix != ".ipynb":
        raise UsageError(f"{target}: tags can only be written into an .ipynb notebook or a percent-format .py script.",
                         hint="Convert it with jupytext first.")
    nb = load_notebook(target)
    by_id = {cell.get("id"): cell for cell in nb.cells}
    changed = 0
    for suggestion in suggestions:
        cell = by_id.get(suggestion.cell_id)
        if cell is None:
            raise UsageError(f"{target}: cell id {suggestion.cell_id} not found; the notebook changed since "
                             "the suggestions were made.", hint="Run suggest-tags again.")
        changed += _retag(cell, suggestion)
    if changed:
        write_notebook(nb, target)
    return changed
