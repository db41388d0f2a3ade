"""The SQLite registry as a specification: register, promote through the gate, rollback, history."""

from __future__ import annotations

import json
import os
import pickle
import time
from datetime import datetime, timezone

import pytest

from nbpromote.errors import (
    ApprovalError,
    ArtifactIntegrityError,
    GateRejectedError,
    IllegalTransitionError,
    ModelNotFoundError,
    UsageError,
    VersionNotFoundError,
)
from nbpromote.registry import ModelVersion, open_registry

from .conftest import LINEAGE

NAME = "credit_risk"


def register(reg, trained, key, **extra):
    return reg.register(NAME, trained["models"][key], metrics=trained["metrics"][key], lineage=LINEAGE,
                        holdout=trained["holdout"], params={"columns": trained["columns"][key]}, **extra)


# --- the done-when scenario ---------------------------------------------------------------------
def test_done_when_scenario(reg, trained):
    v1 = register(reg, trained, "v1", actor="alice")
    reg.approve(NAME, 1, actor="bob", reason="reviewed the notebook and the lineage")
    reg.promote(NAME, 1, reason="first model", actor="bob")
    assert reg.live(NAME).version == 1 and reg.live(NAME).approvals[0]["actor"] == "bob"

    register(reg, trained, "v2", actor="alice")
    with pytest.raises(GateRejectedError) as refused:
        reg.promote(NAME, 2, reason="retrained on new data", actor="alice")
    gate = refused.value.gate
    assert gate.metric == "roc_auc" and 0 < gate.improvement < gate.delta
    assert "not greater than δ" in str(refused.value) and f"{gate.delta:.4f}" in str(refused.value)
    assert json.dumps(gate.to_dict())  # JSON-ready evidence for the pipeline runtime
    assert reg.live(NAME).version == 1

    register(reg, trained, "v3", actor="alice")
    t = reg.promote(NAME, 3, reason="adds the income feature", actor="alice")
    assert t.to_stage == "Production" and t.evidence["gate"]["passed"]
    assert reg.live(NAME).version == 3 and reg.get(NAME, 1).stage == "Archived"
    assert reg.aliases(NAME) == {"champion": 3}

    back = reg.rollback(NAME, reason="canary error rate", actor="carol")
    assert back.version == 1 and reg.live(NAME).version == 1
    assert reg.live(NAME).artifact_hash == v1.artifact_hash
    assert reg.get(NAME, 3).stage == "Archived" and reg.aliases(NAME) == {"champion": 1}
    model = reg.load(NAME)
    assert model.predict(trained["X_test"][:5, :2]).shape == (5,)

    kinds = [(t.kind, t.version, t.to_stage) for t in reg.history(NAME) if t.kind in ("promote", "rollback", "rejected")]
    assert kinds == [("promote", 1, "Production"), ("rejected", 2, None), ("promote", 1, "Archived"),
                     ("promote", 3, "Production"), ("rollback", 3, "Archived"), ("rollback", 1, "Production")]
    assert reg.audit.verify().ok


# --- register ------------------------------------------------------------------------------------
def test_register_estimator_records_everything(reg, trained):
    mv = register(reg, trained, "v1", tags={"team": "risk"}, actor="alice")
    assert isinstance(mv, ModelVersion)
    assert (mv.version, mv.stage, mv.created_by, mv.tags) == (1, "None", "alice", {"team": "risk"})
    assert mv.artifact_hash.startswith("sha256:") and mv.artifact_format == "pickle"
    assert mv.environment["packages"]["scikit-learn"]
    assert mv.lineage == LINEAGE and mv.holdout_hash == trained["holdout"]["hash"] and mv.holdout_rows == 1000
    assert (reg.root / mv.artifact_uri).exists()


def test_register_file_is_copied_and_content_addressed(reg, model_file, trained):
    a = reg.register(NAME, model_file, metrics=trained["metrics"]["v1"], lineage=LINEAGE)
    b = reg.register(NAME, str(model_file), metrics=trained["metrics"]["v1"], lineage=LINEAGE)
    assert (a.version, b.version) == (1, 2) and a.artifact_hash == b.artifact_hash == a.artifact_hash
    assert a.artifact_uri == b.artifact_uri  # stored once
    model_file.unlink()  # the registry does not depend on the user's file
    assert reg.load(NAME, 1).predict(trained["X_test"][:3, :2]).shape == (3,)


