"""The top-level ``nbpromote`` command: help, version, ``python -m``, and errors as one line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from nbpromote import __version__
from nbpromote.cli import COMMANDS, cli, main


def run_main(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_version(capsys):
    code, out, _ = run_main(["--version"], capsys)
    assert code == 0 and out.strip() == f"nbpromote, version {__version__}"


def test_help_lists_every_command_without_importing_them(capsys):
    before = set(sys.modules)
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0
    for name in COMMANDS:
        assert name in out
    assert "nbpromote.cli._capture" not in set(sys.modules) - before


def test_unknown_command_is_usage_error(capsys):
    code, _, err = run_main(["frobnicate"], capsys)
    assert code == 2 and "No such command 'frobnicate'" in err


def test_core_error_is_one_line_and_its_exit_code(tmp_path, capsys):
    missing = tmp_path / "missing.ipynb"
    code, out, err = run_main(["capture", str(missing)], capsys)
    assert code == 2 and out == ""
    assert err == f"nbpromote: error: {missing} does not exist. Check the path.\n"


def test_python_dash_m_is_the_same_command():
    completed = subprocess.run([sys.executable, "-m", "nbpromote", "--version"], capture_output=True, text=True)
    assert completed.returncode == 0 and __version__ in completed.stdout
    completed = subprocess.run([sys.executable, "-m", "nbpromote", "capture", "nope.ipynb"], capture_output=True, text=True)
    assert completed.returncode == 2
    assert completed.stderr.strip() == "nbpromote: error: nope.ipynb does not exist. Check the path."
    assert "Traceback" not in completed.stderr


def test_click_runner_sees_the_group():
    result = CliRunner().invoke(cli, ["capture", "--help"])
    assert result.exit_code == 0 and "--parameter NAME VALUE" in result.output


def test_no_command_shows_usage_on_stderr_as_bad_usage(capsys):
    code, out, err = run_main([], capsys)
    assert code == 2 and out == ""
    assert err.startswith("Usage: nbpromote") and "capture" in err


def test_the_command_line_skips_jsonschemas_slow_optional_grammar_and_still_validates():
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from nbpromote.cli import _skip_slow_optional_imports\n"
        "_skip_slow_optional_imports()\n"
        "import nbformat\n"
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')]))\n"
        "assert sys.modules['rfc3987_syntax'] is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
