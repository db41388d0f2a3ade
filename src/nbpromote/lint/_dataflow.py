"""Dataflow over a notebook's cells: which values are train, test or all data, what was fit on what.

An abstract interpreter walks the cells' statements in order (notebook order, or the recorded
execution order) and keeps, for every global name, an abstract value (:mod:`._values`): data with
its row lineage and the statistics baked into it, estimators with what they were fit on, splits,
constants. It records *events* — fits, evaluations, cross-validations, splits, statistics, random
draws, file reads, shell commands — in :class:`Facts`. Rules only read the facts; they never walk
the AST themselves, so a new rule is a small query, and the export step can reuse the same facts.

The semantics follow Yang et al. (ASE 2022): training data is what reaches ``fit``; evaluation data
what reaches ``predict``/``score``; a statistic over rows leaks when it was learned on rows the
evaluation data also holds. The walk is one pass, no fixpoint: loops are visited once (and marked,
because evaluating inside a loop is model selection), user functions are inlined (depth 3).
"""

from __future__ import annotations

import ast
import builtins
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from .. import knowledge as K
from ._findings import cell_name
from ._values import (
    UNKNOWN,
    UNKNOWN_COLS,
    BoundMethod,
    ClassValue,
    Coll,
    Cols,
    Columns,
    Const,
    Data,
    Est,
    Func,
    Idx,
    Indexer,
    Instance,
    Ref,
    Site,
    SplitIter,
    Stat,
    contained,
    name_side,
    split_label,
)

__all__ = [
    "Facts", "FitEvent", "EvalEvent", "CVEvent", "SplitEvent", "RandomEvent", "ReadEvent",
    "ShellEvent", "analyze",
]

#: Methods that make a name nobody defines a frame of the kernel's hidden state (``df.fillna``).
_FRAME_METHODS = frozenset({"drop", "fillna", "dropna", "groupby", "head", "tail", "describe", "info", "isnull",
                            "isna", "merge", "join", "sort_values", "set_index", "reset_index", "astype",
                            "value_counts", "corr", "copy", "sample", "replace", "rename", "query", "drop_duplicates",
                            "select_dtypes", "to_csv", "nunique", "pivot_table"})
#: Number conversions and rounding: the result keeps its argument's lineage.
_ROUNDING = frozenset({"int", "float", "round", "math.floor", "math.ceil", "math.trunc", "numpy.round",
                       "numpy.floor", "numpy.ceil", "numpy.rint"})
_SCALAR_BUILTINS = frozenset({
    "len", "print", "isinstance", "type", "str", "repr", "int", "float", "bool", "hash", "id", "range",
    "display", "format", "hasattr", "getattr", "callable", "sum", "round", "abs", "min", "max", "any",
    "all", "open_url", "input", "iter", "next", "dir", "vars", "help",
})


@dataclass
class FitEvent:
    est: Est
    X: Any
    y: Any
    site: Site
    method: str
    loop: int
    x_text: str = ""


@dataclass
class EvalEvent:
    est: Est
    X: Any
    y: Any
    site: Site
    method: str
    loop: int
    trained: frozenset  # rows the estimator had been fit on at that moment
    train_stats: frozenset  # statistics baked into its training data
    x_text: str = ""
    #: A score was computed from these predictions and labels (a metric, ``score``, ``evaluate``,
    #: ``pred == y_test``): predictions drawn or submitted without labels are not an evaluation.
    scored: bool = False
    #: Where the notebook's own cell made this happen: the outermost call of a user function that
    #: evaluated inside (``log_reg(X_train, y_train, X_test, y_test)``), else ``site``.
    origin: Site = (0, 0)
    #: The rows of the labels the predictions were scored against (``y_test`` in
    #: ``mean_squared_error(pred, y_test)``): which held-out rows the score is about, even when the
    #: features were rebuilt (stacked predictions) and lost their lineage.
    labels: frozenset = frozenset()
    #: The notebook's own statement where the predictions first met labels (the metric call a cell
    #: after ``pred = model.predict(X_test)``), when that happened outside a user function.
    scored_at: Site | None = None
    #: Made inside an objective an optimiser runs once per trial (``study.optimize(objective)``):
    #: an evaluation that chooses settings.
    tuning: bool = False

    def __post_init__(self) -> None:
        if self.origin == (0, 0):
            self.origin = self.site

    @property
    def held_out(self) -> bool:
        from ._values import contained

        return isinstance(self.X, Data) and not contained(self.X.rows, self.trained)


@dataclass
class CVEvent:
    est: Any
    X: Any
    y: Any
    site: Site
    shuffle: bool
    func: str
    loop: int = 0
    #: The ``cv=`` argument (a fold count, a splitter): the same value over the same rows is the same folds.
    folds: Any = None
    #: The notebook's own statement that made it happen (the outermost user-function call), else ``site``.
    origin: Site = (0, 0)

    def __post_init__(self) -> None:
        if self.origin == (0, 0):
            self.origin = self.site


@dataclass
class SplitEvent:
    sid: tuple
    site: Site
    inputs: list
    shuffle: bool
    how: str  # train_test_split | cv

    def test_rows(self) -> frozenset:
        rows: set = set()
        for data in self.inputs:
            if isinstance(data, Data):
                rows |= {(r, p + ((self.sid, "test"),)) for r, p in data.rows}
        return frozenset(rows)


@dataclass
class RandomEvent:
    site: Site
    what: str
    seeded: bool
    hint: str = "random_state=0"


@dataclass
class ReadEvent:
    site: Site
    func: str
    path: str | None


@dataclass
class ShellEvent:
    site: Site
    kind: str  # system | magic
    name: str
    text: str


@dataclass
class Facts:
    """Everything the dataflow observed; the rules' only input besides the cells."""

    fits: list[FitEvent] = field(default_factory=list)
    evals: list[EvalEvent] = field(default_factory=list)
    cvs: list[CVEvent] = field(default_factory=list)
    splits: list[SplitEvent] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    randoms: list[RandomEvent] = field(default_factory=list)
    reads: list[ReadEvent] = field(default_factory=list)
    shell: list[ShellEvent] = field(default_factory=list)
    seeds: list[tuple[Site, str]] = field(default_factory=list)
    skipped_seeds: list[tuple[Site, str]] = field(default_factory=list)  # seeds in cells tagged `skip`
    env: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[Site, str]] = field(default_factory=list)  # statements the walk gave up on
    #: Evidence that a data source's rows are in time order: it has a parsed date column (root ->
    #: where), and the notebook computed order-dependent values over its rows (lags, differences,
    #: rolling or expanding windows: root -> where). Both together make its rows a time series.
    dated: dict[int, Site] = field(default_factory=dict)
    lagged: dict[int, Site] = field(default_factory=dict)
    #: A parsed date made the row index (``set_index('Date')`` after ``pd.to_datetime``,
    #: ``read_csv(index_col=..., parse_dates=True)``): one row per moment, a time series on its own.
    indexed: dict[int, Site] = field(default_factory=dict)

    def time_ordered(self, data: Any) -> Site | None:
        """Where ``data``'s rows were shown to be in time order (sorted or resampled by time, or a
        dated source with lag/window features), else None."""
        if not isinstance(data, Data):
            return None
        if data.temporal:
            return data.temporal
        for root, _path in sorted(data.rows, key=lambda rp: rp[0]):
            if root in self.dated and root in self.lagged:
                return self.lagged[root]
            if root in self.indexed:
                return self.indexed[root]
        return None


_KNOWN_CLASSES = (K.STAT_TRANSFORMERS | K.STATELESS | K.OVERSAMPLERS | K.UNDERSAMPLERS | K.CLUSTERERS
                  | K.SPLITTERS)


#: Stands for "some model" when a metric function scores predictions inside a loop.
_METRIC = Est(cls="metric", kind="model", site=(0, 0))


class _Frame:
    def __init__(self) -> None:
        self.returns: list[Any] = []


def _merge(values: Iterable[Any]) -> Any:
    datas = [v for v in values if isinstance(v, Data)]
    if not datas:
        return UNKNOWN
    if len(datas) == 1:
        return datas[0].evolve(subset=False, fresh=False, bunch=False, grouped=False, windowed=False)
    first = next((d for d in datas if d.rows), datas[0])
    rows = frozenset().union(*(d.rows for d in datas))
    return Data(
        rows=rows,
        stats=frozenset().union(*(d.stats for d in datas)),
        cols=first.cols,
        src=frozenset().union(*(d.src for d in datas)),
        future=frozenset().union(*(d.future for d in datas)),
        temporal=next((d.temporal for d in datas if d.temporal), None),
        oversampled=next((d.oversampled for d in datas if d.oversampled), None),
        is_datetime=any(d.is_datetime for d in datas),
        preds=frozenset().union(*(d.preds for d in datas)),
        part=all(d.part for d in datas),
        residual=frozenset().union(*(d.residual for d in datas)),
    )


def _preds_and_labels(values: list) -> tuple[frozenset, frozenset]:
    """The predictions among ``values`` and the rows of the labels beside them (values without
    predictions)."""
    datas = [v for v in _flatten_all(values) if isinstance(v, Data)]
    preds = frozenset().union(*(d.preds for d in datas))
    labels = frozenset().union(*(d.rows for d in datas if not d.preds))
    return preds, labels


_FIT_ONLY = (K.FIT_METHODS | {"fit", "partial_fit"}) - {"fit_transform", "fit_predict", "fit_resample",
                                                        "fit_sample"}


def _early_stopping(kwargs: dict) -> bool:
    """Whether call keywords turn on early stopping (a rounds count, or an early-stopping callback)."""
    for key in K.EARLY_STOPPING_KEYWORDS:
        value = kwargs.get(key)
        if value is not None and not (isinstance(value, Const) and value.value in (None, False, 0)):
            return True
    return any(isinstance(v, Const) and isinstance(v.value, tuple) and v.value[:1] == ("callback",)
               for v in _flatten(kwargs.get("callbacks", UNKNOWN)))


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, Coll):
        return value.strings()
    return None


def _is_true(value: Any) -> bool:
    return isinstance(value, Const) and value.value is True


def _is_false(value: Any) -> bool:
    return isinstance(value, Const) and value.value is False


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, Coll):
        return [v for item in value.items for v in _flatten(item)]
    return [value]


#: Attribute names of a sklearn Bunch that are ordinary columns on a frame (``df.target``).
_BUNCH_FIELDS = frozenset({"data", "target", "frame", "feature_names", "target_names"})
#: Calls into these never score predictions (plots, frames and arrays built for a submission file).
_NOT_SCORING = frozenset({"matplotlib", "seaborn", "plotly", "bokeh", "altair", "plt", "sns", "px", "go", "pandas",
                          "numpy", "print", "display", "list", "dict", "zip", "len", "tuple", "range", "enumerate",
                          "str", "format", "round", "float", "int", "open", "json", "pickle", "joblib", "os"})
#: NumPy functions that make an array of placeholders, filled later.
_ARRAY_FACTORIES = frozenset({"zeros", "empty", "ones", "full", "zeros_like", "empty_like", "ones_like", "full_like"})
#: The dotted prefix of a random generator object (``np.random.default_rng(0)``, ``RandomState(1)``).
_RNG = "<rng>"


def _rows_of(value: Any) -> Any:
    """The rows a list holds (a list of token lists made from a frame's column), else ``value``."""
    if isinstance(value, Coll):
        merged = _merge(_flatten(value))
        return merged if isinstance(merged, Data) else value
    return value


def _flatten_all(values: list) -> list[Any]:
    return [v for value in values for v in _flatten(value)]


def _estimators(value: Any) -> list[Est]:
    if isinstance(value, Est):
        return [value]
    if isinstance(value, Coll):
        return [e for item in value.items for e in _estimators(item)]
    return []


