"""Where the registry lives and who acts: the documented precedence."""

from __future__ import annotations

from pathlib import Path

from nbpromote.registry import resolve_actor, resolve_db_path


def test_default_is_under_nbpromote_home(isolated):
    assert resolve_db_path() == str(isolated / "registry.db")


def test_default_home_is_dot_nbpromote(monkeypatch):
    monkeypatch.delenv("NBPROMOTE_HOME")
    assert resolve_db_path() == str(Path(".nbpromote") / "registry.db")


def test_pyproject_setting_is_relative_to_the_project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.nbpromote]\nregistry = "state/models.db"\n')
    sub = tmp_path / "notebooks"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert resolve_db_path() == str(tmp_path / "state" / "models.db")


def test_nearest_pyproject_without_setting_falls_back_to_home(tmp_path, monkeypatch, isolated):
    (tmp_path / "pyproject.toml").write_text('[tool.nbpromote]\nregistry = "outer.db"\n')
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    monkeypatch.chdir(inner)
    assert resolve_db_path() == str(isolated / "registry.db")


def test_broken_pyproject_is_ignored(tmp_path, isolated):
    (tmp_path / "pyproject.toml").write_text("not [toml")
    assert resolve_db_path() == str(isolated / "registry.db")


def test_env_beats_pyproject_and_flag_beats_env(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.nbpromote]\nregistry = "p.db"\n')
    monkeypatch.setenv("NBPROMOTE_REGISTRY", "/env/r.db")
    assert resolve_db_path() == "/env/r.db"
    assert resolve_db_path("/flag/r.db") == "/flag/r.db"


def test_actor_precedence(monkeypatch):
    assert resolve_actor() not in ("", None)  # the OS user
    monkeypatch.setenv("NBPROMOTE_ACTOR", "ci-bot")
    assert resolve_actor() == "ci-bot"
    assert resolve_actor("alice") == "alice"
