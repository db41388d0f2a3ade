"""Stages from tags: which cells form which stage, what each stage consumes and produces.

:func:`plan_stages` reads the tags (see :mod:`nbpromote.export._tags`), neutralises notebook-only
code, and walks the exported cells in notebook order with the shared per-cell name summary
(:func:`nbpromote.notebook.cell_names`). The notebook's top-to-bottom order is the truth the
pipeline must reproduce, so every read is resolved to the binding a fresh top-to-bottom run would
see:

* a name read by stage S and bound by an earlier cell of another stage T becomes an *input* of S
  and an *output* of T (an edge T → S);
* names of the ``parameters`` cell become keyword params; names bound by ``imports``/``functions``
  cells and by import statements anywhere become shared (``common.py``), never artifacts;
* **rebinding and in-place changes across stages are versions, not errors.** When stage B rebinds
  ``df = df.dropna()`` or changes it in place (``df["x"] = …``, ``model.fit(…)``) on a ``df``
  produced by stage A, B takes A's ``df`` as input and produces a new ``df``; later stages read B's.
  Artifact names are unique: the last version keeps the plain name (so ``model``, ``X_train`` …
  stay recognisable), earlier ones are named ``<name>_<stage>`` (``df_ingest``). This is what a
  person means by the notebook, and it keeps stage functions pure (a stage never relies on a
  mutation made by another stage to an object it did not return).

What stays an error, naming the cells (:class:`~nbpromote.errors.StageGraphError`): no stage tags
(run ``nbpromote suggest-tags``), conflicting tags on a cell, code cells before the first stage
that are not imports/definitions, a stage with no code, a name read before any cell binds it (or
bound only in a ``skip`` cell, or only later), a stage that rebinds a parameter, a stage whose
cells are interleaved with another stage's so that a reader sits between two of its bindings,
and cycles (non-contiguous cells of one stage, or Kale ``prev:`` edges). Outputs that cannot be
artifacts (functions, classes, lambdas, generators, open files, modules) are a
:class:`~nbpromote.errors.SerializationError` with the fix.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ..errors import ExportError, NbpromoteError, SerializationError, StageGraphError
from ..notebook import CodeCell, cell_names, code_cells, load_notebook
from ._metrics import METRICS_VAR, RECORD, RECORD_IMPORT, analyse_metrics, instrument_cell
from ._neutralise import Neutralised, neutralise, plot_aliases, share_imports
from ._params import Param, parse_parameters
from ._tags import KALE_KEPT, STAGE_NAME, parse_tags, stage_tag_word

__all__ = ["StagePlan", "StageSpec", "plan_stages", "ROLE_NAMES"]

#: Output names that fill the runtime's roles when a stage produces them.
ROLE_NAMES = {"model": "model", "metrics": "metrics", "reference": "X_train", "target": "y_train",
              "holdout_X": "X_test", "holdout_y": "y_test"}
#: nbdev's directive for a cell that is not run (``#| eval: false``).
NBDEV_EVAL_FALSE = re.compile(r"^\s*#\|\s*eval\s*:\s*false\s*$", re.IGNORECASE | re.MULTILINE)
_SEED_MAGIC = re.compile(r"^\s*%promote\s+seed\s+(?:(\d+)|\{(\w+)\})", re.MULTILINE)
#: Names a stage module may not take: they are taken in the generated package or pipeline.py.
_RESERVED = frozenset({"run", "common", "pipeline", "stages", "Path", "Pipeline", "Stage", "PIPELINE"})


@dataclass
class StageSpec:
    """One stage of the plan.

    Attributes
    ----------
    name : str
    cells : list of Neutralised
        The stage's cells in notebook order, notebook-only code neutralised.
    inputs : list of (str, str)
        (artifact name, variable name) read from upstream stages, in order of first read.
    outputs : list of (str, str)
        (artifact name, variable name) produced for later stages or a role.
    params : list of str
        Pipeline params the stage reads (keyword arguments of ``run``).
    common : list of str
        Shared names (``common.py``) the stage reads.
    upstream : list of str
        Stages this one depends on.
    """

    name: str
    cells: list[Neutralised] = field(default_factory=list)
    inputs: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    common: list[str] = field(default_factory=list)
    upstream: list[str] = field(default_factory=list)
    #: The notebook's own metrics variable the recorded metrics merge into (see _bind_metrics).
    merge_into: str | None = None

    @property
    def first_index(self) -> int:
        return self.cells[0].cell.index

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cells": [c.cell.index for c in self.cells],
            "cell_ids": [c.cell.cell_id for c in self.cells],
            "inputs": [a for a, _v in self.inputs],
            "outputs": [a for a, _v in self.outputs],
            "variables": {a: v for a, v in self.inputs + self.outputs if a != v},
            "params": list(self.params),
            "upstream": list(self.upstream),
            "removed": [{"cell": c.cell.index, "line": line, "code": text}
                        for c in self.cells for line, text in c.removed],
        }


@dataclass
class StagePlan:
    """The stage graph of a notebook, in DAG order, ready to render.

    Attributes
    ----------
    notebook : str or None
    stages : list of StageSpec
        Topologically sorted (ties keep notebook order).
    params : list of Param
        From the ``parameters`` cell.
    parameters_cell : CodeCell or None
    shared : list of Neutralised
        ``imports``/``functions`` cells (and import-only cells before the first stage).
    hoisted_imports : list of str
        Import statements found in stage cells, shared through ``common.py`` too.
    skipped : list of int
        Cells left out (``skip``).
    roles : dict of str to str
        Runtime role → artifact name (model, metrics, reference, target, holdout_X, holdout_y).
    seed : int or None
        From ``%promote seed N`` in the notebook (the manifest's seed overrides it at export).
    warnings : list of str
    """

    notebook: str | None
    stages: list[StageSpec]
    params: list[Param]
    parameters_cell: CodeCell | None
    shared: list[Neutralised]
    hoisted_imports: list[str]
    skipped: list[int]
    roles: dict[str, str]
    seed: int | None
    warnings: list[str] = field(default_factory=list)
    model_notes: list[str] = field(default_factory=list)
    metric_stages: list[str] = field(default_factory=list)

    def stage(self, name: str) -> StageSpec:
        for spec in self.stages:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON (the ``nbpromote stages --format json`` document)."""
        return {
            "schema_version": 1,
            "notebook": self.notebook,
            "stages": [s.to_dict() for s in self.stages],
            "params": [p.to_dict() for p in self.params],
            "parameters_cell": None if self.parameters_cell is None else self.parameters_cell.index,
            "shared_cells": [c.cell.index for c in self.shared],
            "skipped_cells": list(self.skipped),
            "roles": dict(self.roles),
            "seed": self.seed,
            "warnings": list(self.warnings),
        }


def _where(cell: CodeCell) -> str:
    return f"cell {cell.index + 1} (id {cell.cell_id})"


def _located(cls: type, message: str, *, hint: str, notebook: str | None, cell: CodeCell, **fields: Any) -> Any:
    """An error whose message starts with the notebook and cell (once, not repeated by the error's prefix)."""
    if notebook and message.startswith("cell "):
        message = f"{notebook}, {message}"
    return cls(message, hint=hint, notebook=notebook, cell=cell.index, cell_id=cell.cell_id, **fields)


def _only_imports_or_defs(cell: CodeCell) -> bool:
    body = cell.tree.body if cell.tree is not None else []
    return bool(body) and all(
        isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in body
    )


def _import_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, ast.ImportFrom):
            names.update(a.asname or a.name for a in stmt.names if a.name != "*")
    return names