class _Analyzer:
    def __init__(self, *, seeded: bool = False) -> None:
        self.env: dict[str, Any] = {}
        self.facts = Facts(env=self.env)
        self.cell = 0
        self.offset = 0
        self.loop = 0
        self.depth = 0
        self.frames: list[_Frame] = []
        self.active: set[int] = set()
        self.seed_numpy = self.seed_random = self.seed_all = seeded
        self.training_loop = False  # inside a loop that calls backward() and step() (PyTorch training)
        self.scopes: list[_Scope] = []  # function scopes being analysed (their saved outer bindings)
        self.skipped = False  # the current cell is tagged `skip` (exploration the export drops)
        self.cuts: dict[tuple, list] = {}  # (cut split id, side) -> [(name, value bound, data before)]
        #: Value ranges of one column already bound as row sets (``df[df.month < 33]``,
        #: ``df[df.month == 33]``): (range split id) -> {interval: side it was labelled}.
        self.ranges: dict[tuple, dict] = {}
        self.deciding = 0  # inside an ``if`` condition
        self.tuning = 0  # inside an objective an optimiser runs per trial
        self.base: Any = None  # the notebook's directory (local modules beside it are analysed)
        self.pin: Site | None = None  # inside a local module's function: events go to the notebook's call
        self.modules: dict[str, ClassValue | None] = {}
        self.written: dict[str, Data] = {}  # path -> the data the notebook wrote there (to_csv, to_parquet)
        self._ids = itertools.count(1)
        self.stmt_site: Site = (0, 0)  # the notebook-level statement being analysed
        self.loop_tokens: list[int] = []  # one token per enclosing for/while loop, innermost last
        self.root_loop: dict[int, int] = {}  # data root -> the loop it was made in (new in each iteration)

    # -- driver ---------------------------------------------------------------------------------
    def run(self, cells: Iterable[Any]) -> Facts:
        for cell in cells:
            if cell.tree is None:
                continue
            self.cell, self.offset = cell.index, cell.line_offset
            self.skipped = "skip" in (getattr(cell, "tags", None) or ())
            for stmt in cell.tree.body:
                try:
                    self.stmt(stmt)
                except (RecursionError, Exception) as exc:  # the linter must never crash on code
                    self.loop = 0
                    self.facts.errors.append((self.site(stmt), f"{type(exc).__name__}: {exc}"))
        return self.facts

    def site(self, node: ast.AST) -> Site:
        if self.pin is not None:
            return self.pin
        return (self.cell, getattr(node, "lineno", 1) + self.offset)

    def new_root(self) -> int:
        root = next(self._ids)
        if self.loop_tokens:
            self.root_loop[root] = self.loop_tokens[-1]
        return root

    # -- statements -----------------------------------------------------------------------------
    def stmt(self, node: ast.stmt) -> None:
        if self.depth == 0:
            self.stmt_site = self.site(node)
        handler = getattr(self, "s_" + type(node).__name__, None)
        if handler is not None:
            handler(node)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)

    def body(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            self.stmt(stmt)

    def s_Expr(self, node: ast.Expr) -> None:
        self.expr(node.value)

    def s_Assign(self, node: ast.Assign) -> None:
        value = self.expr(node.value)
        for target in node.targets:
            self.assign(target, value)

    def s_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.expr(node.value))

    def s_AugAssign(self, node: ast.AugAssign) -> None:
        value = self.expr(node.value)
        if isinstance(node.target, ast.Name):
            current = self.env.get(node.target.id, UNKNOWN)
            if isinstance(current, Coll) and isinstance(value, Coll):
                self.env[node.target.id] = Coll(current.items + value.items, current.kind)
            elif isinstance(current, Data):
                self.env[node.target.id] = _merge([current, value]).evolve(cols=current.cols)
            else:
                self.env[node.target.id] = value if isinstance(value, Data) else UNKNOWN
        else:
            self.assign(node.target, value, augmented=True)

    def local_module(self, dotted: str) -> ClassValue | None:
        """``dotted``.py beside the notebook, parsed once: its functions (with the module's own imports
        as their globals) and constants, as a namespace. None when there is no such file or it does not
        parse."""
        if dotted in self.modules:
            return self.modules[dotted]
        self.modules[dotted] = None
        if self.base is None or not dotted or dotted.split(".")[0] in _LIBRARY_ROOTS:
            return None
        from pathlib import Path

        # Beside the notebook, or at the project root above a notebooks/ folder (sys.path.append('..')).
        base = Path(self.base)
        candidates = [Path(root, *dotted.split(".")).with_suffix(".py") for root in (base, base.parent, base.parent.parent)]
        path = next((c for c in candidates if c.is_file()), None)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8")) if path is not None else None
        except (OSError, SyntaxError, ValueError):
            tree = None
        if tree is None:
            return None
        module_env: dict[str, Any] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    module_env[alias.asname or alias.name.split(".")[0]] = Ref(alias.name if alias.asname else alias.name.split(".")[0])
            elif isinstance(stmt, ast.ImportFrom) and stmt.module:
                for alias in stmt.names:
                    if alias.name != "*":
                        module_env[alias.asname or alias.name] = Ref(f"{stmt.module}.{alias.name}")
        attrs: dict[str, Any] = {}
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                attrs[stmt.name] = Func(stmt, self.cell, 0, module_env)
        for name, value in attrs.items():
            module_env.setdefault(name, value)  # helpers calling each other
        namespace = ClassValue(dotted, {}, (), attrs)
        self.modules[dotted] = namespace
        return namespace

    def s_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            module = self.local_module(alias.name)
            if module is not None:
                self.env[alias.asname or alias.name.split(".")[0]] = module
                continue
            if alias.asname:
                self.env[alias.asname] = Ref(alias.name)
            else:
                root = alias.name.split(".")[0]
                self.env[root] = Ref(root)

    def s_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        local = self.local_module(module) if not node.level else None
        if local is not None:
            for alias in node.names:
                if alias.name in local.attrs:
                    self.env[alias.asname or alias.name] = local.attrs[alias.name]
            return
        for alias in node.names:
            if alias.name != "*":
                self.env[alias.asname or alias.name] = Ref(f"{module}.{alias.name}" if module else alias.name)

    def s_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.env[node.name] = Func(node, self.cell, self.offset)

    s_AsyncFunctionDef = s_FunctionDef

    def s_ClassDef(self, node: ast.ClassDef) -> None:
        methods = {stmt.name: Func(stmt, self.cell, self.offset) for stmt in node.body
                   if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
        bases = tuple(_unparse(b) for b in node.bases)
        # The class body runs once, at definition: its assignments are class attributes, visible
        # to later statements of the body by their bare names (DATA = '/in'; TRAIN = DATA + '/t.csv').
        stored = [stmt for stmt in node.body if isinstance(stmt, (ast.Assign, ast.AnnAssign))]
        names = {n for stmt in stored for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                 for n in ([t.id] if isinstance(t, ast.Name) else [])}
        attrs: dict[str, Any] = {}
        with _Scope(self.env, {n: self.env.get(n, Ref(n)) for n in names}):
            for stmt in stored:
                if stmt.value is None:
                    continue
                value = self.expr(stmt.value)
                for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    if isinstance(target, ast.Name):
                        self.env[target.id] = attrs[target.id] = value
        self.env[node.name] = ClassValue(node.name, methods, bases, attrs)

    def s_For(self, node: ast.For) -> None:
        iterable = self.expr(node.iter)
        outer_training = self.training_loop
        self.training_loop = outer_training or _trains(node)
        self.loop += 1
        self.loop_tokens.append(next(self._ids))
        try:
            frames = _unrolled(node.target, iterable)
            if frames is not None:
                # for df in [train, test]: df['ratio'] = …: each frame in turn, as itself, so what
                # the body does to ``df`` happens to ``train`` and to ``test``.
                for frame in frames:
                    self.env[node.target.id] = frame  # type: ignore[attr-defined]
                    self.body(node.body)
            else:
                if _carried(node):
                    # A value made late in one iteration and read early in the next (best = …, X = f(X)):
                    # one silent pass reaches the fixed point the abstract values can take, then the
                    # recorded pass sees them.
                    with self.silent():
                        self.bind_iter(node.target, iterable)
                        self.body(node.body)
                self.bind_iter(node.target, iterable)
                self.body(node.body)
        finally:
            self.loop -= 1
            self.loop_tokens.pop()
            self.training_loop = outer_training
        self.body(node.orelse)

    @contextmanager
    def silent(self) -> Iterator[None]:
        """Run without recording facts (the first pass over a loop body)."""
        lengths = {name: len(value) for name, value in vars(self.facts).items() if isinstance(value, list)}
        try:
            yield
        finally:
            for name, length in lengths.items():
                del getattr(self.facts, name)[length:]

    s_AsyncFor = s_For

    def s_While(self, node: ast.While) -> None:
        self.expr(node.test)
        self.loop += 1
        self.loop_tokens.append(next(self._ids))
        try:
            self.body(node.body)
        finally:
            self.loop -= 1
            self.loop_tokens.pop()
        self.body(node.orelse)

    def s_If(self, node: ast.If) -> None:
        # if row['label'] == row['y_pred']: a decision per row (re-weighting), not a score.
        self.deciding += 1
        try:
            test = self.expr(node.test)
        finally:
            self.deciding -= 1
        if isinstance(test, Const) and isinstance(test.value, (bool, int, str, type(None))):
            # A condition known in this call context (kind == 'scaled' with kind bound by the caller).
            self.body(node.body if test.value else node.orelse)
            return
        # Both branches may run: analyse each from the same state, then join what they bound.
        before = dict(self.env)
        self.body(node.body)
        after_body = dict(self.env)
        self.env.clear()
        self.env.update(before)
        self.body(node.orelse)
        for name in set(after_body) | set(self.env):
            a, b = after_body.get(name, _ABSENT), self.env.get(name, _ABSENT)
            if a is b:
                continue
            if b is _ABSENT:
                self.env[name] = a
            elif a is _ABSENT or b is not before.get(name, _ABSENT):
                self.env[name] = _join(a, b) if a is not _ABSENT else b
            else:
                self.env[name] = a  # only the body rebound it

    def s_With(self, node: ast.With) -> None:
        for item in node.items:
            value = self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value)
        self.body(node.body)

    s_AsyncWith = s_With

    def s_Try(self, node: ast.Try) -> None:
        self.body(node.body)
        for handler in node.handlers:
            if handler.name:
                self.env[handler.name] = UNKNOWN
            self.body(handler.body)
        self.body(node.orelse)
        self.body(node.finalbody)

    s_TryStar = s_Try

    def s_Return(self, node: ast.Return) -> None:
        value = self.expr(node.value) if node.value is not None else UNKNOWN
        if self.frames:
            self.frames[-1].returns.append(value)

    def s_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.env.pop(target.id, None)
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                current = self.env.get(target.value.id)
                if isinstance(current, Columns):
                    # del cols[-1]: which column left depends on the order, unknown here.
                    self.env[target.value.id] = Columns(replace_cols(current.cols, known=False))
                    continue
                columns = _strings(self.expr(target.slice))
                if isinstance(current, Data) and columns:
                    self.mutate(target.value.id, current.evolve(cols=current.cols.drop(set(columns))))

    # -- binding --------------------------------------------------------------------------------
    def assign(self, target: ast.AST, value: Any, augmented: bool = False) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elements = target.elts
            if isinstance(value, Coll) and len(value.items) == len(elements) and not any(
                isinstance(e, ast.Starred) for e in elements
            ):
                for element, item in zip(elements, value.items, strict=True):
                    self.assign(element, item)
            else:
                for element in elements:
                    if isinstance(element, ast.Starred):
                        element = element.value
                    # An unknown function unpacked into train/test names is a split by name.
                    self.assign(element, value.evolve(subset=True) if isinstance(value, Data) else UNKNOWN)
        elif isinstance(target, ast.Subscript):
            self.assign_item(target, value)
        elif isinstance(target, ast.Attribute) and isinstance(self.expr(target.value), (Instance, ClassValue)):
            self.expr(target.value).attrs[target.attr] = value  # self.scaler = StandardScaler(); CFG.seed = 0
        elif isinstance(target, ast.Attribute):
            root = _root_name(target)
            if root is not None and isinstance(self.env.get(root), Data) and isinstance(value, Data):
                current = self.env[root]
                self.mutate(root, current.evolve(stats=current.stats | value.stats))
        elif isinstance(target, ast.Starred):
            self.assign(target.value, UNKNOWN)

    def assign_item(self, target: ast.Subscript, value: Any) -> None:
        key = self.expr(target.slice)
        if isinstance(value, Coll) and value.kind == "list" and isinstance(_merge(_flatten(value)), Data):
            # df.loc[missing, 'year'] = [math.floor(p) for p in model.predict(X_missing)]: a list made
            # element by element from data is that data when it becomes a column.
            value = _merge(_flatten(value))
        if isinstance(target.value, ast.Name):
            name = target.value.id
            current = self.env.get(name)
            if isinstance(current, Coll):
                if current.kind == "dict":
                    current.items.append(value)
                    current.keys = (current.keys or []) + [key]
                return
            if isinstance(current, Data):
                self.mutate(name, self.set_columns(current, _strings(key), value))
            return
        # df.loc[mask, 'col'] = …, df['a']['b'] = …: statistics flow into the frame.
        root = _root_name(target)
        if root is not None and isinstance(self.env.get(root), Data):
            current = self.env[root]
            columns = None
            if isinstance(key, Coll) and key.kind == "tuple" and len(key.items) == 2:
                columns = _strings(key.items[1])
                if isinstance(value, Data) and value.preds:
                    value = self.imputed(value, self.site(target))
                if isinstance(value, Data) and isinstance(key.items[0], Data):
                    value = _out_of_fold(value, key.items[0].rows)
            self.mutate(root, self.set_columns(current, columns, value))
        elif isinstance(target.value, ast.Subscript):
            # fold_preds['lgbm'][:, i] = model.predict(X_val): an array kept in a dict or list changes.
            container = self.expr(target.value.value)
            holder = self.expr(target.value)
            if isinstance(container, Coll) and isinstance(holder, Data):
                changed = self.set_columns(holder, None, value)
                container.items[:] = [changed if item is holder else item for item in container.items]

    def imputed(self, value: Data, site: Site) -> Data:
        """``df.loc[missing, 'age'] = model.predict(X_missing)``: values filled in by a model carry
        what that model learned from the rows it was fit on (model-based imputation)."""
        stats = set()
        for index in value.preds:
            event = self.facts.evals[index] if index < len(self.facts.evals) else None
            if event is not None and event.trained:
                stat = Stat(site, f"{event.est.cls}.fit", event.trained)
                self.facts.stats.append(stat)
                stats.add(stat)
        return value.evolve(stats=value.stats | frozenset(stats))

    def set_columns(self, frame: Data, columns: list[str] | None, value: Any) -> Data:
        stats = frame.stats | (value.stats if isinstance(value, Data) else frozenset())
        # oof[val_idx] = model.predict(X_val): the array holds those predictions from now on.
        preds = frame.preds | (value.preds if isinstance(value, Data) else frozenset())
        cols = frame.cols
        if columns is None:
            return frame.evolve(stats=stats, preds=preds)
        # for col in ['age', 'bp']: df[col] = f(df[col]): each column is computed from itself, not from
        # the other names the loop runs over.
        siblings = set(columns) if len(columns) > 1 else set()
        for column in columns:
            if isinstance(value, Data):
                own = value.src - (siblings - {column})
                sources = own | frozenset(s for src in own for s in value.cols.derived_map().get(src, ()))
                future = value.future
                cols = cols.with_column(column, frozenset(sources), frozenset(future), value.is_datetime)
                if value.is_datetime:
                    self.note_rows(self.facts.dated, frame)  # df['date'] = pd.to_datetime(df['date'])
            else:
                cols = cols.with_column(column, frozenset(), frozenset(), False)
        oversampled = frame.oversampled or (value.oversampled if isinstance(value, Data) else None)
        given = value.preds if isinstance(value, Data) else frozenset()
        if frame.empty and isinstance(value, Data) and value.rows:
            frame = frame.evolve(rows=value.rows, empty=False)
        col_preds = dict(frame.col_preds)
        for column in columns:
            col_preds[column] = given
        return frame.evolve(stats=stats, cols=cols, oversampled=oversampled, preds=preds,
                            col_preds=tuple(sorted(col_preds.items())), named_preds=frame.named_preds | given)

    def bind(self, name: str, value: Any) -> None:
        if isinstance(value, Data):
            value = self.relabel(name, value)
        elif isinstance(value, Est) and value.name is None:
            value.name = name
        self.env[name] = value

    def mutate(self, name: str, value: Any) -> None:
        """``name``'s object changed in place (``df[col] = …``, ``inplace=True``): every other name
        bound to the same object — a function's parameter, the caller's variable, an alias — sees the
        change, as in Python."""
        old = self.env.get(name)
        self.env[name] = value
        if not isinstance(old, Data):
            return
        for key, bound in list(self.env.items()):
            if bound is old:
                self.env[key] = value
            elif isinstance(bound, Coll) and any(item is old for item in bound.items):
                bound.items[:] = [value if item is old else item for item in bound.items]  # frames = [train, test]
        for scope in self.scopes:
            for key, saved in scope.saved.items():
                if saved is old:
                    scope.saved[key] = value

    def range_rows(self, name: str, data: Data, sid: tuple, interval: tuple) -> Data | None:
        """``df[df.month < 33]``, ``df[df.month == 33]``, ``df[df.month == 34]``: selections of one
        frame by ranges of one column's values that cannot meet are disjoint row sets — a split by
        period (train / valid / test), not filters of the same rows. None when this range meets one
        bound before (``<= 33`` beside ``== 33``): those rows are shared."""
        bound = self.ranges.setdefault(sid, {})
        if any(other != interval and not _disjoint(interval, other) for other in bound):
            return None
        if interval not in bound:
            # The side a range is labelled with is fixed by its first binding, by its name (X_val);
            # an unnamed part (the rows of one class, ``df[df.y == 1]``) is neither side.
            bound[interval] = name_side(name) or "part"
        step = (("range-side", sid, interval), bound[interval])
        rows = frozenset((r, p + ((sid, interval), step)) for r, p in data.rows)
        return data.evolve(rows=rows, subset=False, fresh=False, sampled=None, cut=None)

    def range_key(self, node: ast.AST) -> tuple | None:
        """``(column text, interval)`` of a comparison of one column with constants
        (``df.t < 33``, ``(df.t >= 30) & (df.t < 33)``); interval = (low, low included, high, high
        included), None for an open end."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
            left, right = self.range_key(node.left), self.range_key(node.right)
            if left is None or right is None or left[0] != right[0]:
                return None
            return left[0], _intersect(left[1], right[1])
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
            return None
        value = self.expr(node.comparators[0]) if isinstance(node.comparators[0], (ast.Name, ast.Constant, ast.UnaryOp)) else None
        if not (isinstance(value, Const) and isinstance(value.value, (int, float, str))
                and not isinstance(value.value, bool)):
            return None
        k, op = value.value, node.ops[0]
        interval = {ast.Lt: (None, False, k, False), ast.LtE: (None, False, k, True), ast.Eq: (k, True, k, True),
                    ast.Gt: (k, False, None, False), ast.GtE: (k, True, None, False)}.get(type(op))
        return None if interval is None else (ast.unparse(node.left), interval)

    def note_rows(self, evidence: dict, data: Any, site: Site | None = None) -> None:
        """Record time-order evidence for the sources ``data``'s rows come from."""
        if isinstance(data, Data):
            for root, _path in data.rows:
                evidence.setdefault(root, site or (self.cell, 0))

    def relabel(self, name: str, data: Data) -> Data:
        if data.cut is not None and data.rows:
            cut_sid, cut_side, source = data.cut
            data = data.evolve(cut=None)
            if source == name:
                return data.evolve(subset=False)  # df = df[df.price < 1000]: a filter, not a split
            if cut_sid[0] == "range":
                ranged = self.range_rows(name, data, cut_sid, cut_side)
                if ranged is not None:
                    return ranged
                return self.relabel(name, data)
            # What the code does decides: df.iloc[:n] / df.iloc[n:], df[df.date < t] / df[df.date >= t],
            # df[df.y.notna()] / df[df.y.isna()] are the two sides of one split once both are bound.
            other_side = "test" if cut_side == "train" else "train"
            others = self.cuts.get((cut_sid, other_side))
            if others is not None:
                for other_name, other_value, other_data in others:
                    if self.env.get(other_name) is other_value:
                        self.env[other_name] = _cut_rows(other_data, cut_sid, other_side)
                others.clear()
                self.cuts[(cut_sid, cut_side)] = []
                return _cut_rows(data, cut_sid, cut_side)
            pending = self.cuts.setdefault((cut_sid, cut_side), [])
            value = self.relabel(name, data)
            pending.append((name, value, data))
            return value
        side = name_side(name)
        # A part of train.csv named train_part (beside valid_part) is a split of it: the file's own
        # name does not make the part the training side of anything.
        same = data.label == side and not (data.subset and split_label(data.rows) is None)
        if side is None or not (data.subset or data.fresh) or same or not data.rows:
            return data.evolve(subset=False, fresh=False, sampled=None) if (data.subset or data.fresh) else data
        if data.fresh:
            sid: tuple = ("file", tuple(sorted(r for r, _p in data.rows)))
        else:
            sid = ("name", data.rows)
            if data.sampled is not None and data.temporal is not None:
                # train = df.sample(frac=0.8) on time-ordered data: a random split by another name.
                self.facts.splits.append(SplitEvent(sid, data.sampled, [data], True, "sample"))
        rows = frozenset((r, p + ((sid, side),)) for r, p in data.rows)
        return data.evolve(rows=rows, subset=False, fresh=False, sampled=None)

    def bind_iter(self, target: ast.AST, iterable: Any) -> None:
        if isinstance(iterable, SplitIter):
            value: Any = Coll([Idx(iterable.sid, "train"), Idx(iterable.sid, "test")], "tuple")
            self.assign(target, value)
            return
        if isinstance(iterable, Coll) and iterable.kind == "dict":
            iterable = Coll(list(iterable.keys or []))  # iterating a dict gives its keys
        if isinstance(iterable, Coll) and iterable.items:
            if isinstance(target, (ast.Tuple, ast.List)):
                for position, element in enumerate(target.elts):
                    values = [
                        item.items[position] for item in iterable.items
                        if isinstance(item, Coll) and len(item.items) > position
                    ]
                    self.assign(element, self.combine(values))
            else:
                self.assign(target, self.combine(iterable.items))
            return
        if isinstance(iterable, Data):
            # Rows of a frame/array/DataLoader one batch at a time: each element holds those rows.
            row_batch = iterable.evolve(subset=False, fresh=False, cut=None, grouped=False, part=True)
            for bound in _target_names(target):
                self.env[bound] = row_batch
            return
        for name in _target_names(target):
            self.env[name] = UNKNOWN

    def element_of(self, iterable: Any) -> Any:
        """The abstract element of an iteration (what ``for x in iterable`` binds)."""
        if isinstance(iterable, SplitIter):
            return Coll([Idx(iterable.sid, "train"), Idx(iterable.sid, "test")], "tuple")
        if isinstance(iterable, Coll):
            items = list(iterable.keys or []) if iterable.kind == "dict" else iterable.items
            return self.combine(items) if items else UNKNOWN
        if isinstance(iterable, Data):
            return iterable.evolve(subset=False, fresh=False, cut=None)
        return UNKNOWN

    def combine(self, values: list[Any]) -> Any:
        ests = [v for v in values if isinstance(v, Est)]
        if ests:
            if len(ests) == 1:
                return ests[0]
            first = ests[0]
            return Est(cls=first.cls, kind=first.kind, site=first.site, steps=ests, multi=True)
        if any(isinstance(v, Data) for v in values):
            return _merge(values)
        if len(values) == 1:
            return values[0]
        if all(isinstance(v, Const) and isinstance(v.value, str) for v in values):
            # for col in ['age', 'bp']: one of these names (df[col] = … changes one of those columns).
            return Coll(list(values), "oneof")
        return UNKNOWN

    # -- expressions ----------------------------------------------------------------------------
    def expr(self, node: ast.AST | None) -> Any:
        if node is None:
            return UNKNOWN
        handler = getattr(self, "e_" + type(node).__name__, None)
        if handler is not None:
            return handler(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
        return UNKNOWN

    def e_Name(self, node: ast.Name) -> Any:
        if node.id in self.env:
            return self.env[node.id]
        return Ref(node.id)

    def hidden_frame(self, node: ast.AST, value: Any) -> Any:
        """A name the notebook never defines (only the kernel's hidden state does) used like a frame
        (``survey.fillna(...)``, ``survey['delay']``): data of unknown origin, rows of its own."""
        if not (isinstance(node, ast.Name) and isinstance(value, Ref) and value.dotted == node.id
                and node.id not in self.env and not hasattr(builtins, node.id)):
            return value
        frame = Data(rows=frozenset({(self.new_root(), ())}))
        self.env[node.id] = frame
        return frame

    def e_Constant(self, node: ast.Constant) -> Any:
        return Const(node.value)

    def e_JoinedStr(self, node: ast.JoinedStr) -> Any:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None and value.conversion == -1:
                known = self.expr(value.value)
                text = known.value if isinstance(known, Const) and isinstance(known.value, (str, int)) else None
                parts.append(str(text) if text is not None else "{}")
            else:
                self.expr(value)
                parts.append("{}")
        return Const("".join(parts))

    def e_List(self, node: ast.List | ast.Tuple | ast.Set) -> Any:
        kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
        return Coll([self.expr(e) for e in node.elts], kind)

    e_Tuple = e_List
    e_Set = e_List

    def e_Dict(self, node: ast.Dict) -> Any:
        keys = [self.expr(k) if k is not None else UNKNOWN for k in node.keys]
        return Coll([self.expr(v) for v in node.values], "dict", keys)

    def e_Starred(self, node: ast.Starred) -> Any:
        return self.expr(node.value)

    def e_NamedExpr(self, node: ast.NamedExpr) -> Any:
        value = self.expr(node.value)
        self.bind(node.target.id, value)
        return value

    def e_Slice(self, node: ast.Slice) -> Any:
        parts = [self.expr(p) if p is not None else Const(None) for p in (node.lower, node.upper, node.step)]
        full = node.lower is None and node.upper is None and node.step is None
        return Const(("slice", full, tuple(parts)))

    def e_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(left, Coll) and isinstance(right, Coll) and isinstance(node.op, ast.Add):
            return Coll(left.items + right.items, left.kind)
        names = _strings(right) if isinstance(left, Columns) else _strings(left) if isinstance(right, Columns) else None
        if names is not None:
            # set(df.columns) - set(numeric_cols), other_cols + numeric_cols: still a known column set.
            columns = left if isinstance(left, Columns) else right
            assert isinstance(columns, Columns)
            if isinstance(node.op, ast.Sub) and columns is left:
                return Columns(columns.cols.drop(set(names)))
            if isinstance(node.op, (ast.Add, ast.BitOr)):
                cols = columns.cols
                return Columns(cols.select(set(cols.selected) | set(names)) if cols.selected is not None
                               else replace_cols(cols, dropped=cols.dropped - set(names)))
        if isinstance(left, Const) and isinstance(left.value, str) and isinstance(node.op, ast.Div) \
                and not isinstance(right, Const):
            return Const(left.value.rstrip("/") + "/{}")  # ROOT / name: a file under ROOT, name unknown
        if isinstance(left, Const) and isinstance(right, Const):
            if isinstance(left.value, str) and isinstance(right.value, str):
                if isinstance(node.op, ast.Div):
                    return Const(left.value.rstrip("/") + "/" + right.value)
                if isinstance(node.op, ast.Add):
                    return Const(left.value + right.value)
            return UNKNOWN
        result = _merge([left, right])
        if isinstance(result, Data):
            first = left if isinstance(left, Data) else right
            result = result.evolve(cols=first.cols if first.rows else result.cols)
            if isinstance(node.op, (ast.Sub, ast.Div)):  # y_test - pred: errors, a score once reduced
                result = result.evolve(residual=result.residual | self.met_labels([left, right]))
        return result

    def e_Compare(self, node: ast.Compare) -> Any:
        values = [self.expr(node.left)] + [self.expr(c) for c in node.comparators]
        folded = _fold_compare(node.ops, values)
        if folded is not None:
            return folded
        if not self.deciding:
            self.mark_scored(values)
            self.score_residuals(values)
        return _merge(values)

    def e_BoolOp(self, node: ast.BoolOp) -> Any:
        return _merge([self.expr(v) for v in node.values])

    def e_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.expr(node.operand)
        if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
            if isinstance(node.op, ast.USub):
                return Const(-value.value)
            if isinstance(node.op, ast.UAdd):
                return value
        return value if isinstance(value, Data) else UNKNOWN

    def e_IfExp(self, node: ast.IfExp) -> Any:
        self.expr(node.test)
        body, orelse = self.expr(node.body), self.expr(node.orelse)
        if isinstance(body, Data) or isinstance(orelse, Data):
            return _merge([body, orelse])
        return body

    def e_Lambda(self, node: ast.Lambda) -> Any:
        names = [a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs]
        with _Scope(self.env, {n: UNKNOWN for n in names}):
            self.loop += 1
            try:
                self.expr(node.body)
            finally:
                self.loop -= 1
        # A function value: df.groupby(k)['y'].transform(lambda s: s.rolling(7).mean()) runs it.
        return Func(node, self.cell, self.offset)

    def _comprehension(self, node: Any, elements: list[ast.AST]) -> Any:
        first_iter = self.expr(node.generators[0].iter)
        if isinstance(first_iter, Columns) and len(node.generators) == 1 and isinstance(node, ast.ListComp):
            filtered = _filter_columns(first_iter, node.generators[0], node.elt, self)
            if filtered is not None:
                return filtered
        names = {n for g in node.generators for n in _target_names(g.target)}
        chosen: Any = None
        with _Scope(self.env, {n: UNKNOWN for n in names}):
            self.loop += 1
            try:
                for index, generator in enumerate(node.generators):
                    iterable = first_iter if index == 0 else self.expr(generator.iter)
                    self.bind_iter(generator.target, iterable)
                    for condition in generator.ifs:
                        kept = self.expr(condition)
                        chosen = kept if _is_chosen(kept) else chosen
                values = [self.expr(e) for e in elements]
            finally:
                self.loop -= 1
        if values and all(_is_chosen(v) for v in values):
            return _merge(values)  # [df.columns[i] for i in np.argsort(selector.scores_)[-5:]]
        if chosen is not None and not any(isinstance(v, (Data, Est)) and not _is_chosen(v) for v in values):
            # [c for c, keep in zip(df.columns, selector.get_support()) if keep]: the columns it chose.
            return chosen
        if any(isinstance(v, (Data, Est)) for v in values):
            # {k: v for …}: a dict whose keys are not known; any lookup gives the value.
            return Coll([values[-1]], "dict" if isinstance(node, ast.DictComp) else "list")
        return Coll([UNKNOWN], "list")

    def e_ListComp(self, node: ast.ListComp) -> Any:
        return self._comprehension(node, [node.elt])

    e_SetComp = e_ListComp
    e_GeneratorExp = e_ListComp

    def e_DictComp(self, node: ast.DictComp) -> Any:
        return self._comprehension(node, [node.key, node.value])

    def e_Attribute(self, node: ast.Attribute) -> Any:
        return self.attribute(self.expr(node.value), node.attr)

    def attribute(self, receiver: Any, attr: str) -> Any:
        if isinstance(receiver, Ref):
            return Ref(f"{receiver.dotted}.{attr}")
        if isinstance(receiver, Instance):
            if attr in receiver.attrs:
                return receiver.attrs[attr]
            method = receiver.cls.methods.get(attr)
            if method is None:
                return receiver.cls.attrs.get(attr, UNKNOWN)
            return BoundMethod(method, receiver)
        if isinstance(receiver, ClassValue):
            return receiver.attrs.get(attr, UNKNOWN)  # CFG.TRAIN_PATH
        if isinstance(receiver, Data):
            if receiver.bunch:
                if attr == "data":
                    return Data(rows=receiver.rows, cols=UNKNOWN_COLS)
                if attr in {"target", "endog"}:  # statsmodels' datasets: endog / exog
                    return Data(rows=receiver.rows, src=frozenset({"target"}), cols=Cols(selected=frozenset({"target"})))
                if attr == "exog":
                    return Data(rows=receiver.rows, cols=UNKNOWN_COLS)
                if attr == "frame":
                    return Data(rows=receiver.rows)
                if attr == "feature_names":
                    return Columns(UNKNOWN_COLS)  # the names of .data's columns
                return UNKNOWN
            if attr == "dt":
                self.note_rows(self.facts.dated, receiver)  # df['date'].dt.month: a datetime column
            if attr in {"values", "T", "array", "str", "dt", "cat"}:
                return receiver.evolve(subset=False, fresh=False)
            if attr == "index":
                return receiver.evolve(cols=UNKNOWN_COLS, subset=False, fresh=False)
            if attr in {"iloc", "loc", "at", "iat", "ix"}:
                return Indexer(receiver, attr)
            if attr == "columns":
                return Columns(receiver.cols)
            if attr == "shape":
                return Coll([Const(("nrows", receiver.rows)), UNKNOWN], "tuple")
            if (attr in K.DATA_ATTRIBUTES and attr not in _BUNCH_FIELDS) or attr.startswith("_"):
                return UNKNOWN
            return self.column(receiver, attr)
        if isinstance(receiver, Est):
            if attr in _SELECTION_ATTRS and receiver.stats:
                return _chosen_columns(receiver)  # selector.support_: which columns the fit chose
            if attr in {"best_estimator_", "estimator", "estimator_", "model"} or (  # Keras History.model
                    receiver.library == "gensim" and attr in {"wv", "dv"}):  # w2v.wv[word]: the model's vectors
                return receiver
            return UNKNOWN
        return UNKNOWN

    def column(self, frame: Data, name: str) -> Data:
        return Data(
            rows=frame.rows, stats=frame.stats,
            cols=Cols(selected=frozenset({name}), derived=frame.cols.derived, dates=frame.cols.dates),
            src=frozenset({name}),
            future=frame.future | frame.cols.future_map().get(name, frozenset()),
            temporal=frame.temporal, oversampled=frame.oversampled,
            is_datetime=name in frame.cols.dates, grouped=frame.grouped, windowed=frame.windowed,
            group_keys=frame.group_keys if frame.grouped else frozenset(),
            preds=frame.column_preds(name),  # predict_df['LR prediction']: the predictions put in the frame
        )

    def e_Subscript(self, node: ast.Subscript) -> Any:
        receiver = self.hidden_frame(node.value, self.expr(node.value))
        key = self.expr(node.slice)
        if isinstance(receiver, Indexer):
            rows_node = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
            return self.with_cut(self.index_rows_cols(receiver.data, key, receiver.kind), receiver.data, rows_node,
                                 node.value)
        if isinstance(receiver, Est) and receiver.library == "gensim" and isinstance(_rows_of(key), Data):
            return self.transform(receiver, _rows_of(key))  # w2v.wv[word], tfidf[bow], lda[bow]
        if _is_chosen(key) and (isinstance(receiver, Columns) or (isinstance(receiver, Coll) and receiver.strings())):
            return key  # df.columns[selector.get_support()]: the column names the selector chose
        if isinstance(receiver, Data):
            if receiver.bunch:
                return self.attribute(receiver, key.value) if isinstance(key, Const) and isinstance(key.value, str) else UNKNOWN
            result = self.with_cut(self.index_data(receiver, key), receiver, node.slice, node.value)
            if receiver.cut is not None and isinstance(result, Data) and _strings(key) is not None:
                # df[df.month < 33]['sold']: a column of the cut rows, still that side once bound.
                result = result.evolve(subset=receiver.subset, cut=receiver.cut)
            return result
        if isinstance(receiver, SplitIter):
            # splits[:3] is some of the same folds; splits[0] is one (train, validation) pair of them.
            if isinstance(key, Const) and isinstance(key.value, tuple) and key.value[:1] == ("slice",):
                return receiver
            return Coll([Idx(receiver.sid, "train"), Idx(receiver.sid, "test")], "tuple")
        if isinstance(receiver, Coll):
            if receiver.kind == "dict" and receiver.keys is None and receiver.items:
                return self.looked_up(_merge(receiver.items), key) if isinstance(receiver.items[0], Data) \
                    else receiver.items[0]  # a dict comprehension's value, whatever the key
            if isinstance(key, Const):
                if receiver.kind == "dict" and receiver.keys:
                    for k, item in zip(receiver.keys, receiver.items, strict=False):
                        if isinstance(k, Const) and k.value == key.value:
                            return item
                    return UNKNOWN
                if isinstance(key.value, int) and -len(receiver.items) <= key.value < len(receiver.items):
                    return receiver.items[key.value]
            elif receiver.items and all(isinstance(v, Data) for v in receiver.items):
                # store[name] for a name the loop runs over, X[i] of a list filled in a loop: any of them.
                return self.looked_up(_merge(receiver.items), key)
            return UNKNOWN
        return UNKNOWN

    def looked_up(self, table: Any, key: Any) -> Any:
        """``per_class[row['outcome']]``: a statistic per group looked up by a row's own value of the
        group key depends on that value (a fill by the row's label carries the label)."""
        if isinstance(table, Data) and table.group_keys and isinstance(key, Data) and key.rows and key.src:
            return table.evolve(src=table.src | key.src, subset=False, fresh=False)
        return table

    def with_cut(self, result: Any, data: Data, key_node: ast.AST, receiver_node: ast.AST) -> Any:
        """Mark a row subset made by a recognisable cut (slice bound, comparison, null test) with the
        split it is one side of; :meth:`relabel` applies it when the subset gets a name of its own."""
        if not isinstance(result, Data) or not result.subset or not data.rows:
            return result
        ranged = self.range_key(key_node)
        if ranged is not None and ranged[1] is not None:
            sid = ("range", ranged[0], frozenset(data.rows))
            return result.evolve(cut=(sid, ranged[1], _root_name(receiver_node)))
        found = _cut_key(key_node)
        if found is None:
            return result
        key, side = found
        sid = ("cut", key, frozenset(data.rows))
        return result.evolve(cut=(sid, side, _root_name(receiver_node)))

    def index_data(self, data: Data, key: Any) -> Any:
        if isinstance(key, Columns):
            # df[df.columns], df[other.columns.drop('y')]: the columns that index names.
            kept = key.cols
            cols = replace_cols(data.cols, selected=kept.selected, dropped=data.cols.dropped | kept.dropped,
                                known=data.cols.known and kept.known)
            return data.evolve(cols=cols, subset=False, fresh=False)
        columns = _strings(key)
        if columns is not None:
            if isinstance(key, Const):
                return self.column(data, columns[0])
            if isinstance(key, Coll) and key.kind == "oneof":
                # df[col], col one of several names (a loop over them): one column, which is not known.
                one = _merge([self.column(data, c) for c in columns])
                return one.evolve(cols=one.cols.select(set(columns)), grouped=data.grouped, windowed=data.windowed,
                                  group_keys=data.group_keys if data.grouped else frozenset())
            return data.evolve(cols=data.cols.select(set(columns)), subset=False, fresh=False)
        if isinstance(key, Idx):
            return self.partition(data, key)
        if isinstance(key, Const) and isinstance(key.value, tuple) and key.value[:1] == ("slice",):
            back = _piece_cut(data, key)
            if back is not None:
                return back
            return data if key.value[1] else data.evolve(subset=True, part=True, fresh=False)
        if isinstance(key, Data) and not key.rows and key.stats:
            # Column labels a statistic chose (df[corr['y'].abs().sort_values().index[-8:]]): a
            # feature selection learned from the rows the statistic saw.
            return data.evolve(stats=data.stats | key.stats, cols=UNKNOWN_COLS, subset=False, fresh=False)
        if isinstance(key, Data):
            # A boolean mask filters rows; statistics in the mask (outlier cut-offs such as
            # df[df.p < df.p.quantile(.99)]) decide which rows stay but do not enter the values.
            return data.evolve(subset=True, part=True, fresh=False)
        if isinstance(key, Coll) and key.kind == "tuple" and key.items:  # numpy X[rows, cols]
            rows = self.index_data(data, key.items[0])
            if isinstance(rows, Data) and len(key.items) == 2 and _is_chosen(key.items[1]):
                return rows.evolve(stats=rows.stats | key.items[1].stats, cols=UNKNOWN_COLS)  # X[:, sel.get_support()]
            if isinstance(rows, Data) and len(key.items) == 2:
                return _by_position(rows, data.cols, key.items[1])
            return rows.evolve(cols=UNKNOWN_COLS) if isinstance(rows, Data) else rows
        return data.evolve(cols=UNKNOWN_COLS, subset=False, fresh=False)

    def index_rows_cols(self, data: Data, key: Any, kind: str) -> Any:
        if isinstance(key, Coll) and key.kind == "tuple" and len(key.items) == 2:
            rows_key, cols_key = key.items
        else:
            rows_key, cols_key = key, Const(("slice", True, ()))
        result: Any = data
        back = _piece_cut(data, rows_key)
        if back is not None:
            result = back
        elif isinstance(rows_key, Idx):
            result = self.partition(data, rows_key)
        elif isinstance(rows_key, Data):
            result = data.evolve(subset=True, part=True, fresh=False)
        elif not (isinstance(rows_key, Const) and isinstance(rows_key.value, tuple) and rows_key.value[:2] == ("slice", True)):
            result = data.evolve(subset=True, part=True, fresh=False)
        if isinstance(cols_key, Const) and isinstance(cols_key.value, tuple) and cols_key.value[:2] == ("slice", True):
            return result
        if isinstance(cols_key, Data) and not cols_key.rows and cols_key.stats and isinstance(result, Data):
            return result.evolve(stats=result.stats | cols_key.stats, cols=UNKNOWN_COLS)  # columns a statistic chose
        columns = _strings(cols_key) if kind in {"loc", "at", "ix"} else None
        if columns is not None:
            if isinstance(cols_key, Const):
                return self.column(result, columns[0]).evolve(subset=result.subset)
            return result.evolve(cols=result.cols.select(set(columns)))
        if kind in {"iloc", "iat"}:
            return _by_position(result, data.cols, cols_key)
        return result.evolve(cols=UNKNOWN_COLS)

    def partition(self, data: Data, idx: Idx) -> Data:
        rows = frozenset((r, p + ((idx.sid, idx.side),)) for r, p in data.rows)
        return data.evolve(rows=rows, subset=False, fresh=False)

    # -- calls ----------------------------------------------------------------------------------
    def e_Call(self, node: ast.Call) -> Any:
        func = node.func
        receiver_value: Any = None
        if isinstance(func, ast.Attribute):
            receiver_value = self.expr(func.value)
        else:
            callee = self.expr(func)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords if k.arg}
        for k in node.keywords:
            if k.arg is None:
                self.expr(k.value)
        if isinstance(func, ast.Attribute):
            if isinstance(receiver_value, Ref) and func.attr in _FRAME_METHODS:
                receiver_value = self.hidden_frame(func.value, receiver_value)
            if isinstance(receiver_value, Ref):
                return self.call_ref(Ref(f"{receiver_value.dotted}.{func.attr}"), args, kwargs, node)
            return self.call_method(receiver_value, func.attr, args, kwargs, node, func.value)
        if isinstance(callee, Ref):
            return self.call_ref(callee, args, kwargs, node)
        if isinstance(callee, Func):
            return self.inline(callee, args, kwargs, node)
        if isinstance(callee, ClassValue):
            return self.instantiate(callee, args, kwargs, node)
        if isinstance(callee, BoundMethod):
            return self.inline(callee.func, [callee.instance] + args, kwargs, node)
        if isinstance(callee, Instance):  # model(x): __call__ / forward
            if any(b.rsplit(".", 1)[-1] in K.LIBRARIES["torch"].models for b in callee.cls.bases):
                return self.module_call(callee, args, node)
            method = callee.cls.methods.get("__call__") or callee.cls.methods.get("forward")
            if method is not None:
                return self.inline(method, [callee] + args, kwargs, node)
        if isinstance(callee, Est) and callee.incremental and args:
            return self.module_call(callee, args, node)
        return _merge(args + list(kwargs.values()))

    def module_call(self, module: Any, args: list, node: ast.Call) -> Any:
        """``out = model(xb)`` of a PyTorch module: inside a loop that calls ``backward()`` and
        ``step()`` it trains on those rows (the model keeps what earlier batches taught it); anywhere
        else it predicts."""
        est = module if isinstance(module, Est) else module.attrs.get("__est__")
        if est is None:
            est = Est(cls=module.cls.name, kind="model", site=self.site(node), incremental=True)
            module.attrs["__est__"] = est
        X = next((a for a in args if isinstance(a, Data)), UNKNOWN)
        if not isinstance(X, Data):
            return UNKNOWN
        if self.training_loop:
            self.fit(est, X, UNKNOWN, "forward/backward/step", self.site(node), _unparse(node.args[0]) if node.args else "")
            return X.evolve(cols=UNKNOWN_COLS, src=frozenset(), subset=False, fresh=False, cut=None)
        return self.est_method(est, "predict", [X], {}, node)

    def instantiate(self, cls: ClassValue, args: list, kwargs: dict, node: ast.Call) -> Any:
        """``Model(...)`` of a notebook-defined class: run ``__init__`` with ``self`` bound."""
        instance = Instance(cls)
        init = cls.methods.get("__init__")
        if init is not None:
            self.inline(init, [instance] + args, kwargs, node)
        return instance

    def call_ref(self, ref: Ref, args: list, kwargs: dict, node: ast.Call) -> Any:
        dotted, short, root = ref.dotted, ref.short, ref.root
        site = self.site(node)
        # IPython: get_ipython().system('pip install x'), run_line_magic('promote', 'seed 1')
        if dotted == "get_ipython":
            return Ref("IPython.shell")
        if dotted.startswith("IPython.shell."):
            return self.ipython_call(short, args, site)
        if self.seed_call(dotted, short, site):
            return UNKNOWN
        objective = args[0] if args else kwargs.get("fn", kwargs.get("func"))
        if short in K.OBJECTIVE_RUNNERS and isinstance(objective, (Func, BoundMethod)):
            return self.run_objective(objective, node)  # fmin(fn=objective), gp_minimize(objective, space)
        if dotted.startswith(_RNG + "."):
            # rng.normal(...), RandomState(0).rand(...): a draw from a generator object (seeded or
            # reported where it was made); shuffle/permutation of data keep its rows.
            data = next((a for a in args if isinstance(a, Data)), None)
            if data is not None and short in {"shuffle", "permutation", "choice", "permuted"}:
                return data.evolve(subset=False, fresh=False)
            return Data(rows=frozenset({(self.new_root(), ())}), cols=UNKNOWN_COLS)
        drawn = self.random_call(dotted, short, root, args, kwargs, site)
        if drawn is not None:
            return drawn
        if short in K.READERS or (short in {"load", "open"} and (root in K.LOAD_MODULES or dotted == "open")):
            return self.read(dotted, args, kwargs, site)
        if short == "connect" and root in {"sqlite3", "duckdb"}:
            self.read(dotted, args, kwargs, site)
            return UNKNOWN
        if short == "shuffle" and root == "sklearn":
            state = kwargs.get("random_state")
            if state is None or (isinstance(state, Const) and state.value is None):
                self.facts.randoms.append(RandomEvent(site, "shuffle()", self.seed_numpy or self.seed_all,
                                                      "shuffle(..., random_state=0)"))
            out = [a.evolve(subset=False, fresh=False) if isinstance(a, Data) else UNKNOWN for a in args]
            return out[0] if len(out) == 1 else Coll(out, "tuple")
        if short in K.FORMULA_FUNCTIONS and root in {"patsy", "statsmodels", short}:
            formula = args[0] if args else kwargs.get("formula_like")
            frame = args[1] if len(args) > 1 else kwargs.get("data", UNKNOWN)
            if isinstance(frame, Data) and isinstance(formula, Const) and isinstance(formula.value, str):
                y, X = _formula_split(frame, formula.value)
                return Coll([y, X], "tuple") if short == "dmatrices" else X
            return _merge([frame])
        if short in K.EARLY_STOPPING_CALLBACKS:
            return Const(("callback", short))
        if short in K.WRAPPERS and root in {"yellowbrick", short}:
            # ConfusionMatrix(model), ROCAUC(model): a view of the model, not a second model.
            wrapped = next((e for e in _estimators(args[0] if args else kwargs.get("estimator", kwargs.get("model")))
                            ), None) if (args or kwargs) else None
            if wrapped is not None:
                return wrapped
        if short in K.PIPELINES or short in K.SEARCHES or self.is_estimator_class(ref):
            return self.construct(ref, args, kwargs, site)
        if short in K.FRAME_DATASETS and root in {"seaborn", short}:
            return Data(rows=frozenset({(self.new_root(), ())}), fresh=True)  # sns.load_dataset('tips')
        if (("datasets" in dotted or dotted == short) and short.startswith(("load_", "fetch_", "make_"))
                and short not in {"make_scorer"}) or (short in K.DATASETS and root == "statsmodels"):
            return self.dataset(short, kwargs, site)
        if short in K.SPLIT_FUNCTIONS:
            return self.split(args, kwargs, site)
        if short in K.FIT_FUNCTIONS and short != "cv" and root in {"xgboost", "lightgbm", "catboost"}:
            # Native APIs: xgb.train(params, dtrain, evals=[(dvalid, "name")]), lgb.train(params, train_set,
            # valid_sets=[...]): a model fit, and the evaluation sets steer early stopping.
            est = Est(cls=f"{root}.train", kind="model", site=site)
            # xgb.train(params, dtrain, 100, watchlist): positional arguments read as their keywords.
            kwargs = {**dict(zip(K.signature(root, short), args, strict=False)), **kwargs}
            data = args[1] if len(args) > 1 else kwargs.get("dtrain", kwargs.get("train_set", UNKNOWN))
            self.fit(est, data, UNKNOWN, "train", site, _unparse(node.args[1]) if len(node.args) > 1 else "")
            self.monitored_fit(est, kwargs, site)
            return est
        if short in K.RANDOM_STATE_FUNCTIONS and root == "sklearn":
            state = kwargs.get("random_state")
            if state is None or (isinstance(state, Const) and state.value is None):
                self.facts.randoms.append(RandomEvent(site, f"{short}()", self.seed_numpy or self.seed_all,
                                                      f"{short}(..., random_state=0)"))
        if short in K.CV_FUNCTIONS:
            return self.cross_validate(short, args, kwargs, site)
        is_metric = short in K.METRICS or (root in {"sklearn", "imblearn", short} and short.endswith(
            ("_score", "_error", "_loss")) and short not in K.CLUSTER_METRICS)
        if is_metric:
            self.mark_scored(list(args) + list(kwargs.values()), metric=True)
            if self.loop and args and root in {"sklearn", "imblearn"}:
                self.metric_in_loop(short, args, node, site)
        elif short in {"crosstab"}:
            self.mark_scored(list(args) + list(kwargs.values()), metric=True)
        elif root not in _NOT_SCORING:
            self.mark_scored(list(args) + list(kwargs.values()))
        if short in K.STAT_FUNCTIONS_AGG and root in {"numpy", "statistics", "scipy"}:
            axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
            data = args[0] if args else None
            if isinstance(data, Data) and not (isinstance(axis, Const) and axis.value in (1, -1)):
                return self.stat_of(data, f"{root}.{short}()", site, rowwise=False)
            if isinstance(data, Coll) and isinstance(_merge(_flatten(data)), Data):
                # np.mean([w2v.wv[w] for w in doc], axis=0): an average of the values a comprehension
                # made for one element, which keeps their rows and what was learned to make them (an
                # average of predictions is not itself a prediction a label can be told from).
                return _merge(_flatten(data)).evolve(cols=UNKNOWN_COLS, preds=frozenset())
        if short in K.STAT_FUNCTIONS_ROWWISE and root in {"sklearn", "scipy", "pandas", "numpy"}:
            data = args[0] if args else kwargs.get("x", kwargs.get("X"))
            if isinstance(data, Data):
                return self.stat_of(data, f"{short}()", site, rowwise=True)
        if short == "cut" and root == "pandas":
            data = args[0] if args else kwargs.get("x")
            bins = kwargs.get("bins", args[1] if len(args) > 1 else None)
            if isinstance(data, Data) and not isinstance(bins, Coll):
                return self.stat_of(data, "pd.cut()", site, rowwise=True)
        if short == "to_datetime":
            result = _merge(args)
            return result.evolve(is_datetime=True) if isinstance(result, Data) else UNKNOWN
        if short in {"merge", "merge_asof", "merge_ordered"} and root == "pandas" and args and isinstance(args[0], Data):
            # A join keeps the left frame's rows and adds columns looked up in the right one.
            left = args[0]
            others = [a for a in list(args[1:]) + list(kwargs.values()) if isinstance(a, Data)]
            return _merged(left.evolve(stats=left.stats.union(*(o.stats for o in others)),
                                       preds=left.preds.union(*(o.preds for o in others)), subset=False, fresh=False,
                                       cut=None, cols=left.cols if left.cols.selected is None else UNKNOWN_COLS),
                           others, site)
        if short in {"concat", "hstack", "vstack", "concatenate", "column_stack", "row_stack"}:
            return self.concat(short, args, kwargs, site)
        if short == "resample" and root == "sklearn":
            return self.resample(args, kwargs, site)
        if short in {"DataFrame", "Series", "array", "asarray", "get_dummies", "ascontiguousarray", "from_dict",
                     "from_records", "tensor", "Tensor", "from_numpy", "as_tensor", "TensorDataset", "DataLoader",
                     "DMatrix", "Dataset", "Pool", "to_categorical"}:
            return self.frame(short, args, kwargs)
        if short in {"list", "tuple"} and args and isinstance(args[0], SplitIter):
            return args[0]  # splits = list(skf.split(X, y)): the folds, kept to be reused
        if short in {"list", "tuple", "sorted", "reversed", "set"} and args and isinstance(args[0], (Coll, Columns)):
            if isinstance(args[0], Coll) and args[0].kind != "dict":  # a new list: the original stays as it was
                return Coll(list(args[0].items), "tuple" if short == "tuple" else "list")
            return args[0]
        if short == "zip" and args and all(isinstance(a, Coll) for a in args):
            count = min(len(a.items) for a in args)
            return Coll([Coll([a.items[i] for a in args], "tuple") for i in range(count)])
        if short == "enumerate" and args and isinstance(args[0], Coll):
            return Coll([Coll([Const(i), item], "tuple") for i, item in enumerate(args[0].items)])
        if short in {"enumerate", "zip", "tqdm", "trange"} and args and any(
                isinstance(a, (SplitIter, Data, Coll)) for a in args):
            # enumerate(kf.split(X)), zip(models, names), tqdm(loader): one abstract element per position.
            parts = [self.element_of(a) for a in args]
            if short in {"tqdm", "trange"}:
                return args[0]
            return Coll([Coll(([UNKNOWN] if short == "enumerate" else []) + parts, "tuple")])
        if short in {"clone", "deepcopy", "copy"} and args and isinstance(args[0], Est):
            original = args[0]
            return Est(cls=original.cls, kind=original.kind, site=original.site, steps=list(original.steps),
                       shuffle=original.shuffle, multi=original.multi, incremental=original.incremental,
                       early_stopping=original.early_stopping)
        if root == "numpy" and short in _ARRAY_FACTORIES:
            # oof = np.zeros(len(X)): an empty array to be filled (with out-of-fold predictions).
            return Data(rows=frozenset(), cols=UNKNOWN_COLS)
        if (dotted in {"str", "os.fspath"} or short == "PurePath") and len(args) == 1 and isinstance(args[0], Const) \
                and isinstance(args[0].value, str):
            return args[0]  # cv2.imread(str(ROOT / name)): the path itself
        if root == "os" and short == "chdir":
            # os.chdir('D:/work/churn'): every relative read after it depends on that directory.
            target = args[0] if args else kwargs.get("path")
            path = target.value if isinstance(target, Const) and isinstance(target.value, str) else None
            self.facts.reads.append(ReadEvent(site, "os.chdir", path))
            return UNKNOWN
        if root == "subprocess" and short in {"run", "call", "check_call", "check_output", "Popen"} and args:
            # subprocess.run([sys.executable, '-m', 'pip', 'install', 'x']): a shell command.
            command = args[0]
            words = [c.value for c in (command.items if isinstance(command, Coll) else [command])
                     if isinstance(c, Const) and isinstance(c.value, str)]
            if words:
                self.facts.shell.append(ShellEvent(site, "system", "", " ".join(words)))
            return UNKNOWN
        if dotted == "len" and args and isinstance(args[0], Data):
            return Const(("nrows", args[0].rows))  # a row count: a cut at it splits a concat back
        if dotted == "abs" and args and isinstance(args[0], Data):
            return args[0]  # element-wise on arrays: abs(pred - y) are still the errors
        if dotted in _ROUNDING and args and isinstance(args[0], Data):
            # int(df.bmi.mean()), round(x.mean(), 1), math.floor(pred): a number learned from rows is
            # still learned from rows (element-wise on arrays: the same rows).
            return args[0]
        if dotted in _SCALAR_BUILTINS:
            if dotted in {"sum", "min", "max"}:
                self.score_residuals(args)
            return UNKNOWN
        if root in {"os", "pathlib", "posixpath"} or short == "Path":
            strings = [a.value for a in args if isinstance(a, Const) and isinstance(a.value, str)]
            if strings and short in {"join", "Path", "PurePath", "abspath", "expanduser"}:
                return Const("/".join(s.rstrip("/") if i < len(strings) - 1 else s for i, s in enumerate(strings)))
            return UNKNOWN
        self.callbacks(args, kwargs, node)
        return _merge(args + list(kwargs.values()))

    def callbacks(self, args: list, kwargs: dict, node: ast.Call) -> None:
        """A notebook function handed to a library call the tables do not describe
        (``study.optimize(objective, n_trials=100)``, ``fmin(fn=objective, ...)``, ``interact(f, k=...)``)
        is called by it, usually many times: analyse it once, as a loop body, with unknown arguments."""
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, Func) and not isinstance(value.node, ast.Lambda) and id(value.node) not in self.active:
                params = value.node.args.posonlyargs + value.node.args.args
                self.loop += 1
                try:
                    self.inline(value, [UNKNOWN] * len(params), {}, node)
                finally:
                    self.loop -= 1

    def ipython_call(self, method: str, args: list, site: Site) -> Any:
        texts = [a.value for a in args if isinstance(a, Const) and isinstance(a.value, str)]
        if method in {"system", "getoutput"} and texts:
            self.facts.shell.append(ShellEvent(site, "system", "", texts[0]))
        elif method in {"run_line_magic", "run_cell_magic"} and texts:
            name, text = texts[0], texts[1] if len(texts) > 1 else ""
            self.facts.shell.append(ShellEvent(site, "magic", name, text))
            if name == "cd" and text.strip():
                self.facts.reads.append(ReadEvent(site, "%cd", text.strip().strip("'\"")))
            if name == "promote" and text.split()[:1] == ["seed"] and self.skipped:
                self.facts.skipped_seeds.append((site, "%promote seed"))
            elif name == "promote" and text.split()[:1] == ["seed"]:
                self.seed_all = True
                self.facts.seeds.append((site, "%promote seed"))
        return UNKNOWN

    def seed_call(self, dotted: str, short: str, site: Site) -> bool:
        if self.skipped and (dotted in {"numpy.random.seed", "random.seed", "seed"} or short in K.SEEDERS
                             or short in {"set_seed", "seed_everything", "set_random_seed", "seed_all", "set_seeds",
                                          "fix_seed", "set_global_seed"}):
            # A cell tagged `skip` is not exported: its seed does not seed the pipeline.
            self.facts.skipped_seeds.append((site, dotted))
            return True
        if dotted == "numpy.random.seed":
            self.seed_numpy = True
        elif dotted == "random.seed":
            self.seed_random = True
        elif short in {"manual_seed", "manual_seed_all"} or dotted in {"tensorflow.random.set_seed",
                                                                         "tf.random.set_seed"}:
            pass  # seeds torch / TensorFlow only: NumPy and `random` stay unseeded
        elif short in {"set_seed", "seed_everything", "set_random_seed", "seed_all", "set_seeds", "fix_seed",
                       "set_global_seed"} or dotted == "seed":
            self.seed_all = True  # helpers (transformers, lightning, a notebook's own) seed everything
        else:
            return False
        self.facts.seeds.append((site, dotted))
        return True

    def random_call(self, dotted: str, short: str, root: str, args: list, kwargs: dict, site: Site) -> Any:
        """A draw from a global random state, or a generator made: its value, else None."""
        parts = dotted.split(".")
        if parts[:2] == ["numpy", "random"] and len(parts) == 3:
            if short in K.RNG_FACTORIES:
                seed = args[0] if args else kwargs.get("seed")
                if seed is None or (isinstance(seed, Const) and seed.value is None):
                    self.facts.randoms.append(RandomEvent(site, f"np.random.{short}()", False, f"np.random.{short}(0)"))
                return Ref(_RNG)
            if short in K.NUMPY_DRAWS:
                self.facts.randoms.append(RandomEvent(site, f"np.random.{short}()", self.seed_numpy or self.seed_all,
                                                      "np.random.seed(0) before it"))
                data = next((a for a in args if isinstance(a, Data)), None)
                if short in {"shuffle", "permutation", "choice"} and data is not None:
                    return UNKNOWN if short == "shuffle" else data.evolve(subset=False, fresh=False)
                # Generated values are data of their own (X = np.random.rand(100, 1)).
                return Data(rows=frozenset({(self.new_root(), ())}), cols=UNKNOWN_COLS)
        if root == "random" and len(parts) == 2 and short in K.PY_RANDOM_DRAWS:
            self.facts.randoms.append(RandomEvent(site, f"random.{short}()", self.seed_random or self.seed_all,
                                                  "random.seed(0) before it"))
            return UNKNOWN
        if root == "random" and short == "Random":
            return Ref(_RNG)
        return None

    def read(self, dotted: str, args: list, kwargs: dict, site: Site) -> Any:
        target = args[0] if args else next(
            (kwargs[k] for k in ("filepath_or_buffer", "path", "io", "fname", "file", "filename", "path_or_buf")
             if k in kwargs), None)
        path = target.value if isinstance(target, Const) and isinstance(target.value, str) else None
        self.facts.reads.append(ReadEvent(site, dotted, path))
        if isinstance(target, Data):  # pd.read_csv(handle) of an opened file
            return target
        if path is not None and path in self.written:
            # train.to_parquet('train-ag.parquet') … pd.read_parquet('train-ag.parquet'): the same rows
            # (a split of them with the same seed is the same split).
            return self.written[path].evolve(fresh=True, subset=False, cut=None, sampled=None, part=False)
        dates = _strings(kwargs.get("parse_dates", Const(None))) or []
        cols = Cols(dates=frozenset(dates), date_index=bool(dates or _is_true(kwargs.get("parse_dates"))) and "index_col" in kwargs)
        result = Data(rows=frozenset({(self.new_root(), ())}), cols=cols, fresh=True)
        parsed = kwargs.get("parse_dates")
        if parsed is not None and not (isinstance(parsed, Const) and parsed.value in (None, False)):
            self.note_rows(self.facts.dated, result, site)  # parse_dates=['date'] / [0] / True
            if "index_col" in kwargs and not (isinstance(kwargs["index_col"], Const) and kwargs["index_col"].value in (None, False)):
                self.note_rows(self.facts.indexed, result, site)  # read_csv(..., index_col='Date', parse_dates=True)
        return result

    def dataset(self, short: str, kwargs: dict, site: Site) -> Any:
        root = frozenset({(self.new_root(), ())})
        if short.startswith("make_") or _is_true(kwargs.get("return_X_y")):
            X = Data(rows=root, cols=UNKNOWN_COLS, fresh=True)
            y = Data(rows=root, src=frozenset({"target"}), cols=Cols(selected=frozenset({"target"})))
            if short.startswith("make_") and "random_state" not in kwargs:
                self.facts.randoms.append(RandomEvent(site, f"{short}()", self.seed_numpy or self.seed_all))
            # make_regression(..., coef=True) returns three values, make_blobs(return_centers=True) too.
            count = K.returns_count(short, {k for k, v in kwargs.items() if _is_true(v)}) or 2
            return Coll([X, y] + [UNKNOWN] * max(count - 2, 0), "tuple")
        return Data(rows=root, bunch=True, fresh=True)

    def is_estimator_class(self, ref: Ref) -> bool:
        short = ref.short
        if short in K.FORMULA_MODELS and ref.root == "statsmodels":
            return True  # smf.ols("y ~ x", data=df)
        if not short[:1].isupper():
            return False
        if short in _KNOWN_CLASSES or (short in K.MODELS and (ref.root in K.ML_ROOTS or ref.dotted == short)):
            return True
        return bool(K.MODEL_NAME.search(short)) and (ref.root in K.ML_ROOTS or ref.dotted == short)

    def construct(self, ref: Ref, args: list, kwargs: dict, site: Site) -> Est:
        short = ref.short
        steps = [e for a in list(args) + list(kwargs.values()) for e in _estimators(a)]
        if short in K.PIPELINES:
            models = [s for s in steps if s.is_model]
            # A composite of stateless steps (ColumnTransformer of Binarizers) learns nothing either.
            kind = "pipeline" if models else "stateless" if steps and all(
                st.kind == "stateless" for st in steps) else "transformer"
            est = Est(cls=short, kind=kind, site=site, steps=steps)
        elif short in K.SEARCHES:
            est = Est(cls=short, kind="search", site=site, steps=steps)
        elif short in K.SPLITTERS:
            shuffle = short in K.SHUFFLING_SPLITTERS or _is_true(kwargs.get("shuffle"))
            est = Est(cls=short, kind="splitter", site=site, shuffle=shuffle)
            n_splits = kwargs.get("n_splits", args[0] if args else None)
            if isinstance(n_splits, Const) and n_splits.value == 1:
                est.n_splits = 1
        elif short in K.STAT_TRANSFORMERS:
            est = Est(cls=short, kind="transformer", site=site)
        elif short in K.STATELESS:
            est = Est(cls=short, kind="stateless", site=site)
        elif short in K.OVERSAMPLERS:
            est = Est(cls=short, kind="oversampler", site=site)
        elif short in K.UNDERSAMPLERS:
            est = Est(cls=short, kind="resampler", site=site)
        elif short in K.CLUSTERERS:
            est = Est(cls=short, kind="cluster", site=site)
        else:
            est = Est(cls=short, kind="model", site=site, steps=steps)
        est.incremental = short in K.INCREMENTAL
        est.multi = short in K.COMPARATORS and ref.root in K.ML_ROOTS  # LazyClassifier: every model it fits
        est.early_stopping = _early_stopping(kwargs)
        est.library = ref.root
        if ref.root == "statsmodels" and est.kind == "model":
            self.model_data(est, short, args, kwargs)
        if short in K.CONSTRUCT_FITS and ref.root in {"gensim", short}:
            # Word2Vec(sentences), TfidfModel(corpus): given its corpus, the model trains at once.
            corpus = _rows_of(args[0] if args else next(
                (kwargs[k] for k in ("sentences", "documents", "corpus", "corpus_iterable") if k in kwargs), UNKNOWN))
            if isinstance(corpus, Data):
                self.fit(est, corpus, UNKNOWN, "__init__", site, "")
        needs_seed = short in K.RANDOM_STATE_CLASSES or (
            short in {"KFold", "StratifiedKFold", "StratifiedGroupKFold"} and est.shuffle)
        state = kwargs.get("random_state", kwargs.get("seed", kwargs.get("random_seed")))
        if needs_seed and (state is None or (isinstance(state, Const) and state.value is None)):
            self.facts.randoms.append(RandomEvent(site, f"{short}()", self.seed_numpy or self.seed_all,
                                                  f"{short}(..., random_state=0)"))
        return est

    def split(self, args: list, kwargs: dict, site: Site) -> Any:
        shuffle = not _is_false(kwargs.get("shuffle"))
        state = kwargs.get("random_state")
        if not all(isinstance(a, Data) for a in args):
            # Arrays the analysis cannot see (a name only the kernel's hidden state defines, a list it
            # lost track of) are still rows being split: the rows of the arrays beside them, or rows
            # of their own.
            known = [a for a in args if isinstance(a, Data)]
            rows = known[0].rows if known and known[0].rows else frozenset({(self.new_root(), ())})
            args = [a if isinstance(a, Data) else _merge(_flatten(a)) if isinstance(a, Coll)
                    and isinstance(_merge(_flatten(a)), Data) else Data(rows=rows, cols=UNKNOWN_COLS) for a in args]
        datas = [a for a in args if isinstance(a, Data)]
        sid = self.split_id(datas, state, shuffle, kwargs, site)
        if self.loop_tokens and self.redrawn(datas, state, shuffle, kwargs):
            # A split drawn anew in every iteration (no fixed seed, a size or seed the loop varies, data
            # made in the loop): each iteration's test set is a new hold-out, not one set reused.
            sid = sid + (("redrawn", self.loop),)
        if shuffle and (state is None or (isinstance(state, Const) and state.value is None)):
            self.facts.randoms.append(RandomEvent(site, "train_test_split()", self.seed_numpy or self.seed_all,
                                                  "train_test_split(..., random_state=0)"))
        self.facts.splits.append(SplitEvent(sid, site, datas, shuffle, "train_test_split"))
        out: list[Any] = []
        for arg in args:
            if isinstance(arg, Data):
                out.append(self.partition(arg, Idx(sid, "train")))
                out.append(self.partition(arg, Idx(sid, "test")))
            else:
                out += [UNKNOWN, UNKNOWN]
        return Coll(out, "tuple")

    def redrawn(self, datas: list, state: Any, shuffle: bool, kwargs: dict) -> bool:
        """Whether a split inside a loop cuts different rows in each iteration."""
        if shuffle and not (isinstance(state, Const) and isinstance(state.value, int)):
            return True
        if any(k in kwargs and not isinstance(kwargs[k], Const) for k in ("test_size", "train_size")):
            return True
        roots = {r for d in datas for r, _p in d.rows}
        return bool(roots) and any(self.root_loop.get(r) == self.loop_tokens[-1] for r in roots)

    def met_labels(self, values: list) -> frozenset:
        """(prediction index, label rows) for predictions meeting labels among ``values``."""
        preds, labels = _preds_and_labels(values)
        if not preds or not labels:
            return frozenset()
        return frozenset((index, labels) for index in preds)

    def score_residuals(self, values: list) -> None:
        """Errors reduced to a number (``((y - pred) ** 2).mean()``) or compared: a scored evaluation."""
        for value in _flatten_all(values):
            if isinstance(value, Data):
                for index, labels in value.residual:
                    if index < len(self.facts.evals):
                        self.scored(self.facts.evals[index], labels)

    def scored(self, event: EvalEvent, labels: frozenset) -> None:
        event.scored = True
        event.labels |= labels
        if not isinstance(event.X, Data) and labels:
            event.X = Data(rows=labels, cols=UNKNOWN_COLS)  # a forecast scored against test: the test rows
        if event.scored_at is None and self.depth == 0:
            event.scored_at = self.stmt_site

    def split_parts(self, data: Data, args: list, kwargs: dict, site: Site) -> Coll:
        """``train, valid, test = frame.split_frame([0.6, 0.2], seed=1)``: disjoint random parts, in
        order. Each part after the first is cut off what remains, as nested hold-out splits are
        (``valid`` and ``test`` are both held out from ``train`` and apart from each other)."""
        ratios = args[0] if args else kwargs.get("ratios", kwargs.get("weights", UNKNOWN))
        count = len(ratios.items) + 1 if isinstance(ratios, Coll) and ratios.items else 2
        if isinstance(ratios, Coll) and ratios.items and isinstance(ratios.items[-1], Const) and count > 2:
            total = sum(v.value for v in ratios.items if isinstance(v, Const) and isinstance(v.value, (int, float)))
            count = count - 1 if abs(total - 1) < 1e-9 else count  # randomSplit([0.8, 0.2]): weights, not cut points
        parts = []
        rest = data.evolve(subset=False, fresh=False, cut=None, part=False)
        for position in range(count - 1):
            sid = ("split", site, next(self._ids))
            self.facts.splits.append(SplitEvent(sid, site, [rest], True, "train_test_split"))
            parts.append(self.partition(rest, Idx(sid, "train")) if position == 0 else
                         self.partition(rest, Idx(sid, "train")))
            rest = self.partition(rest, Idx(sid, "test"))
        parts.append(rest)
        return Coll(parts, "list")

    def mark_scored(self, values: list, *, metric: bool = False) -> None:
        """Predictions meeting labels (a metric, ``pred == y_test``, ``crosstab(y_test, pred)``) make
        the evaluation that produced them a scored one."""
        preds, labels = _preds_and_labels(values)
        if not preds:
            return
        if not metric and not labels:
            return  # predictions alone (printed, plotted, saved): no labels met
        for index in preds:
            if index < len(self.facts.evals):
                self.scored(self.facts.evals[index], labels)

    def model_data(self, est: Est, short: str, args: list, kwargs: dict) -> None:
        """statsmodels takes the data in the constructor: ``sm.OLS(y, X).fit()``, or a formula and a
        frame: ``smf.ols("price ~ area + rooms", data=df).fit()`` (the formula names target and features)."""
        if short in K.FORMULA_MODELS:
            formula = args[0] if args else kwargs.get("formula")
            frame = args[1] if len(args) > 1 else kwargs.get("data", UNKNOWN)
            if isinstance(frame, Data) and isinstance(formula, Const) and isinstance(formula.value, str):
                y, X = _formula_split(frame, formula.value)
                est._pending = (X, y)  # type: ignore[attr-defined]
            elif isinstance(frame, Data):
                est._pending = (frame, UNKNOWN)  # type: ignore[attr-defined]
            return
        endog = args[0] if args else kwargs.get("endog", UNKNOWN)
        exog = args[1] if len(args) > 1 else kwargs.get("exog", UNKNOWN)
        est._pending = (exog, endog)  # type: ignore[attr-defined]

    def split_id(self, datas: list, state: Any, shuffle: bool, kwargs: dict, site: Site) -> tuple:
        """One id per distinct split: two ``train_test_split`` calls over the same rows with the same
        fixed ``random_state`` (or no shuffling) and sizes cut the rows the same way, whatever the
        columns (``X`` and ``PCA(X)``) — so their test sets are the same rows."""
        fixed = (isinstance(state, Const) and isinstance(state.value, int)) or not shuffle
        if fixed and datas and datas[0].rows:
            sizes = tuple(sorted((k, repr(v.value)) for k, v in kwargs.items()
                                 if k in {"test_size", "train_size"} and isinstance(v, Const)))
            roots = frozenset(r for r, _p in datas[0].rows)
            strat = "stratify" in kwargs and not (isinstance(kwargs["stratify"], Const)
                                                  and kwargs["stratify"].value is None)
            return ("split", roots, state.value if isinstance(state, Const) else None, shuffle, sizes, strat,
                    frozenset(p for _r, p in datas[0].rows))
        return ("split", site, next(self._ids))

    def metric_in_loop(self, short: str, args: list, node: ast.Call, site: Site) -> None:
        """``f1_score(y_test, proba > t)`` inside a loop or a ``key=`` lambda: the whole held-out
        target is scored repeatedly to pick something (a threshold, a model) — a selection-time
        evaluation. Scoring *subsets* (``y_test[mask]``, per-group reports, bootstraps) is not."""
        y_true = args[0]
        if not isinstance(y_true, Data) or not node.args or not isinstance(node.args[0], ast.Name):
            return
        if y_true.label != "test":
            return  # out-of-fold scores over all training labels, per seed or fold: not a held-out set
        self.facts.evals.append(EvalEvent(_METRIC, y_true, UNKNOWN, site, short, self.loop, frozenset(),
                                          frozenset(), node.args[0].id, scored=True))

    def cross_validate(self, short: str, args: list, kwargs: dict, site: Site) -> Any:
        est = args[0] if args else kwargs.get("estimator", UNKNOWN)
        X = args[1] if len(args) > 1 else kwargs.get("X", UNKNOWN)
        y = args[2] if len(args) > 2 else kwargs.get("y", UNKNOWN)
        cv = kwargs.get("cv", UNKNOWN)
        shuffle = isinstance(cv, Est) and cv.shuffle
        self.facts.cvs.append(CVEvent(est, X, y, site, shuffle, short, self.loop, cv))
        if short == "cross_val_predict" and isinstance(X, Data):
            return X.evolve(cols=UNKNOWN_COLS, subset=False, fresh=False)
        return UNKNOWN

    def frame(self, short: str, args: list, kwargs: dict) -> Any:
        """``pd.DataFrame(...)``, ``np.array(...)``, ``torch.tensor``, ``DataLoader``, ``xgb.DMatrix``…:
        the same rows in another container; a dict of columns names its columns."""
        first = args[0] if args else kwargs.get("data", kwargs.get("dataset", kwargs.get("X", UNKNOWN)))
        if short == "DataFrame" and not args and not any(k in kwargs for k in ("data", "index")):
            # out = pd.DataFrame(); out['lr'] = lr.predict(X_test): rows come with the first column.
            named = _strings(kwargs.get("columns", UNKNOWN))
            return Data(rows=frozenset(), cols=Cols(selected=frozenset(named or ())), empty=True)
        if isinstance(first, Columns) and short in {"array", "asarray", "Series"}:
            return first  # np.array(df.columns), np.array(bunch.feature_names): still column names
        label = kwargs.get("label")
        result = _merge([first] + list(args[1:2] if short in {"TensorDataset"} else []))
        if isinstance(first, Coll) and not isinstance(result, Data):
            if first.kind == "dict" and first.keys and all(isinstance(k, Const) and isinstance(k.value, str)
                                                           for k in first.keys):
                inner = _merge(first.items)
                if isinstance(inner, Data):
                    cols = Cols(selected=frozenset())
                    for key, value in zip(first.keys, first.items, strict=False):
                        src = value.src if isinstance(value, Data) else frozenset()
                        cols = cols.with_column(key.value, src, frozenset(), False)
                    return inner.evolve(cols=cols, src=frozenset(), subset=False, fresh=False, cut=None)
            inner = _merge(_flatten(first))
            if isinstance(inner, Data):
                return inner.evolve(cols=UNKNOWN_COLS, src=frozenset(), subset=False, fresh=False, cut=None)
        if isinstance(result, Data):
            result = result.evolve(subset=False, fresh=False, cut=None)
            columns = _strings(kwargs.get("columns", UNKNOWN))
            if short == "get_dummies":
                result = result.evolve(cols=result.cols.drop(set(columns)) if columns else result.cols)
            elif columns and not result.cols.known:
                result = result.evolve(cols=Cols(selected=frozenset(columns)))
            elif short == "DataFrame" and not result.cols.known and result.cols.positions is None \
                    and "columns" not in kwargs:
                # pd.DataFrame(array): numbered columns, none of them named (a column assigned later by
                # name, df['Output'] = y, is then known to be among them).
                result = result.evolve(cols=Cols(selected=frozenset()))
            if isinstance(label, Data):  # DMatrix(X, label=y): the labels' rows too
                result = result.evolve(stats=result.stats | label.stats)
            return result
        return Data(rows=frozenset({(self.new_root(), ())}), fresh=True)

    def stat_of(self, data: Data, what: str, site: Site, *, rowwise: bool) -> Data:
        if not rowwise:
            self.score_residuals([data])
        if not data.rows:
            return data
        stat = Stat(site, what, data.rows, columns=data.src, scalar=not rowwise and not data.grouped)
        self.facts.stats.append(stat)
        # A statistic of the target (target encoding) is not the target itself: src is cleared, the
        # row-statistic leak is the preprocessing rule's business.
        if rowwise:
            return data.evolve(stats=data.stats | {stat}, subset=False, fresh=False, grouped=False, windowed=False,
                               src=frozenset())
        return Data(rows=frozenset(), stats=data.stats | {stat}, future=data.future)

    def concat(self, short: str, args: list, kwargs: dict, site: Site) -> Any:
        items = args[0].items if args and isinstance(args[0], Coll) else list(args)
        datas = [d for d in items if isinstance(d, Data)]
        if not datas:
            return UNKNOWN
        axis = kwargs.get("axis")
        side_by_side = short in {"hstack", "column_stack"} or (
            isinstance(axis, Const) and axis.value in (1, "columns"))
        result = _merge(datas)
        roots = [frozenset(r for r, _p in d.rows) for d in datas]
        if not side_by_side and len(datas) > 1 and all(roots) and sum(map(len, roots)) == len(frozenset().union(*roots)):
            # Separate sources stacked (train.csv on test.csv): remember which rows came first.
            result = result.evolve(pieces=tuple(d.rows for d in datas))
        if side_by_side:
            if all(d.cols.known and d.cols.selected is not None for d in datas):
                derived: dict = {}
                future: dict = {}
                for d in datas:
                    derived.update(d.cols.derived_map())
                    future.update(d.cols.future_map())
                cols = Cols(selected=frozenset().union(*(d.cols.selected or frozenset() for d in datas)),
                            derived=tuple(sorted(derived.items())),
                            future=tuple(sorted(future.items(), key=lambda kv: kv[0])))
            else:
                cols = UNKNOWN_COLS
            return result.evolve(cols=cols)
        from ._values import overlap

        if self.loop:
            # Inside a loop the pieces are usually different groups (df_out = concat([df_out, part]) per
            # location) or one sample's parts (np.vstack while building features row by row).
            return result
        for a, b in itertools.combinations(datas, 2):
            # The same rows twice (a frame with itself or with a filtered part of itself) is
            # duplication; two filtered parts (a sample of each class) may well be disjoint.
            if overlap(a.rows, b.rows) and not (a.part and b.part):
                return result.evolve(oversampled=site)
        return result

    def resample(self, args: list, kwargs: dict, site: Site) -> Any:
        if "random_state" not in kwargs:
            self.facts.randoms.append(RandomEvent(site, "resample()", self.seed_numpy or self.seed_all,
                                                  "resample(..., random_state=0)"))
        dup = not _is_false(kwargs.get("replace"))
        out = [a.evolve(oversampled=site if dup else a.oversampled) if isinstance(a, Data) else UNKNOWN
               for a in args]
        return out[0] if len(out) == 1 else Coll(out, "tuple")

    def inline(self, func: Func, args: list, kwargs: dict, node: ast.Call) -> Any:
        key = id(func.node)
        if self.depth >= 3 or key in self.active:
            return _merge(args + list(kwargs.values()))
        fn = func.node
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        bindings: dict[str, Any] = {}
        for name, value in zip(params, args, strict=False):
            bindings[name] = value
        # Constant defaults decide branches too (``def f(..., scale=False): if scale: …``).
        defaults = dict(zip(params[len(params) - len(fn.args.defaults):], fn.args.defaults, strict=True))
        defaults.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True)
                         if d is not None})
        for name in params[len(args):] + [a.arg for a in fn.args.kwonlyargs]:
            default = defaults.get(name)
            bindings[name] = kwargs.get(name, Const(default.value) if isinstance(default, ast.Constant) else UNKNOWN)
        if fn.args.vararg:
            bindings[fn.args.vararg.arg] = Coll(args[len(params):], "tuple")
        if fn.args.kwarg:
            bindings[fn.args.kwarg.arg] = UNKNOWN
        declared_global = {n for s in ast.walk(fn) if isinstance(s, ast.Global) for n in s.names}
        is_lambda = isinstance(fn, ast.Lambda)
        local_names = ((set() if is_lambda else _assigned_names(fn.body)) - declared_global) | set(bindings)
        saved_cell = (self.cell, self.offset)
        saved_deciding, self.deciding = self.deciding, 0  # a helper called in a condition scores as usual
        call_site = self.site(node)
        saved_pin = self.pin
        if func.module_env is not None:
            # A local module's function: its globals are the module's imports, and what it does is
            # reported where the notebook called it.
            for name, value in func.module_env.items():
                if name not in bindings:
                    bindings[name] = value
                    local_names.add(name)
            self.pin = self.pin or call_site
        first_eval, first_cv = len(self.facts.evals), len(self.facts.cvs)
        frame = _Frame()
        with _Scope(self.env, {n: bindings.get(n, UNKNOWN) for n in local_names}) as scope:
            self.scopes.append(scope)
            self.cell, self.offset = func.cell, func.offset
            self.depth += 1
            self.active.add(key)
            self.frames.append(frame)
            try:
                if is_lambda:
                    frame.returns.append(self.expr(fn.body))
                else:
                    self.body(fn.body)
            finally:
                self.scopes.pop()
                self.frames.pop()
                self.active.discard(key)
                self.depth -= 1
                self.cell, self.offset = saved_cell
                self.deciding = saved_deciding
                self.pin = saved_pin
                if self.depth == 0:
                    for event in self.facts.evals[first_eval:]:
                        event.origin = call_site
                    for cv_event in self.facts.cvs[first_cv:]:
                        cv_event.origin = call_site
        if not frame.returns:
            return UNKNOWN
        if len(frame.returns) == 1:
            return frame.returns[0]
        return self.combine(frame.returns)

    # -- methods --------------------------------------------------------------------------------
    def call_method(self, receiver: Any, method: str, args: list, kwargs: dict, node: ast.Call,
                    receiver_node: ast.AST) -> Any:
        objective = args[0] if args else kwargs.get("func", kwargs.get("fn"))
        if method in K.OBJECTIVE_RUNNERS and isinstance(objective, (Func, BoundMethod)):
            return self.run_objective(objective, node)
        if isinstance(receiver, ClassValue) and isinstance(receiver.attrs.get(method), Func):
            return self.inline(receiver.attrs[method], args, kwargs, node)  # meu.train_predict(...)
        if isinstance(receiver, Instance):
            bound = self.attribute(receiver, method)
            if isinstance(bound, BoundMethod):
                return self.inline(bound.func, [receiver] + args, kwargs, node)
            if isinstance(bound, Est):
                return self.est_method(bound, method, args, kwargs, node)
            return _merge(args + list(kwargs.values()))
        if isinstance(receiver, Est):
            return self.est_method(receiver, method, args, kwargs, node)
        if isinstance(receiver, Data):
            return self.data_method(receiver, method, args, kwargs, node, receiver_node)
        if isinstance(receiver, Indexer):
            return UNKNOWN
        if isinstance(receiver, Const) and isinstance(receiver.value, str) and method in _PATH_READS:
            # (ROOT / 'annotations.json').open(), Path('/data/x.txt').read_text(): a read of that path.
            return self.read(f"pathlib.Path.{method}", [receiver], {}, self.site(node))
        if isinstance(receiver, Columns):
            if method in _LIST_MUTATORS:
                # cols = list(df.columns); cols.remove('y'): the list changed in place.
                changed = self.columns_method(receiver, {"remove": "drop", "extend": "union"}.get(method, method), args)
                if isinstance(receiver_node, ast.Name):
                    self.env[receiver_node.id] = (changed if isinstance(changed, Columns)
                                                  else Columns(replace_cols(receiver.cols, known=False)))
                return UNKNOWN
            return self.columns_method(receiver, method, args)
        if isinstance(receiver, Coll):
            if method == "items" and receiver.kind == "dict":
                keys = receiver.keys or [UNKNOWN] * len(receiver.items)
                return Coll([Coll([k, v], "tuple") for k, v in zip(keys, receiver.items, strict=False)])
            if method == "values":
                return Coll(list(receiver.items))
            if method == "keys":
                return Coll(list(receiver.keys or []))
            if method in {"append", "add"} and args:
                receiver.items.append(args[0])
                return UNKNOWN
            if method == "extend" and args and isinstance(args[0], Coll):
                receiver.items.extend(args[0].items)
                return UNKNOWN
            if method == "remove" and args and isinstance(args[0], Const):
                # features = ['age', 'bmi', 'y']; features.remove('y')
                receiver.items[:] = [i for i in receiver.items if not (isinstance(i, Const) and i.value == args[0].value)]
                return UNKNOWN
            if method == "pop" and receiver.kind == "list":
                index = args[0].value if args and isinstance(args[0], Const) else -1 if not args else None
                if isinstance(index, int) and -len(receiver.items) <= index < len(receiver.items):
                    return receiver.items.pop(index)
                receiver.items[:] = [UNKNOWN]  # which item left is unknown
                return UNKNOWN
            if method == "copy":
                return Coll(list(receiver.items), receiver.kind, receiver.keys)
            if method == "get" and args and receiver.kind == "dict" and isinstance(args[0], Const):
                for k, item in zip(receiver.keys or [], receiver.items, strict=False):
                    if isinstance(k, Const) and k.value == args[0].value:
                        return item
            return UNKNOWN
        has_data = any(isinstance(a, Data) for a in args) or any(isinstance(v, Data) for v in kwargs.values())
        estimator_methods = {"fit", "fit_transform", "transform", "fit_resample", "partial_fit"} | K.EVAL_METHODS
        if method in estimator_methods and has_data and not isinstance(receiver, (Const, Ref)):
            # A model we cannot see the making of (loaded, picked from a dict): still a model.
            kind = "transformer" if method in {"transform", "fit_transform"} else "model"
            est = Est(cls=_describe(receiver_node), kind=kind, site=self.site(node))
            name = receiver_node.id if isinstance(receiver_node, ast.Name) else None
            if name is not None:
                self.env[name] = est
                est.name = name
            return self.est_method(est, method, args, kwargs, node)
        if isinstance(receiver, Const) and isinstance(receiver.value, str):
            # ' '.join(words), where words came from a row's text: that row's data.
            return _merge(_flatten_all(args + list(kwargs.values())))
        self.callbacks(args, kwargs, node)
        return _merge(args + list(kwargs.values()))

    def run_objective(self, objective: Any, node: ast.Call) -> Any:
        """``study.optimize(objective, n_trials=50)``, ``fmin(fn=objective, ...)``: the notebook's
        objective runs once per trial, so what it evaluates is evaluated in a loop that chooses settings."""
        callee = objective.func if isinstance(objective, BoundMethod) else objective
        lead = [objective.instance] if isinstance(objective, BoundMethod) else []
        self.loop += 1
        self.tuning += 1
        try:
            self.inline(callee, lead + [UNKNOWN], {}, node)  # the trial object
        finally:
            self.loop -= 1
            self.tuning -= 1
        return UNKNOWN

    def columns_method(self, columns: Columns, method: str, args: list) -> Any:
        """``df.columns.drop('y')``, ``.difference(['y'])``, ``.tolist()``: still a known column set."""
        if method in {"tolist", "to_list", "copy", "to_numpy", "unique"}:
            return columns
        names = _strings(args[0]) if args else None
        if method in {"drop", "difference"} and names is not None:
            return Columns(columns.cols.drop(set(names)))
        if method in {"union", "append"} and names is not None and columns.cols.selected is not None:
            return Columns(columns.cols.select(set(columns.cols.selected) | set(names)))
        return UNKNOWN

    def est_method(self, est: Est, method: str, args: list, kwargs: dict, node: ast.Call) -> Any:
        site = self.site(node)
        # model.fit(X[~m], y[~m]); model.score(X[m], y[m]): row cuts passed straight to a model are
        # the sides they select, bound to a name or not.
        args = [_cut_rows(a, a.cut[0], a.cut[1]) if isinstance(a, Data) and a.cut is not None else a for a in args]
        if args and isinstance(args[0], Coll) and isinstance(_merge(_flatten(args[0])), Data):
            # vec.fit_transform(docs) with docs a list filled from a frame's rows (a comprehension, or
            # docs.append(...) in a loop over them): the rows of those elements.
            args = [_merge(_flatten(args[0])).evolve(cols=UNKNOWN_COLS, src=frozenset())] + args[1:]
        kwargs = {k: _cut_rows(v, v.cut[0], v.cut[1]) if isinstance(v, Data) and v.cut is not None else v
                  for k, v in kwargs.items()}
        X = args[0] if args else kwargs.get("X", kwargs.get("x", UNKNOWN))
        y = args[1] if len(args) > 1 else kwargs.get("y", UNKNOWN)
        x_text = _unparse(node.args[0]) if node.args else ""
        framed = next((k for k in K.DATA_KEYWORDS if isinstance(kwargs.get(k), Data)), None)
        if framed is not None:
            # H2O: model.train(x=features, y='label', training_frame=train): the data is the frame
            # (x and y name its columns).
            X, y = kwargs[framed], UNKNOWN
            x_text = next((_unparse(k.value) for k in node.keywords if k.arg == framed), framed)
        pending = getattr(est, "_pending", None)
        if method in {"fit", "fit_regularized"} and pending is not None and not args and "X" not in kwargs:
            X, y = pending  # statsmodels: the data came with the constructor
        if est.library == "gensim" and isinstance(X, Coll):
            X = _rows_of(X)  # w2v.train(sentences), dictionary.doc2bow(tokens): lists of tokens per row
        if est.stats and (method == "get_support" or (method == "get_feature_names_out" and _selector(est))):
            return _chosen_columns(est)  # names[selector.get_support()]: columns the fit chose
        if method == "fit" and est.cls in K.COMPARATORS and est.multi:
            return self.compare_models(est, args, kwargs, node, site)
        if method in _FIT_ONLY:
            self.fit(est, X, y, method, site, x_text)
            self.monitored_fit(est, kwargs, site)
            return est
        if method == "fit_transform":
            self.fit(est, X, y, method, site, x_text)
            return self.transform(est, X)
        if method in K.TRANSFORM_METHODS:
            return self.transform(est, X)
        if method in {"fit_resample", "fit_sample"}:
            self.fit(est, X, y, method, site, x_text)
            over = site if est.kind == "oversampler" else None
            out = [v.evolve(oversampled=over or v.oversampled, subset=False, fresh=False) if isinstance(v, Data)
                   else UNKNOWN for v in (X, y)]
            return Coll(out, "tuple")
        if method == "fit_predict":
            self.fit(est, X, y, method, site, x_text)
            return self.transform(est, X) if est.kind in {"cluster", "transformer"} else _merge([X])
        if method in K.EVAL_METHODS:
            if est.kind in {"cluster", "transformer", "stateless"}:
                return self.transform(est, X)
            if est.kind == "splitter":
                return UNKNOWN
            if not isinstance(X, Data) and isinstance(y, Data):
                X = y  # features built where the analysis lost them (a list comprehension): the labels' rows
            # (A frame named by keyword holds its labels too: model_performance(test_data=test).)
            scored = method in K.SCORE_METHODS and (len(args) > 1 or "y" in kwargs or method == "evaluate"
                                                    or framed is not None)
            index = len(self.facts.evals)
            self.facts.evals.append(EvalEvent(
                est, X, y, site, method, self.loop, est.fit_rows, getattr(est, "_train_stats", frozenset()),
                x_text, scored=scored, scored_at=site if scored and self.depth == 0 else None,
                tuning=self.tuning > 0))
            if method in K.PREDICT_METHODS and isinstance(X, Data):
                return X.evolve(cols=UNKNOWN_COLS, src=frozenset(), subset=False, fresh=False,
                                preds=frozenset({index}))
            if method in K.PREDICT_METHODS and _horizon(method, args, kwargs):
                # m.forecast(steps=12), predict(n_periods=len(test)): predictions of rows after the
                # training ones; which rows they are is known once they meet labels (mark_scored).
                return Data(rows=frozenset(), cols=UNKNOWN_COLS, preds=frozenset({index}))
            return UNKNOWN
        if method == "split" and est.kind == "splitter":
            # ShuffleSplit(n_splits=1) / StratifiedShuffleSplit(n_splits=1): one hold-out split, not CV.
            holdout = est.n_splits == 1
            sid = ("split" if holdout else "cv", site, next(self._ids))
            self.facts.splits.append(SplitEvent(sid, site, [X] if isinstance(X, Data) else [], est.shuffle,
                                                "train_test_split" if holdout else "cv"))
            return SplitIter(sid)
        if method == "set_params":
            return est
        return UNKNOWN

    def compare_models(self, est: Est, args: list, kwargs: dict, node: ast.Call, site: Site) -> Any:
        """``LazyClassifier().fit(X_train, X_test, y_train, y_test)``: every model the library knows is
        trained on the first pair and scored on the second, and the leaderboard is returned — the
        test set compares models (``est.multi``), as a loop over candidates would."""
        keys = ("X_train", "X_test", "y_train", "y_test")
        X_train, X_test, y_train, y_test = (args[i] if len(args) > i else kwargs.get(k, UNKNOWN)
                                            for i, k in enumerate(keys))
        texts = {k.arg: k.value for k in node.keywords if k.arg}
        text = [_unparse(node.args[i]) if len(node.args) > i else _unparse(texts[k]) if k in texts else ""
                for i, k in enumerate(keys)]
        self.fit(est, X_train, y_train, "fit", site, text[0])
        if not isinstance(X_test, Data) and isinstance(y_test, Data):
            X_test = y_test
        labelled = isinstance(y_test, Data)
        self.facts.evals.append(EvalEvent(
            est, X_test, y_test, site, "fit", self.loop, est.fit_rows, getattr(est, "_train_stats", frozenset()),
            text[1], scored=labelled, labels=y_test.rows if isinstance(y_test, Data) else frozenset(),
            scored_at=site if labelled and self.depth == 0 else None))
        return Coll([UNKNOWN, UNKNOWN], "tuple")

    def monitored_fit(self, est: Est, kwargs: dict, site: Site) -> None:
        """``fit(..., eval_set=[(X_val, y_val)])`` / ``validation_data=`` / ``evals=`` / ``valid_sets=``.

        Watching a set while training is monitoring: no finding, and the training set in the watch
        list is not an overlap. With early stopping (``early_stopping_rounds``, an ``EarlyStopping``
        callback) the set chooses the model — a selection-time evaluation, as in a loop."""
        stopping = est.early_stopping or _early_stopping(kwargs)
        if not stopping:
            return
        for key in sorted(K.MONITOR_KEYWORDS):
            value = kwargs.get(key)
            if value is None:
                continue
            # eval_set=[(X_val, y_val)], evals=[(dval, "val")], valid_sets=[dval], validation_data=(X, y):
            # the first element of each pair is the watched set.
            if isinstance(value, Coll) and value.kind == "tuple":
                firsts = value.items[:1]
            elif isinstance(value, Coll):
                firsts = [item.items[0] if isinstance(item, Coll) and item.items else item for item in value.items]
            else:
                firsts = [value]
            for data in [v for v in firsts if isinstance(v, Data)]:
                if est.fit_rows and contained(data.rows, est.fit_rows):
                    continue  # the training set in the watch list
                self.facts.evals.append(EvalEvent(est, data, UNKNOWN, site, f"fit({key}=...)", self.loop + 1,
                                                  est.fit_rows, getattr(est, "_train_stats", frozenset()), key,
                                                  scored=True))

    def fit(self, est: Est, X: Any, y: Any, method: str, site: Site, x_text: str) -> None:
        if not isinstance(X, Data) and isinstance(y, Data):
            X = y  # features the analysis lost track of: the rows are the labels' rows
        continues = est.incremental and est.fitted
        est.fitted = True
        if isinstance(X, Data):
            # Keras/PyTorch: a second fit continues training, so the model has seen both sets of rows.
            est.fit_rows = est.fit_rows | X.rows if continues else X.rows
            est.fit_part = (est.fit_part and continues) or X.part
            est._train_stats = X.stats  # type: ignore[attr-defined]
            # Encoders that learn only which categories occur (OneHotEncoder, OrdinalEncoder) learn no
            # statistic of the rows' values: fitting them on all rows is not preprocessing leakage.
            learns = est.kind in {"transformer", "cluster"} and not _vocabulary_only(est)
            # A target encoder fit with labels encodes them — except scikit-learn's fit_transform,
            # which cross-fits (no row is encoded with its own label).
            target = (est.cls in K.TARGET_ENCODERS and isinstance(y, Data)
                      and not (est.library == "sklearn" and method == "fit_transform"))
            est.stats = frozenset({Stat(site, f"{est.cls}.{method}", X.rows, target=target)}) if learns and X.rows \
                else frozenset()
            if est.stats:
                self.facts.stats.extend(est.stats)
        self.facts.fits.append(FitEvent(est, X, y, site, method, self.loop, x_text))

    def transform(self, est: Est, X: Any) -> Any:
        if not isinstance(X, Data):
            return UNKNOWN
        keeps = est.cls not in K.COLUMN_CHANGING and est.kind != "pipeline"
        return X.evolve(stats=X.stats | est.stats, cols=X.cols if keeps else UNKNOWN_COLS, subset=False,
                        fresh=False, src=X.src if keeps else frozenset())

    def data_method(self, data: Data, method: str, args: list, kwargs: dict, node: ast.Call,
                    receiver_node: ast.AST) -> Any:
        site = self.site(node)
        func = args[0] if args else kwargs.get("func")
        if method in _APPLYING and isinstance(func, (Func, BoundMethod)):
            # df.pipe(add_features), df['x'].apply(clean), df.groupby(k).transform(my_fn): the
            # notebook's function runs on the frame (pipe) or on parts of it (apply/map/transform).
            callee = func.func if isinstance(func, BoundMethod) else func
            lead = [func.instance] if isinstance(func, BoundMethod) else []
            part = data if method == "pipe" else data.evolve(grouped=False, part=True)
            out = self.inline(callee, lead + [part] + list(args[1:]), {k: v for k, v in kwargs.items() if k != "func"},
                              node)
            if method == "pipe":
                return out
            extra_stats = out.stats if isinstance(out, Data) else frozenset()
            if method == "transform" and data.grouped and data.rows and not (isinstance(out, Data) and out.lagged):
                # Each row gets a value computed from its group's rows (other rows included) — unless
                # the function only looks back (s.shift(1).rolling(7).mean(): earlier rows only).
                extra_stats = extra_stats | self.stat_of(data, ".groupby().transform()", site, rowwise=True).stats
            src = data.src if method != "apply" or not by_row_apply(kwargs) else frozenset()
            if isinstance(out, Data) and out.rows:
                # The function's own result decides the lineage: s.rolling(7).mean() still holds the
                # row's own value, s.shift(1).rolling(7).mean() does not.
                src = out.src
            elif isinstance(out, Data) and data.grouped and split_label(data.rows) == "train":
                src = frozenset()  # an aggregate per group learned on the training split only
            if data.grouped and split_label(data.rows) != "train" and isinstance(out, Data) and method != "pipe":
                # groupby('outcome').apply(lambda g: g.fillna(g.median())): each row's value depends on
                # its group, so on its group keys; an aggregate per group is a table keyed by them.
                src = src | data.group_keys if out.rows else src
                keyed = data.group_keys if not out.rows else frozenset()
                return data.evolve(stats=data.stats | extra_stats, subset=False, fresh=False, grouped=False,
                                   cut=None, src=src, group_keys=keyed)
            return data.evolve(stats=data.stats | extra_stats, subset=False, fresh=False, grouped=False, cut=None,
                               src=src, group_keys=frozenset())
        # Statistics inside a mapping or list argument count too: replace({0: df.x.median()}),
        # fillna({'age': df.age.mean(), 'fare': df.fare.median()}).
        extra = [v for v in _flatten_all(list(args) + list(kwargs.values())) if isinstance(v, Data)]
        stats = data.stats.union(*(d.stats for d in extra)) if extra else data.stats
        base = data.evolve(stats=stats, subset=False, fresh=False, bunch=False, grouped=False, windowed=False,
                           sampled=None)
        axis = kwargs.get("axis")
        by_row = isinstance(axis, Const) and axis.value in (1, "columns")
        result: Any = base
        if method in {"sum", "prod"} and not by_row:
            self.score_residuals([data])
        if method in K.STAT_METHODS and not by_row and not data.windowed:
            result = self.stat_of(data, f".{method}()", site, rowwise=False) if data.rows else base
            if isinstance(result, Data):
                result = result.evolve(stats=result.stats | stats)
            if isinstance(result, Data) and data.grouped and data.rows and split_label(data.rows) != "train":
                # A per-group aggregate (df.groupby(k)['y'].mean(), .agg({'y': ['mean', 'std']})) looked
                # up back into rows (map, merge) hands each row a statistic of its own label: the
                # aggregated columns stay its lineage. Learned on a training split only, it does not.
                keys = args[0].keys if args and isinstance(args[0], Coll) and args[0].kind == "dict" else None
                named = {k.value for k in keys or [] if isinstance(k, Const) and isinstance(k.value, str)}
                result = result.evolve(src=data.src | named)
        elif method in {"transform", "rank"} and data.grouped:
            result = self.stat_of(data, ".groupby().transform()", site, rowwise=True)
            if data.src and split_label(data.rows) != "train":
                # A target encoding over all rows (df.groupby(k)[target].transform('mean') before the
                # split): each row's feature holds its own label, and the test rows' labels too. Its
                # group keys too: grouped by the label (a class-conditional fill), a row's value
                # depends on its own label.
                result = result.evolve(src=data.src | data.group_keys)
        elif method in {"fillna", "combine_first", "where", "mask"} and any(d.rows and d.src for d in extra):
            # s.fillna(other_series): the filled rows hold the other series' values.
            result = base.evolve(src=data.src.union(*(d.src for d in extra if d.rows)))
        elif method in {"map", "replace"} and any(not d.rows and d.src for d in extra):
            result = base.evolve(src=data.src.union(*(d.src for d in extra if not d.rows)))
        elif method in K.SPLIT_METHODS:
            return self.split_parts(data, args, kwargs, site)
        elif method == "append" and extra:
            # df = df.append(row_frame, ignore_index=True) (pandas < 2): rows stacked, as concat does.
            result = self.concat("concat", [Coll([data, *extra])], {}, site)
        elif method in {"merge", "join"}:
            # predict_df.merge(pred_series, left_index=True, ...): the joined columns bring their predictions.
            result = _merged(base.evolve(preds=base.preds.union(*(d.preds for d in extra))), extra, site)
        elif method == "groupby":
            by = args[0] if args else kwargs.get("by", UNKNOWN)
            group_keys = frozenset(_strings(by) or ()) | (by.src if isinstance(by, Data) else frozenset())
            result = base.evolve(grouped=True, group_keys=group_keys)
        elif method in {"rolling", "expanding", "ewm"}:
            self.note_rows(self.facts.lagged, data, site)
            future = data.future | ({site} if method == "rolling" and _is_true(kwargs.get("center")) else set())
            result = base.evolve(windowed=True, future=frozenset(future))
        elif method in {"shift", "diff", "pct_change"}:
            self.note_rows(self.facts.lagged, data, site)
            periods = args[0] if args else kwargs.get("periods", Const(1))
            # A shifted column is another time's value, not the same quantity: lineage to the target
            # stops here (lags of the target are legitimate features; a lead is the temporal rule's).
            result = base.evolve(src=frozenset())
            if isinstance(periods, Const) and isinstance(periods.value, int) and periods.value < 0:
                result = result.evolve(future=data.future | {site})
            elif method == "shift" and isinstance(periods, Const) and isinstance(periods.value, int) and periods.value > 0:
                result = result.evolve(lagged=True)
        elif method == "drop":
            result = self.drop(data, base, args, kwargs)
        elif method == "pop":
            columns = _strings(args[0]) if args else None
            if columns and isinstance(receiver_node, ast.Name):
                self.mutate(receiver_node.id, data.evolve(cols=data.cols.drop(set(columns))))
                return self.column(data, columns[0])
            return base.evolve(cols=UNKNOWN_COLS)
        elif method == "filter" and node.args and not _strings(args[0]) and not {"items", "like", "regex"} & set(kwargs):
            # frame.filter(pl.col('week') <= cut) (polars, PySpark): a row filter; the statistics in the
            # condition decide which rows stay but do not enter the values. The two sides of one
            # condition are the two sides of a split once bound, as with df[mask] / df[~mask].
            kept = data.evolve(subset=True, part=True, fresh=False, sampled=None, grouped=False, windowed=False)
            return self.with_cut(kept, data, node.args[0], receiver_node)
        elif method == "filter":
            items = _strings(kwargs.get("items", args[0] if args else UNKNOWN))
            result = base.evolve(cols=data.cols.select(set(items)) if items else UNKNOWN_COLS)
        elif method == "select" and args:
            # frame.select(['a', 'b']) / select('a', 'b') (polars, PySpark): those columns.
            names = _strings(args[0]) if len(args) == 1 else _strings(Coll(list(args)))
            result = base.evolve(cols=data.cols.select(set(names)) if names else UNKNOWN_COLS)
        elif method == "assign":
            cols = data.cols
            for column, value in kwargs.items():
                if isinstance(value, Data):
                    cols = cols.with_column(column, value.src, value.future, value.is_datetime)
                else:
                    cols = cols.with_column(column, frozenset(), frozenset(), False)
            result = base.evolve(cols=cols)
        elif method == "select_dtypes":
            # Which columns survive depends on dtypes the analysis cannot see; keep the lineage
            # and let the target rule word its finding as "if it is numeric".
            result = base.evolve(cols=replace_cols(data.cols, dtype_filtered=True) if data.cols.known else UNKNOWN_COLS)
        elif method in {"reindex", "pivot", "pivot_table", "melt", "stack", "unstack"}:
            result = base.evolve(cols=UNKNOWN_COLS)
        elif method == "sort_values":
            by = _strings(kwargs.get("by", args[0] if args else UNKNOWN)) or []
            if any(c in data.cols.dates or K.DATE_NAME.search(c) for c in by) or (not by and data.is_datetime):
                result = base.evolve(temporal=site)
        elif method == "sort_index":
            if data.cols.date_index:
                result = base.evolve(temporal=site)
        elif method == "set_index":
            keys = _strings(kwargs.get("keys", args[0] if args else UNKNOWN)) or []
            if any(k in data.cols.dates or K.DATE_NAME.search(k) for k in keys):
                result = base.evolve(cols=replace_cols(data.cols, date_index=True))
            if keys and all(k in data.cols.dates for k in keys):
                self.note_rows(self.facts.indexed, data, site)  # a parsed date as the index: a time series
        elif method in {"resample", "asfreq"}:
            # Aggregating per time bucket keeps one row per period (a window, not a statistic of all rows).
            result = base.evolve(temporal=site, windowed=method == "resample")
        elif method in K.ROW_SUBSET_METHODS:
            result = base.evolve(subset=True, part=True)
            if method == "sample":
                result = result.evolve(sampled=site)
                state = kwargs.get("random_state")
                if state is None or (isinstance(state, Const) and state.value is None):
                    self.facts.randoms.append(RandomEvent(site, ".sample()", self.seed_numpy or self.seed_all,
                                                          ".sample(..., random_state=0)"))
                frac = kwargs.get("frac")
                if _is_true(kwargs.get("replace")) or (isinstance(frac, Const) and isinstance(frac.value, (int, float))
                                                       and frac.value > 1):
                    result = result.evolve(oversampled=site)
        elif method in {"to_csv", "to_parquet", "to_excel", "to_json", "to_pickle", "to_sql", "plot", "hist",
                        "info", "to_string", "to_html", "to_markdown", "savefig"}:
            target = args[0] if args else kwargs.get("path_or_buf", kwargs.get("path", kwargs.get("excel_writer")))
            if method.startswith("to_") and isinstance(target, Const) and isinstance(target.value, str):
                self.written[target.value] = data  # read back later, these are the same rows
            return UNKNOWN
        if method in _ROW_KEEPING and isinstance(result, Data) and not _is_true(kwargs.get("inplace")):
            # df.loc[mask].copy(), df[:n].reset_index(drop=True): the same row subset, still one side
            # of a cut (or a split by name) once it is bound.
            result = result.evolve(subset=data.subset, cut=data.cut, sampled=data.sampled, part=data.part)
        if _is_true(kwargs.get("inplace")) and isinstance(result, Data):
            if isinstance(receiver_node, ast.Name):
                self.mutate(receiver_node.id, result.evolve(subset=False))
            elif isinstance(receiver_node, ast.Subscript) and isinstance(receiver_node.value, ast.Name):
                # df["Age"].fillna(df["Age"].median(), inplace=True): the frame's column changes.
                # With the column unknown (df[c] for c in a loop) the statistics still enter the frame.
                frame = self.env.get(receiver_node.value.id)
                columns = _strings(self.expr(receiver_node.slice))
                if isinstance(frame, Data):
                    self.mutate(receiver_node.value.id, self.set_columns(frame, columns, result))
            elif isinstance(receiver_node, ast.Attribute) and isinstance(receiver_node.value, ast.Name):
                # df.Age.fillna(df.Age.median(), inplace=True): a column reached as an attribute is
                # the frame's own column too.
                frame = self.env.get(receiver_node.value.id)
                if isinstance(frame, Data) and not frame.bunch:
                    self.mutate(receiver_node.value.id, self.set_columns(frame, [receiver_node.attr], result))
            return UNKNOWN
        return result

    def drop(self, data: Data, base: Data, args: list, kwargs: dict) -> Data:
        axis = kwargs.get("axis", args[1] if len(args) > 1 else None)  # df.drop(cols, 1): positional axis
        columns_axis = isinstance(axis, Const) and axis.value in (1, "columns")
        if "columns" in kwargs or columns_axis:
            target = kwargs.get("columns", args[0] if args else kwargs.get("labels", UNKNOWN))
            names = _strings(target)
            if names is None and isinstance(target, Columns):
                kept = target.cols
                if kept.known and kept.selected is not None:
                    names = sorted(kept.selected)
            if names is None:
                return base.evolve(cols=UNKNOWN_COLS)
            return base.evolve(cols=data.cols.drop(set(names)))
        return base.evolve(subset=True)


