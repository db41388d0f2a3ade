"""The adversarial review's attacks on the server extension (issue 16 items 4, 5, 7, 8), as tests.

Each attack is made against a real jupyter_server with the extension loaded; every answer is the
one error body of DESIGN decision 6 with a status that says who must act, and no absolute server
path ever appears in it.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

import nbformat
import pytest

from nbpromote.server import _work

CLEAN = "credit_risk.ipynb"


def no_server_paths(body, root):
    text = json.dumps(body)
    assert str(root) not in text and "/tmp/" not in text, text[:400]


# --- item 7: hostile paths and bodies are 400s with the reason, not 500s ----------------------
@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("credit_risk\x00.ipynb", "NUL byte"),
        ("a" * 5000 + ".ipynb", "the limit is 4096"),
        ("d/" + "b" * 300 + ".ipynb", "the limit is 255"),
        ("\ud800.ipynb", "lone surrogate"),
    ],
)
@pytest.mark.parametrize("endpoint", ["lint", "export"])
async def test_hostile_paths_are_a_400_with_the_reason(api, jp_root_dir, endpoint, path, words):
    status, body = await api(endpoint, json.dumps({"path": path}))
    assert status == 400, body
    assert body["error"]["code"] == "bad-path"
    assert words in body["error"]["message"]
    no_server_paths(body, jp_root_dir)


async def test_a_hostile_provenance_query_is_a_400(api, jp_root_dir):
    status, body = await api("provenance", params={"path": "a" * 5000 + ".ipynb"})
    assert status == 400 and body["error"]["code"] == "bad-path"


@pytest.mark.parametrize("depth", [40, 100_000])
async def test_deeply_nested_json_bodies_are_a_400(api, jp_root_dir, depth):
    body = '{"path": ' + "[" * depth + "]" * depth + "}"
    status, reply = await api("lint", body)
    assert status == 400, reply
    assert reply["error"]["code"] == "bad-json"
    assert "nested" in reply["error"]["message"]


async def test_a_notebook_with_metadata_nested_500_deep_is_not_a_500(api, jp_root_dir):
    nb = json.loads((jp_root_dir / CLEAN).read_text())
    deep: dict = {}
    node = deep
    for _ in range(500):
        node["x"] = {}
        node = node["x"]
    nb["cells"][0]["metadata"]["deep"] = deep
    (jp_root_dir / "deep.ipynb").write_text(json.dumps(nb))
    for endpoint in ("lint", "stages"):
        status, body = await api(endpoint, {"path": "deep.ipynb"})
        assert status in (200, 400, 422), (endpoint, status, body)
        no_server_paths(body, jp_root_dir)


# --- item 8: nothing outside the root is read, copied or echoed -------------------------------
async def test_a_symlinked_sidecar_manifest_leaving_the_root_is_refused(api, jp_root_dir, tmp_path):
    secret = tmp_path / "secret.manifest.json"
    secret.write_text(json.dumps({"schema_version": 1, "secret": "do-not-serve"}))
    (jp_root_dir / "credit_risk.manifest.json").symlink_to(secret)
    status, body = await api("provenance", params={"path": CLEAN})
    assert status == 403, body
    assert body["error"]["code"] == "outside-root"
    assert "do-not-serve" not in json.dumps(body)
    no_server_paths(body, jp_root_dir)


async def test_a_pyproject_toml_above_the_root_is_never_read(api, jp_root_dir, tmp_path):
    # A broken lint table above the root: read, it would fail the lint and echo its value.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nbpromote.lint]\nseverity = "SECRET-VALUE"\n'
    )
    status, body = await api("lint", {"path": CLEAN})
    assert status == 200, body
    assert "SECRET-VALUE" not in json.dumps(body)


async def test_a_pyproject_toml_inside_the_root_still_configures_lint(api, jp_root_dir):
    (jp_root_dir / "pyproject.toml").write_text('[tool.nbpromote.lint]\nseverity = "bad"\n')
    status, body = await api("lint", {"path": CLEAN})
    assert status == 422 and body["error"]["code"] == "lint"
    no_server_paths(body, jp_root_dir)


async def test_a_symlinked_data_file_leaving_the_root_is_not_copied_into_the_export(
    api, jp_root_dir, tmp_path
):
    outside = tmp_path / "outside.csv"
    outside.write_text("SECRET,ROWS\n1,2\n")
    data = jp_root_dir / "data" / "credit.csv"
    data.rename(tmp_path / "credit-real.csv")
    data.symlink_to(outside)
    status, body = await api("export", {"path": CLEAN, "allow_findings": True})
    assert status == 200, body
    package = jp_root_dir / body["package_dir"]
    copied = [p for p in package.rglob("*.csv")]
    assert all("SECRET" not in p.read_text() for p in copied), copied
    no_server_paths(body, jp_root_dir)


async def test_an_out_dir_through_a_symlink_leaving_the_root_is_refused(api, jp_root_dir, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (jp_root_dir / "link").symlink_to(tmp_path / "elsewhere")
    status, body = await api("export", {"path": CLEAN, "out_dir": "link/pkg"})
    assert status == 403 and body["error"]["code"] == "outside-root"
    assert not any((tmp_path / "elsewhere").iterdir())


# --- item 4: the export race ------------------------------------------------------------------
async def test_two_exports_to_one_directory_at_once_give_one_package_and_a_409(api, jp_root_dir):
    status, _ = await api("export", {"path": CLEAN})
    assert status == 200
    cache = jp_root_dir / "credit_risk_pipeline" / ".nbpromote" / "cache"
    cache.mkdir(parents=True)
    (cache / "artifact").write_text("cached")
    (results) = await asyncio.gather(
        api("export", {"path": CLEAN, "force": True}),
        api("export", {"path": CLEAN, "force": True}),
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "export-running"
    assert "already running" in loser["error"]["message"]
    # The winner's package is whole and the pipeline cache survived; no temporaries are left.
    assert (cache / "artifact").read_text() == "cached"
    assert (jp_root_dir / "credit_risk_pipeline" / "pyproject.toml").is_file()
    assert not [p.name for p in jp_root_dir.iterdir() if ".old-" in p.name or ".export-" in p.name]
    # The lock is released: the next export runs.
    assert (await api("export", {"path": CLEAN, "force": True}))[0] == 200


# --- item 5: large notebooks never freeze the server ------------------------------------------
@pytest.fixture
def small_limit(jp_serverapp):
    jp_serverapp.web_app.settings["nbpromote_max_notebook_bytes"] = 200_000
    yield 200_000
    jp_serverapp.web_app.settings.pop("nbpromote_max_notebook_bytes", None)


def big_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import numpy as np\nx_{i} = np.arange({i})\ny_{i} = x_{i} * 2\n" * 3)
        for i in range(cells)
    ]
    nbformat.write(nb, path)


@pytest.mark.parametrize("endpoint", ["lint", "stages", "suggest-tags", "export"])
async def test_a_notebook_over_the_size_limit_is_a_413_naming_the_limit_and_the_cli(
    api, jp_root_dir, small_limit, endpoint
):
    big_notebook(jp_root_dir / "big.ipynb", 2_000)
    status, body = await api(endpoint, {"path": "big.ipynb"})
    assert status == 413, body
    error = body["error"]
    assert error["code"] == "too-large"
    assert "0.2 MB" in error["message"] and error["details"]["limit_bytes"] == 200_000
    assert error["hint"] == "Lint it from a terminal instead: nbpromote lint big.ipynb"


async def test_the_server_answers_other_requests_while_a_large_notebook_is_linted(
    api, jp_root_dir, jp_fetch
):
    big_notebook(jp_root_dir / "big.ipynb", 3_000)
    lint = asyncio.ensure_future(api("lint", {"path": "big.ipynb"}))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    response = await jp_fetch("api", "status")
    answered = time.monotonic() - started
    assert response.code == 200
    assert not lint.done(), "the lint finished before the check: make the notebook larger"
    status, body = await lint
    assert status == 200, body
    assert answered < 2.0, f"/api/status took {answered:.1f} s while a lint ran"


def test_a_core_call_over_the_deadline_is_stopped_with_a_504(monkeypatch, tmp_path):
    nb = tmp_path / "nb.ipynb"
    big_notebook(nb, 1)
    monkeypatch.setitem(_work.CORE, "stages", ("time", "sleep"))
    # time.sleep(path) raises TypeError, so wrap: a core that sleeps for 5 s.
    monkeypatch.setitem(_work.PARTS, "stages", lambda root, path, body: time.sleep(5))
    started = time.monotonic()
    status, body = _work.run("stages", str(tmp_path), str(nb), {}, timeout=0.5)
    assert time.monotonic() - started < 3
    assert status == 504 and body["error"]["code"] == "timeout"
    assert body["error"]["hint"] == "Run it from a terminal instead: nbpromote stages nb.ipynb"


def test_worker_errors_never_carry_absolute_paths(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{ not json")
    status, body = _work.run("stages", str(tmp_path), str(tmp_path / "nb.ipynb"), {})
    assert status in (400, 422), body
    assert str(tmp_path) not in json.dumps(body)


def test_the_pool_is_started_when_the_extension_loads(jp_serverapp):
    pool = jp_serverapp.web_app.settings["nbpromote_pool"]
    assert pool._executor is not None
    assert os.cpu_count()
