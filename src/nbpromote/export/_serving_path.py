"""The serving path: which stages a request row passes through on its way to the model.

A live request (``python -m <pkg> serve``) or a batch (``python -m <pkg> predict``) must go through
the notebook's own feature code, not a second copy of it. :func:`serving_path` reads the stage plan
statically (nothing runs) and answers three questions:

* which stage *input* a request replaces: the frame a loading stage produces (``df`` read by
  ``pd.read_csv``), found by walking upstream from the stage that splits off the model's training
  features (the ``reference`` role, ``X_train``);
* which stages lie between it and that split: each must transform rows one at a time, so the same
  code gives the same answer for one row as for a million: no file reads, no target, no split, no
  fit, no statistic across rows (the library call models come from the linter's knowledge tables);
* or, when there is no such path, which stage to split and why (its feature code is fused with
  loading, fitting or the split itself).

Only the statements a stage's output depends on count (a backward slice over the stage's top-level
statements): a validation stage that computes ``df.isna().mean()`` to raise on a bad batch but
never writes ``df`` is a check, passed through, not a cross-row transform.

``mode`` is ``"stages"`` (run the path's stages, then the model), ``"model"`` (no stage between the
loaded frame and the split: the model's own Pipeline holds the features, as in the credit-risk
example) or ``"none"`` (``refusal`` names the stage to split). Export writes the result to
``src/<pkg>/serving.json``; :mod:`nbpromote.serving` and ``predict`` read it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["serving_path", "write_serving_path", "SERVING_PATH_SCHEMA_VERSION", "SERVING_FILE", "stage_facts",
           "StageFacts", "target_columns"]

SERVING_PATH_SCHEMA_VERSION = 1
SERVING_FILE = "serving.json"

#: Calls whose result for a row depends on the other rows (besides the knowledge tables' statistics).
_CROSS_ROW_METHODS = frozenset({
    "groupby", "rolling", "expanding", "ewm", "shift", "diff", "cumsum", "cumprod", "cummax", "cummin",
    "rank", "pct_change", "drop_duplicates", "duplicated", "resample", "pivot", "pivot_table",
    "corr", "cov", "sum", "count", "interpolate", "bfill", "ffill", "backfill", "pad",
})
_CROSS_ROW_FUNCTIONS = frozenset({"get_dummies", "factorize", "crosstab", "pivot_table", "concat"})
_FIT_METHODS = frozenset({"fit", "fit_transform", "fit_resample", "partial_fit", "fit_predict"})
#: Writes that add or change columns (feature code), as opposed to selecting rows or columns.
_COLUMN_WRITING = frozenset({"assign", "apply", "applymap", "map", "transform", "eval", "insert", "replace",
                             "fillna", "astype", "clip", "where", "mask", "round", "abs"})


def _knowledge() -> Any:
    """The library call models: the bottom-level knowledge module, else the linter's copy."""
    try:
        from .. import knowledge  # type: ignore[attr-defined]

        if hasattr(knowledge, "READERS"):
            return knowledge
    except ImportError:
        pass
    from ..lint import _knowledge

    return _knowledge


def _call_name(node: ast.Call) -> tuple[str, bool]:
    """(last dotted name of the callee, whether it is a method on something)."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr, True
    if isinstance(func, ast.Name):
        return func.id, False
    return "", False


def _target_names(node: ast.AST) -> set[str]:
    """Names an assignment target binds or mutates (``df``, ``df['x']``, ``df.x``, tuples)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.Tuple, ast.List)):
        return set().union(*(_target_names(e) for e in node.elts)) if node.elts else set()
    if isinstance(node, ast.Starred):
        return _target_names(node.value)
    if isinstance(node, (ast.Subscript, ast.Attribute)):
        return _target_names(node.value)
    return set()