def _hoisted(n: Neutralised) -> list[str]:
    out = []
    for stmt in n.tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)) and not (
            isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        ):
            out.append(ast.unparse(stmt))
    return out


def _load(source: Any) -> tuple[nbformat.NotebookNode, str | None]:
    if isinstance(source, nbformat.NotebookNode):
        return source, None
    path = Path(source)
    return load_notebook(path), path.name


class _Walk:
    """The notebook-order walk that resolves every read to the binding a fresh run would see."""

    def __init__(self, notebook: str | None, params: dict[str, Param], shared: set[str],
                 skipped_defs: dict[str, CodeCell], later_defs: dict[str, list[tuple[int, str]]]) -> None:
        self.notebook = notebook
        self.params = params
        self.shared = shared
        self.skipped_defs = skipped_defs
        self.later_defs = later_defs
        # var -> (stage, version number); a version is one stage's final value of the var.
        self.binding: dict[str, tuple[str, int]] = {}
        self.versions: dict[str, list[str]] = {}  # var -> stages producing a version, in order
        self.consumed: dict[tuple[str, str], list[tuple[str, CodeCell]]] = {}  # (stage, var) -> readers
        self.bound_at: dict[tuple[str, str], CodeCell] = {}
        self.bound_line: dict[tuple[str, str], tuple[int, int]] = {}

    def error(self, message: str, cell: CodeCell, hint: str) -> StageGraphError:
        return _located(StageGraphError, message, hint=hint, notebook=self.notebook, cell=cell)

    def read(self, spec: StageSpec, cell: CodeCell, var: str, line: int) -> None:
        if var == METRICS_VAR:
            return  # the stage's own metrics dict (see _metrics)
        current = self.binding.get(var)
        if current is not None and current[0] == spec.name:
            return  # the stage's own binding
        if current is not None:
            producer = current[0]
            key = (producer, var)
            readers = self.consumed.setdefault(key, [])
            if not any(r[0] == spec.name for r in readers):
                readers.append((spec.name, cell))
            sources = getattr(spec, "_sources", [])
            earlier = next((p for p, v in sources if v == var and p != producer), None)
            if earlier is not None:
                raise self.error(
                    f"{_where(cell)}: stage '{spec.name}' reads `{var}` from stage '{earlier}' in one cell and "
                    f"from stage '{producer}' here, because '{producer}' rebinds it between this stage's cells; "
                    "a stage function gets one value per name.", cell,
                    f"Make stage '{spec.name}'s cells contiguous, or rename `{var}` in stage '{producer}'.",
                )
            if (producer, var) not in sources:
                spec._sources = getattr(spec, "_sources", []) + [(producer, var)]  # type: ignore[attr-defined]
            if producer not in spec.upstream:
                spec.upstream.append(producer)
            return
        if var in self.params:
            if var not in spec.params:
                spec.params.append(var)
            return
        if var in self.shared:
            if var not in spec.common:
                spec.common.append(var)
            return
        where = f"{_where(cell)}, line {line + cell.line_offset}"
        if var in self.skipped_defs:
            skip = self.skipped_defs[var]
            raise self.error(
                f"{where}: stage '{spec.name}' reads `{var}`, which only the skipped {_where(skip)} "
                "binds, so the pipeline would fail with a NameError.", cell,
                f"Remove the `skip` tag from cell {skip.index + 1}, or compute `{var}` in a stage cell.",
            )
        later = [(index, stage) for index, stage in self.later_defs.get(var, []) if index > cell.index]
        if later:
            index, stage = later[0]
            raise self.error(
                f"{where}: stage '{spec.name}' reads `{var}` before it is produced: cell {index + 1} "
                f"(stage '{stage}') binds it later, so a top-to-bottom run fails here.", cell,
                f"Move the cell that binds `{var}` above cell {cell.index + 1}, or reorder the stages.",
            )
        raise self.error(
            f"{where}: stage '{spec.name}' reads `{var}`, but no exported cell binds it (it may exist "
            "only in the kernel's memory from a deleted or edited cell).", cell,
            f"Bind `{var}` in a cell above (or in the parameters cell), then re-run the notebook "
            "top to bottom to check.",
        )

    def bind(self, spec: StageSpec, cell: CodeCell, var: str, line: int, how: str, position: int = 0) -> None:
        if var in self.params and var not in self.binding:
            raise self.error(
                f"{_where(cell)}, line {line + cell.line_offset}: stage '{spec.name}' {how} the "
                f"parameter `{var}`; a parameter must keep the value the pipeline is given.", cell,
                f"Bind the result to a new name (e.g. `{var}_used = …`) and use that below.",
            )
        current = self.binding.get(var)
        if current is not None and current[0] == spec.name:
            readers = [r for r in self.consumed.get((spec.name, var), []) if r[1].index < cell.index]
            if readers:
                reader_stage, reader = readers[0]
                first = self.bound_at[(spec.name, var)]
                raise self.error(
                    f"`{var}` is bound by stage '{spec.name}' in {_where(first)} and again in "
                    f"{_where(cell)}, and stage '{reader_stage}' ({_where(reader)}) reads it in between; "
                    f"a stage returns one value per name, so '{reader_stage}' would get the wrong one.",
                    cell, f"Move cell {reader.index + 1} after cell {cell.index + 1}, or rename `{var}` in one of "
                    "the bindings.",
                )
            return
        self.binding[var] = (spec.name, len(self.versions.get(var, [])))
        self.versions.setdefault(var, []).append(spec.name)
        self.bound_at[(spec.name, var)] = cell
        self.bound_line[(spec.name, var)] = (line, position)