def replace_cols(cols: Cols, **changes: Any) -> Cols:
    from dataclasses import replace

    return replace(cols, **changes)


class _Scope:
    """Temporarily bind names (function parameters, comprehension variables), then restore."""

    _MISSING = object()

    def __init__(self, env: dict[str, Any], bindings: dict[str, Any]) -> None:
        self.env, self.bindings = env, bindings
        self.saved: dict[str, Any] = {}

    def __enter__(self) -> _Scope:
        for name, value in self.bindings.items():
            self.saved[name] = self.env.get(name, self._MISSING)
            self.env[name] = value
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, value in self.saved.items():
            if value is self._MISSING:
                self.env.pop(name, None)
            else:
                self.env[name] = value


_LOWER = (ast.Lt, ast.LtE, ast.Eq, ast.In)
_UPPER = (ast.Gt, ast.GtE, ast.NotEq, ast.NotIn)


_ABSENT = object()
#: Methods that return the same rows in the same order (a row subset stays one).
_ROW_KEEPING = frozenset({"copy", "reset_index", "rename", "astype", "infer_objects", "convert_dtypes"})
#: pathlib.Path methods that read the file at the path.
_PATH_READS = frozenset({"open", "read_text", "read_bytes"})
_APPLYING = frozenset({"pipe", "apply", "map", "applymap", "transform", "agg", "aggregate"})


