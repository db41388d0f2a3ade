"""The registry's tables are a cache of the signed log (issue 16, item 3): every row edited with SQL is caught.

The attacker has write access to the database and the artifact store, not the audit key. Each test
edits one thing behind the registry's back and checks that ``verify`` names it (with the log record
that disagrees) and that ``load`` / ``promote`` refuse instead of trusting the row. Both backends.
"""

from __future__ import annotations

import hashlib
import json
import pickle

import pytest

from nbpromote.errors import ArtifactIntegrityError, AuditTamperedError
from nbpromote.registry import open_registry

from .conftest import LINEAGE
from .test_audit import forge_append

NAME = "credit_risk"


class _Bomb:
    """Unpickling this writes a marker file: proof that attacker bytes executed."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def live(reg, trained):
    """v1 in Production (approved by bob), v2 and v3 registered."""
    for key in ("v1", "v2", "v3"):
        reg.register(NAME, trained["models"][key], metrics=trained["metrics"][key], lineage=LINEAGE,
                     holdout=trained["holdout"], actor="alice")
    reg.approve(NAME, 1, actor="bob", reason="reviewed")
    reg.promote(NAME, 1, reason="first", actor="bob")
    assert reg.verify().ok
    return reg


def register_seq(reg, version):
    return next(t.audit_seq for t in reg.history(NAME) if t.kind == "register" and t.version == version)


def plant(reg, payload: bytes) -> tuple[str, str]:
    """Put attacker bytes into the artifact store under their own (valid) sha256 name."""
    digest = hashlib.sha256(payload).hexdigest()
    uri = f"artifacts/sha256/{digest[:2]}/{digest}"
    (reg.root / uri).parent.mkdir(parents=True, exist_ok=True)
    (reg.root / uri).write_bytes(payload)
    return uri, f"sha256:{digest}"


def test_swapped_artifact_hash_and_uri_are_refused_before_unpickling(live, raw, db_url, tmp_path):
    marker = tmp_path / "pwned"
    uri, digest = plant(live, pickle.dumps(_Bomb(str(marker))))
    raw(db_url)("UPDATE versions SET artifact_hash = ?, artifact_uri = ? WHERE version = 1", (digest, uri))
    with pytest.raises(ArtifactIntegrityError, match="signed audit log registered") as info:
        live.load(NAME)
    assert info.value.actual == digest and not marker.exists()
    with pytest.raises(ArtifactIntegrityError):
        live.artifact_path(NAME, 1)
    result = live.verify()
    assert not result.ok and result.first_bad_seq == register_seq(live, 1)
    assert "v1 artifact_hash" in result.reason and "edited behind the registry's back" in result.reason
    assert {m["what"] for m in result.mismatches} == {"v1 artifact_hash", "v1 artifact_uri"}
    assert not marker.exists()


def test_repointed_artifact_uri_is_refused(live, raw, db_url):
    v3_uri = live.get(NAME, 3).artifact_uri
    raw(db_url)("UPDATE versions SET artifact_uri = ? WHERE version = 1", (v3_uri,))
    with pytest.raises((ArtifactIntegrityError, AuditTamperedError)):
        live.load(NAME, 1)
    assert [m["what"] for m in live.verify().mismatches] == ["v1 artifact_uri"]


def test_stage_edited_with_sql_is_caught_and_not_served(live, raw, db_url):
    sql = raw(db_url)
    sql("UPDATE versions SET stage = 'Archived' WHERE version = 1")
    sql("UPDATE versions SET stage = 'Production' WHERE version = 2")
    result = live.verify()
    assert not result.ok and {m["what"] for m in result.mismatches} >= {"v1 stage", "v2 stage"}
    with pytest.raises(ArtifactIntegrityError, match="v2 is in Production, the signed audit log says it is None"):
        live.load(NAME)
    assert live.load(NAME, 1) is not None  # v1's own record and bytes still check out


def test_edited_metrics_cannot_buy_a_promotion(live, raw, db_url):
    raw(db_url)("UPDATE versions SET metrics = ? WHERE version = 2",
                (json.dumps({"roc_auc": 0.99, "accuracy": 0.99, "n_holdout": 1000}),))
    with pytest.raises(AuditTamperedError, match="v2 metrics"):
        live.promote(NAME, 2, reason="looks great now")
    assert live.live(NAME).version == 1
    assert live.verify().first_bad_seq == register_seq(live, 2)


def test_forged_approval_and_gate_configuration_are_caught(live, raw, db_url):
    sql = raw(db_url)
    version_id = sql.one("SELECT id FROM versions WHERE version = 3")
    sql("INSERT INTO approvals(version_id, actor, at, reason) VALUES (?, 'mallory', '2026-12-01T00:00:00Z', 'me')",
        (version_id,))
    sql("UPDATE models SET config = ?", (json.dumps({"delta": 0.0}),))
    whats = {m["what"] for m in live.verify().mismatches}
    assert whats == {"v3 approvals", "gate configuration"}


def test_moved_alias_is_caught(live, raw, db_url):
    sql = raw(db_url)
    sql("UPDATE aliases SET version_id = (SELECT id FROM versions WHERE version = 2) WHERE alias = 'champion'")
    result = live.verify()
    assert not result.ok and [m["what"] for m in result.mismatches] == ["aliases"]


def test_forged_version_row_without_a_log_record_is_caught(live, raw, db_url):
    sql = raw(db_url)
    model_id = sql.one("SELECT id FROM models")
    sql("INSERT INTO versions(model_id, version, stage, artifact_uri, artifact_hash, artifact_format, artifact_size, "
        "metrics, lineage, params, tags, environment, created_by, created_at) SELECT model_id, 9, 'None', artifact_uri, "
        "artifact_hash, artifact_format, artifact_size, metrics, lineage, params, tags, environment, 'mallory', "
        "created_at FROM versions WHERE version = 1 AND model_id = ?", (model_id,))
    result = live.verify()
    assert not result.ok and "v9" in result.reason and "never registered" in result.reason
    with pytest.raises(ArtifactIntegrityError, match="no registration"):
        live.load(NAME, 9)


def test_forged_registration_in_the_unsigned_tail_is_refused(live, raw, db_url, tmp_path):
    """A row AND a well-chained log record for it: only the missing signature gives it away."""
    marker = tmp_path / "pwned"
    uri, digest = plant(live, pickle.dumps(_Bomb(str(marker))))
    sql = raw(db_url)
    model_id = sql.one("SELECT id FROM models")
    sql("INSERT INTO versions(model_id, version, stage, artifact_uri, artifact_hash, artifact_format, artifact_size, "
        "metrics, lineage, params, tags, environment, created_by, created_at) VALUES (?, 9, 'None', ?, ?, 'pickle', 1, "
        "'{}', '{}', '{}', '{}', '{}', 'mallory', '2026-12-01T00:00:00Z')", (model_id, uri, digest))
    forge_append(sql, "registry.register", {"model": NAME, "version": 9, "to_stage": "None", "artifact_hash": digest,
                                            "evidence": {"artifact_hash": digest, "artifact_uri": uri}})
    result = live.audit.verify(settle=0)
    assert not result.ok and "unsigned tail of 1 records (1 registry events)" in result.reason
    with pytest.raises(AuditTamperedError):
        live.load(NAME, 9)
    assert not marker.exists()


def test_every_registry_write_is_signed(live):
    live.set_alias(NAME, "shadow", 3)
    live.transition(NAME, 3, "Staging", reason="review")
    result = live.verify(strict=True)
    assert result.ok and result.unsigned_tail == 0 and result.unsigned_registry_events == 0


def test_state_survives_retention(live, raw, db_url):
    live.audit.prune(keep_last=2)
    assert live.verify().ok and live.load(NAME) is not None
    raw(db_url)("UPDATE versions SET stage = 'Archived' WHERE version = 1")
    result = live.verify()
    assert not result.ok and [m["what"] for m in result.mismatches][:1] == ["v1 stage"]


def test_cli_verify_names_the_row_and_exits_1(live, raw, db_url, capsys):
    from nbpromote.cli import main

    raw(db_url)("UPDATE versions SET artifact_hash = 'sha256:' || repeat('0', 64) WHERE version = 2"
                if db_url.startswith("postgresql") else
                "UPDATE versions SET artifact_hash = 'sha256:' || printf('%064d', 0) WHERE version = 2")
    live.close()
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify", "--db", db_url, "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert exited.value.code == 1 and doc["ok"] is False
    with open_registry(db_url) as again:
        assert doc["first_bad_seq"] == register_seq(again, 2)
    assert doc["mismatches"][0]["what"] == "v2 artifact_hash"


def test_rows_edited_after_a_load_are_still_caught(live, raw, db_url, tmp_path):
    """Loads reuse the verified state while the chain's head is unchanged, but compare the rows every time."""
    assert live.load(NAME) is not None  # verified and cached
    marker = tmp_path / "pwned"
    uri, digest = plant(live, pickle.dumps(_Bomb(str(marker))))
    raw(db_url)("UPDATE versions SET artifact_hash = ?, artifact_uri = ? WHERE version = 1", (digest, uri))
    with pytest.raises(AuditTamperedError, match="v1 artifact_hash"):
        live.promote(NAME, 3, reason="while tampered")
    with pytest.raises(ArtifactIntegrityError, match="signed audit log registered"):
        live.load(NAME)
    assert not marker.exists()


def test_without_signing_every_write_the_unsigned_registry_events_are_reported(db_url, trained):
    with open_registry(db_url, checkpoint_on_write=False) as reg:
        for key in ("v1", "v2"):
            reg.register(NAME, trained["models"][key], metrics=trained["metrics"][key], lineage=LINEAGE)
        result = reg.audit.verify(settle=0)  # the first record is always signed; the second is not
        assert not result.ok and (result.signed_size, result.unsigned_registry_events) == (1, 1)
        with pytest.raises(AuditTamperedError, match="unsigned tail"):
            reg.load(NAME, 2)
        reg.audit.checkpoint()
        assert reg.verify(strict=True).ok and reg.load(NAME, 2) is not None
