"""``%promote registry``: what is live, in the notebook (through the real magic dispatcher)."""

from __future__ import annotations

import shlex

from nbpromote.magics import run_subcommand
from nbpromote.magics._registry import LiveView
from nbpromote.registry import open_registry

from .conftest import LINEAGE


def setup(db, trained):
    with open_registry(db) as reg:
        reg.register("credit_risk", trained["models"]["v1"], metrics=trained["metrics"]["v1"], lineage=LINEAGE,
                     holdout=trained["holdout"], actor="alice")
        reg.promote("credit_risk", 1, reason="first", approve=True, actor="bob")
        reg.register("credit_risk", trained["models"]["v3"], metrics=trained["metrics"]["v3"], lineage=LINEAGE,
                     holdout=trained["holdout"], actor="alice")


def test_overview_lists_live_versions(db_url, trained):
    db = db_url
    setup(db, trained)
    view = run_subcommand(None, f"registry --db {shlex.quote(db)}")
    assert isinstance(view, LiveView)
    assert "credit_risk  v1" in repr(view) and "<table>" in view._repr_html_()


def test_one_model_shows_versions_and_approver(db_url, trained, monkeypatch):
    db = db_url
    setup(db, trained)
    monkeypatch.setenv("NBPROMOTE_REGISTRY", str(db))
    text = repr(run_subcommand(None, "registry credit_risk"))
    assert text.startswith("credit_risk: live v1 (approved by bob)")
    assert "v1       Production  champion" in text and "v2       None" in text


def test_empty_registry(tmp_path):
    text = repr(run_subcommand(None, f"registry --db {tmp_path / 'r.db'}"))
    assert text.startswith("No registry at") and "(nothing registered)" in text
    assert not (tmp_path / "r.db").exists()


def test_errors_are_one_line_not_tracebacks(tmp_path, trained, capsys):
    db = tmp_path / "r.db"
    setup(db, trained)
    assert run_subcommand(None, f"registry nope --db {db}") is None
    assert "nbpromote: No model named 'nope'" in capsys.readouterr().err
    assert run_subcommand(None, f"registry a b --db {db}") is None
    assert "unexpected b" in capsys.readouterr().err
