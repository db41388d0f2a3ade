"""Public capture functions document exactly the parameters they take (numpydoc)."""

from __future__ import annotations

import inspect
import re

import pytest

import nbpromote.capture as capture
from nbpromote.capture import kernel, manifest

PUBLIC = [getattr(capture, name) for name in capture.__all__ if inspect.isfunction(getattr(capture, name))]
PUBLIC += [capture.capture_notebook, kernel.install, manifest.save_manifest, manifest.load_manifest]


def documented(func) -> list[str]:
    doc = inspect.getdoc(func) or ""
    match = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    if not match:
        return []
    return [line.split(" : ")[0].strip() for line in match.group(1).splitlines() if " : " in line and not line.startswith(" ")]


@pytest.mark.parametrize("func", PUBLIC, ids=lambda f: f.__name__)
def test_every_public_function_has_a_docstring_matching_its_signature(func):
    assert inspect.getdoc(func), f"{func.__name__} has no docstring"
    names = documented(func)
    if names:
        assert names == [p for p in inspect.signature(func).parameters if p != "self"], func.__name__