def by_row_apply(kwargs: dict) -> bool:
    axis = kwargs.get("axis")
    return isinstance(axis, Const) and axis.value in (1, "columns")


def _join(a: Any, b: Any) -> Any:
    """The value of a name after ``if``/``else`` bound it to ``a`` on one side and ``b`` on the other."""
    if isinstance(a, Data) and isinstance(b, Data):
        joined = _merge([a, b])
        either = _either_split(a.rows, b.rows)
        if either is not None:
            joined = joined.evolve(rows=either)
        return joined.evolve(cols=a.cols if a.cols == b.cols else b.cols if not a.cols.known else a.cols)
    if isinstance(b, Data) or b is UNKNOWN:
        return a if isinstance(a, Data) and b is UNKNOWN else b
    return b


def _either_split(a: frozenset, b: frozenset) -> frozenset | None:
    """``if n > 12: train = df[:-12] else: train = df[:-6]`` (and the same for ``test``): one split is
    made whichever branch runs, so the joined sides are siblings of one split ("either cut") and
    stay disjoint, rather than mixing the train side of one branch with the test side of the other."""
    if len(a) != 1 or len(b) != 1:
        return None
    (root_a, path_a), (root_b, path_b) = next(iter(a)), next(iter(b))
    if root_a != root_b or not path_a or len(path_a) != len(path_b) or path_a[:-1] != path_b[:-1]:
        return None
    (sid_a, side_a), (sid_b, side_b) = path_a[-1], path_b[-1]
    if side_a != side_b or sid_a == sid_b:
        return None
    return frozenset({(root_a, path_a[:-1] + ((("either", frozenset({sid_a, sid_b})), side_a),))})


