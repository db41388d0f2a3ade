"""The rule registry: a new rule is one module and one register() call."""

from __future__ import annotations

import pytest

from nbpromote.lint import RULES, Rule, lint_notebook, register
from nbpromote.lint import rules as builtin_rules

from .conftest import make_nb

EXPECTED = {"preprocessing-before-split", "overlap", "multi-test", "fit-on-test", "target-leakage", "temporal",
            "out-of-order", "hidden-state", "unseeded-randomness", "absolute-path", "unpinned-install",
            "syntax-error"}


def test_every_issue_rule_id_is_registered_with_one_module_each():
    assert set(RULES) == EXPECTED
    assert len(builtin_rules._MODULES) == len(EXPECTED)
    assert {r.category for r in RULES.values()} == {"leakage", "hazard"}


def test_registering_a_rule_makes_it_run(monkeypatch):
    monkeypatch.setitem(RULES, "no-print", None)  # restored after the test

    def check(ctx):
        for cell in ctx.cells:
            if "print(" in cell.source:
                yield ctx.finding(cell.index, 1, "Printing is noisy.", "Use logging.")

    rule = register(Rule("no-print", "info", "No print calls.", check))
    assert RULES["no-print"] is rule
    result = lint_notebook(make_nb("x = 1", "print(x)"))
    assert [(f.rule, f.severity, f.cell, f.cell_id) for f in result.findings] == [("no-print", "info", 1, "c1")]


def test_a_crashing_rule_does_not_hide_the_others(monkeypatch):
    def check(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(RULES, "crashy", Rule("crashy", "error", "Crashes.", check))
    result = lint_notebook(make_nb("print(undefined)"))
    assert result.rules == {"hidden-state"} and result.errors == ["crashy: RuntimeError: boom"]


def test_rule_severity_is_validated():
    with pytest.raises(ValueError, match="severity"):
        Rule("x", "fatal", "bad", lambda ctx: [])
