"""Docstrings that document parameters must match the signatures (they cannot drift)."""

from __future__ import annotations

import inspect
import re

import pytest

import nbpromote.registry as registry
from nbpromote.registry import AuditLog, Registry
from nbpromote.registry._mlflow import MlflowRegistry


def _documented(doc: str) -> list[str] | None:
    lines = inspect.cleandoc(doc).splitlines()
    if "Parameters" not in lines:
        return None
    start = lines.index("Parameters") + 2
    names = []
    for line in lines[start:]:
        if line and not line.startswith(" ") and (line.endswith(("Returns", "Raises", "Examples", "Notes")) or
                                                   set(line) == {"-"}):
            break
        match = re.match(r"^([*\w][\w, *]*?) :", line) or re.match(r"^(\*\*\w+)$", line)
        if match:
            names += [n.strip().lstrip("*") for n in match.group(1).split(",")]
    return names


def _public_callables():
    for name in registry.__all__:
        obj = getattr(registry, name)
        if inspect.isfunction(obj):
            yield name, obj, inspect.getdoc(obj)
    for cls in (Registry, AuditLog, MlflowRegistry):
        yield cls.__name__, cls.__init__, inspect.getdoc(cls)  # numpydoc: the class documents __init__
        for attr, member in vars(cls).items():
            if not attr.startswith("_") and inspect.isfunction(member):
                yield f"{cls.__name__}.{attr}", member, inspect.getdoc(member)


CASES = [case for case in _public_callables() if case[2] and _documented(case[2]) is not None]


@pytest.mark.parametrize("name, func, doc", CASES, ids=[c[0] for c in CASES])
def test_documented_parameters_match_the_signature(name, func, doc):
    params = inspect.signature(func).parameters
    signature = [p for p, spec in params.items() if p != "self" and spec.kind is not inspect.Parameter.VAR_POSITIONAL]
    documented = _documented(doc)
    # **options/**_ignored are documented only when they carry meaning.
    signature = [p for p in signature if params[p].kind is not inspect.Parameter.VAR_KEYWORD or p in documented]
    assert sorted(set(documented)) == sorted(set(signature)), f"{name}: docstring {documented} vs {signature}"


def test_every_public_name_has_a_docstring():
    for name in registry.__all__:
        obj = getattr(registry, name)
        if callable(obj):
            assert inspect.getdoc(obj), name
