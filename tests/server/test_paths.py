"""Paths sent by clients are confined to the server's root directory."""

from __future__ import annotations

import os

import pytest

from nbpromote.server import PathRefused, relative_to_root, resolve_in_root


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "nb.ipynb").write_text("{}")
    (root / "sub" / "inner.ipynb").write_text("{}")
    (root / "script.py").write_text("# %%\n")
    (root / "data.csv").write_text("a\n1\n")
    (tmp_path / "outside.ipynb").write_text("{}")
    return root


def test_relative_paths_resolve_inside_the_root(root):
    assert resolve_in_root(root, "nb.ipynb") == (root / "nb.ipynb").resolve()
    assert resolve_in_root(root, "sub/inner.ipynb") == (root / "sub" / "inner.ipynb").resolve()
    assert resolve_in_root(root, "./nb.ipynb") == (root / "nb.ipynb").resolve()
    assert resolve_in_root(root, "script.py") == (root / "script.py").resolve()


def test_an_absolute_path_inside_the_root_is_accepted(root):
    assert (
        resolve_in_root(root, str(root / "sub" / "inner.ipynb"))
        == (root / "sub" / "inner.ipynb").resolve()
    )


@pytest.mark.parametrize("path", ["../outside.ipynb", "sub/../../outside.ipynb", "..", "sub/../.."])
def test_dotdot_escapes_are_refused_with_403(root, path):
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, path)
    assert info.value.status == 403
    assert "server root" in info.value.message


def test_dotdot_that_stays_inside_is_still_refused(root):
    # Refusing every ".." keeps the rule simple to state and to audit.
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, "sub/../nb.ipynb")
    assert info.value.status == 403


def test_an_absolute_path_outside_the_root_is_refused_with_403(root, tmp_path):
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, str(tmp_path / "outside.ipynb"))
    assert info.value.status == 403
    with pytest.raises(PathRefused):
        resolve_in_root(root, "/etc/passwd")


def test_a_symlink_pointing_out_of_the_root_is_refused(root, tmp_path):
    os.symlink(tmp_path / "outside.ipynb", root / "link.ipynb")
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, "link.ipynb")
    assert info.value.status == 403


@pytest.mark.parametrize("value", [None, "", "   ", 3, ["nb.ipynb"], {"p": 1}])
def test_a_missing_or_ill_typed_path_is_a_400_naming_the_field(root, value):
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, value, field="path")
    assert info.value.status == 400
    assert "'path'" in info.value.message


def test_a_non_notebook_is_a_400(root):
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, "data.csv")
    assert info.value.status == 400
    assert "not a notebook" in info.value.message


def test_a_missing_notebook_is_a_404_asking_to_save_it_first(root):
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, "Untitled.ipynb")
    assert info.value.status == 404
    assert "save the notebook first" in info.value.message


def test_outputs_may_not_exist_yet_but_must_stay_inside(root):
    out = resolve_in_root(root, "build/pkg", field="out_dir", must_exist=False, notebook=False)
    assert out == (root / "build" / "pkg").resolve()
    with pytest.raises(PathRefused) as info:
        resolve_in_root(root, "../pkg", field="out_dir", must_exist=False, notebook=False)
    assert info.value.status == 403 and "'out_dir'" in info.value.message


def test_relative_to_root(root, tmp_path):
    assert relative_to_root(root, root / "sub" / "inner.ipynb") == "sub/inner.ipynb"
    assert relative_to_root(root, tmp_path / "x") == str(tmp_path / "x")
