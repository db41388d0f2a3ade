"""Import single light modules of other nbpromote subpackages without their package ``__init__``.

``nbpromote.capture``'s ``__init__`` imports nbformat, papermill and the capture session (seconds
of start-up), while the runtime only needs two small modules of it: ``hashing`` (content hashes)
and ``_seeds`` (seed setting). Every stage worker process and the first artifact write of a run
would pay for the whole package; loading the module file directly under its canonical name keeps
one module object (a later ``import nbpromote.capture`` finds it in ``sys.modules`` and reuses it).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

__all__ = ["light_import"]


def light_import(name: str) -> ModuleType:
    """``importlib.import_module(name)``, skipping the parent package's ``__init__`` if not loaded."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    parent_name, _, child = name.rpartition(".")
    if parent_name in sys.modules:
        return importlib.import_module(name)
    parent_spec = importlib.util.find_spec(parent_name)
    locations = list(parent_spec.submodule_search_locations or []) if parent_spec else []
    spec = importlib.util.find_spec(name) if not locations else None
    for location in locations:
        spec = importlib.machinery.PathFinder.find_spec(name, [location])
        if spec is not None:
            break
    if spec is None or spec.loader is None:
        return importlib.import_module(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError:
        # The module started needing its package (a sibling import): fall back to the normal way.
        sys.modules.pop(name, None)
        return importlib.import_module(name)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
