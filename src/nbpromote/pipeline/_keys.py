"""Stage cache keys and the reasons a stage reruns.

key = hash(stage code, the params it uses, the data files those params name, input artifact
hashes, environment lock, seed). The key's parts are kept in the run record, so the next run can
say *why* a stage reruns, DVC-style: a cheapest-first chain of small predicates, each returning a
reason ("code changed (stages/train.py)", "param test_size changed (0.25 → 0.3)",
"input raw changed") or nothing.

Everything here avoids NumPy and pandas: a fully cached rerun hashes a few source files and
compares dicts, so it stays well under half a second including interpreter start.
"""

from __future__ import annotations

import os
import site
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import xxhash

from .._io import canonical_json
from ..capture.hashing import hash_file
from ._dag import Pipeline, Stage

__all__ = ["key_parts", "stage_key", "rerun_reasons", "environment_lock"]

_ALGORITHM = "xxh3_128"


def _digest(hasher: Any) -> str:
    return f"{_ALGORITHM}:{hasher.hexdigest()}"


def _hash_json(value: Any) -> str:
    return _digest(xxhash.xxh3_128(canonical_json(value).encode("utf-8")))


_ENV_CACHE: dict[str, dict[str, str]] = {}


def environment_lock(package_root: Path | None) -> dict[str, str]:
    """What the key uses as the environment: ``{"source": …, "hash": …}``.

    Parameters
    ----------
    package_root : Path or None
        The package directory that may hold ``requirements.lock``.

    The package's ``requirements.lock`` when it has one (the pinned environment it was exported
    with); otherwise the running interpreter's installed distributions as a sorted
    ``name==version`` list, read from the ``*.dist-info`` directory names on ``sys.path`` (fast:
    directory listings only, no metadata parsing).
    """
    lock = package_root / "requirements.lock" if package_root else None
    cache_key = str(lock) if lock else ""
    if cache_key in _ENV_CACHE:
        return _ENV_CACHE[cache_key]
    if lock is not None and lock.is_file():
        result = {"source": "requirements.lock", "hash": hash_file(lock)}
    else:
        result = {"source": "installed distributions", "hash": _hash_json(installed_distributions())}
    _ENV_CACHE[cache_key] = result
    return result


def installed_distributions() -> list[str]:
    """Sorted ``name==version`` of the distributions importable by this interpreter."""
    found: set[str] = set()
    paths = list(dict.fromkeys([*sys.path, *site.getsitepackages()]))
    for entry in paths:
        if not entry or not os.path.isdir(entry):
            continue
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                stem = name.rsplit(".", 1)[0]
                dist, _, version = stem.partition("-")
                found.add(f"{dist.lower().replace('_', '-')}=={version}")
    return sorted(found)


def code_files(pipeline: Pipeline, stage: Stage) -> dict[str, str]:
    """``{relative path: hash}`` of the stage's module file and the package's ``common.py``."""
    root = pipeline.root
    files: dict[str, str] = {}
    source = stage.source_file
    candidates = [source] if source else []
    if root is not None and (root / "common.py").is_file():
        candidates.append(root / "common.py")
    for path in candidates:
        try:
            label = str(path.relative_to(root)) if root else path.name
        except ValueError:
            label = str(path)
        files[label] = hash_file(path)
    if not files:
        # A function without a source file (built in a REPL): its bytecode is the best we have.
        code = stage.resolve().__code__
        files[stage.func_ref] = _digest(xxhash.xxh3_128(code.co_code + repr(code.co_consts).encode()))
    return files


def data_files(params: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Params of ``names`` whose value is a path to an existing file: ``{param: {path, hash}}``.

    The file's content joins the key, so editing the data a stage reads reruns it.
    """
    out: dict[str, dict[str, str]] = {}
    for name in names:
        value = params.get(name)
        if isinstance(value, (str, os.PathLike)) and str(value) and len(str(value)) < 4096:
            path = Path(value)
            try:
                if path.is_file():
                    out[name] = {"path": str(value), "hash": hash_file(path)}
            except OSError:
                continue
    return out


def key_parts(pipeline: Pipeline, stage: Stage, params: Mapping[str, Any], inputs: Mapping[str, str]) -> dict[str, Any]:
    """Everything the stage's result depends on, as a canonical dict (hashed into the key).

    Parameters
    ----------
    pipeline : Pipeline
        The pipeline (package root, seed).
    stage : Stage
        The stage.
    params : mapping
        This run's resolved parameters; only the stage's own enter the key.
    inputs : mapping
        Input name → content hash of the upstream artifact.
    """
    return {
        "stage": stage.name,
        "outputs": list(stage.outputs),
        "code": code_files(pipeline, stage),
        "params": {name: params[name] for name in stage.params},
        "data": data_files(params, stage.params),
        "inputs": {name: inputs[name] for name in stage.inputs},
        "env": environment_lock(pipeline.root)["hash"],
        "seed": pipeline.seed,
    }


def stage_key(parts: Mapping[str, Any]) -> str:
    """The cache key: the hash of the key parts' canonical JSON.

    Parameters
    ----------
    parts : mapping
        From :func:`key_parts`.
    """
    return _hash_json(dict(parts))


# --- why a stage reruns: cheapest-first predicates --------------------------------------------
def _never_ran(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[str]:
    return ["first run (no earlier result for this stage)"] if old is None else []


def _seed(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    return [f"seed changed ({old.get('seed')} → {new['seed']})"] if old.get("seed") != new["seed"] else []


def _params(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    before = old.get("params", {})
    return [
        f"param {name} changed ({before.get(name)!r} → {value!r})" if name in before else f"param {name} added"
        for name, value in new["params"].items()
        if name not in before or canonical_json(before[name]) != canonical_json(value)
    ]


def _code(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    before = old.get("code", {})
    changed = [path for path, digest in new["code"].items() if before.get(path) != digest]
    return [f"code changed ({', '.join(changed)})"] if changed else []


def _env(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    return ["environment changed"] if old.get("env") != new["env"] else []


def _data(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    before = old.get("data", {})
    return [
        f"data file {info['path']} changed"
        for name, info in new["data"].items()
        if before.get(name, {}).get("hash") != info["hash"]
    ]


def _inputs(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    before = old.get("inputs", {})
    return [f"input {name} changed" for name, digest in new["inputs"].items() if before.get(name) != digest]


_PREDICATES: list[Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]]] = [
    _seed, _params, _code, _env, _data, _inputs,
]


def rerun_reasons(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[str]:
    """Why a stage whose key is not cached must run, compared with its previous key parts.

    Parameters
    ----------
    new : mapping
        This run's key parts (:func:`key_parts`).
    old : mapping or None
        The parts of the stage's previous run (from the last run record), None if it never ran.

    Returns
    -------
    list of str
        Human-readable reasons; ``["no cached result for this key"]`` when nothing differs from the
        previous run but its result is gone from the cache (deleted, or never completed).
    """
    first = _never_ran(new, old)
    if first or old is None:
        return first
    reasons = [reason for predicate in _PREDICATES for reason in predicate(new, old)]
    return reasons or ["no cached result for this key (cache cleared or the earlier run did not finish)"]
