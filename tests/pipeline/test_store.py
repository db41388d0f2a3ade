"""The content-addressed store: atomic writes, dedupe, integrity, lookup by prefix."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import ArtifactIntegrityError, PipelineError
from nbpromote.pipeline import ArtifactStore


def test_put_get_round_trip_and_layout(tmp_path):
    store = ArtifactStore(tmp_path)
    frame = pd.DataFrame({"x": [1, 2, 3]})
    ref = store.put(frame, stage="ingest", output="raw", producer={"stage": "ingest"})
    hexpart = ref.hash.split(":")[1]
    assert (tmp_path / "cache" / "objects" / hexpart[:2] / f"{hexpart}.parquet").is_file()
    assert store.has(ref.hash)
    pd.testing.assert_frame_equal(store.get(ref.hash), frame)
    meta = store.meta(ref.hash)
    assert meta["schema_version"] == 2 and meta["serializer"] == "parquet"
    assert meta["sha256"].startswith("sha256:") and meta["signature"].startswith("hmac-sha256:")
    assert meta["producer"] == {"stage": "ingest"} and meta["type"] == "pandas.DataFrame"


def test_equal_content_is_stored_once(tmp_path):
    store = ArtifactStore(tmp_path)
    first = store.put(np.arange(5))
    path = store.path(first.hash)
    mtime = path.stat().st_mtime_ns
    assert store.put(np.arange(5)) == first
    assert path.stat().st_mtime_ns == mtime
    assert len(list((tmp_path / "cache" / "objects").rglob("*.npy"))) == 1


def test_crash_mid_write_leaves_no_artifact(tmp_path, monkeypatch):
    store = ArtifactStore(tmp_path)
    real_replace = os.replace

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put({"a": 1})
    monkeypatch.setattr(os, "replace", real_replace)
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert leftovers == []  # no temp file, no half artifact
    ref = store.put({"a": 1})
    assert store.get(ref.hash) == {"a": 1}


def test_bytes_without_metadata_do_not_count(tmp_path, monkeypatch):
    # a crash between the data file and its .meta.json: the artifact is absent, and rewritten later
    store = ArtifactStore(tmp_path)
    ref = store.put([1, 2, 3])
    store.path(ref.hash)
    meta_path = next((tmp_path / "cache" / "objects").rglob("*.meta.json"))
    meta_path.unlink()
    assert not store.has(ref.hash)
    with pytest.raises(PipelineError, match="is not in the cache"):
        store.get(ref.hash)
    assert store.put([1, 2, 3]) == ref and store.has(ref.hash)


def test_truncated_artifact_is_detected(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.put(np.arange(100))
    path = store.path(ref.hash)
    path.write_bytes(path.read_bytes()[:50])
    assert not store.has(ref.hash)
    with pytest.raises(ArtifactIntegrityError, match="truncated"):
        store.get(ref.hash)


def test_find_by_prefix(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.put({"k": "v"})
    hexpart = ref.hash.split(":")[1]
    assert store.find(hexpart[:8]) == ref.hash
    assert store.find(f"xxh3_128:{hexpart[:6]}") == ref.hash
    assert store.find("ffff" if not hexpart.startswith("ffff") else "0000") is None
    assert store.find("ab") is None  # too short to be meaningful


def test_not_a_hash_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="is not a content hash"):
        ArtifactStore(tmp_path).meta("model")


def test_stage_entries_need_all_outputs_present(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.put({"a": 1})
    key = "xxh3_128:" + "1" * 32
    store.put_entry("p", "s", key, {"outputs": {"x": ref.hash}})
    assert store.get_entry("p", "s", key)["outputs"] == {"x": ref.hash}
    assert store.get_entry("p", "s", "xxh3_128:" + "2" * 32) is None
    store.path(ref.hash).unlink()
    assert store.get_entry("p", "s", key) is None


def test_default_home_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NBPROMOTE_HOME", str(tmp_path / "h"))
    assert ArtifactStore().home == tmp_path / "h"
    monkeypatch.delenv("NBPROMOTE_HOME")
    assert str(ArtifactStore().home) == ".nbpromote"


def test_corrupt_entry_and_metadata_are_cache_misses_not_crashes(tmp_path):
    store = ArtifactStore(tmp_path)
    ref = store.put({"a": 1})
    key = "xxh3_128:" + "3" * 32
    path = store.put_entry("p", "s", key, {"outputs": {"x": ref.hash}})
    path.write_text("{half a json")
    assert store.get_entry("p", "s", key) is None
    meta_path = next((tmp_path / "cache" / "objects").rglob("*.meta.json"))
    meta_path.write_text("{")
    assert not store.has(ref.hash)
    with pytest.raises(PipelineError, match="metadata .* is corrupt"):
        store.meta(ref.hash)


def test_the_runtime_starts_without_importing_numpy_pandas_or_sklearn():
    # A fully cached rerun must be dominated by process start: the entry point and the hashing of
    # files and JSON may not pull in the scientific stack.
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import nbpromote.pipeline.cli\n"
        "from nbpromote.capture.hashing import hash_file, hash_json\n"
        "hash_json({'a': 1})\n"
        "heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'papermill', 'nbformat') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_stored_frames_are_not_serialized_again(tmp_path, monkeypatch):
    from nbpromote.pipeline import _serializers

    store = ArtifactStore(tmp_path)
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    first = store.put(frame)
    calls = []
    monkeypatch.setattr(_serializers, "serialize", lambda *a, **k: calls.append(a))
    assert store.put(frame.copy()) == first
    assert calls == []
