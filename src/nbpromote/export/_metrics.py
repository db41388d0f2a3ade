"""Metrics from the notebook's own evaluation code, bound to a ``metrics`` output.

On real notebooks metrics live in ``print(accuracy_score(y_test, y_pred))``, in a cell's last
expression (``model.score(X_test, y_test)``) or in an assignment (``auc = roc_auc_score(…)``).
Neutralising display code would drop the first two, so before that happens every *metric
computation* — a call the knowledge tables list as a metric (:data:`nbpromote.knowledge.METRICS`),
a score method (``.score``, Keras ``.evaluate``), a cross-validation (``cross_val_score``,
``cross_validate``) or a search's ``best_score_`` — is rewritten, on the same line, into
:func:`nbpromote._metrics.record`, which files the number in the stage's metrics dict and returns it.
A printed number no metric call produced (``print(df.shape)``) is not a metric. Kale's
``pipeline-metrics`` cell names its metrics by the variables it prints.

Names: the function (``accuracy``, ``roc_auc``, ``rmse`` for ``sqrt(mean_squared_error(…))``,
``cv_accuracy_mean``); when a notebook scores several sets, training-set figures carry the data
(``accuracy[X_train]``) and the held-out one keeps the plain name; when it scores several models,
the model role goes to the estimator whose held-out predictions are scored last and the others'
metrics carry the model's name (``accuracy[svm]``). Cross-validation means are always ``cv_…`` so
the promotion gate never compares them with a holdout figure.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace

from ..notebook import CodeCell

__all__ = ["MetricSite", "MetricPlan", "analyse_metrics", "instrument_cell", "RECORD", "METRICS_VAR",
           "RECORD_IMPORT", "KALE_METRICS_TAG"]

RECORD = "_nbp_metric"
METRICS_VAR = "_nbp_metrics"
RECORD_IMPORT = f"from nbpromote._metrics import record as {RECORD}"
KALE_METRICS_TAG = "pipeline-metrics"
_CV = {"cross_val_score", "cross_validate"}
_WRAPPERS = {"round", "float", "abs"}


def _tables() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    from .. import knowledge as K

    return K.METRICS, K.PREDICT_METHODS, K.SCORE_METHODS


def _name_of(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _receiver(node: ast.expr) -> str | None:
    return node.value.id if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) else None


@dataclass
class MetricSite:
    """One metric computation: where, what it computes, on which data, for which model."""

    cell: int
    position: tuple[int, int]
    function: str
    data: str | None = None
    estimator: str | None = None
    qualifier: str = ""
    name: str | None = None

    @property
    def cv(self) -> bool:
        return self.function in _CV or self.function in ("cv_mean", "best_score_")

    @property
    def training(self) -> bool:
        return bool(self.data) and "train" in (self.data or "").lower()


@dataclass
class MetricPlan:
    """Every metric site of the exported cells, the chosen model and why."""

    sites: list[MetricSite] = field(default_factory=list)
    model: str | None = None
    explanation: str = ""

    def for_cell(self, index: int) -> dict[tuple[int, int], MetricSite]:
        return {s.position: s for s in self.sites if s.cell == index}


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _classify_call(node: ast.AST, tables: tuple[frozenset[str], frozenset[str], frozenset[str]]) -> str | None:
    metrics, _predict, _score = tables
    if isinstance(node, ast.Attribute) and node.attr == "best_score_" and isinstance(node.ctx, ast.Load):
        return "best_score_"
    if not isinstance(node, ast.Call):
        return None
    name = _name_of(node.func)
    if name is None:
        return None
    if name in _CV:
        return name
    if name in metrics and name not in ("classification_report", "confusion_matrix", "roc_curve",
                                        "precision_recall_curve", "det_curve", "multilabel_confusion_matrix",
                                        "precision_recall_fscore_support"):
        return name
    if isinstance(node.func, ast.Attribute) and name in ("score", "evaluate") and node.args:
        return name
    return None


def _data_arg(node: ast.AST, function: str) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    if function in ("score", "evaluate"):
        return ast.unparse(node.args[0]) if node.args else None
    if function in _CV:
        return None
    for keyword in node.keywords:
        if keyword.arg == "y_true":
            return ast.unparse(keyword.value)
    return ast.unparse(node.args[0]) if node.args else None


def _estimator(node: ast.AST, function: str, predictions: dict[str, str], predict: frozenset[str]) -> str | None:
    if isinstance(node, ast.Attribute):  # best_score_
        return _receiver(node)
    if not isinstance(node, ast.Call):
        return None
    if function in ("score", "evaluate"):
        return _receiver(node.func)
    if function in _CV:
        return node.args[0].id if node.args and isinstance(node.args[0], ast.Name) else None
    candidates = list(node.args[1:2]) + [k.value for k in node.keywords if k.arg in ("y_pred", "y_score", "y_prob",
                                                                                        "probas_pred")]
    for arg in candidates:
        if isinstance(arg, ast.Name) and arg.id in predictions:
            return predictions[arg.id]
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Call) and _name_of(sub.func) in predict and _receiver(sub.func):
                return _receiver(sub.func)
    return None


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # runs later, in another scope
        out.append(stmt)
        for key in ("body", "orelse", "finalbody"):
            child = getattr(stmt, key, None)
            if isinstance(child, list) and child and isinstance(child[0], ast.stmt):
                out += _statements(child)
        for handler in getattr(stmt, "handlers", []) or []:
            out += _statements(handler.body)
    return out


def _found(stmt: ast.stmt, tables: tuple[frozenset[str], frozenset[str], frozenset[str]]) -> list[tuple[ast.AST, str]]:
    """Outermost metric computations of one statement (not inside another, not in a lambda)."""
    found: list[tuple[ast.AST, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        kind = _classify_call(node, tables)
        if kind:
            found.append((node, kind))
            return
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt):
                visit(child)

    for child in ast.iter_child_nodes(stmt):
        if not isinstance(child, ast.stmt):
            visit(child)
    return found


def analyse_metrics(cells: list[CodeCell]) -> MetricPlan:
    """Find the metric sites of ``cells`` (exported stage cells, notebook order) and name them."""
    tables = _tables()
    predict = tables[1]
    predictions: dict[str, str] = {}
    plan = MetricPlan()
    for cell in cells:
        if cell.tree is None:
            continue
        if KALE_METRICS_TAG in cell.tags:
            for stmt in cell.tree.body:
                target = _printed_name(stmt)
                if target:
                    plan.sites.append(MetricSite(cell.index, (stmt.lineno, stmt.col_offset), "name", name=target))
            continue
        for stmt in _statements(cell.tree.body):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                for sub in ast.walk(stmt.value):
                    if isinstance(sub, ast.Call) and _name_of(sub.func) in predict and _receiver(sub.func):
                        predictions[stmt.targets[0].id] = _receiver(sub.func)  # type: ignore[assignment]
                        break
            for node, kind in _found(stmt, tables):
                plan.sites.append(MetricSite(
                    cell.index, (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)), kind,
                    _data_arg(node, kind), _estimator(node, kind, predictions, predict)))
    _choose(plan)
    return plan


def _printed_name(stmt: ast.stmt) -> str | None:
    if not isinstance(stmt, ast.Expr):
        return None
    value = stmt.value
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Call) and _name_of(value.func) == "print" and len(value.args) == 1 \
            and isinstance(value.args[0], ast.Name):
        return value.args[0].id
    return None


def _choose(plan: MetricPlan) -> None:
    holdout = [s for s in plan.sites if s.estimator and not s.cv and not s.training and s.function != "name"]
    models = list(dict.fromkeys(s.estimator for s in holdout))
    if holdout:
        plan.model = holdout[-1].estimator
        if len(models) > 1:
            others = ", ".join(f"`{m}`" for m in models if m != plan.model)
            plan.explanation = (f"Several models are scored on held-out data ({', '.join(f'`{m}`' for m in models)}); "
                                f"the model is `{plan.model}`, the last one whose held-out predictions the notebook "
                                f"scores. The metrics of {others} are recorded with the model's name in brackets.")
        else:
            plan.explanation = f"The model is `{plan.model}`: its held-out predictions are what the metrics score."
    tested = {s.data for s in plan.sites if s.data and not s.training and (not s.estimator or s.estimator == plan.model)}
    preferred = next((d for d in sorted(tested) if "test" in d.lower()), None) or (sorted(tested)[-1] if tested else None)
    for site in plan.sites:
        if site.function == "name":
            continue
        parts: list[str] = []
        if site.estimator and plan.model and site.estimator != plan.model:
            parts.append(site.estimator)
        if site.data and (site.training or (len(tested) > 1 and site.data != preferred)):
            parts.append(site.data)
        site.qualifier = ",".join(parts)


def _call(site: MetricSite, expression: str, *, function: str | None = None, sqrt: bool = False,
          scoring: str | None = None, model: str | None = None) -> str:
    function = function or site.function
    args = [METRICS_VAR, expression, repr(function)]
    if site.qualifier:
        args.append(f"qualifier={site.qualifier!r}")
    if model:
        args.append(f"model={model}")
    if scoring:
        args.append(f"scoring={scoring}")
    if sqrt:
        args.append("sqrt=True")
    if site.name:
        args.append(f"name={site.name!r}")
    return f"{RECORD}({', '.join(args)})"


def _details(node: ast.AST, site: MetricSite, parents: dict[ast.AST, ast.AST]) -> tuple[ast.AST, dict[str, object]]:
    """The expression to record (the call, or ``sqrt(…)``/``….mean()`` around it) and keywords."""
    extra: dict[str, object] = {}
    if site.function in ("score", "evaluate", "best_score_") and site.estimator:
        extra["model"] = site.estimator
    if site.function in _CV and isinstance(node, ast.Call):
        if site.estimator:
            extra["model"] = site.estimator
        scoring = next((k.value for k in node.keywords if k.arg == "scoring"), None)
        if isinstance(scoring, ast.Constant) and isinstance(scoring.value, str):
            extra["scoring"] = repr(scoring.value)
    if site.function == "best_score_" and isinstance(node, ast.Attribute):
        extra["scoring"] = f"getattr({ast.unparse(node.value)}, 'scoring', None)"
    expression: ast.AST = node
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Call) and _name_of(parent.func) == "sqrt" and parent.args and parent.args[0] is expression:
            extra["sqrt"] = True
        elif isinstance(parent, ast.Call) and _name_of(parent.func) in _WRAPPERS and parent.args \
                and parent.args[0] is expression:
            pass
        elif site.function == "cross_val_score" and (
                (isinstance(parent, ast.Attribute) and parent.attr == "mean" and isinstance(parents.get(parent), ast.Call))
                or (isinstance(parent, ast.Call) and _name_of(parent.func) == "mean" and parent.args
                    and parent.args[0] is expression)):
            extra["function"] = "cv_mean"
            expression = parents[parent] if isinstance(parent, ast.Attribute) else parent
            parent = parents.get(expression)
            continue
        else:
            break
        expression = parent
        parent = parents.get(expression)
    return expression, extra


def instrument_cell(cell: CodeCell, plan: MetricPlan) -> tuple[CodeCell, bool]:
    """The cell with its metric computations recording into the stage's metrics; (cell, changed)."""
    sites = plan.for_cell(cell.index)
    if not sites or cell.tree is None:
        return cell, False
    lines = cell.python.split("\n")
    parents = _parents(cell.tree)
    tables = _tables()
    statements = (cell.tree.body if KALE_METRICS_TAG in cell.tags else _statements(cell.tree.body))
    changed = False
    for stmt in reversed(statements):  # bottom-up: edits never shift the lines still to edit
        first, last = stmt.lineno - 1, stmt.end_lineno - 1  # type: ignore[operator]
        if lines[first][: stmt.col_offset].strip() or lines[last][stmt.end_col_offset:].split("#")[0].strip().strip(";"):
            continue  # shares its line with other code
        if KALE_METRICS_TAG in cell.tags:
            site = sites.get((stmt.lineno, stmt.col_offset))
            if site and site.name:
                indent = lines[first][: stmt.col_offset]
                lines[first] = indent + _call(site, site.name, function="name")
                changed = True
            continue
        found = [(node, kind) for node, kind in _found(stmt, tables)
                 if (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)) in sites]
        if not found:
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.Dict):
            # scores = {"accuracy": accuracy_score(…), "auc": …}: the notebook's own names win.
            target = stmt.targets[0].id
            inside = {id(n) for n, _k in found}
            records = []
            for key, value in zip(stmt.value.keys, stmt.value.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                        and any(id(n) in inside for n in ast.walk(value)):
                    records.append(f"{RECORD}({METRICS_VAR}, {target}[{key.value!r}], 'name', name={key.value!r})")
            if records:
                cut = stmt.end_col_offset  # type: ignore[assignment]
                lines[last] = lines[last][:cut] + "; " + "; ".join(records) + lines[last][cut:]  # type: ignore[index]
                changed = True
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and len(found) == 1:
            node, _kind = found[0]
            site = sites[(getattr(node, "lineno", 0), getattr(node, "col_offset", 0))]
            expression, extra = _details(node, site, parents)
            if expression is not stmt.value and not (isinstance(stmt.value, ast.Call)
                                                      and _name_of(stmt.value.func) in _WRAPPERS):
                continue  # the metric is only part of the value (e.g. a list of scores)
            target = stmt.targets[0].id
            code = lines[last]
            cut = stmt.end_col_offset  # type: ignore[assignment]
            lines[last] = code[:cut] + "; " + _call(site, target, **extra) + code[cut:]  # type: ignore[arg-type]
            changed = True
        elif isinstance(stmt, ast.Expr) and (
                not isinstance(stmt.value, ast.Call) or _name_of(stmt.value.func) in ("print", "display")
                or (getattr(stmt.value, "lineno", None), getattr(stmt.value, "col_offset", None)) in sites):
            calls = []
            for node, _kind in found:
                site = sites[(getattr(node, "lineno", 0), getattr(node, "col_offset", 0))]
                expression, extra = _details(node, site, parents)
                calls.append(_call(site, ast.unparse(expression), **extra))  # type: ignore[arg-type]
            indent = lines[first][: stmt.col_offset]
            original = [line.strip() for line in lines[first:last + 1]]
            lines[first] = indent + "; ".join(calls) + f"  # metric of: {original[0]}"
            for number in range(first + 1, last + 1):
                lines[number] = f"{indent}# {lines[number].strip()}"
            changed = True
    if not changed:
        return cell, False
    text = "\n".join(lines)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return cell, False
    return replace(cell, python=text, tree=tree), True