def _collect_cells(nb: nbformat.NotebookNode, notebook: str | None) -> tuple[
        list[CodeCell], dict[str, list[CodeCell]], list[str], list[CodeCell], CodeCell | None,
        list[CodeCell], dict[str, list[str]], list[str]]:
    """Assign every code cell to a stage, the shared cells, the parameters cell or skip."""
    cells = code_cells(nb)
    stage_cells: dict[str, list[CodeCell]] = {}
    order: list[str] = []
    shared: list[CodeCell] = []
    skipped: list[CodeCell] = []
    parameters: CodeCell | None = None
    prev: dict[str, list[str]] = {}
    orphans: list[CodeCell] = []
    warnings: list[str] = []
    current: str | None = None
    for cell in cells:
        tags = parse_tags(cell.tags)
        if tags.conflicts:
            raise StageGraphError(
                f"{_where(cell)} has conflicting tags {tags.conflicts}; a cell belongs to one stage "
                "(or is parameters/imports/functions/skip).", hint="Keep one of them.",
                notebook=notebook, cell=cell.index, cell_id=cell.cell_id,
            )
        kept = [t for t in cell.tags if t.startswith(KALE_KEPT)]
        if kept:
            warnings.append(f"{_where(cell)}: Kale's {', '.join(f'`{t}`' for t in kept)} kept in the notebook; "
                            "nbpromote's pipeline does not apply them (they configure a Kubeflow step's pod).")
        if "injected-parameters" in cell.tags:
            warnings.append(f"{_where(cell)}: papermill's injected-parameters cell left out; the "
                            "pipeline's params keep the parameters cell's defaults.")
            skipped.append(cell)
            continue
        kind = tags.kind
        if kind == "skip" or NBDEV_EVAL_FALSE.search(cell.source):
            # nbdev's `#| eval: false` cells are examples nbdev never runs: neither does the pipeline.
            skipped.append(cell)
            continue
        if kind == "parameters":
            if parameters is not None:
                raise StageGraphError(
                    f"{_where(cell)} is a second parameters cell ({_where(parameters)} is the first); "
                    "papermill injects after the first only.", hint="Merge them into one cell.",
                    notebook=notebook, cell=cell.index, cell_id=cell.cell_id,
                )
            parameters = cell
            continue
        if kind in ("imports", "functions"):
            shared.append(cell)
            continue
        if kind == "stage":
            assert tags.stage is not None
            if not STAGE_NAME.match(tags.stage) or tags.stage in _RESERVED or keyword.iskeyword(tags.stage):
                raise StageGraphError(
                    f"{_where(cell)}: stage name '{tags.stage}' cannot be a Python module name"
                    + (" (it is reserved)" if tags.stage in _RESERVED else "") + ".",
                    hint="Use letters, digits and underscores, e.g. `stage:train_model`.",
                    notebook=notebook, cell=cell.index, cell_id=cell.cell_id,
                )
            current = tags.stage
            for name in tags.prev:
                prev.setdefault(current, [])
                if name not in prev[current]:
                    prev[current].append(name)
        if current is None:
            if not cell.source.strip() or (cell.tree is not None and not cell.tree.body):
                continue
            if _only_imports_or_defs(cell):
                shared.append(cell)
            else:
                orphans.append(cell)
            continue
        if current not in stage_cells:
            stage_cells[current] = []
            order.append(current)
        stage_cells[current].append(cell)
    if not stage_cells:
        raise StageGraphError(
            f"{notebook or 'the notebook'} has no stage tags, so there is nothing to export.",
            hint="Run `nbpromote suggest-tags NOTEBOOK` to see proposed `stage:<name>` tags and "
            "`--write` to apply them (or tag cells in JupyterLab's property inspector).",
            notebook=notebook, code="no-stages",
        )
    if orphans:
        listed = ", ".join(str(c.index + 1) for c in orphans)
        raise StageGraphError(
            f"cells {listed} come before the first stage tag and are not imports or definitions, "
            "so they belong to no stage.",
            hint="Tag them `stage:<name>`, `skip`, `imports` or `functions` (see `nbpromote suggest-tags`).",
            notebook=notebook, cell=orphans[0].index, cell_id=orphans[0].cell_id,
        )
    return cells, stage_cells, order, shared, parameters, skipped, prev, warnings