def _defs(stmt: ast.stmt) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                out |= _target_names(target)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            out |= _target_names(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            out |= _target_names(node.target)
        elif isinstance(node, ast.NamedExpr):
            out |= _target_names(node.target)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            inplace = any(k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                          for k in node.keywords)
            if inplace or node.func.attr in _FIT_METHODS | {"pop", "insert", "update", "drop_duplicates"}:
                out |= _target_names(node.func.value)
    return out


def _uses(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@dataclass
class StageFacts:
    """What a stage's code does to one of its outputs, statement by statement (lines are 1-based)."""

    writes: list[int] = field(default_factory=list)
    reads: list[tuple[int, str]] = field(default_factory=list)
    fits: list[tuple[int, str]] = field(default_factory=list)
    splits: list[tuple[int, str]] = field(default_factory=list)
    aggregates: list[tuple[int, str]] = field(default_factory=list)
    evaluates: list[tuple[int, str]] = field(default_factory=list)
    columns: list[tuple[int, str]] = field(default_factory=list)
    uses_target: list[tuple[int, str]] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)

    def cross_row(self) -> list[tuple[str, int, str]]:
        """Every reason a request row cannot pass through: (kind, line, call)."""
        kinds = (("reads a file", self.reads), ("fits", self.fits), ("splits", self.splits),
                 ("computes across rows", self.aggregates), ("predicts", self.evaluates),
                 ("uses the target", self.uses_target))
        return [(kind, line, call) for kind, found in kinds for line, call in found]


def _statements(stage: Any) -> list[tuple[ast.stmt, int]]:
    """Top-level statements of a stage's cells with their cell index (notebook order)."""
    out = []
    for cell in stage.cells:
        for stmt in cell.tree.body:
            out.append((stmt, cell.cell.index))
    return out


def _slice(statements: list[tuple[ast.stmt, int]], variable: str) -> list[tuple[ast.stmt, int]]:
    """Statements ``variable``'s final value depends on (backward, by name)."""
    needed = {variable}
    kept = []
    for stmt, index in reversed(statements):
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            continue
        if _defs(stmt) & needed:
            kept.append((stmt, index))
            needed |= _uses(stmt)
    return list(reversed(kept))


def _string_constants(statements: Iterable[tuple[ast.stmt, int]]) -> dict[str, str]:
    out = {}
    for stmt, _index in statements:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
            out[stmt.targets[0].id] = stmt.value.value
    return out


def target_columns(plan: Any) -> set[str]:
    """Column names the notebook uses as its target (``y = df["default"]`` before a split)."""
    k = _knowledge()
    statements = [s for stage in plan.stages for s in _statements(stage)]
    constants = _string_constants(statements)
    target_vars: set[str] = set()
    for stmt, _index in statements:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and _call_name(node)[0] in k.SPLIT_FUNCTIONS and len(node.args) >= 2:
                if isinstance(node.args[1], ast.Name):
                    target_vars.add(node.args[1].id)
    target_vars |= {v for v in (plan.roles.get("target"), plan.roles.get("holdout_y")) if v}
    columns: set[str] = set()
    for stmt, _index in statements:
        if not isinstance(stmt, ast.Assign) or not any(_target_names(t) & target_vars for t in stmt.targets):
            continue
        for node in ast.walk(stmt.value):
            key: ast.AST | None = None
            if isinstance(node, ast.Subscript):
                key = node.slice
            elif isinstance(node, ast.Call) and _call_name(node)[0] == "pop" and node.args:
                key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                columns.add(key.value)
            elif isinstance(key, ast.Name) and key.id in constants:
                columns.add(constants[key.id])
            elif isinstance(key, ast.List):
                columns |= {e.value for e in key.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return columns


def stage_facts(stage: Any, variable: str, targets: set[str] = frozenset()) -> StageFacts:  # type: ignore[assignment]
    """The facts of the statements ``variable`` depends on in ``stage``."""
    k = _knowledge()
    statements = _statements(stage)
    constants = _string_constants(statements)
    facts = StageFacts()
    aggregate_functions = set(k.STAT_FUNCTIONS_AGG) | set(k.STAT_FUNCTIONS_ROWWISE) | _CROSS_ROW_FUNCTIONS
    aggregate_methods = set(k.STAT_METHODS) | _CROSS_ROW_METHODS | set(k.ROW_SUBSET_METHODS)
    splitters = set(k.SPLIT_FUNCTIONS) | set(k.SPLITTERS)
    for stmt, _index in _slice(statements, variable):
        line = stmt.lineno
        if variable in _defs(stmt):
            facts.writes.append(line)
        for t in stmt.targets if isinstance(stmt, ast.Assign) else ():
            if isinstance(t, ast.Subscript):
                key = t.slice
                named = key.value if isinstance(key, ast.Constant) else constants.get(getattr(key, "id", ""))
                if named not in targets:  # building the target is not feature code
                    facts.columns.append((line, "column assignment"))
                    if isinstance(named, str):
                        facts.creates.append(named)
        for node in ast.walk(stmt):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in targets:
                facts.uses_target.append((line, repr(node.value)))
            elif isinstance(node, ast.Name) and node.id in constants and constants[node.id] in targets:
                facts.uses_target.append((line, node.id))
            if not isinstance(node, ast.Call):
                continue
            name, method = _call_name(node)
            shown = f"{name}()"
            if name in k.READERS or name == "open" or (name == "load" and method):
                facts.reads.append((line, shown))
            elif name in splitters:
                facts.splits.append((line, shown))
            elif name in _FIT_METHODS or (not method and name in k.STAT_TRANSFORMERS):
                facts.fits.append((line, shown))
            elif name in k.EVAL_METHODS and method:
                facts.evaluates.append((line, shown))
            elif (method and name in aggregate_methods) or (not method and name in aggregate_functions) \
                    or (method and name in aggregate_functions):
                facts.aggregates.append((line, shown))
            if method and name in _COLUMN_WRITING:
                if not (name == "assign" and node.keywords and all(kw.arg in targets for kw in node.keywords)):
                    facts.columns.append((line, shown))
                    if name == "assign":
                        facts.creates.extend(kw.arg for kw in node.keywords if kw.arg)
    return facts


def _where(stage: Any, line: int) -> str:
    """'cell N, line L' (1-based cell number for people) of a statement's first line."""
    for cell in stage.cells:
        if any(stmt.lineno == line for stmt in cell.tree.body):
            return f"cell {cell.cell.index + 1}, line {line}"
    return f"line {line}"


def _reason(stage: Any, facts: StageFacts) -> str:
    kind, line, call = facts.cross_row()[0]
    return f"{kind} ({call} at {_where(stage, line)})"


def serving_path(plan: Any) -> dict[str, Any]:
    """The serving path of a stage plan (see the module docstring); a JSON-able dict."""
    producers = {artifact: stage for stage in plan.stages for artifact, _var in stage.outputs}
    out: dict[str, Any] = {"schema_version": SERVING_PATH_SCHEMA_VERSION, "kind": "nbpromote.serving_path",
                           "mode": "none", "stages": [], "steps": [], "replaces": None, "output": None, "side_inputs": {},
                           "passed_through": [], "refusal": None, "stage_to_split": None}

    def refuse(stage: Any, why: str, fix: str) -> dict[str, Any]:
        out.update(mode="none", stages=[], steps=[], replaces=None, output=None, side_inputs={},
                   refusal=f"stage '{stage.name}' {why}; {fix}", stage_to_split=stage.name)
        return out

    reference = plan.roles.get("reference")
    split_stage = producers.get(reference) if reference else None
    if split_stage is None:
        out["refusal"] = ("no stage produces the model's training features (role 'reference', e.g. X_train), so "
                          "the rows a request must look like are unknown; name them X_train in the notebook")
        return out
    targets = target_columns(plan)
    variable = dict(split_stage.outputs)[reference]
    facts = stage_facts(split_stage, variable, set())
    bad = [(kind, line, call) for kind, line, call in facts.cross_row() if kind in ("reads a file", "fits", "predicts")]
    if bad or facts.columns:
        line, call = (bad[0][1], bad[0][2]) if bad else facts.columns[0]
        what = bad[0][0] if bad else "computes feature columns"
        return refuse(split_stage, f"{what} ({call} at {_where(split_stage, line)}) in the same stage as the split",
                      "move the row-wise feature code into a stage of its own before the split (or into the "
                      "model's Pipeline), and fit nothing before the split")
    # The frame input the split reads: the input whose variable the reference depends on.
    sliced = _slice(_statements(split_stage), variable)
    used = set().union(*(_uses(s) for s, _i in sliced)) if sliced else set()
    frame_inputs = [(artifact, var) for artifact, var in split_stage.inputs if var in used]
    if not frame_inputs:
        out["refusal"] = (f"stage '{split_stage.name}' builds {reference} from no upstream frame, so no request can "
                          "take its place; split the loading from the feature selection")
        out["stage_to_split"] = split_stage.name
        return out
    current = frame_inputs[0][0]
    path: list[Any] = []
    steps: list[dict[str, str]] = []
    created: list[str] = []
    side: dict[str, list[str]] = {}
    passed: list[str] = []
    for _guard in range(len(plan.stages) + 1):
        producer = producers.get(current)
        if producer is None:
            break
        var = dict(producer.outputs)[current]
        pfacts = stage_facts(producer, var, targets)
        inputs = dict((v, a) for a, v in producer.inputs)
        if not pfacts.writes:  # a check that only reads the frame: pass through to its input
            if var in inputs:
                passed.append(producer.name)
                current = inputs[var]
                continue
            return refuse(producer, f"produces {current} without a visible assignment",
                          "assign the frame explicitly in that stage")
        cross = pfacts.cross_row()
        if not cross and not producer.inputs and not pfacts.columns:
            break  # a source (e.g. a dataset loader): the request replaces its output
        if not cross:
            path.insert(0, producer)
            upstream = inputs.get(var) or (producer.inputs[0][0] if producer.inputs else None)
            if upstream is None:
                return refuse(producer, "creates its rows from nothing a request could replace",
                              "read the data in a loading stage of its own")
            created.extend(c for c in pfacts.creates if c not in created)
            side[producer.name] = [a for a, _v in producer.inputs if a != upstream]
            steps.insert(0, {"stage": producer.name, "consumes": upstream, "produces": current})
            current = upstream
            continue
        only_reads = all(kind == "reads a file" for kind, _l, _c in cross)
        if only_reads and (not producer.inputs or pfacts.reads) and not pfacts.columns:
            break  # the loading stage (reads, or a source with no inputs): the request replaces its output
        if pfacts.reads:
            read_line, read_call = pfacts.reads[0]
            other = next((w for w in pfacts.writes if w != read_line), pfacts.columns[0][0] if pfacts.columns else read_line)
            return refuse(producer, f"both reads a file ({read_call} at {_where(producer, read_line)}) and transforms "
                          f"what it read (at {_where(producer, other)})",
                          "split it into a loading stage (the read alone) and a features stage")
        return refuse(producer, _reason(producer, pfacts),
                      "a request row cannot pass through it: move the row-wise code into a stage of its own and "
                      "the fitted statistics into the model's Pipeline")
    out.update(
        mode="stages" if path else "model",
        stages=[s.name for s in path],
        steps=steps,
        creates=created,
        replaces=current,
        output=frame_inputs[0][0],
        side_inputs={name: inputs for name, inputs in side.items() if inputs},
        passed_through=passed,
        split_stage=split_stage.name,
    )
    return out


def write_serving_path(path: Any, plan: Any) -> dict[str, Any]:
    """Compute the serving path of ``plan`` and write it to ``path`` (JSON); returns it.

    A notebook the analysis cannot follow gets ``mode: "none"`` with the reason, never a failed
    export: serving is one use of the package among several.
    """
    from .._io import write_json

    try:
        document = serving_path(plan)
    except (RecursionError, ValueError, KeyError, AttributeError, TypeError) as exc:
        document = {"schema_version": SERVING_PATH_SCHEMA_VERSION, "kind": "nbpromote.serving_path",
                    "mode": "none", "stages": [], "steps": [], "replaces": None, "output": None, "side_inputs": {},
                    "passed_through": [], "stage_to_split": None,
                    "refusal": f"the stages could not be analysed for serving ({type(exc).__name__}: {exc})"}
    write_json(path, document)
    return document
