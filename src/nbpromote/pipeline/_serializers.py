"""Artifact serializers: a small ordered registry, papermill-style.

Every stage output is turned into bytes by the first registered serializer that accepts it:

============  ==========  ===================================================================
name          file        accepts
============  ==========  ===================================================================
``json``      ``.json``   None, bool, int, finite float, str, lists and str-keyed dicts of them
                          (NumPy scalars are stored as their Python value)
``parquet``   ``.parquet`` pandas DataFrame / Series (the Series name is kept), written
                          deterministically and verified to round-trip to the same content hash
``npy``       ``.npy``    NumPy arrays of a fixed-width dtype
``skops``     ``.skops``  scikit-learn estimators and pipelines in skops' secure format, which
                          loads without executing code; the types it must trust (only from
                          scikit-learn, NumPy and SciPy) are listed in the signed metadata
``pickle``    ``.pkl``    anything picklable (estimators holding user functions …), protocol 5,
                          with the versions of the libraries it needs recorded beside it
============  ==========  ===================================================================

A value nothing can store raises :class:`~nbpromote.errors.SerializationError` naming the stage, the
output and the type. Add a format with :func:`register`::

    register(Serializer("feather", ".feather", accepts, dump, load), before="pickle")

The artifact's hash (its *id*, DESIGN decision 1) is the hash of its *content*:
:func:`nbpromote.capture.hashing.hash_value` for frames, series and arrays (so it equals the data
hashes in a capture manifest), the canonical JSON for plain values, and for models the pickle of a
canonical form without wall-clock fields (:func:`canonical_pickle`; ``GridSearchCV``'s
``cv_results_['*_time']`` and ``refit_time_`` differ on every fit), whichever format stores them.
The bytes stored are left as they are; their sha256 is the store's integrity check.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._io import canonical_json
from ..errors import SerializationError

__all__ = [
    "Serializer",
    "ArtifactVersionWarning",
    "SERIALIZERS",
    "register",
    "get_serializer",
    "serialize",
    "deserialize",
]


def _hashing() -> Any:
    from ..capture import hashing

    return hashing


class ArtifactVersionWarning(UserWarning):
    """A pickled artifact was written with other library versions than the ones installed.

    Like scikit-learn's ``InconsistentVersionWarning``: the model may load and behave differently.
    Carries ``artifact``, ``package``, ``saved`` and ``installed``.
    """

    def __init__(self, artifact: str, package: str, saved: str, installed: str | None) -> None:
        self.artifact, self.package, self.saved, self.installed = artifact, package, saved, installed
        super().__init__(
            f"Artifact {artifact} was pickled with {package} {saved}, but {package} "
            f"{installed or '(not installed)'} is installed; it may load incorrectly. "
            f"Install {package}=={saved} (the package's requirements.lock pins it) or rerun the pipeline."
        )


@dataclass(frozen=True)
class Serializer:
    """How one kind of value becomes an artifact file and back.

    Parameters
    ----------
    name : str
        Registry key, recorded in the artifact's metadata so loading picks the same serializer.
    suffix : str
        File suffix in the cache (``".parquet"``).
    accepts : callable
        ``accepts(value) -> bool``; cheap, type checks only.
    dump : callable
        ``dump(value) -> (bytes, content_hash, meta)``; ``meta`` is a JSON-able dict stored beside
        the artifact and given back to ``load``. Raise ``TypeError``/``ValueError`` to decline, and
        the next serializer is tried.
    load : callable
        ``load(data: bytes, meta: dict) -> value``.
    description : str, default=""
        One line for listings.
    digest : callable or None, default=None
        ``digest(value) -> content hash`` without serializing, when that is cheaper: the store
        then skips serializing content it already holds.
    """

    name: str
    suffix: str
    accepts: Callable[[Any], bool]
    dump: Callable[[Any], tuple[bytes, str, dict[str, Any]]]
    load: Callable[[bytes, dict[str, Any]], Any]
    description: str = field(default="", compare=False)
    digest: Callable[[Any], str] | None = field(default=None, compare=False)


#: name -> serializer, in the order they are tried.
SERIALIZERS: dict[str, Serializer] = {}


def register(serializer: Serializer, *, before: str | None = None) -> Serializer:
    """Add (or replace) a serializer; ``before`` puts it ahead of an existing one.

    Parameters
    ----------
    serializer : Serializer
        The serializer to add.
    before : str or None, default=None
        Name of a registered serializer to try after this one (e.g. ``"pickle"``, the catch-all).
        None appends at the end.

    Returns
    -------
    Serializer
        ``serializer``, so it can be used as a decorator result.
    """
    SERIALIZERS.pop(serializer.name, None)
    if before is None or before not in SERIALIZERS:
        SERIALIZERS[serializer.name] = serializer
        return serializer
    items = list(SERIALIZERS.items())
    index = [name for name, _ in items].index(before)
    items.insert(index, (serializer.name, serializer))
    SERIALIZERS.clear()
    SERIALIZERS.update(items)
    return serializer


def get_serializer(name: str) -> Serializer:
    """The serializer registered as ``name``."""
    try:
        return SERIALIZERS[name]
    except KeyError:
        raise SerializationError(
            f"No artifact serializer called '{name}' is registered (known: {', '.join(SERIALIZERS)}).",
            hint="Import the module that registers it before loading this artifact.", serializer=name,
        ) from None


def serialize(value: Any, *, stage: str | None = None, output: str | None = None) -> tuple[Serializer, bytes, str, dict[str, Any]]:
    """Store-ready bytes of ``value``: ``(serializer, data, content_hash, meta)``.

    Parameters
    ----------
    value : object
        A stage output.
    stage : str or None, default=None
        Stage name, for the error message.
    output : str or None, default=None
        Output name, for the error message.

    Raises
    ------
    SerializationError
        No registered serializer can store the value; the message names the stage, the output and
        the type and suggests a fix.
    """
    reasons = []
    for serializer in SERIALIZERS.values():
        if not serializer.accepts(value):
            continue
        try:
            data, digest, meta = serializer.dump(value)
        except (TypeError, ValueError, AttributeError, pickle.PicklingError, RecursionError) as exc:
            reasons.append(f"{serializer.name}: {exc}")
            continue
        return serializer, data, digest, meta
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    where = f"Stage '{stage}', output '{output}'" if stage else f"Output '{output}'" if output else "A value"
    raise SerializationError(
        f"{where} is a {kind}, which cannot be stored as an artifact ({'; '.join(reasons) or 'no serializer accepts it'}).",
        hint=(
            "Return plain data instead (a DataFrame, array, dict, or a fitted model), e.g. list(...) "
            "for a generator or the path for an open file, or register a serializer for this type "
            "with nbpromote.pipeline.register_serializer()."
        ),
        stage=stage, output=output, type=kind,
    )


def quick_digest(value: Any) -> str | None:
    """The content hash the first accepting serializer would give, if it can tell without dumping."""
    for serializer in SERIALIZERS.values():
        if serializer.accepts(value):
            return serializer.digest(value) if serializer.digest is not None else None
    return None


def deserialize(data: bytes, meta: dict[str, Any]) -> Any:
    """The value back from its bytes and metadata (as written by :func:`serialize`).

    Parameters
    ----------
    data : bytes
        The artifact's bytes.
    meta : dict
        Its metadata; ``meta["serializer"]`` picks the serializer.
    """
    return get_serializer(meta["serializer"]).load(data, meta)


# --- json -------------------------------------------------------------------------------------
def _is_plain(value: Any, depth: int = 0) -> bool:
    if depth > 100:
        return False
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, int):
        return type(value) is int or _is_numpy_scalar(value)
    if isinstance(value, float):
        return math.isfinite(value) and (type(value) is float or _is_numpy_scalar(value))
    if _is_numpy_scalar(value):
        item = value.item()
        return isinstance(item, (bool, int)) or (isinstance(item, float) and math.isfinite(item))
    if type(value) is list:
        return all(_is_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(isinstance(k, str) and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def _is_numpy_scalar(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.generic)


def _json_dump(value: Any) -> tuple[bytes, str, dict[str, Any]]:
    hash_bytes = _hashing().hash_bytes

    data = canonical_json(value).encode("utf-8")
    return data, hash_bytes(data), {}


def _json_load(data: bytes, meta: dict[str, Any]) -> Any:
    return json.loads(data.decode("utf-8"))


# --- parquet ----------------------------------------------------------------------------------
_SERIES_COLUMN = "__series__"


def _is_frame_or_series(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series))


def _parquet_bytes(frame: Any) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=None)
    sink = io.BytesIO()
    # No statistics timestamps or writer ids vary between writes; pin the options anyway so a
    # pyarrow default change cannot silently change the bytes.
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True, version="2.6")
    return sink.getvalue()


def _read_parquet(data: bytes) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data)).to_pandas()


def _parquet_dump(value: Any) -> tuple[bytes, str, dict[str, Any]]:
    import pandas as pd

    hash_value = _hashing().hash_value

    digest = hash_value(value)
    meta: dict[str, Any] = {"rows": int(len(value))}
    if isinstance(value, pd.Series):
        name = value.name
        if name is not None and not isinstance(name, (str, int, float, bool)):
            raise TypeError(f"the Series name {name!r} cannot be recorded")
        frame = value.to_frame(name=_SERIES_COLUMN)
        meta.update(kind="Series", series_name=name)
    else:
        if not all(isinstance(c, str) for c in value.columns) or value.columns.has_duplicates:
            raise TypeError("Parquet needs unique string column names")
        frame = value
        meta.update(kind="DataFrame", columns=int(value.shape[1]))
    try:
        data = _parquet_bytes(frame)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid/ArrowTypeError family
        raise TypeError(f"pyarrow cannot write it ({exc})") from None
    # Content addressing promises that loading gives back what was hashed; mixed-type object
    # columns and exotic dtypes may not survive Parquet, and then the pickle serializer takes over.
    if hash_value(_parquet_load(data, meta)) != digest:
        raise ValueError("Parquet does not round-trip its dtypes or index exactly")
    return data, digest, meta


def _parquet_load(data: bytes, meta: dict[str, Any]) -> Any:
    frame = _read_parquet(data)
    if meta.get("kind") == "Series":
        series = frame[_SERIES_COLUMN]
        series.name = meta.get("series_name")
        return series
    return frame


# --- npy --------------------------------------------------------------------------------------
def _is_array(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and type(value) is numpy.ndarray and value.dtype.kind in "biufcmMSU?"


def _npy_dump(value: Any) -> tuple[bytes, str, dict[str, Any]]:
    import numpy as np

    hash_value = _hashing().hash_value

    sink = io.BytesIO()
    np.save(sink, value, allow_pickle=False)
    return sink.getvalue(), hash_value(value), {"shape": list(value.shape), "dtype": value.dtype.str}


def _npy_load(data: bytes, meta: dict[str, Any]) -> Any:
    import numpy as np

    return np.load(io.BytesIO(data), allow_pickle=False)


# --- pickle -----------------------------------------------------------------------------------
_DIST_NAMES = {"sklearn": "scikit-learn"}


def _library_versions(value: Any) -> dict[str, str]:
    """Versions of the libraries a pickled value depends on (its own package + the numeric stack)."""
    top = type(value).__module__.split(".")[0]
    names = {top, "numpy", "scipy", "sklearn", "pandas"}
    versions: dict[str, str] = {}
    for name in sorted(names):
        module = sys.modules.get(name)
        version = getattr(module, "__version__", None)
        if isinstance(version, str) and name != "builtins":
            versions[_DIST_NAMES.get(name, name)] = version
    return versions


#: A fitted attribute (trailing ``_``) with one of these words as a ``_``-separated part is a
#: wall-clock measurement (``refit_time_``, ``fit_time_``, ``elapsed_seconds_``): left out of the id.
TIMING_WORDS = frozenset({"time", "times", "seconds", "duration", "elapsed", "timestamp"})

#: Private attributes that hold a value of this process only, left out of the id like timings:
#: ``CountVectorizer``/``TfidfVectorizer`` cache ``id(self.stop_words)`` (a memory address) to know
#: when their stop-word list changed, so two identical fits in two processes pickle differently.
PROCESS_LOCAL_FIELDS = frozenset({"_stop_words_id"})


def is_timing_field(name: Any) -> bool:
    """True for a fitted attribute holding wall-clock time, which the artifact id leaves out.

    Examples
    --------
    >>> is_timing_field("refit_time_"), is_timing_field("n_iter_"), is_timing_field("max_time")
    (True, False, False)
    """
    return isinstance(name, str) and name.endswith("_") and bool(TIMING_WORDS & set(name.strip("_").split("_")))


def canonical_state(state: dict[Any, Any]) -> tuple[dict[Any, Any], bool]:
    """An estimator's pickled state without its wall-clock fields; ``(state, changed)``.

    The rule (docs/architecture.md, decision 1): drop fitted attributes named by
    :func:`is_timing_field`; inside ``cv_results_`` (every ``*SearchCV``, ``Halving*``) drop the
    ``*_time`` columns (``mean_fit_time``, ``std_score_time``, ``split0_fit_time`` …); drop the
    process-local caches of :data:`PROCESS_LOCAL_FIELDS` (memory addresses); write sets
    as sorted lists (their iteration order follows the process's string-hash seed).
    """
    out: dict[Any, Any] = {}
    changed = False
    for key, value in state.items():
        if is_timing_field(key) or key in PROCESS_LOCAL_FIELDS:
            changed = True
            continue
        if key == "cv_results_" and isinstance(value, dict):
            kept = {k: v for k, v in value.items() if not (isinstance(k, str) and k.endswith("_time"))}
            changed = changed or len(kept) != len(value)
            value = kept
        elif isinstance(value, (set, frozenset)):
            value = ["<set>", *sorted(repr(item) for item in value)]
            changed = True
        out[key] = value
    return out, changed


class _CanonicalPickler(pickle.Pickler):
    """Pickles estimators (anything with ``get_params``) through :func:`canonical_state`."""

    changed = False

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, type) or not hasattr(type(obj), "get_params"):
            return NotImplemented
        try:
            reduced = obj.__reduce_ex__(5)
        except Exception:  # noqa: BLE001 - let pickle report it the usual way
            return NotImplemented
        if not isinstance(reduced, tuple) or len(reduced) < 3 or not isinstance(reduced[2], dict):
            return NotImplemented
        state, changed = canonical_state(reduced[2])
        if not changed:
            return NotImplemented
        self.changed = True
        return (*reduced[:2], state, *reduced[3:])


def _cross_validate_result(value: Any) -> bool:
    return (type(value) is dict and "fit_time" in value and "score_time" in value
            and any(isinstance(k, str) and k.startswith("test_") for k in value))


def canonical_pickle(value: Any) -> tuple[bytes, bool]:
    """``(bytes, changed)``: the canonical form the artifact id of a pickled value is taken over.

    The pickle of ``value`` with wall-clock fields left out (:func:`canonical_state`, and the
    ``fit_time``/``score_time`` arrays of a ``cross_validate`` result); ``changed`` is False when
    nothing was left out, and then the bytes are exactly ``pickle.dumps(value, protocol=5)``.
    """
    changed = False
    if _cross_validate_result(value):
        value = {k: v for k, v in value.items() if k not in ("fit_time", "score_time")}
        changed = True
    sink = io.BytesIO()
    pickler = _CanonicalPickler(sink, protocol=5)
    pickler.dump(value)
    return sink.getvalue(), changed or pickler.changed


def artifact_id_of_object(value: Any) -> str:
    """The artifact id of a value stored as a pickle (or skops): xxh3_128 of its canonical pickle."""
    return _hashing().hash_bytes(canonical_pickle(value)[0])


def _pickle_dump(value: Any) -> tuple[bytes, str, dict[str, Any]]:
    hash_bytes = _hashing().hash_bytes

    try:
        canonical, changed = canonical_pickle(value)
        data = pickle.dumps(value, protocol=5) if changed else canonical
    except Exception as exc:  # pickling reports through many types (TypeError, PicklingError, …)
        raise TypeError(f"pickle failed: {exc}") from None
    meta = {"python": ".".join(map(str, sys.version_info[:2])), "versions": _library_versions(value),
            "format": "pickle", "canonical": "timings removed" if changed else "as stored"}
    return data, hash_bytes(canonical), meta


# --- skops ------------------------------------------------------------------------------------
#: Modules whose types a skops artifact may trust; anything else (a user's function inside a
#: FunctionTransformer, a custom class) goes to pickle instead.
SKOPS_TRUSTED_MODULES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


def _is_sklearn_estimator(value: Any) -> bool:
    return type(value).__module__.startswith("sklearn.") and hasattr(type(value), "get_params")


def _skops_dump(value: Any) -> tuple[bytes, str, dict[str, Any]]:
    try:
        import skops.io as sio
    except ImportError:
        raise TypeError("skops is not installed") from None
    digest = artifact_id_of_object(value)
    try:
        data = sio.dumps(value)
        untrusted = sorted(sio.get_untrusted_types(data=data))
    except Exception as exc:  # skops raises its own types for what it cannot represent
        raise TypeError(f"skops cannot store it ({exc})") from None
    foreign = [name for name in untrusted if not name.startswith(SKOPS_TRUSTED_MODULES)]
    if foreign:
        raise TypeError(f"skops would have to trust {', '.join(foreign)}")
    # skops rebuilds the estimator (equal predictions; the pickle of the copy can differ in array
    # layout), so the id stays the original's canonical pickle; a copy of another type is refused.
    if type(sio.loads(data, trusted=untrusted)) is not type(value):
        raise ValueError("skops does not load it back as the same type")
    meta = {"python": ".".join(map(str, sys.version_info[:2])), "versions": _library_versions(value),
            "format": "skops", "trusted": untrusted}
    return data, digest, meta


def _skops_load(data: bytes, meta: dict[str, Any]) -> Any:
    import skops.io as sio

    _warn_versions(meta)
    return sio.loads(data, trusted=list(meta.get("trusted") or []))


def _installed_version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _warn_versions(meta: dict[str, Any]) -> None:
    import warnings

    for package, saved in sorted(meta.get("versions", {}).items()):
        installed = _installed_version(package)
        if installed != saved:
            warnings.warn(ArtifactVersionWarning(meta.get("hash", "?"), package, saved, installed), stacklevel=4)


def _pickle_load(data: bytes, meta: dict[str, Any]) -> Any:
    _warn_versions(meta)
    return pickle.loads(data)


register(Serializer("json", ".json", _is_plain, _json_dump, _json_load, "plain values as canonical JSON"))
def _content_hash(value: Any) -> str:
    return _hashing().hash_value(value)


register(Serializer("parquet", ".parquet", _is_frame_or_series, _parquet_dump, _parquet_load, "pandas DataFrame/Series",
                    digest=_content_hash))
register(Serializer("npy", ".npy", _is_array, _npy_dump, _npy_load, "NumPy arrays", digest=_content_hash))
register(Serializer("skops", ".skops", _is_sklearn_estimator, _skops_dump, _skops_load,
                    "scikit-learn estimators (skops secure format)"))
register(Serializer("pickle", ".pkl", lambda value: True, _pickle_dump, _pickle_load, "anything picklable"))


# --- XGBoost DMatrix --------------------------------------------------------------------------
def _is_xgboost_dmatrix(value: Any) -> bool:
    # Checked by name so that storing anything else never imports xgboost.
    kind = type(value)
    return kind.__name__ == "DMatrix" and kind.__module__.startswith("xgboost")


def _dmatrix_dump(value: Any) -> tuple[bytes, str, dict[str, Any]]:
    """A ``DMatrix`` holds a C pointer (no pickle); XGBoost's own binary buffer stores it, labels, weights
    and feature names included, and the same matrix always writes the same bytes."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nbpromote-dmatrix-") as folder:
        path = f"{folder}/matrix.buffer"
        value.save_binary(path, silent=True)
        with open(path, "rb") as handle:
            data = handle.read()
    meta = {"python": ".".join(map(str, sys.version_info[:2])), "versions": _library_versions(value),
            "format": "xgboost-dmatrix", "canonical": "as stored"}
    return data, _hashing().hash_bytes(data), meta