def _fold_compare(ops: list, values: list) -> Const | None:
    """``'scaled' == 'scaled'``, ``3 > 2``: comparisons of constants, so a branch can be decided."""
    if len(ops) != 1 or not all(isinstance(v, Const) for v in values):
        return None
    left, right = values[0].value, values[1].value
    if not all(isinstance(v, (bool, int, float, str, type(None))) for v in (left, right)):
        return None
    try:
        result = {ast.Eq: lambda: left == right, ast.NotEq: lambda: left != right,
                  ast.Is: lambda: left is right, ast.IsNot: lambda: left is not right,
                  ast.Lt: lambda: left < right, ast.LtE: lambda: left <= right,
                  ast.Gt: lambda: left > right, ast.GtE: lambda: left >= right}.get(type(ops[0]))
        return Const(bool(result())) if result is not None else None
    except TypeError:
        return None


#: Import roots that are libraries, never a local module of the same name.
_LIBRARY_ROOTS = frozenset(K.ML_ROOTS | {"pandas", "numpy", "scipy", "sklearn", "matplotlib", "seaborn", "os", "sys",
                                         "re", "json", "math", "random", "pathlib", "collections", "itertools"})
_HORIZON_KEYWORDS = frozenset({"steps", "horizon", "n_periods", "fh", "h", "periods", "start", "end"})