def plan_stages(source: Any, *, notebook: str | None = None) -> StagePlan:
    """Infer the stage graph of a tagged notebook.

    Parameters
    ----------
    source : str, Path or nbformat.NotebookNode
        A ``.ipynb`` notebook, a percent-format ``.py`` script, or a notebook already read.
    notebook : str or None, default=None
        Name used in messages (default: the file name).

    Returns
    -------
    StagePlan

    Raises
    ------
    StageGraphError
        Untagged notebook, conflicting tags, a stage with no code, unresolvable or ambiguous names,
        cycles (every message names the cells and the fix).
    ParametersCellError
        The parameters cell is not plain literal assignments.
    SerializationError
        A stage output is a function, class, lambda, generator, open file or module.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("x = [1, 2]", metadata={"tags": ["stage:load"]}),
    ...     nbformat.v4.new_code_cell("total = sum(x)", metadata={"tags": ["stage:score"]})])
    >>> [(s.name, s.inputs, s.outputs) for s in plan_stages(nb).stages]
    [('load', [], [('x', 'x')]), ('score', [('x', 'x')], [])]
    """
    nb, name = _load(source)
    notebook = notebook or name
    try:
        return _plan(nb, notebook)
    except NbpromoteError as error:
        # Messages start with "cell N (id …)"; put the notebook in front once, instead of the
        # generic "notebook, cell N: cell N (id …)" prefix the error class would add.
        if notebook and error.message.startswith("cell ") and notebook not in error.message:
            error.message = f"{notebook}, {error.message}"
            error.args = (str(error),)
        raise


