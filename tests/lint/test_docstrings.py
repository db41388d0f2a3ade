"""Public functions document exactly the parameters they take (numpydoc), so docs cannot drift."""

from __future__ import annotations

import inspect
import re

import pytest

from nbpromote import lint
from nbpromote.widgets import findings as findings_widget


def documented(obj) -> list[str]:
    doc = inspect.getdoc(obj) or ""
    match = re.search(r"Parameters\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    if not match:
        return []
    return [m.group(1) for m in re.finditer(r"^(\*{0,2}\w+)(?: :|$)", match.group(1), re.M)]


PUBLIC = [lint.lint_notebook, lint.lint_paths, lint.analyze, lint.runtime_findings, lint.LintConfig,
          lint.Rule, findings_widget.FindingsTable]


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda o: o.__name__)
def test_docstring_parameters_match_the_signature(obj):
    target = obj.__init__ if inspect.isclass(obj) and obj.__init__ is not object.__init__ else obj
    params = [p for p in inspect.signature(target).parameters if p not in {"self", "source_"}]
    if inspect.isclass(obj) and "source" in params and obj is lint.LintConfig:
        params.remove("source")  # set by the loaders, not by users
    assert documented(obj) == params
