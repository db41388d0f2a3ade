"""environment, lock and git state."""

from __future__ import annotations

import platform
import shutil
import subprocess
from importlib import metadata

import pytest

from nbpromote.capture import environment, git_state, installed_packages, lock_text, write_lock
from nbpromote.capture._environment import LOCK_HEADER
from nbpromote.errors import OutputExistsError


def test_environment_lists_exact_versions_and_a_stable_lock_hash():
    env = environment()
    assert env["python"] == platform.python_version()
    assert env["packages"]["numpy"] == metadata.version("numpy")
    assert env["packages"]["scikit-learn"] == metadata.version("scikit-learn")
    assert env["lock_hash"] == environment()["lock_hash"]
    assert env["lock_hash"].startswith("xxh3_128:")


def test_lock_is_sorted_pinned_requirements():
    text = lock_text({"b": "2", "a": "1.0"})
    assert text == f"{LOCK_HEADER}\na==1.0\nb==2\n"
    assert all("==" in line for line in lock_text(installed_packages()).splitlines()[1:])


def test_write_lock_replaces_its_own_file_but_not_the_users(tmp_path):
    lock = tmp_path / "requirements.lock"
    write_lock(lock, {"a": "1"})
    write_lock(lock, {"a": "2"})
    assert "a==2" in lock.read_text()
    mine = tmp_path / "requirements.txt"
    mine.write_text("pandas\n")
    with pytest.raises(OutputExistsError, match="not written by nbpromote"):
        write_lock(mine, {"a": "1"})
    assert mine.read_text() == "pandas\n"
    write_lock(mine, {"a": "1"}, force=True)
    assert "a==1" in mine.read_text()


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_state_inside_a_repository(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (tmp_path / "nb.ipynb").write_text("{}")
    git("add", ".")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x")
    clean = git_state(tmp_path / "nb.ipynb")
    assert len(clean["commit"]) == 40 and clean["dirty"] is False and clean["branch"] == "main"
    assert clean["root"] == str(tmp_path.resolve())
    (tmp_path / "nb.ipynb").write_text("{ }")
    assert git_state(tmp_path)["dirty"] is True


def test_git_state_outside_a_repository_says_why(tmp_path):
    state = git_state(tmp_path)
    assert state["commit"] is None and state["dirty"] is None
    assert "not inside a git repository" in state["reason"]
