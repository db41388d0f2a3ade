"""Public export functions: runnable examples pass and documented parameters match the signatures."""

import doctest
import importlib
import inspect
import re

import pytest

import nbpromote.export as export

MODULES = ["_tags", "_params", "_neutralise", "_plan", "_suggest", "_package", "_deps", "_templates"]


@pytest.mark.parametrize("module", MODULES)
def test_examples_in_docstrings_run(module):
    result = doctest.testmod(importlib.import_module(f"nbpromote.export.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("name", [n for n in export.__all__ if inspect.isfunction(getattr(export, n))])
def test_documented_parameters_match_the_signature(name):
    func = getattr(export, name)
    doc = inspect.getdoc(func) or ""
    assert doc, f"{name} has no docstring"
    parameters = [p for p in inspect.signature(func).parameters if p not in ("self",)]
    if "Parameters\n----------" not in doc:
        assert not parameters, f"{name} documents no parameters"
        return
    section = doc.split("Parameters\n----------", 1)[1].split("\n\n", 1)[0] if "\nReturns" not in doc else \
        doc.split("Parameters\n----------", 1)[1].split("Returns\n-------", 1)[0]
    documented = re.findall(r"^(\w+) :", section, flags=re.MULTILINE)
    assert documented == parameters
