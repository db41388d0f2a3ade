"""The JSON contract of findings and reports, and the exit-code policy."""

from __future__ import annotations

import json

import pytest

from nbpromote.errors import UsageError
from nbpromote.lint import SCHEMA_VERSION, Finding, LintReport, LintResult


def finding(severity="error", rule="overlap", cell=3, line=2):
    return Finding(rule, severity, cell, f"id{cell}", line, "Why it matters.", "Do this.", "x = 1")


def test_finding_to_dict_has_every_contract_key():
    assert finding().to_dict() == {"rule": "overlap", "severity": "error", "cell": 3, "cell_id": "id3",
                                   "line": 2, "message": "Why it matters.", "fix": "Do this.", "excerpt": "x = 1", "runtime": None}


def test_report_document_is_versioned_and_summarised():
    report = LintReport([LintResult("a.ipynb", [finding(), finding("warning", "multi-test")]),
                         LintResult("b.ipynb", [])])
    doc = report.to_dict()
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert [n["notebook"] for n in doc["notebooks"]] == ["a.ipynb", "b.ipynb"]
    assert doc["notebooks"][1]["findings"] == []
    assert doc["summary"] == {"notebooks": 2, "findings": 2, "errors": 1, "warnings": 1, "infos": 0,
                              "by_rule": {"multi-test": 1, "overlap": 1}}
    assert json.loads(json.dumps(doc)) == doc


@pytest.mark.parametrize("severities, fail_on, code", [
    (["error"], "error", 1), (["warning"], "error", 0), (["warning"], "warning", 1),
    (["info"], "warning", 0), (["info"], "info", 1), ([], "info", 0),
])
def test_exit_code_is_one_at_or_above_the_threshold(severities, fail_on, code):
    report = LintReport([LintResult("a.ipynb", [finding(s) for s in severities])])
    assert report.exit_code(fail_on) == code


def test_exit_code_rejects_an_unknown_threshold():
    with pytest.raises(UsageError, match="not a severity"):
        LintReport().exit_code("fatal")


def test_at_least_and_rules():
    result = LintResult("a", [finding("info", "absolute-path"), finding("error")])
    assert [f.rule for f in result.at_least("warning")] == ["overlap"]
    assert result.rules == {"absolute-path", "overlap"}
