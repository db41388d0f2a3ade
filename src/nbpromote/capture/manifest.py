"""The provenance manifest: schema, validation, upgrades, reading, writing and identity.

A manifest is one JSON document per capture (schema in ``manifest-2.schema.json`` beside this
module, ``schema_version`` 2; version 1, ``manifest.schema.json``, is still read and upgraded). It is stored in two places with the same content: ``metadata.nbpromote.manifest``
of the notebook and the sidecar ``<notebook stem>.manifest.json`` beside it.

Reading validates against the schema of the document's own version, upgrades one version at a time
through :data:`UPGRADES` (recording ``upgraded_from``), and validates again; validation never changes
the document. :func:`manifest_identity` hashes only the fields that decide reproducibility (data
hashes, seeds, environment lock, notebook code, parameters), so two runs of the same notebook on the
same data have the same identity even though their timestamps differ.

Keys (schema_version 2; the schema file has a description for each):

``schema_version``  2.
``created_at``      UTC time of the capture (ISO 8601, ``…Z``).
``notebook``        Path of the notebook captured, or null in a kernel not saved yet.
``notebook_hash``   ``sha256:…`` of the cells' types, sources and tags (not outputs).
``parameters``      papermill parameters of the run (``{}`` in an interactive kernel).
``seeds``           ``seed`` (int or null), ``libraries`` seeded, ``pythonhashseed``, ``notes``,
                    ``unseeded_cells`` (``cell_id``, ``execution_count``, ``calls``, ``always``).
``data``            name -> ``hash`` (``xxh3_128:…``), ``kind`` (DataFrame, Series, Index, ndarray,
                    bytes, file), ``shape`` or ``size``, ``source`` (``variable`` or
                    ``read by cell <id>``), optional ``path``, ``nbytes``, ``note``.
``environment``     ``python``, ``implementation``, ``executable``, ``platform``, ``machine``,
                    ``packages`` (name -> exact version), ``lock_hash``, ``lock_path``.
``git``             ``commit``, ``branch``, ``dirty``, ``root``; all null plus ``reason`` outside a
                    repository.
``execution``       Cell runs in the order they happened: ``cell_id``, ``execution_count``,
                    ``started_at``, ``duration_ms``, ``success``.
``rows``            (new in 2) run-time row evidence: ``observed``, ``calls`` (each tracked call:
                    ``call``, ``roles``, ``estimator``, ``site``, ``rows``, ``origin``, ``via``),
                    ``evidence`` (``shared-rows``: what a learner learned from vs what an evaluation
                    was given; ``reused-rows``: the same rows scored for several models), ``notes``
                    (see :mod:`nbpromote.capture._evidence`).
``reads``           (new in 2) files the run actually read, recorded at run time: path ->
                    ``hash``, ``size``, ``mtime_ns``, ``how``, ``site``.

Upgrade 1 -> 2 adds ``rows`` with ``observed`` false (nothing was tracked) and ``reads`` from the
version-1 ``data`` entries of kind ``file`` that were read by a cell (found by the source scan).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from .._io import read_json, write_json
from ..errors import ManifestError, NotebookFormatError
from .hashing import hash_json

__all__ = [
    "SCHEMA_VERSION",
    "UPGRADES",
    "load_manifest",
    "manifest_identity",
    "save_manifest",
    "sidecar_path",
    "upgrade_manifest",
    "validate_manifest",
]

SCHEMA_VERSION = 2
#: schema_version -> schema file (beside this module).
SCHEMAS: dict[int, str] = {1: "manifest.schema.json", 2: "manifest-2.schema.json"}


def _upgrade_1_to_2(document: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had no row evidence and found reads only by scanning cell source."""
    out = copy.deepcopy(document)
    out["schema_version"] = 2
    out["rows"] = {"observed": False, "calls": [], "evidence": [], "dropped_calls": 0,
                   "notes": ["upgraded from manifest schema 1: the run was not tracked"]}
    reads: dict[str, Any] = {}
    for name, entry in (out.get("data") or {}).items():
        if isinstance(entry, dict) and entry.get("kind") == "file" and str(entry.get("source", "")).startswith("read by"):
            entry["recorded"] = "source scan"
            reads[entry.get("path", name)] = {"hash": entry["hash"], "how": "source scan",
                                              **({"size": entry["size"]} if "size" in entry else {})}
    out["reads"] = reads
    return out


#: schema_version n -> function turning a version-n document into version n + 1 (returns a copy).
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _upgrade_1_to_2}


@cache
def _schema(version: int) -> dict[str, Any]:
    return json.loads((Path(__file__).with_name(SCHEMAS[version])).read_text(encoding="utf-8"))


def validate_manifest(manifest: Any, *, source: str = "manifest") -> None:
    """Check ``manifest`` against the schema of its ``schema_version``; never modifies it.

    Raises
    ------
    ManifestError
        Not an object, an unknown version, or a schema violation; the message names the field.
    """
    import jsonschema

    if not isinstance(manifest, Mapping):
        raise ManifestError(f"{source} is not a JSON object.", path=source)
    version = manifest.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ManifestError(f"{source} has no integer schema_version.", path=source)
    if version not in SCHEMAS:
        newer = version > SCHEMA_VERSION
        raise ManifestError(
            f"{source} has schema_version {version}, which this nbpromote does not know.",
            hint="Upgrade nbpromote to read it." if newer else "It cannot be upgraded; capture again.",
            path=source,
        )
    validator = jsonschema.Draft202012Validator(_schema(version))
    error = jsonschema.exceptions.best_match(validator.iter_errors(dict(manifest)))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ManifestError(
            f"{source} does not match manifest schema {version} at {where}: {error.message}.",
            hint="Capture the notebook again (nbpromote capture NB) to regenerate it.", path=source,
        )


