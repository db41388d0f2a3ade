"""Pinned dependencies of an exported package, and where each pin came from.

The modules the exported code imports (shared cells, stage cells) are mapped to their distributions
with :func:`importlib.metadata.packages_distributions`. A pin comes from the capture manifest's
``environment.packages`` when the notebook was captured (the versions the notebook really ran
with); otherwise from the exporting Python's installed version, and the lock says which, per line.
``nbpromote`` itself is always pinned: it is the exported package's runtime.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import Any

from ..knowledge import IMPORT_DISTRIBUTIONS

__all__ = ["Lock", "pin_requirements", "imported_modules"]


@dataclass(frozen=True)
class Lock:
    """One pinned requirement: ``requirement`` (``name==version``) and its provenance ``comment``."""

    requirement: str
    comment: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"requirement": self.requirement, "comment": self.comment, "source": self.source}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


#: Import names whose distribution is named differently (checked before scanning every distribution).
_KNOWN = IMPORT_DISTRIBUTIONS


@lru_cache(maxsize=1)
def _owners() -> dict[str, list[str]]:
    try:
        return dict(metadata.packages_distributions())
    except Exception:  # broken metadata of one distribution must not break export
        return {}


def _distribution(module: str) -> str:
    """The distribution that provides ``module``; cheap guesses first (the full scan takes ~1 s)."""
    for guess in (_KNOWN.get(module), module, module.replace("_", "-")):
        if guess:
            try:
                metadata.distribution(guess)
                return guess
            except metadata.PackageNotFoundError:
                pass
    return sorted(_owners().get(module) or [module])[0]


def imported_modules(trees: list[ast.Module]) -> list[str]:
    """Top-level module names imported anywhere in ``trees`` (absolute imports), sorted."""
    modules: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return sorted(modules)


def pin_requirements(modules: list[str], manifest: dict[str, Any] | None, nbpromote_version: str) -> list[Lock]:
    """Pin the distributions behind ``modules``.

    Parameters
    ----------
    modules : list of str
        Top-level import names (see :func:`imported_modules`).
    manifest : dict or None
        The capture manifest; its ``environment.packages`` (name → version) wins over the running
        environment.
    nbpromote_version : str
        The runtime version to pin.

    Returns
    -------
    list of Lock
        ``nbpromote`` first, then one per distribution, sorted by name; modules that belong to the
        standard library are left out, unknown ones are listed unpinned with a comment.
    """
    captured = {}
    if manifest:
        packages = (manifest.get("environment") or {}).get("packages") or {}
        if isinstance(packages, dict):
            captured = {_normalise(k): str(v) for k, v in packages.items()}
    stdlib = set(getattr(sys, "stdlib_module_names", ())) | {"__future__"}
    locks = {"nbpromote": Lock(f"nbpromote=={nbpromote_version}", "runtime of the exported package", "runtime")}
    for module in modules:
        if module in stdlib or module == "nbpromote":
            continue
        dist = _distribution(module)
        key = _normalise(dist)
        if key in locks:
            continue
        if key in captured:
            locks[key] = Lock(f"{key}=={captured[key]}", f"import {module} (manifest)", "manifest")
            continue
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            locks[key] = Lock(key, f"import {module} (not installed when exported: unpinned)", "unknown")
            continue
        locks[key] = Lock(f"{key}=={version}", f"import {module} (environment)", "environment")
    first = locks.pop("nbpromote")
    return [first] + [locks[k] for k in sorted(locks)]
