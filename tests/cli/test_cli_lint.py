"""``nbpromote lint``: formats, --fail-on, exit codes 0/1/2 (through the real entry point)."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from nbpromote.cli import main


def _nb(path, *sources):
    cells = []
    for index, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        cell["id"] = f"c{index}"
        cells.append(cell)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def clean(tmp_path):
    return _nb(tmp_path / "clean.ipynb", "x = 1", "print(x)")


@pytest.fixture
def warned(tmp_path):
    return _nb(tmp_path / "warned.ipynb", "import pandas as pd", "df = pd.read_csv('/abs/x.csv')")


@pytest.fixture
def broken(tmp_path):
    return _nb(tmp_path / "broken.ipynb", "print(never_defined)")


def test_clean_notebook_exits_zero_with_text(clean, capsys):
    code, out, err = run(["lint", str(clean)], capsys)
    assert code == 0 and f"{clean}: no findings" in out and err == ""


def test_findings_exit_one_and_json_is_the_contract(broken, capsys):
    code, out, _ = run(["lint", str(broken), "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["schema_version"] == 1 and doc["summary"]["errors"] == 1
    (finding,) = doc["notebooks"][0]["findings"]
    assert finding["rule"] == "hidden-state" and finding["cell"] == 0 and finding["cell_id"] == "c0"


def test_fail_on_threshold(warned, capsys):
    assert run(["lint", str(warned)], capsys)[0] == 0
    assert run(["lint", str(warned), "--fail-on", "warning"], capsys)[0] == 1


def test_json_shorthand_and_sarif(warned, capsys):
    assert json.loads(run(["lint", str(warned), "--json"], capsys)[1])["summary"]["warnings"] == 1
    log = json.loads(run(["lint", str(warned), "--format", "sarif"], capsys)[1])
    assert log["version"] == "2.1.0" and log["runs"][0]["results"][0]["ruleId"] == "absolute-path"


def test_several_notebooks_in_one_report(clean, broken, capsys):
    code, out, _ = run(["lint", str(clean), str(broken), "--json"], capsys)
    assert code == 1 and [n["notebook"] for n in json.loads(out)["notebooks"]] == [str(clean), str(broken)]


def test_missing_file_exits_two_with_one_line(tmp_path, capsys):
    code, out, err = run(["lint", str(tmp_path / "nope.ipynb")], capsys)
    assert code == 2 and out == "" and err.startswith("nbpromote: error:") and "nope.ipynb does not exist" in err


def test_bad_usage_exits_two(clean, capsys):
    assert run(["lint", str(clean), "--format", "xml"], capsys)[0] == 2
    assert run(["lint"], capsys)[0] == 2


def test_malformed_notebook_is_reported_as_a_finding(tmp_path, capsys):
    path = tmp_path / "bad.ipynb"
    path.write_text("{nope")
    code, out, _ = run(["lint", str(path), "--json"], capsys)
    assert code == 1 and json.loads(out)["notebooks"][0]["findings"][0]["rule"] == "syntax-error"


def test_bad_config_exits_two(tmp_path, clean, capsys):
    config = tmp_path / "other.toml"
    config.write_text("[tool.nbpromote.lint]\ndisable = ['nope']\n")
    code, _, err = run(["lint", str(clean), "--config", str(config)], capsys)
    assert code == 2 and "unknown rule id" in err


def test_console_script_end_to_end(broken):
    done = subprocess.run([sys.executable, "-m", "nbpromote", "lint", str(broken), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and json.loads(done.stdout)["summary"]["by_rule"] == {"hidden-state": 1}


@pytest.fixture
def many(tmp_path):
    """Copies of the lint corpus: enough notebooks that linting them takes a visible while."""
    import shutil
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[1] / "lint" / "corpus"
    for copy in range(3):
        shutil.copytree(corpus, tmp_path / "many" / f"copy{copy}", ignore=shutil.ignore_patterns("*.py", "*.json"))
    return tmp_path / "many"


@pytest.mark.slow
def test_on_a_terminal_lint_over_many_files_draws_a_bar_then_wipes_it(many, stderr_on_pty):
    total = len(list(many.rglob("*.ipynb")))
    code, out, terminal = stderr_on_pty([sys.executable, "-m", "nbpromote", "lint", str(many)])
    assert code == 1 and out.rstrip().endswith(f"in {total} notebook(s).")
    frames = terminal.split("\r")
    assert any(f.startswith("lint: ") and f"/{total} [" in f and "file/s" in f for f in frames), terminal[:500]
    assert terminal.endswith("\r") and frames[-1] == "" and not frames[-2].strip()  # wiped for the report


@pytest.mark.slow
@pytest.mark.parametrize("options", [["--format", "json"], ["--json"], ["--format", "sarif"], ["--no-progress"]])
def test_lint_is_silent_on_a_terminal_under_machine_formats_and_no_progress(many, stderr_on_pty, options):
    code, out, terminal = stderr_on_pty([sys.executable, "-m", "nbpromote", "lint", str(many), *options])
    assert code == 1 and terminal == ""
    if options != ["--no-progress"]:
        json.loads(out)  # one JSON document


@pytest.mark.slow
def test_lint_in_a_log_writes_nothing_on_stderr(many):
    completed = subprocess.run([sys.executable, "-m", "nbpromote", "lint", str(many)], capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 1 and completed.stderr == ""
