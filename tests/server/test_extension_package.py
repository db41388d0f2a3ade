"""The JupyterLab extension and the server extension are declared consistently for pip installs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import nbpromote
import nbpromote.server

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
LABEXT = ROOT / "labextension"


def test_the_server_extension_is_declared_and_enabled_by_the_shipped_config():
    assert nbpromote._jupyter_server_extension_points() == [{"module": "nbpromote.server"}]
    assert callable(nbpromote.server._load_jupyter_server_extension)
    config = json.loads((ROOT / "jupyter-config" / "server-config" / "nbpromote.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"nbpromote": True}}}


def test_the_npm_package_matches_the_python_package():
    package = json.loads((LABEXT / "package.json").read_text())
    (paths,) = nbpromote._jupyter_labextension_paths()
    assert package["name"] == paths["dest"] == "nbpromote"
    assert package["version"] == nbpromote.__version__
    assert package["jupyterlab"]["outputDir"] == "../src/nbpromote/labextension"
    assert (ROOT / "src" / "nbpromote" / paths["src"]).resolve() == (
        LABEXT / package["jupyterlab"]["outputDir"]
    ).resolve()
    install = json.loads((LABEXT / "install.json").read_text())
    assert install["packageName"] == "nbpromote"


def test_every_settings_schema_is_closed_and_belongs_to_a_plugin():
    source = (LABEXT / "src" / "index.ts").read_text()
    schemas = sorted((LABEXT / "schema").glob("*.json"))
    assert [s.stem for s in schemas] == ["panel", "tagging"]
    for schema_file in schemas:
        schema = json.loads(schema_file.read_text())
        assert schema["additionalProperties"] is False, schema_file.name
        assert f"'nbpromote:{schema_file.stem}'" in source, (
            f"no plugin nbpromote:{schema_file.stem}"
        )
    panel = json.loads((LABEXT / "schema" / "panel.json").read_text())["properties"]
    assert set(panel) == {"liveLint", "severityThreshold"}
    assert panel["severityThreshold"]["enum"] == ["info", "warning", "error"]
    tagging = json.loads((LABEXT / "schema" / "tagging.json").read_text())["properties"]
    assert tagging["vocabulary"]["default"] == ["ingest", "validate", "features", "train", "evaluate"]
    # The same default in the TypeScript (used before the settings load).
    assert "['ingest', 'validate', 'features', 'train', 'evaluate']" in (
        LABEXT / "src" / "logic.ts"
    ).read_text()


def test_the_wheel_ships_the_prebuilt_extension_and_the_server_config():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    hatch = project["tool"]["hatch"]["build"]
    shared = hatch["targets"]["wheel"]["shared-data"]
    assert shared["src/nbpromote/labextension"] == "share/jupyter/labextensions/nbpromote"
    assert (
        shared["labextension/install.json"] == "share/jupyter/labextensions/nbpromote/install.json"
    )
    assert shared["jupyter-config/server-config"] == "etc/jupyter/jupyter_server_config.d"
    builder = hatch["hooks"]["jupyter-builder"]
    assert "src/nbpromote/labextension/static/style.js" in builder["ensured-targets"]
    assert builder["build-kwargs"]["path"] == "labextension"
    assert "hatch-jupyter-builder>=0.9" in project["build-system"]["requires"]
