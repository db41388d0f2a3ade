"""`%promote drift REF CUR` through a real IPython shell with the extension loaded."""

from __future__ import annotations

import pytest

from nbpromote.widgets.drift import TextDriftView


@pytest.fixture
def shell(tmp_path, monkeypatch, reference, same_population):
    from IPython.core.interactiveshell import InteractiveShell

    from nbpromote.capture import kernel

    monkeypatch.chdir(tmp_path)
    sh = InteractiveShell.instance()
    sh.reset(new_session=True)
    sh.extension_manager.loaded.discard("nbpromote")
    assert sh.run_cell("%load_ext nbpromote").success
    sh.user_ns["ref"] = reference
    sh.user_ns["cur"] = same_population.assign(x=same_population["x"] + 1.0)
    yield sh
    kernel.uninstall(sh)
    if hasattr(sh, "_nbpromote_capture"):
        delattr(sh, "_nbpromote_capture")
    sh.extension_manager.loaded.discard("nbpromote")


def test_drift_of_two_notebook_frames_outside_a_kernel_is_the_text_view(shell):
    result = shell.run_cell("%promote drift ref cur")
    assert result.success and isinstance(result.result, TextDriftView)
    text = repr(result.result)
    assert text.splitlines()[3].startswith("x ") and "policy: RETRAIN" in text


def test_drift_accepts_a_profile_variable_and_a_file(shell, tmp_path):
    shell.run_cell("from nbpromote.monitor import profile; prof = profile(ref)")
    shell.user_ns["cur"].to_csv(tmp_path / "cur.csv", index=False)
    result = shell.run_cell("%promote drift prof cur.csv --text")
    assert result.result.report.features["x"].status == "act"


def test_thresholds_are_passed_through(shell):
    result = shell.run_cell("%promote drift ref cur --psi-watch 5 --psi-act 9")
    assert result.result.report.thresholds.psi_act == 9.0


@pytest.mark.parametrize("line, message", [
    ("%promote drift ref", "REF CUR"),
    ("%promote drift nope cur", "'nope' is neither a variable in the notebook nor a file"),
    ("%promote drift ref cur --target nope", "target column 'nope' is not in the reference data"),
])
def test_bad_input_is_one_line_and_the_kernel_lives(shell, capsys, line, message):
    result = shell.run_cell(line)
    err = capsys.readouterr().err
    assert result.success and result.result is None
    assert message in err and "Traceback" not in err
    assert shell.run_cell("1 + 1").result == 2
