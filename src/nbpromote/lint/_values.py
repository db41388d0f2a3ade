"""The abstract values the dataflow tracks, and the algebra of "which rows".

Rows are described by their lineage, not their content: a value's ``rows`` is a set of
``(root, path)`` pairs, where ``root`` names a data source (one read, one loader call) and ``path``
is the sequence of splits taken from it, e.g. ``((split_3, "train"),)``. Two values share rows
when one path is a prefix of the other for the same root; siblings of one split never do. This is
enough to answer every question the leakage rules ask ("was the scaler fit on rows the test set
holds?") without executing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "within_test", "Site", "Stat", "Cols", "Data", "Const", "Coll", "Est", "Ref", "Idx", "SplitIter", "Func",
    "Indexer", "Columns", "ClassValue", "Instance", "BoundMethod", "Unknown", "UNKNOWN", "contained", "overlap", "label_of", "name_side",
    "split_label", "position_in",
]

Site = tuple  # (cell index, line in the cell's source, 1-based)
Rows = frozenset  # of (root: int, path: tuple[tuple[object, str], ...])


@dataclass(frozen=True)
class Stat:
    """A statistic learned over rows (a fitted scaler, ``df.mean()``, ``pd.qcut``)."""

    site: Site
    what: str
    rows: Rows
    #: Learned from the target (a target encoder's per-category means): the rows it was learned on
    #: carry their own label into the features it makes.
    target: bool = False
    #: The columns it was computed from (``df['Churn'].mean()`` -> {'Churn'}), and whether it is one
    #: number for all rows (not a value per row or per group).
    columns: frozenset = frozenset()
    scalar: bool = False
    #: Written only into rows of a fold it was not learned on (out-of-fold encoding:
    #: ``df.loc[val_idx, 'te'] = df.iloc[val_idx][col].map(means_of_train_idx)``).
    oof: bool = False


@dataclass(frozen=True)
class Cols:
    """What is known about a frame's columns.

    ``selected`` None means every column of the source (minus ``dropped``); ``known`` False means the
    analysis lost track (``iloc[:, 1:]``, a PCA output) and column rules stay silent.
    """

    selected: frozenset | None = None
    known: bool = True
    dropped: frozenset = frozenset()
    derived: tuple = ()  # ((column, frozenset of source columns), …)
    future: tuple = ()  # ((column, frozenset of Sites), …)
    dates: frozenset = frozenset()
    date_index: bool = False
    dtype_filtered: bool = False  # select_dtypes(...) ran: a kept column may have been filtered out
    #: A positional selection of another column layout: ``(layout, lower, upper)`` for
    #: ``df.iloc[:, 1:]`` / ``data[:, :-1]``, ``(layout, k, None)`` with ``at`` True for one column.
    positions: tuple | None = None

    def derived_map(self) -> dict[str, frozenset]:
        return dict(self.derived)

    def future_map(self) -> dict[str, frozenset]:
        return dict(self.future)

    def keeps(self, column: str) -> bool | None:
        """Whether ``column`` is among the features (None: unknown)."""
        if not self.known:
            return None
        if self.selected is not None:
            return column in self.selected
        return column not in self.dropped

    def kept_columns(self, candidates: set[str]) -> set[str]:
        return {c for c in candidates if self.keeps(c)}

    def with_column(self, column: str, sources: frozenset, future: frozenset, is_date: bool) -> Cols:
        derived = dict(self.derived)
        # Every column the notebook builds is recorded, with the columns it came from (possibly
        # none): its lineage is known, so name-based guesses do not apply to it.
        derived[column] = frozenset(sources - {column}) | derived.get(column, frozenset())
        fut = dict(self.future)
        if future:
            fut[column] = future
        else:
            fut.pop(column, None)
        return replace(
            self,
            selected=None if self.selected is None else self.selected | {column},
            dropped=self.dropped - {column},
            derived=tuple(sorted(derived.items())),
            future=tuple(sorted(fut.items(), key=lambda kv: kv[0])),
            dates=self.dates | {column} if is_date else self.dates - {column},
        )

    def drop(self, columns: set[str]) -> Cols:
        selected = None if self.selected is None else self.selected - columns
        return replace(self, selected=selected, dropped=self.dropped | columns)

    def select(self, columns: set[str]) -> Cols:
        return replace(self, selected=frozenset(columns))


UNKNOWN_COLS = Cols(known=False)


@dataclass(frozen=True, eq=False)
class Data:
    """A value made of data rows (DataFrame, Series, array), or a statistic of them (empty rows)."""

    rows: Rows
    stats: frozenset = frozenset()
    cols: Cols = Cols()
    src: frozenset = frozenset()  # columns a Series was read from (df['y'] -> {'y'})
    future: frozenset = frozenset()  # Sites of look-ahead operations this value depends on
    temporal: Site | None = None  # where it was sorted/resampled by time
    oversampled: Site | None = None  # where rows were duplicated/synthesised
    subset: bool = False  # made by a row subset (slice, mask, sample): a split when named so
    grouped: bool = False  # a groupby object
    #: The columns a groupby object groups by (``df.groupby('outcome')``); kept by an aggregate per
    #: group (``df.groupby('outcome').apply(lambda g: g.median())``): a table keyed by them.
    group_keys: frozenset = frozenset()
    windowed: bool = False  # rolling/expanding/ewm object
    is_datetime: bool = False  # pd.to_datetime result
    bunch: bool = False  # a sklearn Bunch (.data / .target / .frame)
    fresh: bool = False  # straight from a reader (a named read of "test.csv" is a test set)
    sampled: Site | None = None  # made by a random row sample (``df.sample``) at this site
    preds: frozenset = frozenset()  # indices (in Facts.evals) of the predictions this value holds
    #: Which named columns hold which of ``preds`` (``df['y_pred'] = model.predict(X)``), and every
    #: prediction ever put in a named column: reading another column does not read them.
    col_preds: tuple = ()
    named_preds: frozenset = frozenset()
    #: Made from earlier rows only (``s.shift(1)``, and windows over it): a causal lag, not a
    #: statistic of the group's rows.
    lagged: bool = False
    #: An empty frame (``pd.DataFrame()``): the first column assigned to it gives it its rows.
    empty: bool = False
    part: bool = False  # a filtered part of the rows its lineage names (a mask, a sample, loc[idx])
    cut: tuple | None = None  # (split id, side, source name) of a row cut (iloc[:n], a mask) not yet bound
    #: The row sets a vertical concat stacked, in order (``pd.concat([train, test])``): a positional cut
    #: at the first piece's length (``all_df[:len(train)]``) gives that piece back.
    pieces: tuple = ()
    #: Predictions met by labels in arithmetic (``y_test - pred``): errors, not yet a score. They
    #: become one when reduced (``.mean()``, ``np.sum``, ``sum``) or compared; residuals only drawn or
    #: printed are not an evaluation. Pairs of (prediction index, label rows).
    residual: frozenset = frozenset()

    def evolve(self, **changes: Any) -> Data:
        return replace(self, **changes)

    @property
    def label(self) -> str | None:
        return label_of(self.rows)

    def column_preds(self, column: str) -> frozenset:
        """The predictions a column read back holds: those the frame was given without a column name
        (a join of a prediction series, ``oof[idx] = pred``). A column assigned by name
        (``df['pred'] = model.predict(X)``) is mostly a step of a hand-made algorithm (residuals of
        hand-written boosting, AdaBoost re-weighting), so reading it is not taken as a score."""
        if column in dict(self.col_preds):
            return frozenset()
        return self.preds - self.named_preds


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(eq=False)
class Coll:
    """A literal list/tuple/dict (or a function's tuple result)."""

    items: list
    kind: str = "list"
    keys: list | None = None

    def strings(self) -> list[str] | None:
        out = []
        for item in self.items:
            if isinstance(item, Const) and isinstance(item.value, str):
                out.append(item.value)
            else:
                return None
        return out


@dataclass(eq=False)
class Est:
    """An estimator object: model, transformer, pipeline, search, resampler or splitter."""

    cls: str
    kind: str  # model|transformer|stateless|oversampler|resampler|cluster|pipeline|search|splitter
    site: Site
    steps: list = field(default_factory=list)
    stats: frozenset = frozenset()
    fit_rows: frozenset = frozenset()
    fitted: bool = False
    shuffle: bool = False
    multi: bool = False  # stands for several models (a loop over candidates)
    name: str | None = None
    n_splits: int | None = None  # a splitter's n_splits when it is a constant
    incremental: bool = False  # a second fit continues training (Keras, PyTorch)
    early_stopping: bool = False  # constructed with early stopping on its eval set
    library: str | None = None  # the import root it was made from ('sklearn', 'category_encoders')
    #: Fit on a part of the rows its lineage names (df.sample(frac=0.3), a mask): which rows is unknown,
    #: so a held-out split of the same rows may or may not have been among them.
    fit_part: bool = False

    @property
    def is_model(self) -> bool:
        return self.kind in {"model", "pipeline", "search"}


@dataclass(frozen=True)
class Ref:
    """A module, function or class reached through the imports (``pandas.read_csv``)."""

    dotted: str

    @property
    def short(self) -> str:
        return self.dotted.rsplit(".", 1)[-1]

    @property
    def root(self) -> str:
        return self.dotted.split(".", 1)[0]


@dataclass(frozen=True)
class Idx:
    """Row indices of one side of a split (``for train_idx, test_idx in kf.split(X)``)."""

    sid: tuple
    side: str


@dataclass(eq=False)
class SplitIter:
    sid: tuple


@dataclass(eq=False)
class Func:
    node: Any
    cell: int
    offset: int
    #: A function of a local module beside the notebook (``from series_utils import scaled_split``):
    #: the module's own imports (name -> value), and everything it does is placed at the call site.
    module_env: dict | None = None


@dataclass(eq=False)
class Indexer:
    data: Data
    kind: str  # iloc|loc


@dataclass(eq=False)
class ClassValue:
    """A class the notebook defines: its methods (name -> Func) and base class names."""

    name: str
    methods: dict
    bases: tuple
    #: Class attributes set in the class body (``class CFG: TRAIN_PATH = '/kaggle/input/...'``).
    attrs: dict = field(default_factory=dict)


@dataclass(eq=False)
class Instance:
    """An object of a notebook-defined class: attributes set on ``self`` are tracked."""

    cls: ClassValue
    attrs: dict = field(default_factory=dict)


@dataclass(eq=False)
class BoundMethod:
    func: Any
    instance: Instance


@dataclass(frozen=True)
class Columns:
    """A frame's column index (``df.columns``, ``df.columns.drop('y')``): selecting with it keeps
    exactly those columns, so ``X = df[df.columns]`` still holds the target."""

    cols: Cols


class Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


# --- rows algebra ------------------------------------------------------------------------------
def _prefix(a: tuple, b: tuple) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


def contained(inner: Rows, outer: Rows) -> bool:
    """Every row of ``inner`` is among ``outer``'s."""
    if not inner:
        return False
    return all(any(r == q and _prefix(qp, p) for q, qp in outer) for r, p in inner)


def _paths_overlap(p: tuple, q: tuple) -> bool:
    """Two split paths from one root share rows unless, where they first part, they take the two
    sides of the *same* split. Two different splits of the same rows (a re-split, another seed)
    share rows: only siblings of one split are disjoint."""
    for step_p, step_q in zip(p, q, strict=False):
        if step_p == step_q:
            continue
        return not (step_p[0] == step_q[0] and step_p[1] != step_q[1])
    return True


def overlap(a: Rows, b: Rows) -> bool:
    """``a`` and ``b`` share rows."""
    return any(r == q and _paths_overlap(p, qp) for r, p in a for q, qp in b)


def within_test(rows: Rows) -> bool:
    """Every row is on the held-out side of some split the notebook made (``X_test``, and a part of
    it carved by a second split, ``X_test, X_val = train_test_split(X_test, ...)``)."""
    if not rows:
        return False
    return all(any(side == "test" for sid, side in path if not (isinstance(sid, tuple) and sid[:1] == ("file",)))
               for _r, path in rows)


def label_of(rows: Rows) -> str | None:
    sides = {p[-1][1] if p else None for _r, p in rows}
    return sides.pop() if len(sides) == 1 else None


def position_in(k: int, lower: int | None, upper: int | None) -> bool | None:
    """Whether column position ``k`` falls in ``[lower:upper]`` for any column count large enough
    to hold both (None when that depends on the count: ``k=-1`` in ``[:5]``)."""
    if k >= 0:
        low_ok = lower is None or 0 <= lower <= k
        low_out = lower is not None and lower > k
        high_ok = upper is None or upper > k  # [:-1] holds column k only if there are more than k + 1
        high_out = upper is not None and 0 <= upper <= k
    else:
        low_ok = lower is None or lower >= 0 or lower <= k
        low_out = lower is not None and k < lower < 0
        high_ok = upper is None or (upper < 0 and upper > k)
        high_out = upper is not None and upper < 0 and upper <= k
    if low_out or high_out:
        return False
    if low_ok and high_ok:
        return True
    return None


def split_label(rows: Rows) -> str | None:
    """The side of the last split the notebook itself made ('train'/'test'), else None. A file's
    name (``train.csv`` beside an unlabelled ``test.csv``) is not a split of the labelled rows: the
    rows of ``train.csv`` are *all* the labelled data there is."""
    sides = set()
    for _r, path in rows:
        own = [step for step in path if not (isinstance(step[0], tuple) and step[0][:1] == ("file",))]
        sides.add(own[-1][1] if own else None)
    return sides.pop() if len(sides) == 1 else None


_TEST_WORDS = {"test", "tst", "te", "val", "valid", "validation", "holdout", "hold", "eval", "dev"}
_TRAIN_WORDS = {"train", "tr", "trn", "training", "fit"}
_GLUED = re.compile(r"^(?:x|y|df|data)?(?P<side>train|trn|tr|test|tst|te|valid|val)(?:x|y|df|data|set|s)?$")


def name_side(name: str) -> str | None:
    """'train'/'test' from a variable name (``X_train``, ``df_val``, ``Xte``, ``trainDF``), else None."""
    words = {w.lower() for w in re.split(r"[_\d]+|(?<=[a-z])(?=[A-Z])", name) if w}
    if words & _TEST_WORDS:
        return "test"
    if words & _TRAIN_WORDS:
        return "train"
    for word in words:
        match = _GLUED.match(word)
        if match:
            return "train" if match.group("side") in _TRAIN_WORDS else "test"
    return None
