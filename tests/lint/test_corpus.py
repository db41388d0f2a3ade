"""The labelled corpus: every notebook triggers exactly its expected rules, and the shared rule
contract (no crash, well-formed findings) holds for every registered rule on every notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from corpus import CASES, CORPUS_DIR, expected_of, render
from nbpromote.lint import RULES, SEVERITIES, lint_notebook

from .conftest import REPO

EXAMPLES = REPO / "notebooks"
LEAKAGE = {rule_id for rule_id, rule in RULES.items() if rule.category == "leakage"}


PREFIX = {
    "preprocessing-before-split": "pre", "overlap": "ovl", "multi-test": "mt", "fit-on-test": "fot",
    "target-leakage": "tl", "temporal": "tmp", "out-of-order": "ooo", "hidden-state": "hs",
    "unseeded-randomness": "rnd", "absolute-path": "abs", "unpinned-install": "pin", "syntax-error": "syn",
}


def test_corpus_is_large_enough_and_covers_every_rule_both_ways():
    assert len(CASES) >= 60
    assert set(PREFIX) == set(RULES), "a new rule needs corpus cases (and a prefix here)"
    for rule_id, prefix in PREFIX.items():
        group = [c for c in CASES if c["name"].split("_")[0] == prefix]
        positives = [c for c in group if rule_id in c["expected"]]
        negatives = [c for c in group if rule_id not in c["expected"] and "_clean_" in c["name"]]
        assert len(positives) >= 2, f"{rule_id} needs at least two leaking notebooks"
        assert len(negatives) >= 2, f"{rule_id} needs at least two clean variants"


def test_corpus_files_are_up_to_date():
    on_disk = sorted(p.stem for p in CORPUS_DIR.glob("*.ipynb"))
    assert on_disk == sorted(c["name"] for c in CASES), "run: python tests/lint/corpus.py"
    def content(text: str) -> tuple:
        # Compare what the notebook says, not how this nbformat version spells the file.
        data = json.loads(text)
        cells = [(c["cell_type"], c.get("id"), c["source"] if isinstance(c["source"], str) else "".join(c["source"]),
                  c.get("execution_count")) for c in data["cells"]]
        return cells, data["metadata"].get("nbpromote")

    for spec in CASES:
        path = CORPUS_DIR / f"{spec['name']}.ipynb"
        assert content(path.read_text(encoding="utf-8")) == content(render(spec)), \
            f"{path.name} is stale; run tests/lint/corpus.py"


@pytest.mark.parametrize("spec", [
    pytest.param(c, marks=pytest.mark.xfail(reason=c["known_miss"], strict=True)) if c.get("known_miss") else c
    for c in CASES
], ids=[c["name"] for c in CASES])
def test_corpus_notebook_triggers_exactly_its_rules(spec):
    path = CORPUS_DIR / f"{spec['name']}.ipynb"
    result = lint_notebook(path)
    assert result.errors == []
    assert sorted(result.rules) == spec["expected"], [f.to_dict() for f in result.findings]
    assert expected_of(path) == set(spec["expected"])


def _all_notebooks() -> list[Path]:
    paths = sorted(CORPUS_DIR.glob("*.ipynb"))
    paths += sorted(EXAMPLES.glob("*.ipynb")) if EXAMPLES.is_dir() else []
    return paths


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_contract_on_every_notebook(rule_id):
    """Each registered rule, alone, runs on every corpus and example notebook without crashing and
    returns findings a person can act on (every field well-formed, the line inside the cell)."""
    from nbpromote.lint import LintConfig

    only = LintConfig(disable=set(RULES) - {rule_id})
    for path in _all_notebooks():
        result = lint_notebook(path, config=only)
        assert result.errors == [], (path.name, result.errors)
        nb = nbformat.read(path, as_version=4)
        for finding in result.findings:
            assert finding.rule == rule_id
            assert finding.severity in SEVERITIES
            assert finding.message.endswith(".") and len(finding.message) > 20
            assert finding.fix and finding.fix[0].isupper()
            assert 0 <= finding.cell < len(nb.cells)
            cell = nb.cells[finding.cell]
            assert cell.cell_type == "code" and finding.cell_id == cell.id
            lines = cell.source.splitlines()
            assert 1 <= finding.line <= max(len(lines), 1)
            assert finding.excerpt == (lines[finding.line - 1].strip() if lines else "")
            assert set(finding.to_dict()) == {"rule", "severity", "cell", "cell_id", "line", "message",
                                              "fix", "excerpt", "runtime"}


def _example(name: str) -> Path:
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not written yet")
    return path


@pytest.mark.parametrize("name", ["credit_risk.ipynb", "breast_cancer.ipynb"])
def test_clean_examples_have_no_leakage_and_no_warnings(name):
    result = lint_notebook(_example(name))
    assert result.errors == []
    assert [f.to_dict() for f in result.at_least("warning")] == []
    assert not (result.rules & LEAKAGE)


def test_leaky_example_shows_its_planted_leaks():
    result = lint_notebook(_example("credit_risk_leaky.ipynb"))
    assert {"preprocessing-before-split", "target-leakage", "multi-test", "absolute-path",
            "unseeded-randomness"} <= result.rules
    nb = nbformat.read(_example("credit_risk_leaky.ipynb"), as_version=4)
    pre = [f for f in result.findings if f.rule == "preprocessing-before-split"]
    sources = [nb.cells[f.cell].source for f in pre]
    assert any("fillna" in s for s in sources) and any("StandardScaler" in s or "scaler" in s for s in sources)
    target = next(f for f in result.findings if f.rule == "target-leakage")
    assert "collections_flag" in target.message
