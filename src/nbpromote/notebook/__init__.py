"""Notebooks in, cells out: reading, writing, parsing and the per-cell name summary.

The shared layer under ``capture``, ``lint`` and ``export``: they all read notebooks and parse cells
through here, once.
"""

from .._fastimport import import_jsonschema_quickly

import_jsonschema_quickly()  # before nbformat: it imports jsonschema (see nbpromote._fastimport)

from ._cells import (  # noqa: E402
    CodeCell,
    cells_from_script,
    code_cells,
    load_cells,
    load_notebook,
    make_cell,
    python_source,
)
from ._io import notebook_from_dict, notebook_hash, read_notebook, write_notebook  # noqa: E402
from ._names import BUILTINS, CellNames, cell_names  # noqa: E402

__all__ = [
    "BUILTINS",
    "CellNames",
    "CodeCell",
    "cell_names",
    "cells_from_script",
    "code_cells",
    "load_cells",
    "load_notebook",
    "make_cell",
    "notebook_from_dict",
    "notebook_hash",
    "python_source",
    "read_notebook",
    "write_notebook",
]