def _dmatrix_load(data: bytes, meta: dict[str, Any]) -> Any:
    import tempfile

    import xgboost

    _warn_versions(meta)
    with tempfile.TemporaryDirectory(prefix="nbpromote-dmatrix-") as folder:
        path = f"{folder}/matrix.buffer"
        with open(path, "wb") as handle:
            handle.write(data)
        return xgboost.DMatrix(path, silent=True)


register(Serializer("xgboost-dmatrix", ".buffer", _is_xgboost_dmatrix, _dmatrix_dump, _dmatrix_load,
                    "XGBoost DMatrix (XGBoost's binary buffer)"), before="pickle")


# --- cloudpickle ------------------------------------------------------------------------------
def _cloudpickle_dump(value: Any) -> tuple[bytes, str, dict[str, Any]]:
    """Functions, lambdas and classes a notebook hands from one stage to the next (defined inside the
    stage function, so plain pickle cannot name them) are stored by value with cloudpickle; the
    artifact's metadata says so. The bytes are deterministic for the same code, so the id is too."""
    try:
        import cloudpickle
    except ImportError:
        raise TypeError("cloudpickle is not installed (pip install cloudpickle)") from None
    try:
        data = cloudpickle.dumps(value, protocol=5)
    except Exception as exc:  # noqa: BLE001 - as for pickle
        raise TypeError(f"cloudpickle failed: {exc}") from None
    meta = {"python": ".".join(map(str, sys.version_info[:2])), "versions": _library_versions(value),
            "format": "cloudpickle", "canonical": "as stored"}
    return data, _hashing().hash_bytes(data), meta


register(Serializer("cloudpickle", ".cloudpickle", lambda value: True, _cloudpickle_dump, _pickle_load,
                    "functions and classes handed between stages, by value"))
