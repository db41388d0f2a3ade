"""A real exported package with two registered versions, and a real server on loopback.

The credit-risk notebook is exported once per session; v1 is the notebook as it stands (in
Production), v2 the same fit with C=0.05 (registered, not promoted). Each test that serves gets its own
service on ``127.0.0.1`` and a random port (uvicorn in a thread), stopped when the test ends.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("prometheus_client")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "credit_risk.ipynb"
NAME = "credit_srv"


def cli(package: Path, home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, NBPROMOTE_HOME=str(home),
               PYTHONPATH=os.pathsep.join([str(package / "src"), *sys.path]))
    done = subprocess.run([sys.executable, "-m", NAME, *args], cwd=package, env=env, capture_output=True, text=True,
                          timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="session")
def served_package(tmp_path_factory) -> dict[str, Any]:
    """``{"package", "home", "pipeline", "data"}``: v1 in Production, v2 (C=0.05) registered."""
    from nbpromote.export import export_notebook

    root = tmp_path_factory.mktemp("serving")
    home = root / "home"
    package = Path(export_notebook(NOTEBOOK, root / "pkg", name=NAME, allow_findings=True).package_dir)
    cli(package, home, "run")
    cli(package, home, "register")
    cli(package, home, "promote", "1", "--reason", "first model", "--approve")
    cli(package, home, "run", "--param", "C=0.05")
    cli(package, home, "register")
    sys.path.insert(0, str(package / "src"))
    module = importlib.import_module(f"{NAME}.pipeline")
    return {"package": package, "home": home, "pipeline": module.PIPELINE, "data": package / "data" / "credit.csv"}


@pytest.fixture
def home_env(served_package, monkeypatch):
    monkeypatch.setenv("NBPROMOTE_HOME", str(served_package["home"]))
    monkeypatch.chdir(served_package["package"])
    return served_package


def records(path: Path, n: int, start: int = 0) -> list[dict[str, Any]]:
    import pandas as pd

    frame = pd.read_csv(path).iloc[start:start + n]
    return json.loads(frame.to_json(orient="records"))


def call(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> tuple[int, Any, dict[str, str]]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
            status, head = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        payload, status, head = error.read(), error.code, dict(error.headers)
    try:
        return status, json.loads(payload), head
    except ValueError:
        return status, payload.decode(), head
