"""Parameters: defaults, params files, --param, type conversion, unknown names."""

from __future__ import annotations

import pytest

from nbpromote.errors import UsageError
from nbpromote.pipeline import resolve_params
from nbpromote.pipeline._params import parse_param_args

DEFAULTS = {"test_size": 0.25, "n": 10, "flag": False, "path": "data.csv", "cols": ["a"], "extra": None}


def test_text_values_take_the_type_of_their_default():
    params = resolve_params(DEFAULTS, {"test_size": "0.3", "n": "5", "flag": "yes", "path": "x.csv",
                                       "cols": '["a", "b"]', "extra": "7"})
    assert params == {"test_size": 0.3, "n": 5, "flag": True, "path": "x.csv", "cols": ["a", "b"], "extra": 7}


def test_defaults_are_kept_when_nothing_overrides():
    assert resolve_params(DEFAULTS) == DEFAULTS


@pytest.mark.parametrize("name, value", [("n", "five"), ("test_size", "big"), ("flag", "maybe"), ("cols", "3")])
def test_bad_values_name_the_parameter_and_the_type(name, value):
    with pytest.raises(UsageError, match=f"Parameter {name}="):
        resolve_params(DEFAULTS, {name: value})


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(UsageError, match="Unknown parameter 'tst_size'.*Known parameters: test_size"):
        resolve_params(DEFAULTS, {"tst_size": "0.3"})


@pytest.mark.parametrize("suffix, text", [
    (".json", '{"n": 3, "test_size": 0.5}'),
    (".yaml", "n: 3\ntest_size: 0.5\n"),
    (".toml", "n = 3\ntest_size = 0.5\n"),
])
def test_params_files_of_each_format(tmp_path, suffix, text):
    path = tmp_path / f"p{suffix}"
    path.write_text(text)
    params = resolve_params(DEFAULTS, params_file=path)
    assert params["n"] == 3 and params["test_size"] == 0.5


def test_param_flags_override_the_params_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"n": 3}')
    assert resolve_params(DEFAULTS, {"n": "4"}, params_file=path)["n"] == 4


@pytest.mark.parametrize("name, text, message", [
    ("p.ini", "n=3", "unknown suffix"),
    ("p.json", "{not json", "cannot be parsed"),
    ("p.json", "[1, 2]", "must hold a mapping"),
    ("p.json", '{"nope": 1}', "Unknown parameter 'nope' \\(from params file\\)"),
])
def test_bad_params_files(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        resolve_params(DEFAULTS, params_file=path)


def test_missing_params_file(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        resolve_params(DEFAULTS, params_file=tmp_path / "nope.json")


def test_param_args_need_an_equals_sign():
    assert parse_param_args(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(UsageError, match="is not NAME=VALUE"):
        parse_param_args(["test_size"])
