"""``nbpromote registry …`` / ``nbpromote audit …``: the JSON contract, exit codes, and the user's scenario."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys

import pytest

from nbpromote.cli import main


@pytest.fixture
def run(capsys):
    def invoke(*args):
        with pytest.raises(SystemExit) as exited:
            main([str(a) for a in args])
        out, err = capsys.readouterr()
        return exited.value.code, out, err
    return invoke


@pytest.fixture
def files(tmp_path, trained):
    out = {}
    for key in ("v1", "v2", "v3"):
        model = tmp_path / f"{key}.pkl"
        model.write_bytes(pickle.dumps(trained["models"][key], protocol=5))
        metrics = tmp_path / f"{key}.metrics.json"
        metrics.write_text(json.dumps(trained["metrics"][key]))
        out[key] = (model, metrics)
    lineage = tmp_path / "lineage.json"
    lineage.write_text(json.dumps({"git": {"commit": "abc"}, "seed": 42}))
    out["lineage"] = lineage
    return out


def register(run, files, trained, key, db):
    model, metrics = files[key]
    return run("registry", "register", "credit_risk", model, "--metrics", metrics, "--lineage", files["lineage"],
               "--holdout-hash", trained["holdout"]["hash"], "--holdout-rows", 1000, "--db", db, "--json")


def test_user_scenario_through_the_cli(run, files, trained, db_url, raw):
    db = db_url
    code, out, _ = register(run, files, trained, "v1", db)
    assert code == 0 and json.loads(out)["version"] == 1
    code, out, err = run("registry", "promote", "credit_risk", "1", "-m", "first", "--db", db)
    assert code == 2 and "needs an explicit approval" in err
    code, out, _ = run("registry", "promote", "credit_risk", "1", "-m", "first", "--approve", "--db", db, "--json")
    assert code == 0 and json.loads(out)["to_stage"] == "Production"

    register(run, files, trained, "v2", db)
    code, out, err = run("registry", "promote", "credit_risk", "2", "-m", "retrained", "--db", db, "--json")
    doc = json.loads(out)
    assert code == 1 and doc["promoted"] is False
    assert 0 < doc["gate"]["improvement"] < doc["gate"]["delta"] and "refused by the gate" in err

    register(run, files, trained, "v3", db)
    code, out, _ = run("registry", "promote", "credit_risk", "3", "-m", "income feature", "--db", db)
    assert code == 0 and "Promoted credit_risk v3" in out and "improvement +0." in out

    code, out, _ = run("registry", "rollback", "credit_risk", "-m", "canary", "--db", db)
    assert code == 0 and "v3 → v1" in out

    code, out, _ = run("registry", "show", "credit_risk", "--db", db, "--json")
    doc = json.loads(out)
    assert doc["live"]["version"] == 1 and doc["aliases"] == {"champion": 1} and len(doc["versions"]) == 3
    assert doc["rollback_to"] is None  # v3 was rolled back from; v1 was the first
    code, out, _ = run("registry", "show", "credit_risk", "--db", db)
    assert out.startswith("credit_risk: live v1 (approved by ") and "nothing to roll back to" in out

    code, out, _ = run("registry", "history", "credit_risk", "--db", db, "--json")
    kinds = [e["kind"] for e in json.loads(out)["history"]]
    assert kinds.count("rejected") == 2 and kinds[-3:] == ["rollback", "rollback", "alias"]
    code, out, _ = run("registry", "history", "credit_risk", "--db", db)
    assert "refused: roc_auc improvement +0.0002" in out
    assert re.search(r"promote +v3 +None→Production .*\n +gate: roc_auc \+0\.\d{4} over champion v1 > δ 0\.\d{4}", out)

    code, out, _ = run("audit", "verify", "--db", db, "--json")
    assert code == 0 and json.loads(out)["ok"] is True

    # Edit one audit record behind the registry's back: verify names it and exits 1.
    sql = raw(db)
    sql("UPDATE audit_log SET payload = replace(payload, 'canary', 'planned') WHERE kind = 'registry.rollback'")
    seq = sql.one("SELECT MIN(seq) FROM audit_log WHERE kind = 'registry.rollback'")
    code, out, _ = run("audit", "verify", "--db", db, "--json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False and doc["first_bad_seq"] == seq and "altered" in doc["reason"]
    code, out, _ = run("audit", "verify", "--db", db)
    assert code == 1 and f"first bad record {seq}" in out


def test_list_show_version_and_at(run, files, trained, db_url):
    db = db_url
    code, out, _ = run("registry", "list", "--db", db)
    assert code == 0 and "No models registered" in out
    register(run, files, trained, "v1", db)
    run("registry", "promote", "credit_risk", "1", "-m", "first", "--approve", "--db", db)
    code, out, _ = run("registry", "list", "--db", db, "--json")
    assert json.loads(out) == {"models": [{"name": "credit_risk", "versions": 1, "live": 1,
                                           "updated_at": json.loads(out)["models"][0]["updated_at"]}]}
    code, out, _ = run("registry", "show", "credit_risk", "1", "--db", db)
    assert "credit_risk v1  [Production]" in out and "approved: " in out
    code, out, _ = run("registry", "show", "credit_risk", "--at", "2000-01-01T00:00:00Z", "--db", db, "--json")
    assert json.loads(out)["live"] is None


def test_alias_transition_configure(run, files, trained, db_url):
    db = db_url
    register(run, files, trained, "v1", db)
    code, out, _ = run("registry", "transition", "credit_risk", "1", "staging", "-m", "review", "--db", db)
    assert code == 0 and "None → Staging" in out
    code, out, _ = run("registry", "alias", "credit_risk", "shadow", "1", "--db", db, "--json")
    assert json.loads(out)["aliases"] == {"challenger": 1, "shadow": 1}
    code, out, _ = run("registry", "alias", "credit_risk", "shadow", "--delete", "--db", db, "--json")
    assert json.loads(out)["aliases"] == {"challenger": 1}
    code, _, err = run("registry", "alias", "credit_risk", "champion", "1", "--db", db)
    assert code == 2 and "champion" in err
    code, out, _ = run("registry", "configure", "credit_risk", "--second-approver", "--guardrail",
                       "p99_latency_ms?<=50", "--db", db, "--json")
    config = json.loads(out)["config"]
    assert config["require_second_approver"] is True and config["guardrails"][0]["metric"] == "p99_latency_ms"
    code, _, err = run("registry", "approve", "credit_risk", "1", "-m", "me", "--actor", "root-self", "--db", db)
    assert code == 0
    code, _, err = run("registry", "transition", "credit_risk", "1", "Archived", "-m", "x", "--db", db)
    code, _, err = run("registry", "transition", "credit_risk", "1", "None", "-m", "x", "--db", db)
    assert code == 2 and "allowed transitions are: Staging" in err


@pytest.mark.parametrize("args, message", [
    (["registry", "promote", "credit_risk", "1"], "--reason"),
    (["registry", "register", "m", "missing.pkl", "--metrics", "{}"], "does not exist"),
    (["registry", "register", "m", "MODEL", "--metrics", "{bad"], "neither an existing JSON file"),
    (["registry", "register", "m", "MODEL", "--metrics", "{}", "--holdout-rows", "5"], "needs --holdout-hash"),
    (["registry", "register", "m", "MODEL", "--metrics", "{}", "--param", "novalue"], "KEY=VALUE"),
    (["registry", "show", "nope"], "No registry at"),
    (["audit", "verify"], "No registry at"),
    (["registry", "promote", "credit_risk", "1", "-m", "x", "--guardrail", "latency"], "not understood"),
    (["audit", "prune"], "exactly one of"),
])
def test_bad_usage_exits_2_with_one_line(run, files, tmp_path, args, message):
    args = [str(files["v1"][0]) if a == "MODEL" else a for a in args]
    code, out, err = run(*args, "--db", tmp_path / "reg.db")
    assert code == 2 and message in err and "Traceback" not in err


def test_audit_tail_checkpoint_prune(run, files, trained, db_url):
    db = db_url
    for key in ("v1", "v2", "v3"):
        register(run, files, trained, key, db)
    code, out, _ = run("audit", "tail", "-n", "2", "--db", db, "--json")
    records = json.loads(out)["records"]
    assert code == 0 and [r["kind"] for r in records] == ["registry.register"] * 2 and records[-1]["seq"] == 3
    code, out, _ = run("audit", "checkpoint", "--db", db, "--json")
    assert json.loads(out)["size"] == 3
    code, out, _ = run("audit", "prune", "--keep", "1", "--db", db, "--json")
    assert json.loads(out)["pruned_through"] == 2
    code, out, _ = run("audit", "verify", "--db", db)
    assert code == 0 and out.startswith("ok:")


def test_db_comes_from_the_environment(run, files, trained, tmp_path, monkeypatch):
    db = tmp_path / "env.db"
    monkeypatch.setenv("NBPROMOTE_REGISTRY", str(db))
    monkeypatch.setenv("NBPROMOTE_ACTOR", "ci-bot")
    model, metrics = files["v1"]
    code, out, _ = run("registry", "register", "m", model, "--metrics", metrics, "--json")
    assert code == 0 and json.loads(out)["created_by"] == "ci-bot" and db.exists()


@pytest.mark.slow
def test_python_dash_m_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nbpromote", "registry", "list", "--db", str(tmp_path / "r.db"),
                           "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"models": []}


def test_looking_never_creates_a_registry(run, tmp_path):
    db = tmp_path / "nothing-here.db"
    assert run("registry", "list", "--db", db)[0] == 0
    assert run("registry", "history", "m", "--db", db)[0] == 2
    assert run("audit", "tail", "--db", db)[0] == 2
    assert not db.exists()


def test_checkpoint_refuses_to_sign_a_failing_log_unless_forced(run, files, trained, db_url, raw, tmp_path):
    register(run, files, trained, "v1", db_url)
    from nbpromote.registry import open_registry

    with open_registry(db_url) as reg:
        import shutil

        shutil.rmtree(reg.audit.checkpoint_dir)
    code, _, err = run("audit", "checkpoint", "--db", db_url)
    assert code == 1 and "Refusing to sign" in err and "--force" in err
    code, out, _ = run("audit", "checkpoint", "--force", "--db", db_url)
    assert code == 0 and out.startswith("checkpoint: size 1")
    assert run("audit", "verify", "--db", db_url)[0] == 0


def test_audit_verify_strict_and_the_unsigned_tail(run, files, trained, db_url, raw):
    from .test_audit import forge_append

    register(run, files, trained, "v1", db_url)
    forge_append(raw(db_url), "note", {"text": "appended without the key"})
    code, out, _ = run("audit", "verify", "--db", db_url)
    assert code == 0 and "warning: unsigned tail of 1 records" in out
    code, out, _ = run("audit", "verify", "--strict", "--db", db_url, "--json")
    doc = json.loads(out)
    assert code == 1 and doc["first_bad_seq"] == 2 and "unsigned tail of 1 records" in doc["reason"]


@pytest.mark.slow
def test_migrate_sqlite_to_the_other_backend_keeps_history_and_log_id(run, files, trained, tmp_path, db_url, backend):
    if backend == "sqlite":
        db_url = str(tmp_path / "moved" / "registry.db")  # SQLite → SQLite: a move to a new file
    source = tmp_path / "home" / "registry.db"
    for key in ("v1", "v2", "v3"):
        register(run, files, trained, key, source)
    run("registry", "promote", "credit_risk", "1", "-m", "first", "--approve", "--db", source)
    run("registry", "promote", "credit_risk", "3", "-m", "better", "--db", source)
    before = json.loads(run("audit", "verify", "--db", source, "--json")[1])
    code, out, err = run("registry", "migrate", "--from", f"sqlite:///{source}", "--to", db_url, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["rows"]["versions"] == 3 and summary["log_id"] == before["log_id"]
    after = json.loads(run("audit", "verify", "--db", db_url, "--json")[1])
    assert after["ok"] and after["size"] == before["size"] + 1  # + the audit.migrate record
    history = json.loads(run("registry", "history", "credit_risk", "--db", db_url, "--json")[1])["history"]
    source_history = json.loads(run("registry", "history", "credit_risk", "--db", source, "--json")[1])["history"]
    assert history == source_history
    code, out, _ = run("registry", "rollback", "credit_risk", "-m", "after the move", "--db", db_url)
    assert code == 0 and "v3 → v1" in out
    from nbpromote.registry import open_registry

    with open_registry(db_url) as reg:
        assert reg.load("credit_risk").predict(trained["X_test"][:2, :2]).shape == (2,)
    # Into a non-empty registry: refused.
    code, _, err = run("registry", "migrate", "--from", f"sqlite:///{source}", "--to", db_url)
    assert code == 2 and "already holds a registry" in err


def test_migrate_refuses_a_tampered_source(run, files, trained, tmp_path, raw):
    source = tmp_path / "src.db"
    register(run, files, trained, "v1", source)
    raw(str(source))("UPDATE versions SET artifact_hash = 'sha256:00'")
    code, _, err = run("registry", "migrate", "--from", source, "--to", tmp_path / "dst.db")
    assert code == 1 and "Refusing to migrate" in err and "launder" in err


def test_promote_with_an_evidence_file_records_and_shows_it(run, files, trained, db_url, tmp_path):
    db = db_url
    register(run, files, trained, "v1", db)
    run("registry", "promote", "credit_risk", "1", "-m", "first", "--approve", "--db", db)
    register(run, files, trained, "v3", db)
    shadow = {"kind": "nbpromote.shadow_evidence", "schema_version": 1, "model": "credit_risk", "champion": 1,
              "shadow": 2, "agreement": {"2": {"rows": 50, "agree": 45, "errors": 0, "agreement": 0.9}},
              "feedback": {"1": {"labelled_rows": 50, "accuracy": 0.7}, "2": {"labelled_rows": 50, "accuracy": 0.8}}}
    (tmp_path / "shadow.json").write_text(json.dumps(shadow))
    (tmp_path / "kindless.json").write_text(json.dumps({"agreement": {}}))
    (tmp_path / "broken.json").write_text("{")

    code, _, err = run("registry", "promote", "credit_risk", "2", "-m", "x", "--evidence", tmp_path / "kindless.json",
                       "--db", db)
    assert code == 2 and "kindless.json" in err and '"kind"' in err
    code, _, err = run("registry", "promote", "credit_risk", "2", "-m", "x", "--evidence", tmp_path / "broken.json",
                       "--db", db)
    assert code == 2 and "broken.json is not valid JSON" in err
    code, _, err = run("registry", "promote", "credit_risk", "2", "-m", "x", "--evidence", tmp_path / "none.json",
                       "--db", db)
    assert code == 2 and "none.json does not exist" in err

    code, out, _ = run("registry", "promote", "credit_risk", "2", "-m", "shadow agreed", "--evidence",
                       tmp_path / "shadow.json", "--db", db, "--json")
    assert code == 0 and json.loads(out)["evidence"]["attached"] == shadow
    code, out, _ = run("registry", "history", "credit_risk", "--db", db)
    assert code == 0
    assert ("evidence: nbpromote.shadow_evidence (shadow v2 vs champion v1; agreement 90.0% over 50 rows; "
            "shadow on 50 labelled rows: accuracy 0.8000; champion on 50 labelled rows: accuracy 0.7000)") in out
    code, out, _ = run("audit", "verify", "--db", db)
    assert code == 0
