"""Setting and recording the seeds of every random number generator a notebook is likely to use.

``set_seeds(42)`` seeds Python's ``random``, NumPy's legacy global state (which scikit-learn
estimators use when ``random_state`` is None), torch when it is importable and TensorFlow when it is
already imported. ``PYTHONHASHSEED`` is recorded and exported to child processes, but it cannot
change string hashing in the running interpreter; the record says so.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError

__all__ = ["SeedRecord", "set_seeds", "parse_seed", "MAX_SEED"]

#: NumPy's legacy ``np.random.seed`` accepts 0 … 2**32 - 1.
MAX_SEED = 2**32 - 1

SKLEARN_NOTE = (
    "scikit-learn estimators and splitters with random_state=None draw from NumPy's global RNG, "
    "which this seed sets; pass random_state explicitly to make a cell independent of run order."
)
HASHSEED_NOTE = (
    "PYTHONHASHSEED was exported for processes started from now on (subprocesses, exported "
    "pipelines); it cannot change str hashing in this running kernel."
)


@dataclass
class SeedRecord:
    """What :func:`set_seeds` did.

    Attributes
    ----------
    seed : int
        The seed.
    libraries : list of str
        Generators seeded, e.g. ``["random", "numpy", "torch"]``.
    pythonhashseed : str
        The value exported as ``PYTHONHASHSEED``.
    pythonhashseed_current : str or None
        ``PYTHONHASHSEED`` of the running process when it started (None: random per process).
    notes : list of str
        Caveats worth showing to the person (hash seed scope, scikit-learn behaviour).
    """

    seed: int
    libraries: list[str] = field(default_factory=list)
    pythonhashseed: str = ""
    pythonhashseed_current: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "libraries": list(self.libraries),
            "pythonhashseed": self.pythonhashseed,
            "pythonhashseed_current": self.pythonhashseed_current,
            "notes": list(self.notes),
        }


def parse_seed(text: Any) -> int:
    """Validate a seed given as text or int; the error names the value and the allowed range."""
    if isinstance(text, bool):
        raise UsageError(f"Seed {text!r} is not an integer.", hint=f"Use an integer from 0 to {MAX_SEED}.")
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise UsageError(
            f"Seed {text!r} is not an integer.", hint=f"Use an integer from 0 to {MAX_SEED}, e.g. %promote seed 42."
        ) from None
    if not 0 <= value <= MAX_SEED:
        raise UsageError(
            f"Seed {value} is out of range.", hint=f"NumPy accepts seeds from 0 to {MAX_SEED}."
        )
    return value


def set_seeds(seed: int | str, *, torch: bool | None = None) -> SeedRecord:
    """Seed every generator available and say which ones.

    Parameters
    ----------
    seed : int or str
        0 … 2**32 - 1.
    torch : bool or None, default=None
        Seed torch: None means "if it is importable" (it is imported for that); False never.

    Returns
    -------
    SeedRecord

    Raises
    ------
    UsageError
        The seed is not an integer in range.

    Examples
    --------
    >>> record = set_seeds(42)
    >>> record.libraries[:2]
    ['random', 'numpy']
    """
    value = parse_seed(seed)
    random.seed(value)
    libraries = ["random"]
    import numpy as np

    np.random.seed(value)
    libraries.append("numpy")
    if torch is not False and (torch or importlib.util.find_spec("torch") is not None):
        try:
            import torch as _torch

            _torch.manual_seed(value)
            libraries.append("torch")
        except Exception:  # a broken torch install must not stop seeding the rest
            pass
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None and hasattr(getattr(tensorflow, "random", None), "set_seed"):
        tensorflow.random.set_seed(value)
        libraries.append("tensorflow")
    current = _STARTUP_HASHSEED
    os.environ["PYTHONHASHSEED"] = str(value)
    notes = [SKLEARN_NOTE]
    if current != str(value):
        notes.insert(0, HASHSEED_NOTE)
    return SeedRecord(
        seed=value, libraries=libraries, pythonhashseed=str(value), pythonhashseed_current=current,
        notes=notes,
    )


# The hash seed the interpreter actually started with (set_seeds later changes os.environ).
_STARTUP_HASHSEED: str | None = os.environ.get("PYTHONHASHSEED")
