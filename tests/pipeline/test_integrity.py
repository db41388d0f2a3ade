"""Nothing is deserialised from the cache before its signed sha256 holds (issue 16, item 1).

The attacker here can write every file of the cache (bytes and metadata) but does not hold the
audit key. Each attack plants a pickle that would create a marker file when unpickled; the marker
must never appear.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from nbpromote.errors import ArtifactIntegrityError
from nbpromote.pipeline import ArtifactStore, run_pipeline
from nbpromote.pipeline._integrity import sign_meta

from .test_cli import call


class _Plant:
    """Unpickling this creates ``marker``: the stand-in for arbitrary code execution."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def _malicious(marker: Path, size: int) -> bytes:
    payload = pickle.dumps(_Plant(marker), protocol=2)
    assert len(payload) + 2 <= size, "the artifact is too small to hide a payload in"
    # A pickle stops at its STOP opcode: pad after it to exactly the original size.
    return payload + b"\x00" * (size - len(payload))


def _pickled_artifact(tmp_path: Path) -> tuple[ArtifactStore, str]:
    store = ArtifactStore(tmp_path / "home")
    ref = store.put({"weights": {1, 2, 3}, "note": "x" * 300})  # a set: only pickle stores it
    assert ref.serializer == "pickle"
    return store, ref.hash


def _meta_path(store: ArtifactStore, digest: str) -> Path:
    hexpart = digest.split(":", 1)[1]
    return store.objects / hexpart[:2] / f"{hexpart}.meta.json"


def test_a_same_size_malicious_pickle_is_refused_without_running(tmp_path):
    store, digest = _pickled_artifact(tmp_path)
    marker = tmp_path / "pwned"
    path = store.path(digest)
    original = store.meta(digest)["sha256"]
    path.write_bytes(_malicious(marker, path.stat().st_size))
    assert store.has(digest)  # the cheap presence check (size) cannot tell
    with pytest.raises(ArtifactIntegrityError) as info:
        store.get(digest)
    assert not marker.exists()
    error = info.value
    assert error.artifact == digest and error.expected == original and error.actual.startswith("sha256:")
    assert error.expected != error.actual
    assert digest in str(error) and original in str(error) and error.actual in str(error)


@pytest.mark.parametrize("resign", [None, b"the attacker's own key"], ids=["sha256 rewritten", "re-signed"])
def test_rewriting_the_recorded_sha256_and_signature_without_the_key_is_refused(tmp_path, resign):
    import hashlib

    store, digest = _pickled_artifact(tmp_path)
    marker = tmp_path / "pwned"
    path = store.path(digest)
    data = _malicious(marker, path.stat().st_size)
    path.write_bytes(data)
    meta_path = _meta_path(store, digest)
    meta = json.loads(meta_path.read_text())
    meta["sha256"] = "sha256:" + hashlib.sha256(data).hexdigest()
    if resign is not None:
        meta["signature"] = sign_meta(meta, resign)
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtifactIntegrityError, match="not signed with this home's audit key"):
        store.get(digest)
    assert not marker.exists()


def test_switching_a_safe_format_to_pickle_in_the_metadata_is_refused(tmp_path):
    store = ArtifactStore(tmp_path / "home")
    ref = store.put({"a": 1})
    assert ref.serializer == "json"
    meta_path = _meta_path(store, ref.hash)
    meta = json.loads(meta_path.read_text())
    meta["serializer"] = meta["format"] = "pickle"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtifactIntegrityError):
        store.get(ref.hash)


def test_unsigned_artifacts_of_an_older_nbpromote_are_not_trusted_and_are_rewritten(tmp_path):
    store, digest = _pickled_artifact(tmp_path)
    meta_path = _meta_path(store, digest)
    meta = json.loads(meta_path.read_text())
    for key in ("sha256", "signature"):
        meta.pop(key)
    meta["schema_version"] = 1
    meta_path.write_text(json.dumps(meta))
    assert not store.has(digest)  # a cache miss: the stage reruns
    with pytest.raises(ArtifactIntegrityError, match="no signed sha256"):
        store.get(digest)
    store.put({"weights": {1, 2, 3}, "note": "x" * 300})
    assert store.get(digest)["weights"] == {1, 2, 3}


def test_without_the_audit_key_nothing_is_loaded(tmp_path):
    store, digest = _pickled_artifact(tmp_path)
    (store.home / "audit.key").unlink()
    from nbpromote.pipeline import _integrity

    _integrity._KEYS.clear()
    with pytest.raises(ArtifactIntegrityError, match="no audit key"):
        store.get(digest)


def test_the_audit_key_from_the_environment_signs_and_verifies(tmp_path, monkeypatch):
    monkeypatch.setenv("NBPROMOTE_AUDIT_KEY", "team secret")
    store, digest = _pickled_artifact(tmp_path)
    assert not (store.home / "audit.key").exists()
    assert store.get(digest)["note"] == "x" * 300
    monkeypatch.setenv("NBPROMOTE_AUDIT_KEY", "another secret")
    with pytest.raises(ArtifactIntegrityError):
        store.get(digest)


# --- through the package's commands --------------------------------------------------------------
def _tamper_model(store_dir: Path, record: dict, marker: Path) -> str:
    store = ArtifactStore(store_dir)
    digest = record["roles"]["model"]["hash"]
    path = store.path(digest)
    path.write_bytes(_malicious(marker, path.stat().st_size))
    return digest


@pytest.mark.parametrize("argv", [
    ("run", "--from", "evaluate"),
    ("predict", "--latest", "--input", "{data}"),
    ("monitor", "--current", "{data}"),
    ("register", "--db", "{db}"),
])
def test_package_commands_refuse_a_tampered_model(package, store, capsys, tmp_path, argv):
    pipeline = package.load()
    record = run_pipeline(pipeline, store=store)
    marker = tmp_path / "pwned"
    digest = _tamper_model(store, record, marker)
    args = [a.format(data=package.data, db=tmp_path / "registry.db") for a in argv]
    code, out, err = call(pipeline, capsys, *args, "--store", str(store))
    assert code != 0
    assert not marker.exists()
    assert "ArtifactIntegrityError" in err or "modified after it was stored" in err
    assert digest in err
