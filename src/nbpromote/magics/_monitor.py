"""``%promote drift REF CUR`` — the drift-preview panel for two frames of the notebook.

REF and CUR are names of variables in the notebook (DataFrames; REF may also be a
:class:`~nbpromote.monitor.Profile`) or paths to CSV/Parquet files (REF also to a profile .json).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["drift"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%promote drift", add_help=True,
                                     description="Drift preview of CUR against REF.")
    parser.add_argument("reference", metavar="REF")
    parser.add_argument("current", metavar="CUR")
    parser.add_argument("--target", default=None)
    parser.add_argument("--prediction", default=None)
    parser.add_argument("--psi-watch", type=float, default=None)
    parser.add_argument("--psi-act", type=float, default=None)
    parser.add_argument("--text", action="store_true", help="text table instead of the panel")
    return parser


def _resolve(shell: Any, word: str, role: str) -> Any:
    namespace = getattr(shell, "user_ns", {}) or {}
    if word in namespace:
        return namespace[word]
    if Path(word).is_file():
        return Path(word)
    raise UsageError(
        f"%promote drift: {role} {word!r} is neither a variable in the notebook nor a file.",
        hint="Pass the name of a DataFrame (or Profile), or a CSV/Parquet/profile-JSON path.",
    )


def drift(shell: Any, args: list[str]) -> Any:
    """Handler of ``%promote drift REF CUR [--target T] [--prediction P] [--text]``."""
    parser = _parser()
    try:
        options = parser.parse_args(args)
    except SystemExit as exc:
        if exc.code == 0:  # --help was printed
            return None
        raise UsageError("%promote drift REF CUR [--target COL] [--prediction COL] "
                         "[--psi-watch X] [--psi-act X] [--text]") from None
    from ..widgets.drift import drift_preview

    thresholds = {k: v for k, v in (("psi_watch", options.psi_watch),
                                    ("psi_act", options.psi_act)) if v is not None}
    return drift_preview(
        _resolve(shell, options.reference, "REF"), _resolve(shell, options.current, "CUR"),
        widget=False if options.text else None, thresholds=thresholds or None,
        target=options.target, prediction=options.prediction,
    )
