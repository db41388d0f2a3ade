"""cell_names: which globals a cell reads, binds, mutates and deletes."""

from __future__ import annotations

import ast

from nbpromote.notebook import cell_names


def names(source):
    return cell_names(ast.parse(source))


def test_uses_are_reads_before_definition():
    result = names("y = x + 1\nx = 2\nprint(x)")
    assert set(result.uses) == {"x"} and result.uses["x"] == 1
    assert set(result.defines) == {"y", "x"}


def test_builtins_are_not_uses():
    assert names("print(len([1]))").uses == {}


def test_function_bodies_and_comprehensions_read_globals():
    result = names("def f(a):\n    return a + k\nz = [i * m for i in range(n)]\ng = lambda v: v + w")
    assert set(result.uses) == {"k", "m", "n", "w"}
    assert set(result.defines) == {"f", "z", "g"}


def test_mutations_without_rebinding():
    result = names("df['x'] = 1\nobj.attr = 2\nframe.dropna(inplace=True)\nitems.append(3)\nmodel.fit(X, y)\npd.concat([a])")
    assert set(result.mutates) == {"df", "obj", "frame", "items", "model"}
    assert "pd" not in result.mutates


def test_deletes_and_imports_and_with_and_except():
    result = names("import numpy as np\nfrom os import path\nwith open(p) as fh: pass\ntry:\n    pass\nexcept E as err:\n    pass\ndel q")
    assert {"np", "path", "fh", "err"} <= set(result.defines)
    assert result.deletes == {"q": 8}
    assert {"p", "E"} <= set(result.uses)


def test_global_in_function_defines_the_name():
    assert "counter" in names("def bump():\n    global counter\n    counter = 1").defines


def test_none_tree_gives_empty_summary():
    result = cell_names(None)
    assert (result.uses, result.defines, result.mutates, result.deletes) == ({}, {}, {}, {})
