"""Public functions document exactly their parameters, and their examples run."""

from __future__ import annotations

import doctest
import inspect
import re

import pytest

import nbpromote.monitor as monitor
from nbpromote.monitor import _drift, _performance, _policy, _profile, _stats, _validate
from nbpromote.widgets import drift as drift_widget

PUBLIC = [monitor.profile, monitor.drift_report, monitor.validate_batch, monitor.retrain_policy,
          monitor.psi, monitor.ks, monitor.chi_square, monitor.jensen_shannon,
          monitor.Profile.save, monitor.PerformanceTracker.add, drift_widget.drift_preview]


def documented(func) -> list[str]:
    doc = inspect.getdoc(func) or ""
    section = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    assert section, f"{func.__qualname__} has no Parameters section"
    names = []
    for line in section.group(1).splitlines():
        match = re.match(r"^([*\w][\w, *]*?)\s*:", line)
        if match and not line.startswith(" "):
            names += [n.strip().lstrip("*") for n in match.group(1).split(",")]
        elif re.match(r"^\*\*\w+$", line):
            names.append(line.lstrip("*"))
    return names


@pytest.mark.parametrize("func", PUBLIC, ids=lambda f: f.__qualname__)
def test_docstring_parameters_match_the_signature(func):
    params = [name for name, p in inspect.signature(func).parameters.items()
              if name != "self" and not name.startswith("_")]
    assert documented(func) == params


def test_all_public_names_are_exported():
    for name in monitor.__all__:
        assert hasattr(monitor, name), name


@pytest.mark.parametrize("module", [_stats, _profile, _validate, _drift, _policy, _performance],
                         ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