def _plan(nb: nbformat.NotebookNode, notebook: str | None) -> StagePlan:
    cells, stage_cells, order, shared_cells, parameters, skipped, prev, warnings = _collect_cells(nb, notebook)

    for cell in [c for cs in stage_cells.values() for c in cs] + shared_cells:
        if cell.tree is None:
            raise ExportError(
                f"{_where(cell)} does not parse: {cell.syntax_error}.",
                hint="Fix the syntax (or tag the cell `skip`) and export again.",
                notebook=notebook, cell=cell.index, cell_id=cell.cell_id,
            )
    all_trees = [c.tree for c in cells if c.tree is not None]
    plots = plot_aliases(all_trees)
    params = {p.name: p for p in (parse_parameters(parameters, notebook=notebook) if parameters else [])}
    # Metric computations record into the stage's metrics before display code is neutralised
    # (a printed accuracy_score(...) is a metric, not a print to drop).
    metric_plan = analyse_metrics(sorted((c for cs in stage_cells.values() for c in cs), key=lambda c: c.index))
    metric_stages: list[str] = []
    for stage_name in order:
        instrumented = []
        for cell in stage_cells[stage_name]:
            cell, changed = instrument_cell(cell, metric_plan)
            if changed and stage_name not in metric_stages:
                metric_stages.append(stage_name)
            instrumented.append(cell)
        stage_cells[stage_name] = instrumented

    shared = [neutralise(c, plots, notebook=notebook) for c in shared_cells]
    specs = {s: StageSpec(s, [neutralise(c, plots, notebook=notebook) for c in stage_cells[s]]) for s in order}
    for spec in specs.values():
        if not any(
            not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
            for n in spec.cells for stmt in n.tree.body
        ):
            first = spec.cells[0].cell
            word = stage_tag_word(first.tags)
            if word != "stage:" and any(n.removed for n in spec.cells):
                # Kale runs a step that only prints; so does the pipeline, with nothing to compute.
                warnings.append(f"{_where(first)}: step '{spec.name}' (`{word}{spec.name}`) only prints; it is kept "
                                "as an empty stage so the steps after it keep their order.")
                continue
            raise StageGraphError(
                f"stage '{spec.name}' ({', '.join(_where(n.cell) for n in spec.cells)}) has no code "
                "that computes anything" + (" once display-only lines are removed" if any(n.removed for n in spec.cells) else "") + ".",
                hint=f"Add the stage's code, or remove the `{word}{spec.name}` tag so the cells join the stage above.",
                notebook=notebook, cell=first.index, cell_id=first.cell_id,
            )

    shared_names: set[str] = set()
    for n in shared:
        shared_names.update(cell_names(n.tree).defines)
    stage_imports = {name for cs in stage_cells.values() for c in cs if c.tree is not None
                      for name in _import_names(c.tree)}
    for n in shared:
        # common.py is imported by every stage: it cannot see params or values stages produce.
        # Modules imported in stage cells are hoisted into common.py, so a function may use them.
        foreign = sorted(set(cell_names(n.tree).uses) - shared_names - stage_imports)
        if foreign:
            raise StageGraphError(
                f"{_where(n.cell)} is shared (imports/functions) but reads {', '.join(f'`{v}`' for v in foreign)} "
                "from the notebook's globals; shared code is imported by every stage and cannot see "
                "parameters or stage values.",
                hint="Pass them as function arguments (def load(path): …, then load(data_path) in a stage), "
                "or tag the cell as a stage.", notebook=notebook, cell=n.cell.index, cell_id=n.cell.cell_id,
            )
    hoisted: list[str] = []
    if metric_stages:
        shared_names.add(RECORD)
        hoisted.append(RECORD_IMPORT)
    for spec in specs.values():
        for n in spec.cells:
            shared_names.update(_import_names(n.tree))
            for statement in _hoisted(n):
                if statement not in hoisted:
                    hoisted.append(statement)

    skipped_defs: dict[str, CodeCell] = {}
    for cell in skipped:
        for var in cell_names(cell.tree).defines if cell.tree is not None else {}:
            skipped_defs.setdefault(var, cell)
    later_defs: dict[str, list[tuple[int, str]]] = {}
    stage_of = {n.cell.index: s for s, spec in specs.items() for n in spec.cells}
    names_of = {n.cell.index: cell_names(n.tree) for spec in specs.values() for n in spec.cells}
    for index, names in sorted(names_of.items()):
        for var in names.defines:
            later_defs.setdefault(var, []).append((index, stage_of[index]))

    walk = _Walk(notebook, params, shared_names, skipped_defs, later_defs)
    model_notes: list[str] = []
    gates = {name: spec.cells[-1].cell.index for name, spec in specs.items() if _is_gate(spec)}
    imports_of = {n.cell.index: _import_names(n.tree) for spec in specs.values() for n in spec.cells}
    for n in sorted((n for spec in specs.values() for n in spec.cells), key=lambda n: n.cell.index):
        spec, names, cell = specs[stage_of[n.cell.index]], names_of[n.cell.index], n.cell
        for var, line in names.uses.items():
            walk.read(spec, cell, var, line)
        for var, line in names.mutates.items():
            if var not in names.defines and var not in shared_names and var not in params:
                walk.bind(spec, cell, var, line, "changes in place")
        for position, (var, line) in enumerate(names.defines.items()):
            if var in imports_of[cell.index] and var in shared_names:
                continue
            walk.bind(spec, cell, var, line, "rebinds", position)
        for var in names.deletes:
            if walk.binding.get(var, ("",))[0] == spec.name:
                walk.binding.pop(var)
        if gates.get(spec.name) == cell.index:
            # A checking stage passes the data it checked on, so what runs after it reads the
            # checked version and waits for the check (content-addressed: no second copy stored).
            for producer, var in getattr(spec, "_sources", []):
                if walk.binding.get(var, ("",))[0] == producer:
                    walk.bind(spec, cell, var, 10**6, "passes through")

    for spec in specs.values():
        # Imports of stage cells are shared through common.py (see share_imports); the stage
        # imports the names they bind from there, after the dataflow above saw them in place.
        for n in spec.cells:
            for var in sorted(_import_names(n.tree)):
                if var not in spec.common:
                    spec.common.append(var)
        spec.cells = [share_imports(n) for n in spec.cells]
    roles = _detect_roles(specs, walk, metric_plan.model)
    _name_artifacts(specs, walk, roles, set(params) | shared_names)
    _bind_metrics(specs, metric_stages, roles, walk)
    roles = {**{k: roles[k] for k in ROLE_NAMES if k in roles}, **roles}  # stable order for people and JSON
    if metric_plan.explanation and metric_stages:
        model_notes.append(metric_plan.explanation)
    warnings += _check_serialisable(specs, notebook)
    for stage, upstream in prev.items():
        for name in upstream:
            if name not in specs:
                warnings.append(f"prev:{name} on stage '{stage}' names no stage; ignored.")
            elif name not in specs[stage].upstream and name != stage:
                specs[stage].upstream.append(name)
    ordered = _toposort(specs, notebook)
    seed = _seed_from_cells(cells, params)
    return StagePlan(notebook, ordered, list(params.values()), parameters, shared, hoisted,
                     [c.index for c in skipped], roles, seed, warnings, model_notes=model_notes,
                     metric_stages=metric_stages)


