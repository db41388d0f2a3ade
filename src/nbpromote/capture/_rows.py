"""Run-time row tracking: which rows reach each learning, transforming, predicting and scoring call.

A :class:`RowTracer` wraps library entry points *lazily*: installing it only puts an import hook on
``sys.meta_path`` (and wraps what is already imported); scikit-learn and the libraries built on its
estimator API (imblearn, XGBoost's and LightGBM's scikit-learn classes …) are wrapped when the
notebook first imports them. The wrappers never copy data; per call they record

* the role (``learn``, ``transform``, ``predict``, ``score``, ``split``, ``cross-validate``), the
  call's name (``StandardScaler.fit``), the estimator instance, the cell and line that made it;
* the *row identity* of the data given: an origin token and one id per row.

Row identity survives transforms. A pandas object's rows are its index labels, carried through
pandas' own operations (``__finalize__``, which every derived frame passes through), and through
``reset_index``, ``to_numpy``/``.values`` and ``DataFrame(array)`` by position. A NumPy array's rows
are positions in the array they were taken from: ``train_test_split`` is told to split one more
array, ``arange(n)``, so the positions each part received are known exactly; a basic slice
``X[:n]`` is a view whose offset into its base gives the positions. The output of ``transform``/
``predict`` has the rows of its input. Only when two calls' rows come from unrelated origins are
rows compared by content hash (:func:`pandas.util.hash_pandas_object`), and then the evidence says
so: identical content is not proof of the same row (real data has duplicates).

Only outermost calls are recorded (a ``Pipeline.fit`` is one call, not one per step; a grid search's
thousands of inner fits are not recorded), which keeps the overhead small. What the calls mean is
worked out afterwards by :mod:`nbpromote.capture._evidence`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.abc
import importlib.machinery
import itertools
import sys
import weakref
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RowIds", "Call", "RowTracer", "LEARN", "TRANSFORM", "PREDICT", "SCORE", "CROSS_VALIDATE", "SPLIT"]

LEARN, TRANSFORM, PREDICT, SCORE, CROSS_VALIDATE, SPLIT = (
    "learn", "transform", "predict", "score", "cross-validate", "split",
)

#: Top-level packages whose estimator classes are wrapped when they are imported.
ESTIMATOR_PACKAGES = ("sklearn", "imblearn", "xgboost", "lightgbm", "catboost", "category_encoders")



def _method_roles() -> dict[str, tuple[str, ...]]:
    """Estimator method -> roles, from the shared knowledge tables (:mod:`nbpromote.knowledge`)."""
    from .. import knowledge as K

    roles: dict[str, tuple[str, ...]] = {}
    for method in K.FIT_METHODS:
        roles[method] = (LEARN,)
    for method in K.TRANSFORM_METHODS - {"inverse_transform"}:
        roles[method] = roles.get(method, ()) + (TRANSFORM,)
    for method in K.PREDICT_METHODS:
        roles[method] = roles.get(method, ()) + (PREDICT,)
    for method in K.SCORE_METHODS:
        roles[method] = roles.get(method, ()) + (SCORE,)
    for method, extra in (("fit_transform", TRANSFORM), ("fit_resample", TRANSFORM), ("fit_predict", PREDICT)):
        if extra not in roles.get(method, ()):
            roles[method] = roles.get(method, (LEARN,)) + (extra,)
    return roles


#: Estimator method -> roles (a method may both learn and transform).
METHOD_ROLES: dict[str, tuple[str, ...]] = _method_roles()


def _functions() -> dict[str, dict[str, str]]:
    from .. import knowledge as K

    table = {name: CROSS_VALIDATE for name in K.CV_FUNCTIONS}
    table.update({name: SPLIT for name in K.SPLIT_FUNCTIONS})
    return {"sklearn.model_selection": table}


#: Functions of scikit-learn modules: module -> name -> role (knowledge's CV and split functions).
#: Metrics are the public callables of ``sklearn.metrics`` that the knowledge tables name as metrics,
#: or whose name ends in ``_score``, ``_error``, ``_loss`` … (see ``_metric_names``).
FUNCTIONS: dict[str, dict[str, str]] = _functions()

#: pandas statistics over rows that a notebook uses to fill, scale or bin (knowledge's STAT_METHODS
#: that return a per-column value); recorded only when the notebook's own code calls them.
_PANDAS_STATISTICS = ("mean", "median", "std", "var", "quantile", "mode", "min", "max")

_METRIC_SUFFIXES = ("_score", "_error", "_loss", "_matrix", "_report", "_curve")
#: Largest number of cells (rows x columns) hashed for the content fallback.
CONTENT_LIMIT = 50_000_000
#: Largest number of calls kept in full (a loop of predict calls must not grow without bound).
MAX_CALLS = 2_000

_token_counter = itertools.count(1)


@dataclass(frozen=True)
class RowIds:
    """The identity of ``n`` rows: ``origin`` and, per row, an id within it.

    ``ids`` None means positions ``0 … n-1`` of the origin. ``content`` (uint64 per row, a
    :class:`LazyContent` computing it on first use, or None) is the hash of the row's values where
    the rows entered tracking, for the content fallback; :meth:`content_hashes` resolves it.
    """

    origin: str
    n: int
    ids: Any = None
    content: Any = None
    kind: str = "position"  # or "label" (pandas index labels)

    def id_array(self) -> Any:
        import numpy as np

        return np.arange(self.n) if self.ids is None else self.ids

    def take(self, positions: Any) -> RowIds:
        """The rows at ``positions`` (an integer array; -1 marks a row of unknown identity)."""
        import numpy as np

        positions = np.asarray(positions, dtype=np.int64)
        known = positions >= 0
        if not known.all():
            positions = positions[known]
        ids = self.id_array()[positions]
        content = None if self.content is None else LazyContent(self.content, positions)
        return RowIds(self.origin, len(ids), ids, content, self.kind)

    def content_hashes(self) -> Any:
        """The uint64 content hash per row, or None (unknown, or the data is gone)."""
        if isinstance(self.content, LazyContent):
            return self.content()
        return self.content


class LazyContent:
    """Content hashes computed when first needed (most runs never compare unrelated origins).

    Holds a weak reference to the data (never a copy): if the data is gone by then, there is no
    content fallback for these rows. ``LazyContent(parent, positions)`` is a subset of another.
    """

    def __init__(self, source: Any, positions: Any = None) -> None:
        self._positions = positions
        self._value: Any = None
        self._done = False
        if isinstance(source, LazyContent) or positions is not None:
            self._parent: Any = source
            self._ref: Any = None
        else:
            self._parent = None
            try:
                self._ref = weakref.ref(source)
            except TypeError:
                self._ref = None
                self._value, self._done = _content(source), True

    def __call__(self) -> Any:
        if not self._done:
            self._done = True
            if self._parent is not None:
                parent = self._parent() if isinstance(self._parent, LazyContent) else self._parent
                self._value = None if parent is None else parent[self._positions]
                self._parent = None
            else:
                data = self._ref() if self._ref is not None else None
                self._value = None if data is None else _content(data)
        return self._value


@dataclass
class Call:
    """One outermost call to a tracked entry point."""

    seq: int
    roles: tuple[str, ...]
    name: str
    estimator: str | None
    cell: Any
    line: int | None
    rows: RowIds | None
    via: tuple[str, ...] = ()  # estimators whose outputs the data passed through (oldest first)
    y_rows: RowIds | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _Loader(importlib.abc.Loader):
    """A loader proxy: the real loader executes the module, then the tracer wraps what it defined."""

    def __init__(self, loader: Any, after: Any) -> None:
        self._loader = loader
        self._after = after

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        try:
            self._after(module)
        except Exception:  # tracking must never break an import
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, tracer: RowTracer) -> None:
        self.tracer = tracer
        self._busy: set[str] = set()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        top = name.partition(".")[0]
        if top not in self.tracer.packages or name in self._busy:
            return None
        self._busy.add(name)  # other finders that consult sys.meta_path must not come back here
        try:
            for finder in sys.meta_path:
                if finder is self:
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self._busy.discard(name)
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _Loader(spec.loader, self.tracer.module_loaded)
        return spec


class RowTracer:
    """Records the rows of every outermost learning/transforming/predicting/scoring call.

    Parameters
    ----------
    where : callable returning (cell, line) or None
        Tells which cell (and line of it) is making a call; the kernel session supplies it.
    """

    def __init__(self, where: Any = None) -> None:
        self.where = where or (lambda: (None, None))
        self.calls: list[Call] = []
        self.dropped = 0
        self.notes: list[str] = []
        self.packages = set(ESTIMATOR_PACKAGES) | {"pandas"}
        self._finder: _Finder | None = None
        self._depth = 0
        self._seq = itertools.count(1)
        self._estimators: dict[int, tuple[Any, str]] = {}
        self._estimator_numbers: dict[str, int] = {}
        # id(object) -> (weakref, entry); entry is RowIds (arrays) or (RowIds, index) (pandas)
        self._registry: dict[int, tuple[Any, Any]] = {}
        self._vias: dict[int, tuple[str, ...]] = {}
        self._patched: list[tuple[Any, str, Any]] = []
        self._wrapped_modules: set[str] = set()
        self.active = False

    # -- installing ---------------------------------------------------------------------------------
    def install(self) -> None:
        """Put the import hook in place and wrap the tracked libraries already imported (idempotent)."""
        if self.active:
            return
        self.active = True
        self._finder = _Finder(self)
        sys.meta_path.insert(0, self._finder)
        for name, module in sorted(sys.modules.items()):
            if module is not None and name.partition(".")[0] in self.packages:
                self.module_loaded(module)

    def uninstall(self) -> None:
        """Remove the hook and every wrapper (recorded calls are kept)."""
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        for owner, name, original in reversed(self._patched):
            try:
                if original is _ABSENT:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)
            except (AttributeError, TypeError):
                pass
        self._patched.clear()
        self._wrapped_modules.clear()
        self.active = False

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        original = owner.__dict__.get(name, _ABSENT) if isinstance(owner, type) else getattr(owner, name, _ABSENT)
        try:
            setattr(owner, name, replacement)
        except (AttributeError, TypeError):
            return
        self._patched.append((owner, name, original))

    def module_loaded(self, module: Any) -> None:
        """Wrap what ``module`` (just executed) defines: estimator classes, metrics, splitters."""
        name = getattr(module, "__name__", "")
        if not self.active or name in self._wrapped_modules:
            return
        self._wrapped_modules.add(name)
        if name == "pandas":
            self._wrap_pandas(module)
            return
        if name.partition(".")[0] == "pandas":
            return
        base = sys.modules.get("sklearn.base")
        mixins = tuple(
            getattr(base, m) for m in ("BaseEstimator", "TransformerMixin", "ClassifierMixin", "RegressorMixin",
                                       "ClusterMixin", "OutlierMixin", "DensityMixin")
            if base is not None and hasattr(base, m)
        )
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == name and mixins and issubclass(value, mixins):
                self._wrap_class(value)
        if name == "sklearn.base":  # the mixins themselves (score, fit_transform, fit_predict)
            for mixin in mixins:
                self._wrap_class(mixin)
        functions = dict(FUNCTIONS.get(name, {}))
        if name == "sklearn.metrics":
            functions.update({n: SCORE for n in _metric_names(module)})
        for function_name, role in functions.items():
            function = getattr(module, function_name, None)
            if callable(function) and not getattr(function, "_nbpromote_rows", False):
                self._patch(module, function_name, self._function_wrapper(function, function_name, role))

    def _wrap_class(self, cls: type) -> None:
        for method, roles in METHOD_ROLES.items():
            function = cls.__dict__.get(method)
            if function is None or getattr(function, "_nbpromote_rows", False):
                continue
            if not callable(function) or isinstance(function, (staticmethod, classmethod, property)):
                continue
            self._patch(cls, method, self._method_wrapper(function, method, roles))

    # -- wrappers ---------------------------------------------------------------------------------------
    def _method_wrapper(self, function: Any, method: str, roles: tuple[str, ...]) -> Any:
        tracer = self

        def wrapper(estimator: Any, *args: Any, **kwargs: Any) -> Any:
            if tracer._depth or not tracer.active:
                return function(estimator, *args, **kwargs)
            tracer._depth += 1
            try:
                result = function(estimator, *args, **kwargs)
            finally:
                tracer._depth -= 1
            try:
                tracer._record_method(estimator, method, roles, args, kwargs, result)
            except Exception as exc:  # never break the user's call
                tracer._note(f"{type(estimator).__name__}.{method}: rows not recorded ({type(exc).__name__}: {exc})")
            return result

        _copy_identity(wrapper, function)
        return wrapper

    def _function_wrapper(self, function: Any, name: str, role: str) -> Any:
        tracer = self

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if tracer._depth or not tracer.active:
                return function(*args, **kwargs)
            if role == SPLIT:
                return tracer._split(function, args, kwargs)
            tracer._depth += 1
            try:
                result = function(*args, **kwargs)
            finally:
                tracer._depth -= 1
            try:
                tracer._record_function(name, role, args, kwargs, result)
            except Exception as exc:
                tracer._note(f"{name}: rows not recorded ({type(exc).__name__}: {exc})")
            return result

        _copy_identity(wrapper, function)
        return wrapper

    def _reader_wrapper(self, reader: Any) -> Any:
        """A pandas reader: the frame it returns is an origin (its rows: the index labels)."""
        tracer = self

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = reader(*args, **kwargs)
            if tracer.active and hasattr(result, "index") and hasattr(result.index, "get_indexer"):
                try:
                    index = result.index
                    rows = RowIds(f"data#{next(_token_counter)}", len(index),
                                  index.to_numpy() if index.is_unique else None, None,
                                  "label" if index.is_unique else "position")
                    tracer._attach(result, rows)
                except Exception:
                    pass
            return result

        _copy_identity(wrapper, reader)
        return wrapper

    def _statistic_wrapper(self, function: Any, name: str) -> Any:
        """A pandas statistic (``df[cols].mean()``) called from the notebook: it learns from its rows."""
        tracer = self

        def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
            if tracer._depth or not tracer.active or sys._getframe(1).f_globals.get("__name__") != "__main__":
                return function(obj, *args, **kwargs)  # pandas' own calls, or not the notebook's code
            tracer._depth += 1
            try:
                result = function(obj, *args, **kwargs)
            finally:
                tracer._depth -= 1
            try:
                axis = kwargs.get("axis", args[0] if args and name.endswith(("mean", "median", "std", "var")) else 0)
                if axis in (0, "index", None):  # a statistic over rows, not per row
                    rows = tracer.rows_of(obj)
                    cell, line = tracer.where()
                    label = f"{name}@{next(tracer._seq)}"
                    tracer._add_call(Call(next(tracer._seq), (LEARN,), name, label, cell, line, rows,
                                          tracer._via(obj), None, {"kind": "transformer"}))
            except Exception as exc:
                tracer._note(f"{name}: rows not recorded ({type(exc).__name__}: {exc})")
            return result

        _copy_identity(wrapper, function)
        return wrapper

    def _wrap_pandas(self, pandas: Any) -> None:
        tracer = self
        for cls in (pandas.DataFrame, pandas.Series):
            finalize = cls.__finalize__

            def make_finalize(original: Any) -> Any:
                def __finalize__(obj: Any, other: Any, method: Any = None, **kwargs: Any) -> Any:
                    result = original(obj, other, method, **kwargs)
                    if tracer.active and not tracer._depth and method not in _NEW_ROWS:
                        tracer._inherit(obj, other)  # (inside a tracked call: the library's business)
                    return result

                _copy_identity(__finalize__, original)
                return __finalize__

            self._patch(cls, "__finalize__", make_finalize(finalize))

            def make_positional(original: Any) -> Any:
                def positional(obj: Any, *args: Any, **kwargs: Any) -> Any:
                    result = original(obj, *args, **kwargs)
                    if tracer.active and not tracer._depth and result is not None and result is not obj:
                        tracer._same_rows(obj, result)
                    return result

                _copy_identity(positional, original)
                return positional

            for positional_method in ("reset_index", "to_numpy", "set_index"):
                if positional_method in cls.__dict__:
                    self._patch(cls, positional_method, make_positional(cls.__dict__[positional_method]))
            values = cls.__dict__.get("values")
            if isinstance(values, property) and values.fget is not None:
                getter = make_positional(values.fget)
                self._patch(cls, "values", property(getter, values.fset, values.fdel, values.__doc__))
        for name in [n for n in dir(pandas) if n.startswith("read_")]:
            reader = getattr(pandas, name)
            if callable(reader) and not getattr(reader, "_nbpromote_rows", False):
                self._patch(pandas, name, self._reader_wrapper(reader))
        for cls in (pandas.DataFrame, pandas.Series):
            for method in _PANDAS_STATISTICS:
                function = cls.__dict__.get(method)
                if callable(function) and not getattr(function, "_nbpromote_rows", False):
                    self._patch(cls, method, self._statistic_wrapper(function, f"{cls.__name__}.{method}"))
        frame_init = pandas.DataFrame.__dict__["__init__"]

        def __init__(obj: Any, data: Any = None, *args: Any, **kwargs: Any) -> None:
            frame_init(obj, data, *args, **kwargs)
            if tracer.active and not tracer._depth and data is not None and id(data) in tracer._registry:
                tracer._same_rows(data, obj)

        _copy_identity(__init__, frame_init)
        self._patch(pandas.DataFrame, "__init__", __init__)

    # -- row identity -------------------------------------------------------------------------------------
    def _lookup(self, value: Any) -> Any:
        entry = self._registry.get(id(value))
        if entry is None:
            return None
        ref, data = entry
        if ref() is not value:
            del self._registry[id(value)]
            return None
        return data

    def _remember(self, value: Any, entry: Any) -> None:
        key = id(value)
        registry = self._registry

        vias = self._vias
        vias.pop(key, None)

        def forget(_: Any, key: int = key) -> None:
            registry.pop(key, None)
            vias.pop(key, None)

        try:
            registry[key] = (weakref.ref(value, forget), entry)
        except TypeError:  # not weak-referenceable (a list): not tracked
            pass

    def _inherit(self, obj: Any, other: Any) -> None:
        """pandas derived ``obj`` from ``other``: it keeps the origin and reads its rows by label."""
        if id(obj) in self._registry:
            return
        sources = getattr(other, "objs", None) if not hasattr(other, "index") else None
        if sources is not None:  # concat
            entries = [(part, self._lookup(part)) for part in sources]
            tracked = [(part, e) for part, e in entries if isinstance(e, tuple)]
            if not tracked:
                return
            if all(isinstance(e, tuple) for _, e in entries) and len({id(e[1]) for _, e in entries}) == 1:
                self._remember(obj, tracked[0][1])  # rows of one origin
                return
            index = getattr(obj, "index", None)
            for part, _entry in tracked:  # side by side (axis=1): the rows of a part
                if index is not None and part.index.equals(index):
                    self._same_rows(part, obj)
                    return
            return
        entry = self._lookup(other)
        if entry is None and obj is not other and hasattr(other, "index") and hasattr(other.index, "get_indexer"):
            # the first frame the notebook derives from becomes an origin (ids: its labels, lazily)
            index = other.index
            unique = index.is_unique
            ids = None if _is_default_range(index) else (index.to_numpy() if unique else None)
            if unique or ids is None:
                self._attach(other, RowIds(f"data#{next(_token_counter)}", len(index), ids, None,
                                           "label" if ids is not None else "position"))
                entry = self._lookup(other)
        if isinstance(entry, tuple):
            self._remember(obj, entry)
            via = self._vias.get(id(other))
            if via:
                self._vias[id(obj)] = via

    def _same_rows(self, source: Any, result: Any) -> None:
        """``result`` has the rows of ``source``, in the same order (reset_index, to_numpy, DataFrame(a))."""
        if id(result) in self._registry:
            return
        rows = self.rows_of(source, register=False)
        if rows is None or _length(result) != rows.n:
            return
        via = self._vias.get(id(source))
        self._attach(result, rows)
        if via:
            self._vias[id(result)] = via

    def _attach(self, value: Any, rows: RowIds) -> None:
        index = getattr(value, "index", None)
        if index is not None and hasattr(index, "get_indexer"):
            self._remember(value, (rows, index))
        else:
            self._remember(value, rows)

    def rows_of(self, value: Any, *, register: bool = True, eager: bool = False) -> RowIds | None:
        """The row identity of ``value`` (registering it as a new origin when it has none).

        A new origin's content hashes are computed now with ``eager`` (a learning or scoring call
        given data of no known lineage: content is then its only link, and the object may be a
        temporary gone by the time evidence is drawn), else lazily.
        """
        if value is None:
            return None
        entry = self._lookup(value)
        if isinstance(entry, RowIds):
            return entry
        if isinstance(entry, tuple):
            rows, index = entry
            current = value.index
            if current is index or current.equals(index):
                return rows
            if not index.is_unique:
                return None
            return rows.take(index.get_indexer(current))
        n = _length(value)
        if n is None:
            return None
        base = getattr(value, "base", None)
        if base is not None and hasattr(value, "__array_interface__"):
            derived = self._from_view(value, base, n)
            if derived is not None:
                return derived
        if not register:
            return None
        origin = f"data#{next(_token_counter)}"
        index = getattr(value, "index", None)
        if index is not None and hasattr(index, "get_indexer"):
            content = _content(value) if eager else LazyContent(value)
            rows = RowIds(origin, n, index.to_numpy() if index.is_unique else None, content,
                          "label" if index.is_unique else "position")
        else:
            rows = RowIds(origin, n, None, _content(value) if eager else LazyContent(value))
        self._attach(value, rows)
        return rows

    def _from_view(self, value: Any, base: Any, n: int) -> RowIds | None:
        """A basic slice ``X[a:b:s]`` of an array: its rows from the pointer offset into its base.

        The base is the nearest tracked ancestor, else the furthest ancestor of the same shape per
        row, which then becomes the origin (so ``X[:800]`` and ``X[800:]`` share one).
        """
        chain: list[Any] = []
        while base is not None and len(chain) < 8:
            chain.append(base)
            base = getattr(base, "base", None)
        compatible = [b for b in chain if getattr(b, "ndim", None) == value.ndim and b.shape[1:] == value.shape[1:]
                      and b.strides[1:] == value.strides[1:]]
        tracked = next((b for b in compatible if isinstance(self._lookup(b), RowIds)), None)
        if tracked is None:  # a column of a tracked 2-D array: X[:, 1] has X's rows
            for candidate in chain:
                rows = self._lookup(candidate)
                if isinstance(rows, RowIds) and getattr(candidate, "ndim", 0) > value.ndim \
                        and candidate.shape[0] == n and candidate.strides[0] == value.strides[0]:
                    offset = value.__array_interface__["data"][0] - candidate.__array_interface__["data"][0]
                    if 0 <= offset < abs(candidate.strides[0]):
                        self._attach(value, rows)
                        via = self._vias.get(id(candidate))
                        if via:
                            self._vias[id(value)] = via
                        return rows
        base = tracked if tracked is not None else (compatible[-1] if compatible else None)
        if base is None or not value.ndim or not base.strides[0]:
            return None
        offset = value.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        start, remainder = divmod(offset, base.strides[0])
        step, remainder2 = divmod(value.strides[0], base.strides[0]) if n > 1 else (1, 0)
        if remainder or remainder2 or start < 0 or step == 0 or start + step * (n - 1) >= base.shape[0]:
            return None
        rows = self.rows_of(base) if tracked is None else self._lookup(base)
        if not isinstance(rows, RowIds):
            return None
        import numpy as np

        derived = rows.take(np.arange(start, start + step * n, step)[:n])
        self._attach(value, derived)
        return derived

    # -- recording ----------------------------------------------------------------------------------------
    def _estimator_name(self, estimator: Any) -> str:
        known = self._estimators.get(id(estimator))
        if known is not None and known[0]() is estimator:
            return known[1]
        cls = type(estimator).__name__
        number = self._estimator_numbers[cls] = self._estimator_numbers.get(cls, 0) + 1
        label = cls if number == 1 else f"{cls}#{number}"
        try:
            self._estimators[id(estimator)] = (weakref.ref(estimator), label)
        except TypeError:
            pass
        return label

    def _via(self, value: Any) -> tuple[str, ...]:
        entry = self._registry.get(id(value))
        if entry is None or entry[0]() is not value:
            return ()
        return self._vias.get(id(value), ())

    def _add_call(self, call: Call) -> None:
        if len(self.calls) >= MAX_CALLS:
            self.dropped += 1
            return
        self.calls.append(call)

    def _record_method(self, estimator: Any, method: str, roles: tuple[str, ...], args: tuple, kwargs: dict,
                       result: Any) -> None:
        X = args[0] if args else kwargs.get("X", kwargs.get("x"))
        y = args[1] if len(args) > 1 else kwargs.get("y")
        name = self._estimator_name(estimator)
        eager = (LEARN in roles or SCORE in roles) and type(X).__module__ == "numpy"
        rows = self.rows_of(X, eager=eager) if X is not None else None
        y_rows = self.rows_of(y) if y is not None and SCORE in roles else None
        via = self._via(X) if X is not None else ()
        cell, line = self.where()
        if rows is not None and rows.content is None and (LEARN in roles or SCORE in roles):
            # the values this call saw, for the content fallback across unrelated origins
            # (now for arrays, often temporaries such as X.values; frames are usually named and stay)
            content = _content(X) if type(X).__module__ == "numpy" else LazyContent(X)
            rows = dataclasses.replace(rows, content=content)
        kind = "model" if hasattr(estimator, "predict") or hasattr(estimator, "fit_predict") else "transformer"
        self._add_call(Call(next(self._seq), roles, f"{type(estimator).__name__}.{method}", name, cell, line,
                            rows, via, y_rows, {"kind": kind}))
        produced = result[0] if method == "fit_resample" and isinstance(result, tuple) else result
        if (TRANSFORM in roles or PREDICT in roles) and rows is not None and produced is not None \
                and produced is not estimator and _length(produced) == rows.n:
            self._attach(produced, rows)
            self._vias[id(produced)] = via + (name,)

    def _record_function(self, name: str, role: str, args: tuple, kwargs: dict, result: Any) -> None:
        cell, line = self.where()
        if role == CROSS_VALIDATE:
            X = args[1] if len(args) > 1 else kwargs.get("X")
            if name in ("learning_curve", "validation_curve"):
                return  # curves, not one evaluation of the data
            rows = self.rows_of(X) if X is not None else None
            estimator = args[0] if args else kwargs.get("estimator")
            extra = {"model": type(estimator).__name__} if estimator is not None else {}
            self._add_call(Call(next(self._seq), (role,), name, None, cell, line, rows, self._via(X), None, extra))
            if name == "cross_val_predict" and rows is not None and _length(result) == rows.n:
                self._attach(result, rows)
            return
        truth = args[0] if args else next((kwargs[k] for k in ("y_true", "labels_true") if k in kwargs), None)
        predicted = args[1] if len(args) > 1 else next(
            (kwargs[k] for k in ("y_pred", "y_score", "y_proba", "probas_pred", "labels_pred") if k in kwargs), None)
        pred_rows = self.rows_of(predicted, register=False) if predicted is not None else None
        true_rows = self.rows_of(truth) if truth is not None else None
        via = self._via(predicted) if predicted is not None else ()
        self._add_call(Call(next(self._seq), (SCORE,), name, None, cell, line, pred_rows or true_rows, via,
                            true_rows))

    def _split(self, function: Any, args: tuple, kwargs: dict) -> Any:
        import numpy as np

        arrays = list(args)
        n = _length(arrays[0]) if arrays else None
        if n is None or any(_length(a) != n for a in arrays):
            self._depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
        self._depth += 1
        try:
            parts = function(*arrays, np.arange(n), **kwargs)
        finally:
            self._depth -= 1
        try:
            *outputs, train_positions, test_positions = parts
            for i, value in enumerate(arrays):
                rows = self.rows_of(value)
                if rows is None:
                    continue
                via = self._via(value)
                for output, positions in ((outputs[2 * i], train_positions), (outputs[2 * i + 1], test_positions)):
                    self._attach(output, rows.take(positions))
                    if via:
                        self._vias[id(output)] = via
            cell, line = self.where()
            first = self.rows_of(arrays[0])
            self._add_call(Call(next(self._seq), (SPLIT,), "train_test_split", None, cell, line, first, (), None,
                                {"train": int(len(train_positions)), "test": int(len(test_positions))}))
        except Exception as exc:
            self._note(f"train_test_split: rows not recorded ({type(exc).__name__}: {exc})")
            outputs = list(parts[:-2])
        return outputs

    def _note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 50:
            self.notes.append(text)


_ABSENT = object()

#: pandas operations (``__finalize__``'s ``method``) whose rows are new records, not rows of the input.
_NEW_ROWS = frozenset({
    "merge", "join", "groupby", "pivot", "pivot_table", "melt", "stack", "unstack", "explode", "crosstab",
    "describe", "value_counts", "transpose", "corr", "cov", "wide_to_long",
})


def _is_default_range(index: Any) -> bool:
    """A RangeIndex 0..n-1 (labels are positions)."""
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1


def _copy_identity(wrapper: Any, function: Any) -> None:
    for attribute in ("__name__", "__qualname__", "__doc__", "__module__", "__wrapped__"):
        try:
            setattr(wrapper, attribute, getattr(function, attribute) if attribute != "__wrapped__" else function)
        except (AttributeError, TypeError):
            pass
    try:
        wrapper.__signature__ = __import__("inspect").signature(function)
    except (TypeError, ValueError):
        pass
    wrapper._nbpromote_rows = True


def _metric_names(module: Any) -> list[str]:
    from .. import knowledge as K

    return sorted(
        name for name in getattr(module, "__all__", dir(module))
        if (name in K.METRICS or name.endswith(_METRIC_SUFFIXES)) and callable(getattr(module, name, None))
        and not isinstance(getattr(module, name), type)
        and name not in {"make_scorer", "get_scorer", "check_scoring"}
    )


def _length(value: Any) -> int | None:
    shape = getattr(value, "shape", None)
    if shape is not None:
        try:
            return int(shape[0]) if len(shape) else None
        except (TypeError, IndexError):
            return None
    if isinstance(value, (list, tuple)):
        return len(value)
    return None


def _numeric_columns(value: Any) -> list[Any] | None:
    """The columns of ``value`` as 1-D numeric arrays (views where possible), or None."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.ndim not in (1, 2):
            return None
        return [value] if value.ndim == 1 else [value[:, j] for j in range(value.shape[1])]
    frame = value.to_frame() if hasattr(value, "to_frame") and getattr(value, "ndim", 2) == 1 else value
    dtypes = getattr(frame, "dtypes", None)
    if dtypes is None or not all(getattr(d, "kind", "O") in "biuf" for d in dtypes):
        return None
    return [frame.iloc[:, j].to_numpy() for j in range(frame.shape[1])]