def _horizon(method: str, args: list, kwargs: dict) -> bool:
    """A forecast of the periods after the training data (``forecast(12)``, ``predict(n_periods=12)``),
    not an in-sample ``predict()``."""
    if any(isinstance(v, Data) for v in list(args) + list(kwargs.values())):
        return False
    return method in {"forecast", "get_forecast"} or bool(_HORIZON_KEYWORDS & set(kwargs))


def _out_of_fold(value: Data, rows: frozenset) -> Data:
    """Statistics learned on one side of a split and written only into the other side's rows
    (``df.loc[val_idx, 'te'] = df.iloc[val_idx][col].map(means_of_the_training_folds)``): no row gets
    a value learned from its own label, an out-of-fold encoding."""
    sides = {p[-1] for _r, p in rows if p}
    if len(sides) != 1 or not value.stats:
        return value
    sid, side = next(iter(sides))
    changed = set()
    for stat in value.stats:
        learned = {p[-1] for _r, p in stat.rows if p}
        if len(learned) == 1 and next(iter(learned))[0] == sid and next(iter(learned))[1] != side:
            stat = replace(stat, oof=True)
        changed.add(stat)
    return value.evolve(stats=frozenset(changed))


def _unrolled(target: ast.AST, iterable: Any) -> list | None:
    """The frames of a short literal list of frames a loop runs over by one name, else None."""
    if not isinstance(target, ast.Name) or not isinstance(iterable, Coll) or iterable.kind == "dict":
        return None
    items = iterable.items
    if not 1 < len(items) <= 6 or not all(isinstance(item, Data) for item in items):
        return None
    return list(items)


