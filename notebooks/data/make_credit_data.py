"""Seeded generator of the synthetic credit-risk dataset used by the example notebooks.

The data is synthetic but shaped like a retail lending book: applicants with mixed numeric and
categorical attributes, a few missing values, a protected attribute (``sex``) for slice checks,
an ``application_date`` for temporal checks, and a binary target ``default`` drawn from a
logistic model of the features plus unobserved noise, so a sensible model reaches a ROC AUC of
about 0.8 (useful, not trivially perfect).

Run it from anywhere; the default output is ``credit.csv`` beside this file::

    python notebooks/data/make_credit_data.py                 # 5,000 rows, seed 2024
    python notebooks/data/make_credit_data.py --rows 200 --seed 7 --out /tmp/small.csv

Same ``--rows``/``--seed`` → byte-identical CSV, so regenerating over the committed file is a
no-op; replacing a file that holds other content needs ``--force``. Only NumPy and pandas are
needed.
``make_drifted_batch.py`` reuses :func:`generate` with a drifted :class:`Scenario`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "Scenario", "generate", "write_csv", "main"]

HERE = Path(__file__).resolve().parent
DEFAULT_ROWS = 5000
DEFAULT_SEED = 2024

#: Output columns, in file order.
COLUMNS = [
    "customer_id",
    "application_date",
    "age",
    "sex",
    "employment_type",
    "home_ownership",
    "income",
    "loan_amount",
    "loan_term_months",
    "loan_purpose",
    "region",
    "credit_history_years",
    "debt_to_income",
    "num_open_accounts",
    "num_late_payments",
    "credit_utilization",
    "default",
]

EMPLOYMENT = ["salaried", "self_employed", "contract", "unemployed", "retired"]
HOME = ["mortgage", "rent", "own", "other"]
PURPOSE = [
    "debt_consolidation",
    "home_improvement",
    "car",
    "education",
    "medical",
    "small_business",
    "other",
]
REGION = ["north", "south", "east", "west", "central"]
TERMS = [12, 24, 36, 48, 60]

# Log-odds contributions of the categorical levels (relative to the first level).
_EMPLOYMENT_EFFECT = {"salaried": 0.0, "self_employed": 0.35, "contract": 0.4, "unemployed": 0.9,
                      "retired": 0.15}
_HOME_EFFECT = {"mortgage": 0.0, "rent": 0.3, "own": -0.25, "other": 0.2}
_PURPOSE_EFFECT = {"debt_consolidation": 0.2, "home_improvement": -0.15, "car": -0.1,
                   "education": 0.15, "medical": 0.35, "small_business": 0.6, "other": 0.1,
                   "crypto_investment": 0.8}
_REGION_EFFECT = {"north": -0.1, "south": 0.15, "east": 0.0, "west": -0.05, "central": 0.1}


@dataclass(frozen=True)
class Scenario:
    """The knobs that distinguish the reference population from a later, drifted batch.

    Parameters
    ----------
    start, end : str, default="2023-01-01", "2024-12-31"
        Inclusive range of ``application_date``.
    income_scale : float, default=1.0
        Multiplier on every applicant's income (0.85 = incomes 15% lower).
    dti_spread : float, default=1.0
        Widens (>1) the spread of ``debt_to_income`` around its mean.
    region_probs : tuple of float
        Probabilities of ``REGION`` levels.
    purpose_levels, purpose_probs : tuple
        ``loan_purpose`` levels and their probabilities (a drifted batch adds a new level).
    income_missing, employment_missing, history_missing : float
        Fraction of missing ``income``, ``employment_type``, ``credit_history_years``.
    """

    start: str = "2023-01-01"
    end: str = "2024-12-31"
    income_scale: float = 1.0
    dti_spread: float = 1.0
    region_probs: tuple[float, ...] = (0.22, 0.24, 0.2, 0.18, 0.16)
    purpose_levels: tuple[str, ...] = tuple(PURPOSE)
    purpose_probs: tuple[float, ...] = (0.34, 0.16, 0.17, 0.08, 0.07, 0.08, 0.10)
    income_missing: float = 0.03
    employment_missing: float = 0.02
    history_missing: float = 0.01
    id_offset: int = field(default=0)


REFERENCE = Scenario()


def _mask(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    """Exactly ``round(fraction * n)`` missing positions, so the rate is stable across seeds."""
    k = int(round(fraction * n))
    mask = np.zeros(n, dtype=bool)
    if k:
        mask[rng.choice(n, size=k, replace=False)] = True
    return mask


def generate(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED,
             scenario: Scenario = REFERENCE) -> pd.DataFrame:
    """Generate the credit-risk table.

    Parameters
    ----------
    rows : int, default=5000
        Number of applications (> 0).
    seed : int, default=2024
        Seed of ``numpy.random.default_rng``; the same seed gives the same table.
    scenario : Scenario, default=REFERENCE
        Population the batch is drawn from.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``income`` is a nullable integer, ``default`` is 0/1.

    Examples
    --------
    >>> df = generate(rows=100, seed=1)
    >>> list(df.columns) == COLUMNS
    True
    """
    if not isinstance(rows, (int, np.integer)) or rows <= 0:
        raise ValueError(f"rows must be a positive integer, got {rows!r}; pass e.g. --rows 5000")
    rng = np.random.default_rng(seed)
    n = int(rows)

    start = np.datetime64(scenario.start, "D")
    span = int((np.datetime64(scenario.end, "D") - start).astype(int)) + 1
    dates = start + rng.integers(0, span, size=n).astype("timedelta64[D]")

    age = np.clip(np.round(rng.gamma(shape=6.5, scale=4.9, size=n) + 11), 21, 79).astype(int)
    sex = rng.choice(["F", "M"], size=n, p=[0.48, 0.52])

    # Employment depends on age: retirement after ~62, more contract work among the young.
    young = age < 30
    old = age >= 62
    emp_p = np.where(young[:, None], [0.52, 0.08, 0.28, 0.11, 0.01],
                     np.where(old[:, None], [0.25, 0.10, 0.05, 0.05, 0.55],
                              [0.62, 0.14, 0.14, 0.08, 0.02]))
    u = rng.random(n)
    employment = np.array(EMPLOYMENT)[(u[:, None] > np.cumsum(emp_p, axis=1)).sum(axis=1).clip(0, 4)]

    home = rng.choice(HOME, size=n, p=[0.38, 0.36, 0.2, 0.06])
    purpose = rng.choice(list(scenario.purpose_levels), size=n, p=list(scenario.purpose_probs))
    region = rng.choice(REGION, size=n, p=list(scenario.region_probs))

    # Income: log-normal, rising with age until ~50, lower for unemployed/retired, a small
    # gender pay gap (real data has one, and it makes the slice metrics differ a little).
    emp_income = {"salaried": 0.0, "self_employed": 0.05, "contract": -0.12, "unemployed": -0.85,
                  "retired": -0.45}
    log_income = (10.75 + 0.018 * (np.minimum(age, 50) - 35)
                  + np.vectorize(emp_income.get)(employment) - 0.06 * (sex == "F")
                  + rng.normal(0, 0.42, size=n))
    income = np.exp(log_income) * scenario.income_scale
    income = np.round(income / 100) * 100

    term = rng.choice(TERMS, size=n, p=[0.1, 0.2, 0.35, 0.15, 0.2])
    loan_amount = income * rng.lognormal(mean=-1.35, sigma=0.55, size=n) * (0.6 + term / 60)
    loan_amount = np.clip(np.round(loan_amount / 50) * 50, 500, 150000)

    history = np.clip(rng.gamma(2.2, 4.0, size=n), 0, age - 18).round(1)
    dti = np.clip(0.28 + scenario.dti_spread * rng.normal(0, 0.11, size=n)
                  + 0.05 * (employment == "unemployed"), 0.0, 0.95).round(3)
    open_accounts = rng.poisson(2.0 + history / 4.0)
    utilization = np.clip(rng.beta(2.0, 3.2, size=n) + 0.25 * (dti - 0.28), 0, 1).round(3)
    late_rate = np.exp(-1.4 + 2.2 * (utilization - 0.4) + 1.2 * (dti - 0.28))
    late = rng.poisson(late_rate * (1 + history / 6.0))

    # Fixed centring constants (not batch statistics), so the same applicant carries the same
    # risk in the reference population and in a drifted batch.
    loan_to_income = loan_amount / income
    logit = (
        -2.2
        + 5.5 * (dti - 0.28)
        + 0.48 * np.minimum(late, 5)
        - 0.55 * (np.log(income) - 10.75)
        + 2.4 * (loan_to_income - 0.45)
        - 0.045 * (history - 8.8)
        - 0.012 * (age - 42)
        + 2.4 * (utilization - 0.4)
        + 0.006 * (term - 36)
        + np.vectorize(_EMPLOYMENT_EFFECT.get)(employment)
        + np.vectorize(_HOME_EFFECT.get)(home)
        + np.vectorize(_PURPOSE_EFFECT.get)(purpose)
        + np.vectorize(_REGION_EFFECT.get)(region)
        + rng.normal(0, 0.45, size=n)  # unobserved heterogeneity: keeps the AUC honest
    )
    default = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)

    df = pd.DataFrame({
        "customer_id": [f"C{scenario.id_offset + i + 1:07d}" for i in range(n)],
        "application_date": pd.to_datetime(dates).strftime("%Y-%m-%d"),
        "age": age,
        "sex": sex,
        "employment_type": employment,
        "home_ownership": home,
        "income": pd.array(income.astype(np.int64), dtype="Int64"),
        "loan_amount": loan_amount.astype(np.int64),
        "loan_term_months": term.astype(np.int64),
        "loan_purpose": purpose,
        "region": region,
        "credit_history_years": history,
        "debt_to_income": dti,
        "num_open_accounts": open_accounts.astype(np.int64),
        "num_late_payments": late.astype(np.int64),
        "credit_utilization": utilization,
        "default": default,
    }, columns=COLUMNS)

    # Missingness: drawn after the target so it carries no signal of its own.
    df.loc[_mask(rng, n, scenario.income_missing), "income"] = pd.NA
    df["employment_type"] = df["employment_type"].astype(object)
    df.loc[_mask(rng, n, scenario.employment_missing), "employment_type"] = None
    df.loc[_mask(rng, n, scenario.history_missing), "credit_history_years"] = np.nan
    return df


def write_csv(df: pd.DataFrame, out: str | Path, *, force: bool = False) -> Path:
    """Write ``df`` as CSV with fixed formatting (``\\n`` line ends, no index), atomically.

    Parameters
    ----------
    df : pandas.DataFrame
        Table to write.
    out : str or pathlib.Path
        Destination; its directory must exist.
    force : bool, default=False
        Replace an existing file with different content. Without it, rewriting a file with
        identical bytes (regenerating with the same seed) is allowed; anything else is refused.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"{out}: directory {out.parent} does not exist; create it first "
                                "or pass another --out")
    data = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
    if out.is_dir():
        raise IsADirectoryError(f"{out} is a directory; pass a file path to --out")
    if out.exists() and not force and out.read_bytes() != data:
        raise FileExistsError(f"{out} already exists with other content; pass --force to "
                              "replace it, or another --out")
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def _seed(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer seed, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer seed, got {value!r}")
    return number


def main(argv: list[str] | None = None) -> int:
    """Command line: ``make_credit_data.py [--rows N] [--seed S] [--out PATH]``."""
    parser = argparse.ArgumentParser(description="Generate the synthetic credit-risk CSV.")
    parser.add_argument("--rows", type=_positive_int, default=DEFAULT_ROWS,
                        help=f"number of rows (default {DEFAULT_ROWS})")
    parser.add_argument("--seed", type=_seed, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=HERE / "credit.csv",
                        help="output CSV (default: credit.csv beside this script)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output file that has other content")
    args = parser.parse_args(argv)
    try:
        path = write_csv(generate(args.rows, args.seed), args.out, force=args.force)
    except (OSError, ValueError) as exc:
        print(f"make_credit_data: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({args.rows} rows, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
