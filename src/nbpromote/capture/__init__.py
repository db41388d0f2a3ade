"""Provenance capture: seeds, data hashes, environment, git state and execution order.

In a notebook, ``%load_ext nbpromote`` starts a :class:`CaptureSession` (see
:mod:`nbpromote.capture.kernel`) and ``%promote seed|track|env|status|save`` drive it. Headless,
:func:`capture_notebook` runs a notebook with papermill, capture on, and writes the executed notebook
and its manifest (:mod:`nbpromote.capture.manifest`).
"""

from .._fastimport import import_jsonschema_quickly

import_jsonschema_quickly()  # before nbformat (see nbpromote._fastimport)


from typing import Any  # noqa: E402

from ._data import describe_file, describe_value, track_names  # noqa: E402
from ._environment import environment, git_state, installed_packages, lock_text, write_lock  # noqa: E402
from ._scan import CellScan, scan_cell  # noqa: E402
from ._seeds import SeedRecord, parse_seed, set_seeds  # noqa: E402
from ._session import CaptureSession  # noqa: E402
from .hashing import ALGORITHM, hash_bytes, hash_file, hash_json, hash_value, supported_types  # noqa: E402
from .manifest import (  # noqa: E402
    SCHEMA_VERSION,
    load_manifest,
    manifest_identity,
    save_manifest,
    sidecar_path,
    upgrade_manifest,
    validate_manifest,
)

__all__ = [
    "ALGORITHM",
    "SCHEMA_VERSION",
    "CaptureResult",
    "CaptureSession",
    "CellScan",
    "SeedRecord",
    "capture_notebook",
    "default_output",
    "describe_file",
    "describe_value",
    "environment",
    "git_state",
    "hash_bytes",
    "hash_file",
    "hash_json",
    "hash_value",
    "installed_packages",
    "load_manifest",
    "lock_text",
    "manifest_identity",
    "parse_seed",
    "save_manifest",
    "scan_cell",
    "set_seeds",
    "sidecar_path",
    "supported_types",
    "track_names",
    "upgrade_manifest",
    "validate_manifest",
    "write_lock",
]


def __getattr__(name: str) -> Any:
    # capture_notebook needs papermill and nbformat (and so jsonschema): import them only when a
    # headless capture is asked for, so `%load_ext nbpromote` stays fast.
    if name in {"CaptureResult", "capture_notebook", "default_output"}:
        from . import _run

        return getattr(_run, name)
    raise AttributeError(f"module 'nbpromote.capture' has no attribute {name!r}")
