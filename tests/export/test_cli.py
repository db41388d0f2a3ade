"""The `nbpromote export|stages|suggest-tags` front doors: parse, one core call, render; errors → exit codes."""

import json
import subprocess

import nbformat
import pytest

from nbpromote.cli import main
from nbpromote.export import plan_stages

from .conftest import PYTHON, notebook, write


def _run(capsys, *argv):
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


def test_stages_json_is_the_plan_document(credit_notebook, capsys):
    code, out, _err = _run(capsys, "stages", str(credit_notebook), "--format", "json")
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(plan_stages(credit_notebook).to_dict()))


def test_stages_text_lists_each_stage_with_its_edges(credit_notebook, capsys):
    code, out, _err = _run(capsys, "stages", str(credit_notebook))
    assert code == 0
    assert "train        cells 7          X_train, y_train → model  params: C" in out
    assert "roles: model=model, metrics=metrics" in out


def test_export_json_reports_the_package(credit_notebook, tmp_path, capsys):
    code, out, _err = _run(capsys, "export", str(credit_notebook), "-o", str(tmp_path / "out"), "--json",
                           "--name", "risk", "--version", "1.0.0")
    assert code == 0
    document = json.loads(out)
    assert (document["name"], document["version"]) == ("risk", "1.0.0")
    assert document["package_dir"] == str(tmp_path / "out")
    assert (tmp_path / "out/src/risk/pipeline.py").is_file()


def test_export_text_and_refusal_without_force(credit_notebook, tmp_path, capsys):
    code, out, _err = _run(capsys, "export", str(credit_notebook), "-o", str(tmp_path / "out"))
    assert code == 0 and "exported credit 0.1.0 →" in out and "ingest → validate → features → train → evaluate" in out
    code, out, err = _run(capsys, "export", str(credit_notebook), "-o", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert err.startswith("nbpromote: error: ") and "--force" in err and "Traceback" not in err
    code, out, _err = _run(capsys, "export", str(credit_notebook), "-o", str(tmp_path / "out"), "--force")
    assert code == 0


@pytest.mark.parametrize("argv_tail, fragment", [
    (["--version", "1.0"], "X.Y.Z"),
    (["--name", "bad-name"], "not a valid Python package name"),
])
def test_export_bad_options_exit_2_with_one_line(credit_notebook, tmp_path, capsys, argv_tail, fragment):
    code, _out, err = _run(capsys, "export", str(credit_notebook), "-o", str(tmp_path / "out"), *argv_tail)
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


def test_untagged_notebook_exits_2_and_points_to_suggest_tags(tmp_path, capsys):
    path = write(notebook((None, "x = 1")), tmp_path / "nb.ipynb")
    code, _out, err = _run(capsys, "export", str(path))
    assert code == 2 and "nbpromote suggest-tags" in err


def test_missing_notebook_exits_2(tmp_path, capsys):
    code, _out, err = _run(capsys, "stages", str(tmp_path / "nope.ipynb"))
    assert code == 2 and "does not exist" in err


def test_suggest_tags_prints_then_writes(tmp_path, capsys):
    path = write(notebook((None, "import pandas as pd"), (None, "df = pd.read_csv('x.csv')")), tmp_path / "nb.ipynb")
    code, out, _err = _run(capsys, "suggest-tags", str(path))
    assert code == 0 and "stage:ingest" in out and "--write" in out
    assert nbformat.read(str(path), 4).cells[1].metadata.get("tags") is None
    code, out, _err = _run(capsys, "suggest-tags", str(path), "--write", "--json")
    document = json.loads(out)
    assert code == 0 and document["changed"] == 2 and document["written"] is True
    assert [s["tags"] for s in document["suggestions"]] == [["imports"], ["stage:ingest"]]
    assert nbformat.read(str(path), 4).cells[1].metadata.tags == ["stage:ingest"]


def test_the_installed_command_runs_in_a_subprocess(credit_notebook):
    completed = subprocess.run([PYTHON, "-m", "nbpromote", "stages", str(credit_notebook), "--json"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert [s["name"] for s in json.loads(completed.stdout)["stages"]][0] == "ingest"