def _detect_roles(specs: dict[str, StageSpec], walk: _Walk, scored: str | None = None) -> dict[str, str]:
    """Role → variable: the model is the estimator whose held-out predictions the metrics score;
    without metric calls, a variable named ``model``, else the last ``.fit`` receiver."""
    roles: dict[str, str] = {}
    for role, var in ROLE_NAMES.items():
        if var in walk.binding and role != "metrics":
            roles[role] = var
    if scored is not None and scored in walk.binding:
        roles["model"] = scored
    if "model" not in roles:
        fitted: list[str] = []
        for spec in specs.values():
            for n in spec.cells:
                for node in ast.walk(n.tree):
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr == "fit" and isinstance(node.func.value, ast.Name)
                            and node.func.value.id in walk.binding):
                        fitted.append(node.func.value.id)
                    elif (isinstance(node, ast.Assign) and len(node.targets) == 1
                          and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)
                          and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "fit"
                          and node.targets[0].id in walk.binding):
                        fitted.append(node.targets[0].id)  # model = Pipeline(...).fit(X, y)
        if fitted:
            roles["model"] = fitted[-1]
    if "metrics" in walk.binding:
        roles["metrics"] = "metrics"  # a dict the notebook builds itself (used when no metric call is found)
    return roles


def _name_artifacts(specs: dict[str, StageSpec], walk: _Walk, roles: dict[str, str], taken: set[str]) -> None:
    """Outputs = versions read by another stage or filling a role; last version keeps the plain name."""
    role_versions = {(walk.binding[var][0], var) for var in roles.values() if var in walk.binding}
    needed = set(walk.consumed) | role_versions
    names_used = set(walk.versions) | taken
    artifact: dict[tuple[str, str], str] = {}
    for var, all_stages in walk.versions.items():
        stages = [stage for stage in all_stages if (stage, var) in needed]
        for position, stage in enumerate(stages):
            if position == len(stages) - 1:
                artifact[(stage, var)] = var
                continue
            candidate, n = f"{var}_{stage}", 2
            while candidate in names_used:
                candidate, n = f"{var}_{stage}_{n}", n + 1
            names_used.add(candidate)
            artifact[(stage, var)] = candidate
    # A plain name may have been taken by an older version's suffix; the last version wins it.
    for spec in specs.values():
        spec.outputs = [(artifact[(spec.name, var)], var) for var in _bound_order(spec, walk) if (spec.name, var) in artifact]
        spec.inputs = [(artifact[src], src[1]) for src in getattr(spec, "_sources", [])]
    for role, var in list(roles.items()):
        if var in walk.binding:
            roles[role] = artifact[(walk.binding[var][0], var)]


