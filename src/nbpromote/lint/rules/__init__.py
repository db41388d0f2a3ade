"""The built-in rules: one module each, registered on import (one line per rule below)."""

from importlib import import_module

_MODULES = (
    "_syntax_error",
    "_preprocessing",
    "_overlap",
    "_multi_test",
    "_fit_on_test",
    "_target_leakage",
    "_temporal",
    "_out_of_order",
    "_hidden_state",
    "_unseeded",
    "_absolute_path",
    "_unpinned_install",
)

for _name in _MODULES:
    import_module(f"{__name__}.{_name}")
