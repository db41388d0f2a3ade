"""Cache keys and rerun reasons."""

from __future__ import annotations

from nbpromote.capture.hashing import hash_file
from nbpromote.pipeline import environment_lock, key_parts, rerun_reasons, stage_key
from nbpromote.pipeline._keys import _ENV_CACHE, installed_distributions


def test_environment_lock_prefers_requirements_lock(tmp_path):
    _ENV_CACHE.clear()
    (tmp_path / "requirements.lock").write_text("pandas==3.0.0\n")
    lock = environment_lock(tmp_path)
    assert lock["source"] == "requirements.lock"
    other = tmp_path / "other"
    other.mkdir()
    fallback = environment_lock(other)
    assert fallback["source"] == "installed distributions"
    assert fallback["hash"] != lock["hash"]
    _ENV_CACHE.clear()


def test_installed_distributions_are_sorted_pins():
    dists = installed_distributions()
    assert dists == sorted(dists)
    assert any(d.startswith("pandas==") for d in dists)
    assert any(d.startswith("nbpromote==") for d in dists)


def test_key_depends_on_code_params_data_inputs_and_seed(package):
    pipeline = package.load()
    ingest = pipeline.stage("ingest")
    params = dict(pipeline.params)
    base = key_parts(pipeline, ingest, params, {})
    assert set(base["code"]) == {"stages/ingest.py", "common.py"}
    assert base["data"]["data_path"]["hash"] == hash_file(package.data)
    key = stage_key(base)
    assert stage_key(key_parts(pipeline, ingest, params, {})) == key  # stable
    package.data.write_text(package.data.read_text() + "1,2,3,0\n")
    assert stage_key(key_parts(pipeline, ingest, params, {})) != key
    pipeline.seed = 7
    assert key_parts(pipeline, ingest, params, {})["seed"] == 7


def test_params_a_stage_does_not_use_are_not_in_its_key(package):
    pipeline = package.load()
    train = pipeline.stage("train")
    inputs = {"X_train": "xxh3_128:" + "a" * 32, "y_train": "xxh3_128:" + "b" * 32}
    one = stage_key(key_parts(pipeline, train, {**pipeline.params, "test_size": 0.1}, inputs))
    two = stage_key(key_parts(pipeline, train, {**pipeline.params, "test_size": 0.9}, inputs))
    three = stage_key(key_parts(pipeline, train, {**pipeline.params, "n_estimators": 5}, inputs))
    assert one == two != three


def _parts(**changes):
    parts = {"stage": "s", "outputs": ["o"], "code": {"stages/s.py": "h1", "common.py": "c1"}, "params": {"a": 1},
             "data": {"path": {"path": "d.csv", "hash": "d1"}}, "inputs": {"raw": "r1"}, "env": "e1", "seed": 42}
    parts.update(changes)
    return parts


def test_reasons_name_what_changed():
    old = _parts()
    assert rerun_reasons(_parts(), None) == ["first run (no earlier result for this stage)"]
    assert rerun_reasons(_parts(code={"stages/s.py": "h2", "common.py": "c1"}), old) == ["code changed (stages/s.py)"]
    assert rerun_reasons(_parts(params={"a": 2}), old) == ["param a changed (1 → 2)"]
    assert rerun_reasons(_parts(params={"a": 1, "b": 0}), old) == ["param b added"]
    assert rerun_reasons(_parts(inputs={"raw": "r2"}), old) == ["input raw changed"]
    assert rerun_reasons(_parts(data={"path": {"path": "d.csv", "hash": "d2"}}), old) == ["data file d.csv changed"]
    assert rerun_reasons(_parts(env="e2"), old) == ["environment changed"]
    assert rerun_reasons(_parts(seed=1), old) == ["seed changed (42 → 1)"]
    # cheapest first: seed and params before code, inputs last
    assert rerun_reasons(_parts(seed=1, inputs={"raw": "r2"}, params={"a": 3}), old) == [
        "seed changed (42 → 1)", "param a changed (1 → 3)", "input raw changed"]


def test_no_difference_means_the_result_is_gone():
    assert "no cached result" in rerun_reasons(_parts(), _parts())[0]
