"""Monitoring: reference profile, validation gate, drift statistics, performance and retrain policy.

The path of a batch::

    prof = profile(train_df, target="default", prediction="score")   # once, at export (kilobytes)
    prof.save("profile.json")
    gate = validate_batch(prof, batch, quarantine="quarantine/")       # reject bad data loudly
    report = drift_report(prof, batch)                                 # never re-reads training data
    report.policy        # PolicyDecision(retrain, triggers, action) — it never deploys

Statistics (:func:`psi`, :func:`ks`, :func:`chi_square`, :func:`jensen_shannon`) are small pure
functions over aligned histograms. Statuses (stable < 0.1 ≤ watch < 0.25 ≤ act, on PSI by
default) come from effect sizes only; p-values are reported beside them because at a million rows
every p-value is ~0 for shifts nobody cares about.

Why the validation gate is our own code and not pandera
-------------------------------------------------------
We evaluated pandera 0.35 (BSD, a well-kept schema library; 560 kB pure-Python wheel, requiring
pydantic + pydantic-core, typeguard, typing_inspect and typing_extensions besides pandas). It can
express each check once a schema is *generated from our profile*: "range with margin" as
``Check.in_range(min - m, max + m)``, "unseen categories" as ``Check.isin(categories)``, and
bad-row quarantine through ``lazy=True`` failure cases. It has no notion of a reference *fraction*
— "null fraction jumped by more than 10 points" needs a custom dataframe-level check — and no
reference profile at all (``infer_schema`` records dtypes and bounds, not histograms), so the
profile, the drift statistics and the thresholds would stay ours either way. What pandera would
replace is ~300 lines of checks, at the price of four runtime dependencies in a core install that
every exported pipeline pins, a second pass over every column (our gate shares the drift pass:
each column is sorted or value-counted once), and error objects we would re-map into our own
report and exit codes. We chose our own implementation; a ``pandera`` extra that exports the
profile as a ``DataFrameSchema`` for teams that already use it would be a small, optional addition.
"""

from ._data import read_frame, read_reference
from ._drift import DriftReport, FeatureDrift, drift_report
from ._performance import PerformanceTracker, WindowResult
from ._policy import NO_ACTION, RETRAIN_ACTION, PolicyDecision, retrain_policy
from ._profile import PROFILE_SCHEMA_VERSION, Profile, profile, profile_dataset
from ._stats import (
    PSI_EPSILON,
    ChiSquareResult,
    KSResult,
    Thresholds,
    chi_square,
    jensen_shannon,
    ks,
    psi,
)
from ._validate import ValidationReport, Violation, validate_batch

__all__ = [
    "profile",
    "profile_dataset",
    "Profile",
    "PROFILE_SCHEMA_VERSION",
    "validate_batch",
    "ValidationReport",
    "Violation",
    "drift_report",
    "DriftReport",
    "FeatureDrift",
    "Thresholds",
    "psi",
    "ks",
    "chi_square",
    "jensen_shannon",
    "KSResult",
    "ChiSquareResult",
    "PSI_EPSILON",
    "PerformanceTracker",
    "WindowResult",
    "retrain_policy",
    "PolicyDecision",
    "RETRAIN_ACTION",
    "NO_ACTION",
    "read_frame",
    "read_reference",
]
