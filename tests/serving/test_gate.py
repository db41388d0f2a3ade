"""The compiled validation gate answers exactly what the batch gate answers, row by row."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbpromote.monitor import profile
from nbpromote.serving._gate import RowGate, check_rows


@pytest.fixture(scope="module")
def reference():
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame({
        "age": rng.integers(20, 70, n),
        "income": rng.normal(50_000, 9_000, n).round(2),
        "ratio": np.where(rng.random(n) < 0.02, np.inf, rng.random(n)),  # infinity allowed here
        "colour": rng.choice(["red", "green", "blue"], n),
        "zip": rng.choice([1000, 2000, 3000], n),  # codes stored as integers, profiled as categories
        "seen": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "user": [f"u{i:05d}" for i in range(n)],
        "label": rng.integers(0, 2, n),
    })
    return profile(frame, target="label", kinds={"zip": "categorical"})


VALUES = {
    "age": st.one_of(st.integers(-50, 200), st.floats(allow_nan=True, allow_infinity=True), st.none(),
                     st.sampled_from(["forty", "41", "", True])),
    "income": st.one_of(st.floats(-1e6, 1e6), st.just(math.inf), st.none(), st.just("n/a")),
    "ratio": st.one_of(st.floats(-1, 3), st.sampled_from([math.inf, -math.inf]), st.none()),
    "colour": st.one_of(st.sampled_from(["red", "green", "blue", "purple", "Red", "1"]), st.none(),
                        st.integers(0, 2), st.floats(0, 2), st.booleans()),
    "zip": st.one_of(st.sampled_from([1000, 2000, 4000, 1000.0, "1000", "x"]), st.none()),
    "seen": st.one_of(st.sampled_from(["2024-03-01", "2023-12-31", "yesterday", "01/02/2024"]), st.none()),
    "user": st.one_of(st.text(max_size=4), st.none()),
    "label": st.one_of(st.integers(0, 3), st.none()),
    "extra": st.integers(),
}


@st.composite
def requests(draw):
    columns = [c for c in VALUES if draw(st.booleans()) or c in ("age", "colour")]
    rows = draw(st.integers(1, 6))
    records = [{c: draw(VALUES[c]) for c in columns} for _ in range(rows)]
    return records, draw(st.sampled_from(["records", "csv"]))


def frame_of(records, how):
    frame = pd.DataFrame.from_records(records)
    if how == "csv":  # the dtypes a CSV body gets
        frame = pd.read_csv(io.StringIO(frame.to_csv(index=False)))
    return frame


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests(), derived=st.sampled_from([(), ("income",)]))
def test_compiled_gate_matches_the_batch_gate_on_any_request(reference, request, derived):
    frame = frame_of(*request)
    expected = check_rows(reference, frame, derived)
    got = RowGate(reference, derived).check(frame)
    assert got.to_list() == expected.to_list()
    assert got.rules() == expected.rules()


VALID = {"age": st.integers(20, 68), "income": st.floats(25_000, 75_000), "ratio": st.floats(0, 1),
         "colour": st.sampled_from(["red", "green", "blue"]), "zip": st.sampled_from(["1000", "2000"]),
         "seen": st.none(), "user": st.text(max_size=3), "label": st.integers(0, 1)}


@st.composite
def mostly_valid_records(draw):
    """Complete records, mostly valid values: the requests the plain-value look must judge right."""
    dropped = draw(st.sets(st.sampled_from(sorted(VALID)), max_size=1))
    rows = draw(st.integers(1, 4))
    return [{c: draw(VALUES[c] if draw(st.integers(0, 5)) == 0 else VALID[c]) for c in VALID if c not in dropped}
            for _ in range(rows)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=mostly_valid_records(), derived=st.sampled_from([(), ("income",)]))
def test_records_called_clean_pass_the_batch_gate_and_others_are_checked_on_the_frame(reference, records, derived):
    gate = RowGate(reference, derived)
    if gate.clean_records(records):
        assert check_rows(reference, frame_of(records, "records"), derived).ok


def test_a_valid_request_is_recognised_clean_from_its_plain_values(reference):
    row = {"age": 35, "income": 48_000.5, "ratio": math.inf, "colour": "red", "zip": None, "seen": None,
           "user": "u1", "other": [1, 2]}
    gate = RowGate(reference)
    assert gate.clean_records([row, {**row, "colour": None, "age": 36.0}])
    assert not gate.clean_records([{**row, "age": 500}])  # out of range: the frame check says so
    assert not gate.clean_records([{**row, "colour": "purple"}])
    assert not gate.clean_records([{k: v for k, v in row.items() if k != "income"}])
    assert RowGate(reference, derived=("income",)).clean_records([{k: v for k, v in row.items() if k != "income"}])


def test_each_failing_row_names_field_rule_and_value(reference):
    frame = pd.DataFrame.from_records([
        {"age": 35, "income": 48_000.0, "ratio": 0.5, "colour": "red", "zip": 1000, "seen": "2024-02-01", "user": "u1"},
        {"age": 500, "income": 48_000.0, "ratio": 0.5, "colour": "purple", "zip": 1000, "seen": "2024-02-01", "user": "u1"},
    ])
    result = RowGate(reference).check(frame)
    assert result.valid == [0]
    problems = {(p["field"], p["rule"], p["value"]) for p in result.errors[1]}
    assert problems == {("age", "out_of_range", 500), ("colour", "unseen_category", "purple")}


def test_a_missing_feature_fails_every_row_unless_a_stage_creates_it(reference):
    frame = pd.DataFrame({"age": [30, 31], "colour": ["red", "blue"], "ratio": [0.1, 0.2], "zip": [1000, 2000],
                          "seen": ["2024-01-02", "2024-01-03"], "user": ["a", "b"]})
    assert [e["field"] for e in RowGate(reference).check(frame).errors[0]] == ["income"]
    assert RowGate(reference, derived=("income",)).check(frame).ok


def test_duplicate_column_names_are_refused_as_by_the_batch_gate(reference):
    from nbpromote.errors import MonitorError

    frame = pd.DataFrame([[30, 31]], columns=["age", "age"])
    with pytest.raises(MonitorError, match="duplicate column names"):
        RowGate(reference).check(frame)
