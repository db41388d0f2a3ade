"""The parameters cell: literal assignments become typed params; anything else is refused with its line."""

import pytest

from nbpromote.errors import ParametersCellError
from nbpromote.export import parse_parameters
from nbpromote.notebook import make_cell


def test_literals_become_typed_params_in_cell_order():
    cell = make_cell(3, 'data_path = "data/credit.csv"\nn: int = 5\nrate = -0.5\nflag = True\nnothing = None\n'
                        'cols = ["a", "b"]\nopts = {"k": 1}\npair = (1, 2)\n"""a note"""\n# comment')
    params = parse_parameters(cell)
    assert [(p.name, p.default, p.type) for p in params] == [
        ("data_path", "data/credit.csv", "str"), ("n", 5, "int"), ("rate", -0.5, "float"),
        ("flag", True, "bool"), ("nothing", None, "none"), ("cols", ["a", "b"], "list"),
        ("opts", {"k": 1}, "dict"), ("pair", (1, 2), "tuple"),
    ]
    assert params[2].line == 3


def test_a_later_assignment_replaces_the_earlier_one():
    params = parse_parameters(make_cell(0, "a = 1\nb = 2\na = 3"))
    assert [(p.name, p.default) for p in params] == [("b", 2), ("a", 3)]


def test_chained_assignment_defines_both_names():
    assert [p.name for p in parse_parameters(make_cell(0, "a = b = 0.1"))] == ["a", "b"]


@pytest.mark.parametrize("source, fragment", [
    ("n = len('abc')", "computed"),
    ("import os", "not an assignment"),
    ("x = 1\nprint(x)", "not an assignment"),
    ("cfg.a = 1", "other than a plain name"),
    ("a, b = 1, 2", "other than a plain name"),
    ("path = base + '/x.csv'", "computed"),
    ("x = [i for i in range(3)]", "computed"),
    ("x = (", "does not parse"),
])
def test_anything_but_literal_assignments_is_refused_naming_cell_and_line(source, fragment):
    with pytest.raises(ParametersCellError) as info:
        parse_parameters(make_cell(4, source, cell_id="params"), notebook="nb.ipynb")
    message = str(info.value)
    assert fragment in message and "cell 5" in message and "nb.ipynb" in message  # index 4, 1-based
    assert info.value.exit_code == 2
