"""Seeded "current" batches for the monitoring examples: a drifted one and a corrupted one.

Both come from the same generator as ``credit.csv`` (:mod:`make_credit_data`), so they share its
schema and its risk model; only the population (drifted) or the data quality (corrupted) changes.

Drifted (``credit_drifted.csv``, the default) — applications from 2025 where:

* ``income`` is 20% lower (a downturn; PSI about 0.17, "watch"),
* ``debt_to_income`` is spread wider (x1.6 around the same mean),
* ``loan_purpose`` has a category never seen in training, ``crypto_investment`` (~8%),
* the ``region`` mix has moved towards ``south`` and ``central``.

Corrupted (``--corrupt`` → ``credit_corrupted.csv``) — a batch that must fail validation:

* the ``num_open_accounts`` column is missing,
* ``loan_term_months`` (an int column) arrives as strings such as ``"36 months"``,
* some ``age`` values are out of range (-1, 0, 7, 150, 999),
* ``income`` is null in 40% of rows (3% in the reference).

Usage::

    python notebooks/data/make_drifted_batch.py               # → credit_drifted.csv
    python notebooks/data/make_drifted_batch.py --corrupt     # → credit_corrupted.csv
    python notebooks/data/make_drifted_batch.py --rows 500 --seed 3 --out /tmp/cur.csv

Same arguments → byte-identical CSV.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_credit_data import (  # noqa: E402  (the sibling script is not an installed module)
    PURPOSE,
    REFERENCE,
    _positive_int,
    _seed,
    generate,
    write_csv,
)

__all__ = ["DRIFTED", "NEW_PURPOSE", "DROPPED_COLUMN", "generate_drifted", "generate_corrupted",
           "main"]

HERE = Path(__file__).resolve().parent
DEFAULT_ROWS = 2000
DEFAULT_SEED = 2025
DEFAULT_CORRUPT_ROWS = 1000
DEFAULT_CORRUPT_SEED = 2026

NEW_PURPOSE = "crypto_investment"
DROPPED_COLUMN = "num_open_accounts"
BAD_AGES = (-1, 0, 7, 150, 999)
CORRUPT_INCOME_MISSING = 0.40

DRIFTED = replace(
    REFERENCE,
    start="2025-01-01",
    end="2025-06-30",
    income_scale=0.80,
    dti_spread=1.6,
    region_probs=(0.12, 0.34, 0.16, 0.12, 0.26),
    purpose_levels=(*PURPOSE, NEW_PURPOSE),
    purpose_probs=(0.30, 0.14, 0.16, 0.08, 0.07, 0.08, 0.09, 0.08),
    id_offset=1_000_000,
)


def generate_drifted(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """A batch drawn from the drifted population :data:`DRIFTED`.

    Parameters
    ----------
    rows : int, default=2000
        Number of rows (> 0).
    seed : int, default=2025
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        Same columns as ``credit.csv``.
    """
    return generate(rows, seed, DRIFTED)


def generate_corrupted(rows: int = DEFAULT_CORRUPT_ROWS,
                       seed: int = DEFAULT_CORRUPT_SEED) -> pd.DataFrame:
    """A batch from the reference population with data-quality defects planted in it.

    Parameters
    ----------
    rows : int, default=1000
        Number of rows (>= 20, so every defect fits).
    seed : int, default=2026
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        ``credit.csv``'s columns minus :data:`DROPPED_COLUMN`, with ``loan_term_months`` as
        strings, out-of-range ``age`` values and 40% missing ``income``.
    """
    if not isinstance(rows, (int, np.integer)) or rows < 20:
        raise ValueError(f"a corrupted batch needs at least 20 rows, got {rows!r}")
    df = generate(rows, seed, replace(REFERENCE, start="2025-01-01", end="2025-06-30",
                                      income_missing=CORRUPT_INCOME_MISSING,
                                      id_offset=2_000_000))
    # A separate stream for the defects, so they do not reshuffle the clean draw above.
    rng = np.random.default_rng([seed, 1])
    df = df.drop(columns=[DROPPED_COLUMN])
    df["loan_term_months"] = df["loan_term_months"].map(lambda m: f"{m} months")
    n_bad = max(len(BAD_AGES), rows // 50)
    rows_bad = rng.choice(rows, size=n_bad, replace=False)
    df.loc[rows_bad, "age"] = np.resize(np.array(BAD_AGES), n_bad)
    return df


def main(argv: list[str] | None = None) -> int:
    """Command line: ``make_drifted_batch.py [--corrupt] [--rows N] [--seed S] [--out PATH]``."""
    parser = argparse.ArgumentParser(description="Generate a drifted or corrupted credit batch.")
    parser.add_argument("--corrupt", action="store_true",
                        help="write a batch with validation problems instead of a drifted one")
    parser.add_argument("--rows", type=_positive_int, default=None,
                        help=f"number of rows (default {DEFAULT_ROWS}, "
                             f"{DEFAULT_CORRUPT_ROWS} with --corrupt)")
    parser.add_argument("--seed", type=_seed, default=None,
                        help=f"random seed (default {DEFAULT_SEED}, "
                             f"{DEFAULT_CORRUPT_SEED} with --corrupt)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output CSV (default: credit_drifted.csv or credit_corrupted.csv "
                             "beside this script)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output file that has other content")
    args = parser.parse_args(argv)
    try:
        if args.corrupt:
            rows = args.rows or DEFAULT_CORRUPT_ROWS
            seed = DEFAULT_CORRUPT_SEED if args.seed is None else args.seed
            df = generate_corrupted(rows, seed)
            out = args.out or HERE / "credit_corrupted.csv"
        else:
            rows = args.rows or DEFAULT_ROWS
            seed = DEFAULT_SEED if args.seed is None else args.seed
            df = generate_drifted(rows, seed)
            out = args.out or HERE / "credit_drifted.csv"
        path = write_csv(df, out, force=args.force)
    except (OSError, ValueError) as exc:
        print(f"make_drifted_batch: error: {exc}", file=sys.stderr)
        return 2
    kind = "corrupted" if args.corrupt else "drifted"
    print(f"wrote {path} ({rows} rows, seed {seed}, {kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
