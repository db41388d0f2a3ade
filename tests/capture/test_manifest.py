"""The manifest: schema validation on read, upgrades, sidecar + notebook storage, identity."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from nbpromote.capture import (
    CaptureSession,
    load_manifest,
    manifest_identity,
    save_manifest,
    sidecar_path,
    validate_manifest,
)
from nbpromote.capture import manifest as manifest_module
from nbpromote.errors import ManifestError, NotebookFormatError, NotebookWriteError


@pytest.fixture
def manifest():
    session = CaptureSession()
    session.data["df"] = {"hash": "xxh3_128:" + "0" * 32, "kind": "DataFrame", "source": "variable", "shape": [2, 2]}
    return session.to_manifest(notebook_hash="sha256:" + "a" * 64)


def test_a_fresh_manifest_has_every_documented_key(manifest):
    for key in ("schema_version", "seeds", "data", "environment", "git", "execution", "notebook_hash",
                "parameters", "created_at"):
        assert key in manifest
    assert manifest["schema_version"] == 2
    assert manifest["rows"]["observed"] is False and manifest["reads"] == {}
    assert set(manifest["environment"]) >= {"python", "platform", "packages", "lock_hash"}
    validate_manifest(manifest)


@pytest.mark.parametrize(
    "damage, where",
    [
        (lambda m: m.pop("seeds"), "'seeds' is a required property"),
        (lambda m: m["data"]["df"].update(hash="md5 nope"), "data/df/hash"),
        (lambda m: m["execution"].append({"cell_id": "a"}), "execution/0"),
        (lambda m: m.update(extra=1), "Additional properties"),
        (lambda m: m["seeds"].update(seed=-1), "seeds/seed"),
    ],
)
def test_invalid_manifests_are_refused_naming_the_field(manifest, damage, where):
    broken = copy.deepcopy(manifest)
    damage(broken)
    with pytest.raises(ManifestError, match=where):
        validate_manifest(broken)


def test_validation_never_modifies_the_document(manifest):
    before = json.dumps(manifest, sort_keys=True)
    validate_manifest(manifest)
    load_manifest(manifest)
    assert json.dumps(manifest, sort_keys=True) == before


def test_versions_this_nbpromote_does_not_know(manifest):
    with pytest.raises(ManifestError, match="schema_version 3.*Upgrade nbpromote"):
        validate_manifest({**manifest, "schema_version": 3})
    with pytest.raises(ManifestError, match="no integer schema_version"):
        validate_manifest({**manifest, "schema_version": "1"})
    with pytest.raises(ManifestError, match="not a JSON object"):
        validate_manifest([])


def _version_1(manifest):
    """The same capture as schema 1 wrote it: no rows, no reads."""
    old = {k: copy.deepcopy(v) for k, v in manifest.items() if k not in ("rows", "reads")}
    old["schema_version"] = 1
    old["data"]["data/train.csv"] = {"hash": "xxh3_128:" + "1" * 32, "kind": "file", "size": 10,
                                     "path": "data/train.csv", "source": "read by cell c1"}
    return old


def test_a_version_1_manifest_is_upgraded_with_rows_not_observed_and_its_reads(manifest):
    old = _version_1(manifest)
    validate_manifest(old)  # still a valid schema-1 document
    upgraded = load_manifest(old)
    assert upgraded["schema_version"] == 2 and upgraded["upgraded_from"] == 1
    assert upgraded["rows"]["observed"] is False and upgraded["rows"]["evidence"] == []
    assert upgraded["reads"] == {"data/train.csv": {"hash": "xxh3_128:" + "1" * 32, "how": "source scan", "size": 10}}
    assert upgraded["data"]["data/train.csv"]["recorded"] == "source scan"
    assert "rows" not in old and old["schema_version"] == 1  # the input is untouched
    assert manifest_identity(upgraded) == manifest_identity(old)  # same capture, same identity


def test_upgrades_run_one_step_at_a_time_and_record_the_original(manifest, monkeypatch):
    old = _version_1(manifest)
    monkeypatch.delitem(manifest_module.UPGRADES, 1)
    with pytest.raises(ManifestError, match="no upgrade from manifest schema 1"):
        load_manifest(old)


def test_row_evidence_is_validated(manifest):
    broken = copy.deepcopy(manifest)
    broken["rows"]["evidence"].append({"kind": "shared-rows", "learner": "StandardScaler"})
    with pytest.raises(ManifestError, match="rows/evidence/0"):
        validate_manifest(broken)


def test_save_writes_sidecar_and_merges_into_metadata_only(tmp_path, manifest, make_notebook):
    path = make_notebook(tmp_path / "nb.ipynb", ["x = 1"], custom={"keep": True})
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["nbpromote"] = {"lint": {"ignore": ["R1"]}}
    nbformat.write(nb, str(path))
    notebook, sidecar = save_manifest(manifest, path)
    assert sidecar == tmp_path / "nb.manifest.json" == sidecar_path(path)
    saved = nbformat.read(str(notebook), as_version=4)
    assert saved.metadata["custom"] == {"keep": True}
    assert saved.metadata["nbpromote"]["lint"] == {"ignore": ["R1"]}
    assert saved.metadata["nbpromote"]["manifest"] == json.loads(sidecar.read_text())
    assert saved.cells[0].source == "x = 1"


def test_load_reads_sidecar_then_notebook_metadata(tmp_path, manifest, make_notebook):
    path = make_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    with pytest.raises(ManifestError, match="holds no nbpromote manifest"):
        load_manifest(path)
    save_manifest(manifest, path)
    assert load_manifest(path) == manifest
    assert load_manifest(sidecar_path(path)) == manifest
    sidecar_path(path).unlink()
    assert load_manifest(path) == manifest  # from metadata.nbpromote.manifest
    assert load_manifest(nbformat.read(str(path), as_version=4)) == manifest


def test_load_reports_bad_json_with_the_file(tmp_path):
    bad = tmp_path / "x.manifest.json"
    bad.write_text("{nope")
    with pytest.raises(ManifestError, match="x.manifest.json is not valid JSON"):
        load_manifest(bad)


def test_read_only_notebook_is_refused_and_left_intact(tmp_path, manifest, make_notebook):
    path = make_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with pytest.raises(NotebookWriteError, match="read-only"):
            save_manifest(manifest, path)
        assert path.read_bytes() == before
        assert not sidecar_path(path).exists()
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    finally:
        path.chmod(0o644)


def test_malformed_notebooks_get_clear_errors(tmp_path, manifest):
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    with pytest.raises(NotebookFormatError, match="broken.ipynb is not valid JSON"):
        save_manifest(manifest, broken)
    assert broken.read_text() == '{"cells": ['


def test_identity_ignores_timestamps_but_not_data_seed_env_code_or_params(manifest):
    same = copy.deepcopy(manifest)
    same["created_at"] = "2000-01-01T00:00:00Z"
    same["execution"] = [{"cell_id": "a", "execution_count": 1, "started_at": "x", "duration_ms": 1, "success": True}]
    same["git"] = {"commit": None, "branch": None, "dirty": None, "root": None, "reason": "x"}
    assert manifest_identity(same) == manifest_identity(manifest)
    for change in (
        lambda m: m["data"]["df"].update(hash="xxh3_128:" + "1" * 32),
        lambda m: m["seeds"].update(seed=1),
        lambda m: m["environment"].update(lock_hash="xxh3_128:" + "2" * 32),
        lambda m: m.update(notebook_hash="sha256:" + "b" * 64),
        lambda m: m.update(parameters={"n": 2}),
    ):
        other = copy.deepcopy(manifest)
        change(other)
        assert manifest_identity(other) != manifest_identity(manifest)
