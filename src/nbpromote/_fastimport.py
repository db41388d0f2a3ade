"""Import nbformat's validator without its slowest optional dependency.

``import nbformat`` imports ``jsonschema``, whose format checkers try ``import rfc3987_syntax``;
that module compiles a full RFC 3987 grammar with lark at import time — 1.5 to 8 s of the first
``%promote lint`` in a fresh kernel, for an ``iri`` format check neither nbformat nor nbpromote
ever asks for (nbformat validates with fastjsonschema, and without a format checker).

:func:`import_jsonschema_quickly` imports jsonschema once with that one optional module hidden,
then un-hides it: a later ``import rfc3987_syntax`` by the user's own code works as usual; only
jsonschema's ``iri``/``iri-reference`` format checks stay off in this process.
"""

from __future__ import annotations

import sys

__all__ = ["import_jsonschema_quickly"]

_SLOW_OPTIONAL = "rfc3987_syntax"


def import_jsonschema_quickly() -> None:
    """Import ``jsonschema`` (if not imported yet) skipping its grammar-compiling optional import."""
    if "jsonschema" in sys.modules or _SLOW_OPTIONAL in sys.modules:
        return
    sys.modules[_SLOW_OPTIONAL] = None  # type: ignore[assignment]  # makes that import fail fast
    try:
        import jsonschema  # noqa: F401
    except ImportError:  # jsonschema itself is missing: nbformat will say so
        pass
    finally:
        if sys.modules.get(_SLOW_OPTIONAL, 0) is None:
            del sys.modules[_SLOW_OPTIONAL]
