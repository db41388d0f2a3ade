"""The REST front door under /nbpromote/: authenticated, confined to the root, JSON in and out.

Each endpoint is checked against the core call it fronts (same result, paths made relative to the
server root), and every bad input the issue lists gets its status and a message naming the fix.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pytest

import nbpromote
from nbpromote.server import _handlers

LEAKY = "credit_risk_leaky.ipynb"
CLEAN = "credit_risk.ipynb"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- status and authentication ----------------------------------------------------------------
async def test_status_reports_the_version_and_the_available_core_parts(api):
    status, body = await api("status")
    assert status == 200
    assert body["version"] == nbpromote.__version__
    assert body["parts"] == {
        "lint": True,
        "suggest_tags": True,
        "stages": True,
        "export": True,
        "provenance": True,
    }


@pytest.mark.parametrize(
    ("endpoint", "body", "params"),
    [
        ("status", None, None),
        ("lint", {"path": LEAKY}, None),
        ("suggest-tags", {"path": CLEAN}, None),
        ("stages", {"path": CLEAN}, None),
        ("export", {"path": CLEAN}, None),
        ("provenance", None, {"path": CLEAN}),
    ],
)
@pytest.mark.parametrize("authorization", ["", "token not-the-token"])
async def test_no_endpoint_is_reachable_without_the_servers_token(
    api, jp_root_dir, endpoint, body, params, authorization
):
    status, reply = await api(
        endpoint, body, params=params, headers={"Authorization": authorization}
    )
    assert status == 403
    # Nothing ran: no package was exported.
    assert not (jp_root_dir / "credit_risk_pipeline").exists()


async def test_a_missing_core_part_is_reported_by_status_and_answered_with_501(
    api, inline, monkeypatch
):
    monkeypatch.setitem(_handlers.CORE, "lint", ("nbpromote.lint", "no_such_function"))
    status, body = await api("status")
    assert body["parts"]["lint"] is False and body["parts"]["export"] is True
    status, body = await api("lint", {"path": LEAKY})
    assert status == 501
    assert body["error"]["code"] == "not-available"
    assert "nbpromote.lint.no_such_function" in body["error"]["message"]
    assert "upgrade nbpromote" in body["error"]["hint"]


async def test_an_unexpected_core_failure_is_a_json_500_not_a_traceback(api, inline, monkeypatch):
    # json.loads(<Path>) raises TypeError: a stand-in for a bug deep in the core.
    monkeypatch.setitem(_handlers.CORE, "stages", ("json", "loads"))
    status, body = await api("stages", {"path": CLEAN})
    assert status == 500
    assert body["error"]["code"] == "internal"
    assert body["error"]["message"].startswith("nbpromote failed unexpectedly (TypeError)")
    assert "Traceback" not in json.dumps(body) and "/" not in body["error"]["message"]


# --- request parsing and path confinement (shared by every POST endpoint) ---------------------
@pytest.mark.parametrize("endpoint", ["lint", "suggest-tags", "stages", "export"])
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 400, "'path' must be a non-empty string"),
        ({"path": ""}, 400, "'path' must be a non-empty string"),
        ({"path": 7}, 400, "'path' must be a non-empty string"),
        ("not json", 400, "not JSON"),
        ('["credit_risk.ipynb"]', 400, "must be a JSON object"),
        ({"path": "../credit_risk.ipynb"}, 403, "leaves the server root"),
        ({"path": "data/../../x.ipynb"}, 403, "leaves the server root"),
        ({"path": "/etc/hosts.ipynb"}, 403, "outside the server root"),
        ({"path": "data/credit.csv"}, 400, "not a notebook"),
        ({"path": "Untitled.ipynb"}, 404, "save the notebook first"),
    ],
)
async def test_bad_requests_are_refused_with_a_status_and_a_message(
    api, endpoint, body, status, words
):
    got, reply = await api(endpoint, body)
    assert got == status
    assert set(reply) == {"error"}
    assert {"code", "message", "hint", "override"} <= reply["error"].keys()
    assert words in reply["error"]["message"]


async def test_an_absolute_path_inside_the_root_is_accepted(api, jp_root_dir):
    status, body = await api("stages", {"path": str(jp_root_dir / CLEAN)})
    assert status == 200
    assert body["path"] == CLEAN


async def test_provenance_needs_a_path_query_parameter(api):
    status, body = await api("provenance")
    assert status == 400 and "'path'" in body["error"]["message"]
    status, body = await api("provenance", params={"path": "../etc.ipynb"})
    assert status == 403


# --- lint --------------------------------------------------------------------------------------
async def test_lint_returns_the_lint_json_contract_with_root_relative_paths(api, jp_root_dir):
    from nbpromote.lint import lint_paths

    status, body = await api("lint", {"path": LEAKY})
    assert status == 200
    assert body["path"] == LEAKY
    assert [entry["notebook"] for entry in body["notebooks"]] == [LEAKY]
    expected = lint_paths([jp_root_dir / LEAKY]).to_dict()
    assert body["notebooks"][0]["findings"] == expected["notebooks"][0]["findings"]
    assert body["summary"] == expected["summary"]
    rules = {(f["rule"], f["cell_id"]) for f in body["notebooks"][0]["findings"]}
    # The planted leakage: statistics and a scaler fitted before the split, a target-derived feature.
    assert ("preprocessing-before-split", "scale") in rules
    assert any(rule == "target-leakage" for rule, _ in rules)
    for finding in body["notebooks"][0]["findings"]:
        assert {"rule", "severity", "cell", "cell_id", "line", "message", "fix"} <= finding.keys()


async def test_lint_of_the_clean_notebook_finds_nothing(api):
    status, body = await api("lint", {"path": CLEAN})
    assert status == 200
    assert body["notebooks"][0]["findings"] == []


async def test_lint_of_a_broken_notebook_reports_it_as_a_finding(api, jp_root_dir):
    (jp_root_dir / "broken.ipynb").write_text("{ this is not json")
    status, body = await api("lint", {"path": "broken.ipynb"})
    assert status == 200
    findings = body["notebooks"][0]["findings"]
    assert findings and findings[0]["cell"] is None
    assert "broken.ipynb" in body["notebooks"][0]["notebook"]


async def test_lint_works_in_a_subdirectory_of_the_root(api, jp_root_dir):
    sub = jp_root_dir / "team" / "project"
    sub.mkdir(parents=True)
    (sub / LEAKY).write_bytes((jp_root_dir / LEAKY).read_bytes())
    status, body = await api("lint", {"path": f"team/project/{LEAKY}"})
    assert status == 200
    assert body["notebooks"][0]["notebook"] == f"team/project/{LEAKY}"
    assert body["notebooks"][0]["findings"]


# --- suggest-tags ------------------------------------------------------------------------------
async def test_suggest_tags_returns_the_cores_suggestions_and_writes_nothing(api, jp_root_dir):
    from nbpromote.export import suggest_tags

    path = jp_root_dir / CLEAN
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # an untagged notebook, as a new user has it
        cell.metadata.pop("tags", None)
    nbformat.write(nb, path)
    before = sha(path)
    status, body = await api("suggest-tags", {"path": CLEAN})
    assert status == 200
    assert body["path"] == CLEAN
    assert body["suggestions"] == [s.to_dict() for s in suggest_tags(path)]
    assert any(
        s["changes"] and any(t.startswith("stage:") for t in s["tags"]) for s in body["suggestions"]
    )
    assert sha(path) == before


async def test_suggest_tags_keeps_a_fully_tagged_notebook_as_it_is(api):
    status, body = await api("suggest-tags", {"path": CLEAN})
    assert status == 200
    assert body["suggestions"] and not any(s["changes"] for s in body["suggestions"])


# --- stages ------------------------------------------------------------------------------------
async def test_stages_are_in_dag_order_with_cells_inputs_and_outputs(api, jp_root_dir):
    from nbpromote.export import plan_stages

    status, body = await api("stages", {"path": CLEAN})
    assert status == 200
    names = [stage["name"] for stage in body["stages"]]
    assert names == ["ingest", "validate", "features", "train", "evaluate"]
    assert body["stages"] == plan_stages(jp_root_dir / CLEAN).to_dict()["stages"]
    train = body["stages"][names.index("train")]
    assert "model" in train["outputs"] and "X_train" in train["inputs"]


async def test_a_notebook_the_planner_refuses_is_a_422_naming_the_cell(api, jp_root_dir):
    path = jp_root_dir / CLEAN
    nb = nbformat.read(path, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = 'import os\ndata_path = os.environ["DATA"]'
    nbformat.write(nb, path)
    status, body = await api("stages", {"path": CLEAN})
    assert status == 422
    assert body["error"]["code"] == "parameters-cell"
    assert "parameters" in body["error"]["message"]
    assert str(jp_root_dir) not in json.dumps(body)


# --- export ------------------------------------------------------------------------------------
async def test_export_writes_the_package_beside_the_notebook_and_leaves_the_notebook_alone(
    api, jp_root_dir
):
    before = sha(jp_root_dir / CLEAN)
    status, body = await api("export", {"path": CLEAN})
    assert status == 200, body
    assert body["package_dir"] == "credit_risk_pipeline"
    assert body["name"] == "credit_risk"
    package = jp_root_dir / body["package_dir"]
    assert (package / "pyproject.toml").is_file()
    assert sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file()) == sorted(
        body["files"]
    )
    assert sha(jp_root_dir / CLEAN) == before


async def test_export_does_not_overwrite_without_force(api, jp_root_dir):
    assert (await api("export", {"path": CLEAN}))[0] == 200
    status, body = await api("export", {"path": CLEAN})
    assert status == 409
    assert body["error"]["code"] == "output-exists"
    assert body["error"]["override"] == "force"
    assert body["error"]["details"]["path"] == "credit_risk_pipeline"
    status, body = await api("export", {"path": CLEAN, "force": True})
    assert status == 200 and body["package_dir"] == "credit_risk_pipeline"


async def test_export_to_a_chosen_directory_and_name(api, jp_root_dir):
    status, body = await api(
        "export", {"path": CLEAN, "out_dir": "build/scoring", "name": "scoring"}
    )
    assert status == 200, body
    assert body["package_dir"] == "build/scoring"
    assert body["name"] == "scoring"
    assert (jp_root_dir / "build" / "scoring" / "src" / "scoring").is_dir()


async def test_export_refused_by_lint_errors_is_a_422_with_the_findings(api, jp_root_dir):
    before = sha(jp_root_dir / LEAKY)
    status, body = await api("export", {"path": LEAKY})
    assert status == 422
    assert body["error"]["code"] == "lint-errors"
    assert body["error"]["override"] == "allow_findings"
    findings = body["error"]["details"]["findings"]
    assert {f["rule"] for f in findings} >= {"preprocessing-before-split", "target-leakage"}
    assert sha(jp_root_dir / LEAKY) == before
    assert not (jp_root_dir / "credit_risk_leaky_pipeline").exists()


async def test_export_with_allow_findings_exports_and_lists_them(api, jp_root_dir):
    status, body = await api("export", {"path": LEAKY, "allow_findings": True})
    assert status == 200, body
    assert body["package_dir"] == "credit_risk_leaky_pipeline"
    assert body["lint"]["errors"] >= 4


@pytest.mark.parametrize(
    ("extra", "status", "words"),
    [
        ({"out_dir": "../elsewhere"}, 403, "'out_dir'"),
        ({"out_dir": "/tmp/elsewhere"}, 403, "'out_dir'"),
        ({"force": "yes"}, 400, "'force' must be true or false"),
        ({"allow_findings": 1}, 400, "'allow_findings' must be true or false"),
        ({"name": 3}, 400, "'name' must be a string"),
        ({"name": "not a name"}, 422, "not a valid Python package name"),
    ],
)
async def test_bad_export_options_are_refused(api, jp_root_dir, extra, status, words):
    got, body = await api("export", {"path": CLEAN, **extra})
    assert got == status
    assert words in body["error"]["message"]
    assert not (jp_root_dir / "credit_risk_pipeline").exists()


# --- provenance --------------------------------------------------------------------------------
async def test_provenance_without_a_capture_is_an_empty_200_not_an_error(api):
    # The normal state of a notebook nobody captured yet: no 404 in the browser console.
    status, body = await api("provenance", params={"path": CLEAN})
    assert status == 200
    assert body == {"path": CLEAN, "manifest": None, "reason": "none captured yet"}


async def test_provenance_returns_the_captured_manifest(api, jp_root_dir):
    import pandas as pd

    from nbpromote.capture import CaptureSession, load_manifest, save_manifest

    session = CaptureSession()
    session.seed(42)
    session.track({"df": pd.read_csv(jp_root_dir / "data" / "credit.csv")}, ["df"])
    manifest = session.to_manifest(notebook=jp_root_dir / CLEAN)
    save_manifest(manifest, jp_root_dir / CLEAN, into_notebook=False)

    status, body = await api("provenance", params={"path": CLEAN})
    assert status == 200
    assert body["path"] == CLEAN
    # The same manifest, with the server's absolute paths made root-relative.
    text = json.dumps(load_manifest(jp_root_dir / CLEAN))
    root = str(jp_root_dir)
    assert body["manifest"] == json.loads(text.replace(root + "/", "").replace(root, "."))
    assert root not in json.dumps(body)
    assert body["manifest"]["seeds"]["seed"] == 42
    assert body["manifest"]["data"]["df"]["hash"].startswith("xxh3_128:")


async def test_a_corrupt_manifest_is_reported_not_crashed_on(api, jp_root_dir):
    (jp_root_dir / "credit_risk.manifest.json").write_text('{"schema_version": "one"}')
    status, body = await api("provenance", params={"path": CLEAN})
    assert status == 422
    assert body["error"]["code"] == "manifest"
    assert "schema_version" in body["error"]["message"]


async def test_lint_reads_a_percent_format_script_too(api, jp_root_dir):
    (jp_root_dir / "pipeline.py").write_text(
        "# %%\nimport pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\n"
        "# %%\ndf = pd.read_csv('data/credit.csv')\n"
        "X = StandardScaler().fit_transform(df[['age', 'income']])\n"
        "# %%\nX_train, X_test, y_train, y_test = train_test_split(X, df['default'])\n"
    )
    status, body = await api("lint", {"path": "pipeline.py"})
    assert status == 200
    assert body["notebooks"][0]["notebook"] == "pipeline.py"
    # The third `# %%` cell splits without a random_state: the script was read cell by cell.
    assert ("unseeded-randomness", 2) in {
        (f["rule"], f["cell"]) for f in body["notebooks"][0]["findings"]
    }


async def test_stages_carry_the_stage_graph_svg_when_the_runtime_can_draw_it(api):
    import nbpromote.pipeline as pipeline

    status, body = await api("stages", {"path": CLEAN})
    assert status == 200
    if not hasattr(pipeline, "render_stage_graph_svg"):
        assert body["graph_svg"] is None
        pytest.skip("this build has no stage-graph renderer")
    svg = body["graph_svg"]
    assert svg.startswith("<svg") and "<script" not in svg
    for stage in body["stages"]:
        assert f'data-stage="{stage["name"]}"' in svg


async def test_stages_of_an_untagged_notebook_are_an_empty_200_not_a_refusal(api, jp_root_dir):
    nb = nbformat.read(jp_root_dir / CLEAN, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
    nbformat.write(nb, jp_root_dir / "untagged.ipynb")
    status, body = await api("stages", {"path": "untagged.ipynb"})
    assert status == 200
    assert body == {"path": "untagged.ipynb", "stages": [], "graph_svg": None,
                    "reason": "no stage tags yet"}
