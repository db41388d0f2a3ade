"""Runtime confirmation: static findings read against the row evidence of a tracked run."""

from __future__ import annotations

import copy

import nbformat
import pytest

from nbpromote.capture import CaptureSession
from nbpromote.lint import lint_notebook
from nbpromote.notebook import notebook_hash

CELLS = [
    "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
    "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression",
    "df = pd.read_csv('data.csv')\nX = df.drop(columns=['y'])\ny = df['y']",
    "X_scaled = StandardScaler().fit_transform(X)",
    "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=0)\n"
    "model = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))",
]


def site(cell, line):
    return {"cell": cell, "cell_id": None, "execution_count": cell + 1, "line": line}


def shared(count, matched_by="row ids"):
    return {"kind": "shared-rows", "learner": "StandardScaler", "learner_kind": "transformer",
            "learned_by": "StandardScaler.fit_transform", "learned_at": site(2, 1), "learned_rows": 1000,
            "evaluation": "LogisticRegression.score", "evaluated_at": site(3, 3), "evaluated_rows": 250,
            "shared_rows": count, "matched_by": matched_by, "in_path": True}


@pytest.fixture
def nb():
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in CELLS])


def manifest_for(nb, evidence, calls=()):
    manifest = CaptureSession().to_manifest(notebook_hash=notebook_hash(nb))
    manifest["rows"] = {"observed": True, "calls": list(calls), "evidence": list(evidence), "dropped_calls": 0,
                        "notes": []}
    return manifest


def the_finding(result):
    [finding] = [f for f in result.findings if f.rule == "preprocessing-before-split"]
    return finding


def test_without_a_tracked_run_findings_have_no_runtime_evidence(nb):
    finding = the_finding(lint_notebook(nb))
    assert (finding.cell, finding.line) == (2, 1) and finding.runtime is None
    assert finding.to_dict()["runtime"] is None


def test_shared_rows_confirm_the_finding_with_the_counts(nb):
    finding = the_finding(lint_notebook(nb, manifest=manifest_for(nb, [shared(250)])))
    assert finding.runtime["status"] == "confirmed"
    assert finding.runtime["evidence"] == (
        "Confirmed at run time: StandardScaler learned from 1,000 rows (cell 3, line 1); 250 of them are the "
        "rows LogisticRegression.score was given (250 rows, cell 4, line 3).")
    assert (finding.runtime["learned_rows"], finding.runtime["shared_rows"]) == (1000, 250)


def test_content_matches_say_they_may_be_duplicates(nb):
    finding = the_finding(lint_notebook(nb, manifest=manifest_for(nb, [shared(7, "content")])))
    assert finding.runtime["status"] == "confirmed" and "identical in content" in finding.runtime["evidence"]
    assert "duplicate records" in finding.runtime["evidence"]


def test_a_run_without_shared_rows_is_not_observed_and_the_finding_stays(nb):
    result = lint_notebook(nb, manifest=manifest_for(nb, [shared(0)]))
    finding = the_finding(result)
    assert finding.runtime["status"] == "not-observed"
    assert "none of the 250 rows" in finding.runtime["evidence"] and "may still leak" in finding.runtime["evidence"]


def test_a_call_the_run_never_reached_is_not_observed(nb):
    finding = the_finding(lint_notebook(nb, manifest=manifest_for(nb, [])))
    assert finding.runtime["status"] == "not-observed" and "no tracked call" in finding.runtime["evidence"]


def test_evidence_of_other_code_is_not_used(nb):
    manifest = manifest_for(nb, [shared(250)])
    changed = copy.deepcopy(nb)
    changed.cells[3].source += "\nprint('edited')"
    assert the_finding(lint_notebook(changed, manifest=manifest)).runtime is None


def test_the_json_and_text_reports_carry_the_evidence(tmp_path, nb):
    from nbpromote.lint import lint_paths
    from nbpromote.lint._report import to_text

    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    manifest = manifest_for(nb, [shared(250)])
    import json

    (tmp_path / "nb.manifest.json").write_text(json.dumps(manifest))
    report = lint_paths([path])
    [finding] = [f for f in report.to_dict()["notebooks"][0]["findings"] if f["rule"] == "preprocessing-before-split"]
    assert finding["runtime"]["status"] == "confirmed"
    assert "      run: Confirmed at run time: StandardScaler learned from 1,000 rows" in to_text(report)
