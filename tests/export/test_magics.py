"""`%promote stages` / `%promote export`: the same core calls as the CLI, errors shown as one line."""


from nbpromote.export import ExportResult
from nbpromote.magics import run_subcommand

from .conftest import notebook, write


class Shell:
    def __init__(self, **user_ns):
        self.user_ns = user_ns


def test_export_magic_exports_the_given_notebook(credit_notebook, tmp_path, capsys):
    result = run_subcommand(Shell(), f"export {credit_notebook} -o {tmp_path / 'out'} --name risk --version 0.3.0")
    assert isinstance(result, ExportResult) and (result.name, result.version) == ("risk", "0.3.0")
    assert "exported risk 0.3.0" in capsys.readouterr().out


def test_export_magic_finds_the_kernels_notebook_from_the_session(credit_notebook, tmp_path):
    result = run_subcommand(Shell(__session__=str(credit_notebook)), f"export -o {tmp_path / 'out'}")
    assert result.package_dir == tmp_path / "out"


def test_export_magic_without_a_notebook_says_how_to_pass_one(capsys, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert run_subcommand(Shell(), "export") is None
    err = capsys.readouterr().err
    assert "cannot tell which notebook" in err and "%promote export credit_risk.ipynb" in err


def test_export_magic_errors_are_one_line_not_a_traceback(credit_notebook, tmp_path, capsys):
    run_subcommand(Shell(), f"export {credit_notebook} -o {tmp_path / 'out'}")
    capsys.readouterr()
    assert run_subcommand(Shell(), f"export {credit_notebook} -o {tmp_path / 'out'}") is None
    err = capsys.readouterr().err
    assert err.startswith("nbpromote: ") and "--force" in err and "Traceback" not in err
    assert run_subcommand(Shell(), f"export {credit_notebook} --bogus") is None
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_stages_magic_prints_the_graph(credit_notebook, capsys):
    assert run_subcommand(Shell(), f"stages {credit_notebook}") is None
    out = capsys.readouterr().out
    assert "evaluate" in out and "model, X_test, y_test → metrics" in out


def test_stages_magic_shows_plan_errors(tmp_path, capsys):
    path = write(notebook((None, "x = 1")), tmp_path / "nb.ipynb")
    run_subcommand(Shell(), f"stages {path}")
    assert "no stage tags" in capsys.readouterr().err


def test_promote_export_in_a_real_ipython_shell(credit_notebook, tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "nbpromote")
        shell.user_ns["__session__"] = str(credit_notebook)
        result = shell.run_line_magic("promote", f"export -o {tmp_path / 'out'}")
        assert result.name == "credit" and (tmp_path / "out/src/credit/pipeline.py").is_file()
    finally:
        shell.run_line_magic("unload_ext", "nbpromote")
        InteractiveShell.clear_instance()


def test_export_magic_shows_a_line_per_step_where_widgets_do_not_render(credit_notebook, tmp_path, capsys):
    run_subcommand(Shell(), f"export {credit_notebook} -o {tmp_path / 'out'}")
    lines = capsys.readouterr().out.splitlines()
    name = credit_notebook.name
    assert lines[:7] == [f"export {name} [{n}/7] {step}" for n, step in enumerate(
        ["reading the notebook", "planning stages", "reading the capture manifest", "linting",
         "copying data files", "writing the package", "putting the package in place"], start=1)]
    assert lines[7] == f"export {name}: exported"
    assert any(line.startswith("exported credit 0.1.0") for line in lines[8:])


def test_export_magic_shows_a_progress_widget_where_widgets_render(credit_notebook, tmp_path, capsys, monkeypatch):
    import ipywidgets
    import tqdm.notebook

    shown = []
    monkeypatch.setattr("nbpromote.widgets.progress.widgets_available", lambda: True)
    monkeypatch.setattr(tqdm.notebook, "display", shown.append)
    result = run_subcommand(Shell(), f"export {credit_notebook} -o {tmp_path / 'out'}")
    assert result is not None and "[1/7]" not in capsys.readouterr().out
    [box] = shown
    [label, bar, status] = box.children
    assert isinstance(bar, ipywidgets.FloatProgress) and (bar.value, bar.max) == (7, 7)
    assert bar.bar_style == "success" and credit_notebook.name in label.value
    assert "7/7" in status.value and "exported" in status.value


def test_a_failed_export_leaves_the_widget_red_at_its_step(credit_notebook, tmp_path, capsys, monkeypatch):
    import tqdm.notebook

    shown = []
    monkeypatch.setattr("nbpromote.widgets.progress.widgets_available", lambda: True)
    monkeypatch.setattr(tqdm.notebook, "display", shown.append)
    run_subcommand(Shell(), f"export {credit_notebook} -o {tmp_path / 'out'}")
    run_subcommand(Shell(), f"export {credit_notebook} -o {tmp_path / 'out'}")  # the output exists: refused
    assert "--force" in capsys.readouterr().err
    [_label, bar, status] = shown[-1].children
    assert bar.bar_style == "danger" and bar.value < bar.max and "failed" in status.value