def upgrade_manifest(manifest: Mapping[str, Any], *, source: str = "manifest") -> dict[str, Any]:
    """Validate, upgrade to :data:`SCHEMA_VERSION` one step at a time, validate again; a copy."""
    validate_manifest(manifest, source=source)
    document = copy.deepcopy(dict(manifest))
    original = document["schema_version"]
    while document["schema_version"] < SCHEMA_VERSION:
        step = UPGRADES.get(document["schema_version"])
        if step is None:
            raise ManifestError(
                f"{source}: no upgrade from manifest schema {document['schema_version']}.",
                hint="Capture the notebook again.", path=source,
            )
        document = step(document)
    if original != SCHEMA_VERSION:
        document["upgraded_from"] = original
        validate_manifest(document, source=source)
    return document


def sidecar_path(notebook: str | Path) -> Path:
    """``dir/name.ipynb`` -> ``dir/name.manifest.json``."""
    target = Path(notebook)
    return target.with_name(f"{target.stem}.manifest.json")


def load_manifest(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read, validate and upgrade a manifest.

    Parameters
    ----------
    source : str, Path, dict or NotebookNode
        A ``.manifest.json`` file; a notebook path (its sidecar ``<stem>.manifest.json`` if present,
        else its ``metadata.nbpromote.manifest``); a notebook object; or a manifest dict.

    Returns
    -------
    dict
        The manifest at :data:`SCHEMA_VERSION`.

    Raises
    ------
    ManifestError
        Nothing to read, invalid JSON, or a schema violation.
    """
    if isinstance(source, Mapping):
        if "cells" in source:
            return _from_notebook_node(source, "notebook")
        return upgrade_manifest(source)
    path = Path(source)
    if path.suffix == ".ipynb":
        sidecar = sidecar_path(path)
        if sidecar.exists():
            return upgrade_manifest(read_json(sidecar), source=str(sidecar))
        from ..notebook import read_notebook

        return _from_notebook_node(read_notebook(path), str(path))
    return upgrade_manifest(read_json(path), source=str(path))


def _from_notebook_node(nb: Mapping[str, Any], name: str) -> dict[str, Any]:
    manifest = nb.get("metadata", {}).get("nbpromote", {}).get("manifest")
    if manifest is None:
        raise ManifestError(
            f"{name} holds no nbpromote manifest (metadata.nbpromote.manifest) and has no sidecar.",
            hint="Capture it first: nbpromote capture NB, or %promote save in the notebook.", path=name,
        )
    return upgrade_manifest(manifest, source=f"{name} metadata.nbpromote.manifest")


def save_manifest(
    manifest: Mapping[str, Any], notebook: str | Path, *, into_notebook: bool = True,
) -> tuple[Path, Path]:
    """Write ``manifest`` beside ``notebook`` and into its ``metadata.nbpromote.manifest``.

    Both writes are atomic; the notebook is validated before it is replaced and nothing in it but
    ``metadata.nbpromote.manifest`` changes.

    Parameters
    ----------
    manifest : dict
        A valid manifest (validated here first).
    notebook : str or Path
        The notebook file, which must exist when ``into_notebook`` is True.
    into_notebook : bool, default=True
        Also merge the manifest into the notebook file.

    Returns
    -------
    (Path, Path)
        The notebook path and the sidecar path.

    Raises
    ------
    ManifestError, NotebookFormatError, NotebookWriteError
    """
    from ..notebook import read_notebook, write_notebook

    validate_manifest(manifest)
    target = Path(notebook)
    if into_notebook:
        nb = read_notebook(target)
        section = nb.metadata.setdefault("nbpromote", {})
        if not isinstance(section, dict):
            raise NotebookFormatError(
                f"{target}: metadata.nbpromote is a {type(section).__name__}, not an object.",
                hint="Remove that key or make it an object.", notebook=str(target),
            )
        section["manifest"] = json.loads(json.dumps(dict(manifest)))
        write_notebook(nb, target)
    sidecar = write_json(sidecar_path(target), dict(manifest))
    return target, sidecar


def identity_fields(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The reproducibility-relevant part of a manifest (what :func:`manifest_identity` hashes)."""
    seeds = manifest.get("seeds") or {}
    environment = manifest.get("environment") or {}
    fields = {
        "data": {name: entry.get("hash") for name, entry in (manifest.get("data") or {}).items()},
        "seed": seeds.get("seed"),
        "seeded_libraries": sorted(seeds.get("libraries") or []),
        "lock_hash": environment.get("lock_hash"),
        "notebook_hash": manifest.get("notebook_hash"),
        "parameters": manifest.get("parameters") or {},
    }
    reads = manifest.get("reads") or {}
    if reads:  # files read at run time that the data section does not already name
        named = {entry.get("path", name) for name, entry in (manifest.get("data") or {}).items()}
        extra = {path: entry.get("hash") for path, entry in sorted(reads.items()) if path not in named}
        if extra:
            fields["reads"] = extra
    return fields


def manifest_identity(manifest: Mapping[str, Any]) -> str:
    """Hash of the data hashes, seed, environment lock, notebook code and parameters.

    Timestamps, durations, paths and git state are left out, so re-running the same notebook on the
    same data in the same environment gives the same identity.

    Examples
    --------
    >>> a = {"data": {"df": {"hash": "xxh3_128:00"}}, "seeds": {"seed": 1}, "created_at": "x"}
    >>> manifest_identity(a) == manifest_identity({**a, "created_at": "y"})
    True
    """
    return hash_json(identity_fields(manifest))
