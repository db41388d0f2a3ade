"""Papermill's -p/-r/-y/-f, parsed as papermill's own command line parses them, for capture and promote."""

import pytest
from click.testing import CliRunner

from nbpromote.cli import cli
from nbpromote.cli._params import collect_parameters, resolve_type
from nbpromote.errors import UsageError


@pytest.mark.parametrize(("text", "value"), [
    ("1e-3", 0.001), ("010", 10), ("yes", "yes"), ("3", 3), ("0.5", 0.5), ("True", True), ("False", False),
    ("None", None), ("true", "true"), ("[1, 2]", "[1, 2]"), ("data/x.csv", "data/x.csv"), ("-2", -2),
])
def test_p_values_are_typed_like_papermill(text, value):
    assert resolve_type(text) == value and type(resolve_type(text)) is type(value)


def test_raw_yaml_and_files_merge_in_papermill_order(tmp_path):
    params_file = tmp_path / "params.yaml"
    params_file.write_text("alpha: 0.1\nname: from-file\nlayers: [1, 2]\n")
    params = collect_parameters((("alpha", "0.6"),), (("code", "010"),), ("name: from-yaml",), (str(params_file),))
    assert params == {"alpha": 0.6, "name": "from-yaml", "layers": [1, 2], "code": "010"}


def test_a_yaml_value_that_is_not_a_mapping_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["capture", str(tmp_path / "nb.ipynb"), "-y", "[1, 2]"])
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2
    assert "must be a YAML mapping" in str(result.exception)


@pytest.mark.parametrize("command", ["capture", "promote"])
def test_capture_and_promote_share_the_parser(command, monkeypatch, tmp_path):
    seen = {}

    def fake(notebook, *args, **kwargs):
        seen.update(kwargs.get("parameters") or (args[1] if len(args) > 1 else {}))
        raise SystemExit(0)

    target = "nbpromote.capture.capture_notebook" if command == "capture" else "nbpromote._promote.promote_notebook"
    monkeypatch.setattr(target, fake)
    CliRunner().invoke(cli, [command, str(tmp_path / "nb.ipynb"), "-p", "lr", "1e-3", "-p", "n", "010",
                             "-p", "flag", "yes", "-r", "raw", "1e-3"])
    assert seen == {"lr": 0.001, "n": 10, "flag": "yes", "raw": "1e-3"}