def test_register_accepts_lineage_file_and_holdout_from_lineage(reg, model_file, tmp_path, trained):
    path = tmp_path / "lineage.json"
    path.write_text(json.dumps({**LINEAGE, "holdout": {"hash": "xxh3_128:ff", "rows": 10}}))
    mv = reg.register(NAME, model_file, metrics={"accuracy": 0.7}, lineage=path)
    assert mv.lineage["git"] == {"commit": "abc123"} and (mv.holdout_hash, mv.holdout_rows) == ("xxh3_128:ff", 10)


@pytest.mark.parametrize("kwargs, match", [
    ({"metrics": {"accuracy": "high"}}, "not a number"),
    ({"metrics": {"accuracy": float("nan")}}, "not finite"),
    ({"metrics": {"accuracy": True}}, "not a number"),
    ({"metrics": [0.9]}, "must be a dict"),
    ({"holdout": {"rows": 10}}, "holdout must be"),
    ({"holdout": {"hash": "h", "rows": -1}}, "positive integer"),
    ({"lineage": "missing.json"}, "does not exist"),
    ({"params": {"f": object()}}, "not JSON-serialisable"),
])
def test_register_bad_input(reg, model_file, kwargs, match):
    args = {"metrics": {"accuracy": 0.9}, "lineage": {}, **kwargs}
    with pytest.raises(Exception, match=match) as info:
        reg.register(NAME, model_file, **args)
    assert hasattr(info.value, "exit_code")  # from nbpromote.errors, not a raw traceback
    with pytest.raises(ModelNotFoundError):
        reg.live(NAME)  # nothing half-registered


@pytest.mark.parametrize("name", ["", "has space", "-lead", "x" * 200, None])
def test_register_bad_name(reg, model_file, name):
    with pytest.raises(UsageError, match="Model name"):
        reg.register(name, model_file, metrics={}, lineage={})


