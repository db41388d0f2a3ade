"""A store on shared storage: the objects and the stage index behind an fsspec URL, run records local."""

from __future__ import annotations

import os
import time

import pytest

from nbpromote.errors import PipelineError
from nbpromote.pipeline import ArtifactStore, run_pipeline
from nbpromote.pipeline._store import STALE_TEMPORARY_SECONDS, default_home, is_store_url

fsspec = pytest.importorskip("fsspec")


@pytest.fixture
def memory_url(request):
    url = f"memory://nbpromote-test-{request.node.name}"
    yield url
    fs = fsspec.filesystem("memory")
    root = url.split("://", 1)[1]
    if fs.exists(root):
        fs.rm(root, recursive=True)


def test_urls_are_stores_and_file_urls_are_local_paths():
    assert is_store_url("s3://bucket/x") and is_store_url("memory://x")
    assert not is_store_url("file:///tmp/x") and not is_store_url("/tmp/x")


def test_artifacts_round_trip_through_a_memory_store_and_are_verified(memory_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = ArtifactStore(memory_url)
    ref = store.put({"a": [1, 2, 3]})
    assert store.has(ref.hash) and store.get(ref.hash) == {"a": [1, 2, 3]}
    assert store.find(ref.hash.split(":")[1][:8]) == ref.hash
    assert fsspec.filesystem("memory").glob(f"{memory_url.split('://')[1]}/cache/objects/*/*.meta.json")
    assert (tmp_path / ".nbpromote" / "audit.key").exists()  # the key stays local
    with pytest.raises(PipelineError, match="lives in the shared store"):
        store.path(ref.hash)


def test_a_pipeline_on_a_shared_store_caches_there_and_keeps_run_records_local(package, memory_url, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipeline = package.load()
    first = run_pipeline(pipeline, store=memory_url)
    assert {s["status"] for s in first["stages"]} == {"ran"}
    again = run_pipeline(pipeline, store=memory_url)
    assert {s["status"] for s in again["stages"]} == {"cached"}
    local = run_pipeline(pipeline, store=tmp_path / "local-home")
    assert [s["outputs"] for s in local["stages"]] == [s["outputs"] for s in first["stages"]]
    assert (tmp_path / ".nbpromote" / "runs" / package.name / f"{first['run_id']}.json").exists()
    entries = ArtifactStore(memory_url).entries(package.name)
    assert {e["stage"] for e in entries} >= {"ingest", "split", "train", "evaluate"}


def test_a_stale_temporary_on_a_shared_store_is_removed_by_age_not_by_pid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = ArtifactStore(f"local://{tmp_path / 'shared'}")
    ref = store.put([1, 2, 3])
    folder = tmp_path / "shared" / "cache" / "objects" / ref.hash.split(":")[1][:2]
    old = folder / f".{ref.hash.split(':')[1]}.json.other-host.1.abcd.tmp"
    fresh = folder / f".{ref.hash.split(':')[1]}.json.other-host.2.ef01.tmp"
    for path in (old, fresh):
        path.write_bytes(b"half written")
    os.utime(old, (time.time() - STALE_TEMPORARY_SECONDS - 60,) * 2)
    store.put_entry("p", "s", ref.hash, {"outputs": {}})  # unrelated write: nothing touched here
    store._files.write(str(folder / f"{ref.hash.split(':')[1]}.json"), b"[1]")
    assert not old.exists() and fresh.exists()


def test_the_local_home_ignores_a_store_url(monkeypatch):
    monkeypatch.setenv("NBPROMOTE_HOME", "memory://team")
    assert str(default_home()) == ".nbpromote"
    assert ArtifactStore().url == "memory://team"


def test_a_url_whose_filesystem_is_not_installed_says_what_to_install():
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("s3fs is installed here")
    with pytest.raises(PipelineError, match="Cannot open the artifact store s3://bucket/team.*s3fs"):
        ArtifactStore("s3://bucket/team")


@pytest.mark.slow
def test_dask_workers_share_one_store_through_an_fsspec_url(package, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)
    url = f"local://{tmp_path / 'shared'}"
    on_dask = run_pipeline(package.load(), store=url, executor="dask")
    in_process = run_pipeline(package.load(), store=tmp_path / "h")
    assert [s["outputs"] for s in on_dask["stages"]] == [s["outputs"] for s in in_process["stages"]]
    assert {s["status"] for s in run_pipeline(package.load(), store=url)["stages"]} == {"cached"}