def _bind_metrics(specs: dict[str, StageSpec], metric_stages: list[str], roles: dict[str, str], walk: _Walk) -> None:
    """The recorded metrics become outputs: ``metrics`` from the last stage that computes some,
    which also takes every earlier metric stage's (``metrics_<stage>``) and merges them."""
    if not metric_stages:
        return
    taken = {a for spec in specs.values() for a, _v in spec.outputs}
    final_name = "metrics" if "metrics" not in taken else "recorded_metrics"
    last = specs[metric_stages[-1]]
    own = walk.binding.get("metrics")
    merge = own is not None and own[0] == last.name and roles.get("metrics") == "metrics"
    for name in metric_stages[:-1]:
        spec = specs[name]
        if last.name in _upstream_closure(specs, name):
            continue  # would form a cycle; that stage's figures stay its own
        artifact = f"metrics_{name}"
        spec.outputs.append((artifact, METRICS_VAR))
        last.inputs.append((artifact, f"{METRICS_VAR}_{name}"))
        if name not in last.upstream:
            last.upstream.append(name)
    if merge:
        # The notebook builds its own `metrics` dict in that stage (slices, counts …): it stays the
        # metrics, and what the metric calls computed fills in the names it does not set.
        last.merge_into = "metrics"
        return
    last.outputs.append((final_name, METRICS_VAR))
    roles["metrics"] = final_name