def test_register_missing_or_directory_artifact(reg, tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        reg.register(NAME, tmp_path / "nope.pkl", metrics={}, lineage={})
    with pytest.raises(UsageError, match="is a directory"):
        reg.register(NAME, tmp_path, metrics={}, lineage={})


def test_register_unpicklable_object(reg):
    with pytest.raises(UsageError, match="cannot be pickled"):
        reg.register(NAME, lambda x: x, metrics={}, lineage={})


# --- promote and approvals -------------------------------------------------------------------------
def test_first_model_needs_explicit_approval(reg, trained):
    register(reg, trained, "v1")
    with pytest.raises(ApprovalError, match="first model needs an explicit approval"):
        reg.promote(NAME, 1, reason="first")
    assert reg.live(NAME) is None
    assert reg.promote(NAME, 1, reason="first", approve=True).to_stage == "Production"


def test_first_model_still_needs_its_guardrails(reg, trained):
    register(reg, trained, "v1")
    with pytest.raises(GateRejectedError, match="names metric 'p99_latency_ms'"):
        reg.promote(NAME, 1, reason="first", approve=True, guardrails=["p99_latency_ms<=50"])
    assert reg.live(NAME) is None


def test_promote_needs_a_reason(reg, trained):
    register(reg, trained, "v1")
    with pytest.raises(UsageError, match="needs a reason"):
        reg.promote(NAME, 1, reason="  ", approve=True)


def test_second_approver_separation_of_duties(reg, trained):
    register(reg, trained, "v1", actor="alice")
    reg.configure(NAME, require_second_approver=True, actor="lead")
    with pytest.raises(ApprovalError, match="alice registered v1 and cannot also approve"):
        reg.approve(NAME, 1, actor="alice", reason="mine")
    with pytest.raises(ApprovalError, match="second approver"):
        reg.promote(NAME, 1, reason="go", actor="alice", approve=True)
    reg.approve(NAME, 1, actor="bob", reason="four eyes")
    with pytest.raises(ApprovalError, match="already approved"):
        reg.approve(NAME, 1, actor="bob", reason="again")
    assert reg.promote(NAME, 1, reason="go", actor="alice").to_stage == "Production"


def test_configured_gate_applies_to_every_promotion(reg, trained):
    register(reg, trained, "v1")
    reg.promote(NAME, 1, reason="first", approve=True)
    register(reg, trained, "v3")
    reg.configure(NAME, metric="accuracy", delta=0.5)
    with pytest.raises(GateRejectedError, match="accuracy improvement .* δ = 0.5000"):
        reg.promote(NAME, 2, reason="better")


def test_promote_illegal_states(reg, trained):
    register(reg, trained, "v1")
    reg.promote(NAME, 1, reason="first", approve=True)
    with pytest.raises(IllegalTransitionError, match="only None or Staging") as info:
        reg.promote(NAME, 1, reason="again")
    assert "already live" in str(info.value)


def test_rejection_is_recorded_in_history_and_audit(reg, trained):
    register(reg, trained, "v1")
    reg.promote(NAME, 1, reason="first", approve=True)
    register(reg, trained, "v2")
    with pytest.raises(GateRejectedError):
        reg.promote(NAME, 2, reason="try", actor="eve")
    rejected = reg.history(NAME, kinds=("rejected",))[-1]
    assert rejected.actor == "eve" and rejected.evidence["gate"]["passed"] is False
    assert reg.audit.tail(50, kind="registry.rejected")[-1].data["actor"] == "eve"


def test_unique_production_is_enforced_by_the_database(reg, trained, raw, db_url):
    register(reg, trained, "v1")
    register(reg, trained, "v3")
    reg.promote(NAME, 1, reason="first", approve=True)
    with pytest.raises(Exception, match="(?i)unique|one_production_per_model"):
        raw(db_url)("UPDATE versions SET stage = 'Production' WHERE version = 2")


# --- transitions and aliases ---------------------------------------------------------------------
def test_manual_transitions_follow_the_state_machine(reg, trained):
    register(reg, trained, "v1")
    t = reg.transition(NAME, 1, "Staging", reason="ready for review")
    assert (t.from_stage, t.to_stage) == ("None", "Staging") and reg.aliases(NAME) == {"challenger": 1}
    with pytest.raises(IllegalTransitionError, match="promote") as info:
        reg.transition(NAME, 1, "Production", reason="shortcut")
    assert info.value.allowed == ["None", "Archived"]
    reg.transition(NAME, 1, "Archived", reason="superseded")
    with pytest.raises(IllegalTransitionError, match="allowed transitions are: Staging"):
        reg.transition(NAME, 1, "None", reason="undo")
    with pytest.raises(UsageError, match="Unknown stage"):
        reg.transition(NAME, 1, "Prod", reason="typo")


def test_archiving_the_live_version_empties_the_slot(reg, trained):
    register(reg, trained, "v1")
    reg.promote(NAME, 1, reason="first", approve=True)
    reg.transition(NAME, 1, "Archived", reason="retired")
    assert reg.live(NAME) is None and reg.aliases(NAME) == {}


def test_aliases_keep_history(reg, trained):
    register(reg, trained, "v1")
    register(reg, trained, "v2")
    reg.set_alias(NAME, "shadow", 1, reason="shadow traffic")
    before = datetime.now(timezone.utc)
    time.sleep(0.01)
    reg.set_alias(NAME, "shadow", 2, reason="newer shadow")
    assert reg.aliases(NAME) == {"shadow": 2}
    assert reg.alias_at(NAME, "shadow", before) == 1
    assert reg.get(NAME, "shadow").version == 2
    reg.delete_alias(NAME, "shadow")
    assert reg.aliases(NAME) == {} and reg.alias_at(NAME, "shadow", datetime.now(timezone.utc)) is None
    with pytest.raises(IllegalTransitionError, match="champion"):
        reg.set_alias(NAME, "champion", 1)
    with pytest.raises(UsageError, match="Alias"):
        reg.set_alias(NAME, "live", 1)
    with pytest.raises(UsageError, match="no alias"):
        reg.delete_alias(NAME, "nope")


# --- rollback and time travel ----------------------------------------------------------------------
def test_repeated_rollback_walks_back_through_history(reg, trained):
    for key in ("v1", "v2", "v3"):
        register(reg, trained, key)
    reg.promote(NAME, 1, reason="first", approve=True)
    reg.promote(NAME, 2, reason="forced", delta=0.0)
    reg.promote(NAME, 3, reason="better")
    assert reg.rollback_target(NAME).version == 2
    assert reg.rollback(NAME, reason="r1").version == 2
    assert reg.rollback(NAME, reason="r2").version == 1
    assert reg.rollback_target(NAME) is None
    with pytest.raises(IllegalTransitionError, match="no earlier Production version"):
        reg.rollback(NAME, reason="r3")
    assert reg.rollback  # explicit target
    assert reg.rollback(NAME, reason="back to 3", to=3).version == 3
    with pytest.raises(IllegalTransitionError, match="is live now"):
        reg.rollback(NAME, reason="noop", to=3)


def test_rollback_without_history_is_refused(reg, trained):
    register(reg, trained, "v1")
    with pytest.raises(IllegalTransitionError, match="no earlier Production"):
        reg.rollback(NAME, reason="nothing")


def test_live_at_answers_what_was_live_at_time_t(reg, trained):
    for key in ("v1", "v3"):
        register(reg, trained, key)
    t0 = datetime.now(timezone.utc)
    time.sleep(0.01)
    reg.promote(NAME, 1, reason="first", approve=True)
    time.sleep(0.01)
    t1 = datetime.now(timezone.utc)
    time.sleep(0.01)
    reg.promote(NAME, 2, reason="better")
    time.sleep(0.01)
    t2 = datetime.now(timezone.utc)
    reg.transition(NAME, 2, "Archived", reason="retired")
    assert reg.live_at(NAME, t0) is None
    assert reg.live_at(NAME, t1).version == 1
    assert reg.live_at(NAME, t2.isoformat()).version == 2
    assert reg.live_at(NAME, datetime.now(timezone.utc)) is None
    with pytest.raises(UsageError, match="ISO-8601"):
        reg.live_at(NAME, "last tuesday")


# --- loading ---------------------------------------------------------------------------------------
class _Bomb:
    """Unpickling this writes a marker file: proof that a swapped pickle executed."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_load_refuses_a_swapped_pickle_before_executing_it(reg, trained, tmp_path):
    mv = register(reg, trained, "v1")
    marker = tmp_path / "pwned"
    (reg.root / mv.artifact_uri).write_bytes(pickle.dumps(_Bomb(str(marker))))
    with pytest.raises(ArtifactIntegrityError, match="refusing to load") as info:
        reg.load(NAME, 1)
    assert info.value.expected == mv.artifact_hash and info.value.actual != mv.artifact_hash
    assert not marker.exists()


def test_load_missing_artifact_is_a_clear_error(reg, trained):
    mv = register(reg, trained, "v1")
    os.unlink(reg.root / mv.artifact_uri)
    with pytest.raises(ArtifactIntegrityError, match="is missing from the registry's store"):
        reg.load(NAME, 1)


def test_load_without_production_needs_a_version(reg, trained):
    register(reg, trained, "v1")
    with pytest.raises(VersionNotFoundError, match="no Production version"):
        reg.load(NAME)
    assert reg.load(NAME, "v1") is not None and reg.load(NAME, "latest") is not None


def test_load_warns_on_library_version_mismatch(reg, trained, raw, db_url):
    from nbpromote.registry import VersionMismatchWarning

    mv = register(reg, trained, "v1")
    env = {**mv.environment, "packages": {**mv.environment["packages"], "scikit-learn": "0.0.1"}}
    raw(db_url)("UPDATE versions SET environment = ? WHERE version = 1", (json.dumps(env),))
    with pytest.warns(VersionMismatchWarning, match="scikit-learn 0.0.1"):
        reg.load(NAME, 1)


# --- unknown names -------------------------------------------------------------------------------
def test_unknown_model_and_version(reg, trained):
    with pytest.raises(ModelNotFoundError, match="registry is empty"):
        reg.live("nope")
    register(reg, trained, "v1")
    with pytest.raises(ModelNotFoundError, match="Registered models: credit_risk"):
        reg.history("nope")
    with pytest.raises(VersionNotFoundError, match="Versions: 1") as info:
        reg.get(NAME, 7)
    assert isinstance(info.value, KeyError)
    with pytest.raises(VersionNotFoundError):
        reg.promote(NAME, "v9", reason="x")


def test_models_listing(reg, trained):
    assert reg.models() == []
    register(reg, trained, "v1")
    reg.promote(NAME, 1, reason="first", approve=True)
    (row,) = reg.models()
    assert (row["name"], row["versions"], row["live"]) == (NAME, 1, 1)


def test_reopen_sees_the_same_state_and_schema_version(db_url, backend, trained, raw):
    with open_registry(db_url) as reg:
        register(reg, trained, "v1")
    with open_registry(db_url) as again:
        assert again.get(NAME, 1).version == 1
    sql = raw(db_url)
    assert sql.one("SELECT value FROM meta WHERE key = 'schema_version'") == "2"
    if backend == "sqlite":
        assert sql.one("PRAGMA journal_mode") == "wal"


def test_version_1_sqlite_registry_is_migrated(tmp_path, trained, raw):
    db = str(tmp_path / "old.db")
    with open_registry(db) as reg:
        register(reg, trained, "v1")
    sql = raw(db)
    sql("DROP TABLE prediction_log")
    sql("DROP TABLE prediction_anchor")
    sql("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with open_registry(db) as reg:
        assert reg.get(NAME, 1).version == 1 and reg.verify().ok
    assert sql.one("SELECT value FROM meta WHERE key = 'schema_version'") == "2"
    assert sql.one("SELECT COUNT(*) FROM meta WHERE key = 'migrated_1_to_2'") == 1


def test_failed_checkpoint_warns_keeps_the_transition_and_verify_says_why(db_url, tmp_path, trained):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the checkpoint directory should be")
    with open_registry(db_url, checkpoint_dir=blocker) as reg:
        with pytest.warns(RuntimeWarning, match="checkpoint could not be written"):
            register(reg, trained, "v1")
        assert reg.get(NAME, 1).version == 1
        result = reg.audit.verify(settle=0)
        assert not result.ok and "no signed checkpoint" in result.reason
    with open_registry(db_url, checkpoint_dir=tmp_path / "fixed") as reg:  # fixed: sign what is there
        reg.audit.checkpoint()
        assert reg.verify().ok and reg.load(NAME, 1) is not None


def test_holdout_rows_fall_back_to_n_holdout_and_hashless_lineage_holdout_is_unknown(reg, model_file):
    mv = reg.register(NAME, model_file, metrics={"accuracy": 0.7, "n_holdout": 500},
                      lineage={"holdout": {"X": None, "rows": None}}, holdout={"hash": "xxh3_128:aa", "rows": None})
    assert (mv.holdout_hash, mv.holdout_rows) == ("xxh3_128:aa", 500)
    mv = reg.register(NAME, model_file, metrics={"accuracy": 0.7}, lineage={"holdout": {"X": None, "rows": None}})
    assert (mv.holdout_hash, mv.holdout_rows) == (None, None)


# --- evidence attached to a promotion -----------------------------------------------------------
SHADOW = {"kind": "nbpromote.shadow_evidence", "schema_version": 1, "model": NAME, "champion": 1, "shadow": 3,
          "agreement": {"3": {"rows": 200, "agree": 188, "errors": 0, "agreement": 0.94}},
          "feedback": {"1": {"labelled_rows": 200, "accuracy": 0.71}, "3": {"labelled_rows": 200, "accuracy": 0.83}}}


def test_promotion_evidence_is_recorded_in_the_transition_history_and_audit_log(reg, trained):
    register(reg, trained, "v1", actor="alice")
    reg.promote(NAME, 1, reason="first model", actor="bob", approve=True)
    register(reg, trained, "v2", actor="alice")
    with pytest.raises(GateRejectedError):  # the gate still decides on holdout metrics, evidence or not
        reg.promote(NAME, 2, reason="shadow looked fine", actor="alice", evidence={**SHADOW, "shadow": 2})
    register(reg, trained, "v3", actor="alice")
    t = reg.promote(NAME, 3, reason="shadow beat the champion on labels", actor="alice", evidence=SHADOW)

    assert t.evidence["gate"]["passed"] and t.evidence["attached"] == SHADOW
    history = reg.history(NAME)
    promoted = [h for h in history if h.kind == "promote" and h.version == 3]
    refused = [h for h in history if h.kind == "rejected" and h.version == 2]
    assert promoted[0].evidence["attached"] == SHADOW
    assert refused[0].evidence["attached"]["shadow"] == 2 and refused[0].evidence["gate"]["passed"] is False
    record = reg.audit.tail(1, kind="registry.promote")[0]
    assert record.seq == promoted[0].audit_seq and record.data["evidence"]["attached"] == SHADOW
    assert reg.audit.verify().ok and reg.verify().ok
    assert "attached" not in [h for h in history if h.kind == "promote" and h.version == 1][0].evidence


@pytest.mark.parametrize(("evidence", "words"), [
    (["not", "a", "dict"], "must be a JSON object, got list"),
    ({"agreement": 0.9}, 'needs a non-empty string "kind"'),
    ({"kind": "  "}, 'needs a non-empty string "kind"'),
    ({"kind": "x", "model": object()}, "is not JSON-able"),
    ({"kind": "x", "blob": "a" * 70_000}, "the limit is 65536 bytes"),
])
def test_bad_promotion_evidence_is_refused_before_anything_is_written(reg, trained, evidence, words):
    register(reg, trained, "v1", actor="alice")
    before = reg.audit.head()
    with pytest.raises(UsageError, match=words) as refused:
        reg.promote(NAME, 1, reason="first model", actor="bob", approve=True, evidence=evidence)
    assert refused.value.exit_code == 2 and refused.value.hint
    assert reg.audit.head() == before and reg.live(NAME) is None