def _trains(loop: ast.For) -> bool:
    """A PyTorch training loop: its body calls ``.backward()`` and ``.step()``."""
    called = {node.func.attr for node in ast.walk(loop) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Attribute)}
    return {"backward", "step"} <= called


def _carried(loop: ast.For) -> bool:
    """Whether the loop body reads a name it also assigns (other than the loop variables)."""
    targets = set(_target_names(loop.target))
    stored: set[str] = set()
    loaded: set[str] = set()
    for stmt in loop.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                loaded.add(node.target.id)
    return bool((stored & loaded) - targets)


def _formula_split(frame: Data, formula: str) -> tuple[Data, Data]:
    """``"y ~ a + C(b) + np.log(c)"`` over ``frame`` -> (y, X) with their columns named."""
    import re

    lhs, _, rhs = formula.partition("~")
    names = lambda text: {n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)  # noqa: E731
                          if n not in {"C", "np", "log", "exp", "sqrt", "I", "Q", "center", "standardize", "scale"}}
    targets = names(lhs)
    y = Data(rows=frame.rows, stats=frame.stats, src=frozenset(targets), cols=Cols(selected=frozenset(targets)),
             temporal=frame.temporal, oversampled=frame.oversampled)
    features = names(rhs) if rhs.strip() not in {".", ""} else None
    X = frame.evolve(cols=frame.cols.select(features) if features is not None else frame.cols.drop(targets),
                     subset=False, fresh=False, cut=None)
    return y, X