def _upstream_closure(specs: dict[str, StageSpec], name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        for up in specs[todo.pop()].upstream:
            if up in specs and up not in seen:
                seen.add(up)
                todo.append(up)
    return seen


def _bound_order(spec: StageSpec, walk: _Walk) -> list[str]:
    items = [(cell.index, walk.bound_line[(stage, var)], var)
             for (stage, var), cell in walk.bound_at.items() if stage == spec.name]
    return [var for _i, _line, var in sorted(items)]


_UNSERIALISABLE = {
    ast.Lambda: "a lambda", ast.GeneratorExp: "a generator",
}


def _check_serialisable(specs: dict[str, StageSpec], notebook: str | None) -> list[str]:
    notes: list[str] = []
    for spec in specs.values():
        outputs = {var: art for art, var in spec.outputs}
        for n in spec.cells:
            for stmt in n.tree.body:
                found: list[tuple[str, str]] = []
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in outputs:
                    found.append((stmt.name, "a function"))
                elif isinstance(stmt, ast.ClassDef) and stmt.name in outputs:
                    found.append((stmt.name, "a class"))
                elif isinstance(stmt, ast.Assign):
                    value = stmt.value
                    kind = _UNSERIALISABLE.get(type(value))
                    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in {"open", "iter"}:
                        kind = "an open file" if value.func.id == "open" else "an iterator"
                    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "import_module":
                        kind = "a module"
                    if kind:
                        found += [(t.id, kind) for t in stmt.targets if isinstance(t, ast.Name) and t.id in outputs]
                elif isinstance(stmt, ast.With):
                    for item in stmt.items:
                        if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id in outputs:
                            found.append((item.optional_vars.id, "an open file or context manager"))
                for var, kind in found:
                    if kind in ("a function", "a class", "a lambda"):
                        # Stored by value with cloudpickle (the artifact's metadata says so).
                        notes.append(f"stage '{spec.name}' hands `{var}` ({kind}) to a later stage; it is stored "
                                     "with cloudpickle (by value), so the later stage runs the code as exported.")
                        continue
                    readers = "a later stage"
                    raise SerializationError(
                        f"cell {n.cell.index + 1} (id {n.cell.cell_id}), line {stmt.lineno + n.cell.line_offset}: "
                        f"stage '{spec.name}' hands `{var}` ({kind}) to {readers}, but stage outputs "
                        "are stored as artifacts and only data can be stored.",
                        hint=("Move the definition to a cell tagged `functions` (shared by every stage)."
                              if kind in ("a function", "a class", "a lambda")
                              else f"Materialise it (e.g. `{var} = list(...)` or read the file's content) "
                              "or create it inside the stage that uses it."),
                        notebook=notebook, cell=n.cell.index, cell_id=n.cell.cell_id, name=var,
                    )
    return notes


def _toposort(specs: dict[str, StageSpec], notebook: str | None) -> list[StageSpec]:
    """Kahn's algorithm; ties keep notebook order, so the output is deterministic."""
    remaining = dict(specs)
    done: list[StageSpec] = []
    placed: set[str] = set()
    while remaining:
        ready = [s for s in remaining.values() if all(u in placed for u in s.upstream)]
        if not ready:
            cycle = _find_cycle(remaining)
            cells = "; ".join(
                f"'{name}' (cells {', '.join(str(n.cell.index) for n in specs[name].cells)})" for name in cycle
            )
            raise StageGraphError(
                f"the stages form a cycle: {' → '.join(cycle + [cycle[0]])}. Stages {cells} each read "
                "something the next one produces (usually because one stage's cells are split around "
                "another's, or a `prev:` tag points backwards).",
                hint="Make each stage's cells contiguous, or rename the stages so the cells that "
                "depend on each other are in one stage.", notebook=notebook,
                cell=specs[cycle[0]].first_index, stages=cycle,
            )
        first = min(ready, key=lambda s: s.first_index)
        done.append(first)
        placed.add(first.name)
        del remaining[first.name]
    return done


def _find_cycle(specs: dict[str, StageSpec]) -> list[str]:
    for start in sorted(specs, key=lambda s: specs[s].first_index):
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in path:
            path.append(node)
            node = next((u for u in specs[node].upstream if u in specs), None)
        if node is not None:
            return list(reversed(path[path.index(node):]))
    return sorted(specs)


def _seed_from_cells(cells: list[CodeCell], params: dict[str, Param]) -> int | None:
    """The seed of ``%promote seed 42`` (or ``%promote seed {seed}`` with a parameter ``seed``)."""
    for cell in cells:
        match = _SEED_MAGIC.search(cell.source)
        if match and match.group(1):
            return int(match.group(1))
        if match and match.group(2) in params and isinstance(params[match.group(2)].default, int):
            return int(params[match.group(2)].default)
    return None


def _is_gate(spec: StageSpec) -> bool:
    """A stage that checks data: an assert or raise outside function definitions."""
    return any(
        isinstance(node, (ast.Assert, ast.Raise))
        for n in spec.cells if "assert" in n.python or "raise" in n.python  # cheap text filter first
        for stmt in n.tree.body
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for node in ast.walk(stmt)
    )
