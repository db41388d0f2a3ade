"""Suite-wide fixtures."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _restore_main_module():
    # An in-process IPython shell (the magics' tests) installs its own `__main__`, which has no
    # __spec__; multiprocessing's spawn start method (the registry's concurrency tests) then fails.
    # Each test gets the interpreter's real `__main__` back.
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