_LIST_MUTATORS = {"remove", "pop", "append", "extend", "insert", "clear"}


def _filter_columns(columns: Columns, generator: ast.comprehension, elt: ast.AST, analyzer: Any) -> Columns | None:
    """``[c for c in df.columns if c != 'y']`` / ``if c not in ['y', 'id']``: a column set."""
    if not (isinstance(generator.target, ast.Name) and isinstance(elt, ast.Name) and elt.id == generator.target.id):
        return None
    cols = columns.cols
    for condition in generator.ifs:
        if not (isinstance(condition, ast.Compare) and len(condition.ops) == 1
                and isinstance(condition.left, ast.Name) and condition.left.id == elt.id):
            return None
        names = _strings(analyzer.expr(condition.comparators[0]))
        if names is None:
            return None
        if isinstance(condition.ops[0], (ast.NotEq, ast.NotIn)):
            cols = cols.drop(set(names))
        elif isinstance(condition.ops[0], (ast.Eq, ast.In)):
            cols = cols.select(set(names))
        else:
            return None
    return Columns(cols)


def _by_position(rows: Data, layout: Cols, key: Any) -> Data:
    """``df.iloc[:, :-1]`` / ``data[:, -1]``: columns chosen by position. Which names they are is
    unknown, but two selections of the same layout can still be compared (is the label's position
    among the features'?)."""
    value = key.value if isinstance(key, Const) else None
    if isinstance(value, int) and not isinstance(value, bool):
        positions: tuple | None = (layout, value, None, True)
    elif isinstance(value, tuple) and value[:1] == ("slice",) and len(value) == 3 and len(value[2]) == 3:
        lower, upper, step = (v.value if isinstance(v, Const) else UNKNOWN for v in value[2])
        bounds_known = all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in (lower, upper))
        positions = (layout, lower, upper, False) if bounds_known and step is None else None
    else:
        positions = None
    return rows.evolve(cols=Cols(known=False, positions=positions))


#: A fitted feature selector's record of which columns it chose (a mask, ranks or scores to sort).
_SELECTION_ATTRS = frozenset({"support_", "support_weak_", "scores_", "pvalues_", "ranking_", "k_feature_idx_",
                              "k_feature_names_"})


def _selector(est: Est) -> bool:
    return "Select" in est.cls or est.cls in {"RFE", "RFECV", "VarianceThreshold", "Boruta", "BorutaPy"}


def _chosen_columns(est: Est) -> Data:
    """Column labels a fitted statistic chose: no rows of their own, the statistics they were chosen by
    (indexing a frame with them is a feature selection learned from the rows the fit saw)."""
    return Data(rows=frozenset(), stats=est.stats, cols=UNKNOWN_COLS)


def _is_chosen(key: Any) -> bool:
    return isinstance(key, Data) and not key.rows and bool(key.stats)


def _vocabulary_only(est: Est) -> bool:
    if est.cls in K.VOCABULARY:
        return True
    return bool(est.steps) and all(_vocabulary_only(step) or step.kind == "stateless" for step in est.steps)


def _merged(left: Data, others: list, site: Site) -> Data:
    """A join's result: the left frame plus the looked-up columns. An aggregate of columns (a
    per-group mean of the target) joined back adds columns computed from those columns; their names
    are built at run time, so one column stands for them, named after what was aggregated."""
    cols = left.cols
    for other in others:
        if not other.rows and other.src and cols.known:
            name = f"{'/'.join(sorted(other.src))} aggregates merged at {cell_name(site[0])}"
            cols = cols.with_column(name, other.src, frozenset(), False)
    return left.evolve(cols=cols)


def _piece_cut(data: Data, key: Any) -> Data | None:
    """``all_df[:len(train)]`` / ``all_df.iloc[ntrain:]`` of ``pd.concat([train, test])``: the first
    piece back, or the rest. None unless the cut is at the first piece's row count."""
    if not data.pieces or not (isinstance(key, Const) and isinstance(key.value, tuple) and key.value[:1] == ("slice",)):
        return None
    lower, upper, step = key.value[2]
    absent = [isinstance(v, Const) and v.value is None for v in (lower, upper, step)]
    if not absent[2] or absent[0] == absent[1]:
        return None  # a step, or both bounds (or neither): not a head/tail cut
    bound = upper if absent[0] else lower
    if not (isinstance(bound, Const) and isinstance(bound.value, tuple) and bound.value[:1] == ("nrows",)):
        return None
    if bound.value[1] != data.pieces[0] or frozenset().union(*data.pieces) != data.rows:
        return None
    head = isinstance(lower, Const) and lower.value is None
    rows = data.pieces[0] if head else frozenset().union(*data.pieces[1:])
    return data.evolve(rows=rows, pieces=(), subset=False, fresh=False, cut=None, part=False)


def _intersect(a: tuple | None, b: tuple | None) -> tuple | None:
    """Both value ranges at once (None when that is empty or the bounds cannot be compared)."""
    if a is None or b is None:
        return None
    try:
        low, low_in = a[0:2]
        if low is None or (b[0] is not None and (b[0] > low or (b[0] == low and not b[1]))):
            low, low_in = b[0:2]
        high, high_in = a[2:4]
        if high is None or (b[2] is not None and (b[2] < high or (b[2] == high and not b[3]))):
            high, high_in = b[2:4]
        result = (low, low_in, high, high_in)
        return result if _disjoint(result, result) is False else None
    except TypeError:
        return None


def _disjoint(a: tuple, b: tuple) -> bool:
    """Two value ranges hold no value in common (False when unsure: bounds of different types)."""
    def before(x: tuple, y: tuple) -> bool:  # x lies wholly below y
        if x[2] is None or y[0] is None:
            return False
        return bool(x[2] < y[0] or (x[2] == y[0] and not (x[3] and y[1])))
    if a[0] is not None and a[2] is not None and (a[0] > a[2] or (a[0] == a[2] and not (a[1] and a[3]))):
        return True  # empty
    try:
        return before(a, b) or before(b, a)
    except TypeError:
        return False


def _cut_rows(data: Data, sid: tuple, side: str) -> Data:
    rows = frozenset((r, p + ((sid, side),)) for r, p in data.rows)
    return data.evolve(rows=rows, subset=False, fresh=False, sampled=None, cut=None)


def _cut_key(node: ast.AST) -> tuple[tuple, str] | None:
    """``(key, side)`` of a row cut: the same key for both sides of one split, ``"train"`` for the
    first/lower/kept side and ``"test"`` for the other. None when the expression is not a cut."""
    negated = False
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
        negated, node = not negated, node.operand
    key: tuple | None = None
    side = "train"
    if isinstance(node, ast.Slice):
        if node.step is not None or (node.lower is None) == (node.upper is None):
            return None
        edge = node.upper if node.upper is not None else node.lower
        assert edge is not None
        key, side = ("slice", ast.unparse(edge)), "train" if node.upper is not None else "test"
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        op = node.ops[0]
        if not isinstance(op, _LOWER + _UPPER):
            return None
        family = "order" if isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) else "equal"
        key = ("mask", family, ast.unparse(node.left), ast.unparse(node.comparators[0]))
        side = "train" if isinstance(op, _LOWER) else "test"
    elif isinstance(node, ast.Name):
        # X[is_test] / X[~is_test]: a boolean mask made elsewhere and its complement are the two sides
        # of one split (the mask's name tells which side it selects, else it is the kept side).
        key, side = ("mask-name", node.id), "test" if name_side(node.id) == "test" else "train"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        method = node.func.attr
        if method in {"isnull", "isna", "notnull", "notna"}:
            key, side = ("null", ast.unparse(node.func.value)), "test" if method in {"isnull", "isna"} else "train"
        elif method == "isin":
            key = ("isin", ast.unparse(node.func.value), ast.unparse(node.args[0]) if node.args else "")
        else:
            return None
    else:
        return None
    if negated:
        side = "test" if side == "train" else "train"
    return key, side


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _target_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _assigned_names(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def _unparse(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - ast.unparse handles every parsed node
        return ""
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(node: ast.AST) -> str:
    return _unparse(node) or "model"


def analyze(cells: Iterable[Any], *, manifest: dict | None = None, base: Any = None) -> Facts:
    """Run the dataflow over parsed cells (in the order given) and return what it observed.

    Parameters
    ----------
    cells : iterable of nbpromote.notebook.CodeCell
        The cells, in the order they run (notebook order, or the recorded execution order).
    manifest : dict or None, default=None
        A capture manifest; recorded ``seeds`` count as seeding every random source.
    base : Path or None, default=None
        The notebook's directory: ``import x`` / ``from x import f`` of a ``x.py`` there analyses its
        functions like the notebook's own (their events are placed at the notebook's call).

    Returns
    -------
    Facts
        Fits, evaluations, cross-validations, splits, statistics, random draws, reads, shell
        commands and the final abstract environment.
    """
    seeded = bool(manifest and manifest.get("seeds"))
    analyzer = _Analyzer(seeded=seeded)
    analyzer.base = base
    return analyzer.run(cells)