@functools.lru_cache(maxsize=64)
def _weights(columns: int) -> Any:
    import numpy as np

    return np.random.default_rng(columns).uniform(0.5, 1.5, size=(2, columns))


def _content(value: Any) -> Any:
    """uint64 hash per row of ``value`` (pandas or NumPy), or None when too big or unhashable.

    Numeric data (the usual model input) is hashed as two fixed random projections of each row's
    values, column by column in a fixed order (microseconds for small inputs, the same result for
    an int and a float column holding the same numbers, whatever the memory layout; rows holding
    NaN get a unique hash each, so they never match); other data through
    :func:`pandas.util.hash_pandas_object`.
    """
    try:
        shape = value.shape
        cells = int(shape[0]) * (int(shape[1]) if len(shape) > 1 else 1)
        if cells > CONTENT_LIMIT:
            return None
        import numpy as np

        columns = _numeric_columns(value)
        if columns is not None:
            n = int(shape[0])
            first = np.zeros(n)
            second = np.zeros(n)
            weights = _weights(len(columns))
            for j, column in enumerate(columns):
                column = column.astype(np.float64, copy=False)
                first += column * weights[0, j]
                second += column * weights[1, j]
            first += 0.0  # -0.0 and 0.0 are the same value
            second += 0.0
            hashes = first.view(np.uint64) ^ (second.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
            missing = np.isnan(first) | np.isnan(second)
            if missing.any():  # NaN never equals NaN: such rows match nothing
                hashes[missing] = np.arange(int(missing.sum()), dtype=np.uint64) + np.uint64(id(value))
            return hashes
        import pandas as pd

        if isinstance(value, (pd.DataFrame, pd.Series)):
            return pd.util.hash_pandas_object(value, index=False).to_numpy()
        if isinstance(value, np.ndarray):
            if value.ndim == 1:
                return pd.util.hash_array(value)
            if value.ndim == 2:
                return pd.util.hash_pandas_object(pd.DataFrame(value, copy=False), index=False).to_numpy()
        return None
    except Exception:  # unhashable objects, sparse matrices …: no content fallback
        return None
