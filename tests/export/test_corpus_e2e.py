"""Third-party notebooks promoted end to end with no manual edit (skips when the corpus is absent).

The corpus is listed in tests/corpus/promote_manifest.tsv (repo, commit, path; never committed) and
fetched with ``python scripts/corpus/fetch_corpus.py --manifest tests/corpus/promote_manifest.tsv
--dest DIR``; point ``NBPROMOTE_PROMOTE_CORPUS`` at DIR (default /work/corpus/promote). For each
runnable notebook: suggest-tags --write, capture, export; the run's cached rerun is all hits; two
cold runs in empty caches give identical artifact ids; editing a data file reruns the stages that
read it and, downstream, only those whose inputs changed; the registered version carries numeric
metrics; the package installs into a fresh virtualenv and runs there.
"""

import csv
import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
MANIFEST = HERE.parents[1] / "corpus" / "promote_manifest.tsv"
# CI has no network to fetch the corpus: there it runs only when the variable names one explicitly.
CORPUS = Path(os.environ.get("NBPROMOTE_PROMOTE_CORPUS") or ("" if os.environ.get("CI") else "/work/corpus/promote"))
SRC = HERE.parents[2] / "src"


def _runnable() -> list[str]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r["local"] for r in rows if r["kind"] == "notebook" and r["runs_offline"].startswith("yes")]


def _marked(word: str) -> set[str]:
    """Runnable notebooks whose manifest note says ``word``: they run, and something is honestly absent.

    "no model": an EDA notebook or Kale's toy steps train nothing, so register must refuse; "no metric":
    nothing is scored, so the version is registered but kept out of Production; "nondeterministic":
    unseeded estimators and no seed anywhere, so cold runs differ and lint must say why.
    """
    with MANIFEST.open(encoding="utf-8") as handle:
        return {r["local"] for r in csv.DictReader(handle, delimiter="\t") if word in r["runs_offline"]}


NOTEBOOKS = _runnable()
pytestmark = pytest.mark.skipif(not (str(CORPUS) != "." and NOTEBOOKS and (CORPUS / NOTEBOOKS[0]).is_file()),
                                reason=f"the promote corpus is not at {CORPUS} (see tests/corpus/promote_manifest.tsv)")


def _nbpromote(*args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "nbpromote", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1800)


def _package(pkg, *args, home, python=sys.executable):
    env = dict(os.environ, NBPROMOTE_HOME=str(home), NBPROMOTE_REGISTRY=str(home / "registry.db"),
               PYTHONPATH=os.pathsep.join([str(pkg / "src"), str(SRC)]))
    done = subprocess.run([python, "-m", "realpipe", *args], cwd=pkg, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("local", NOTEBOOKS)
def test_a_third_party_notebook_promotes_end_to_end(local, tmp_path):
    folder = tmp_path / Path(local).parts[0]
    shutil.copytree(CORPUS / Path(local).parts[0], folder)
    nb = tmp_path / local
    for args in (["suggest-tags", str(nb), "--write"], ["capture", str(nb)]):
        done = _nbpromote(*args, cwd=nb.parent)
        assert done.returncode == 0, done.stderr[-3000:]
    pkg = nb.parent / "pkg"
    done = _nbpromote("export", str(nb), "-o", str(pkg), "--name", "realpipe", "--allow-findings", cwd=nb.parent)
    assert done.returncode == 0, done.stderr[-3000:]

    home = tmp_path / "home"
    first = _package(pkg, "run", "--json", home=home)
    again = _package(pkg, "run", "--json", home=home)
    assert all(s["status"] == "cached" for s in again["stages"])

    cold = [_package(pkg, "run", "--json", home=tmp_path / f"cold{i}") for i in (1, 2)]
    if local in _marked("nondeterministic"):
        linted = _nbpromote("lint", str(nb), "--format", "json", cwd=nb.parent)
        assert "unseeded-randomness" in linted.stdout
    else:
        assert [s["outputs"] for s in cold[0]["stages"]] == [s["outputs"] for s in cold[1]["stages"]]

    if local in _marked("no model"):
        refused = subprocess.run([sys.executable, "-m", "realpipe", "register"], cwd=pkg, capture_output=True,
                                 text=True, env=dict(os.environ, NBPROMOTE_HOME=str(home),
                                                     PYTHONPATH=os.pathsep.join([str(pkg / "src"), str(SRC)])))
        assert refused.returncode == 2 and "no model artifact to register" in refused.stderr, refused.stderr
    else:
        registered = _package(pkg, "register", "--json", home=home)
        numbers = {k: v for k, v in registered["metrics"].items()
                   if isinstance(v, (int, float)) and not k.startswith("n_")}
        if local in _marked("no metric"):
            assert not numbers and registered["stage"] != "Production"
        else:
            assert numbers, f"no numeric metric registered for {local}"

    # Editing a shipped data file reruns the stages that read it; downstream reruns only where inputs changed.
    data = sorted(p for p in (pkg / "data").rglob("*") if p.is_file()) if (pkg / "data").is_dir() else []
    data += sorted(p for p in pkg.glob("*.csv"))
    if data:
        with data[0].open("a", encoding="utf-8") as handle:
            handle.write("\n")
        edited = _package(pkg, "run", "--json", home=home)
        statuses = {s["name"]: s for s in edited["stages"]}
        before = {s["name"]: s for s in first["stages"]}
        ran = [name for name, s in statuses.items() if s["status"] == "ran"]
        assert ran, "editing a data file reran nothing"
        for stage in statuses.values():
            if stage["status"] == "cached":
                continue
            changed_inputs = any(before.get(up, {}).get("outputs") != statuses.get(up, {}).get("outputs")
                                 for up in statuses)
            assert stage.get("reasons") or changed_inputs

    # The package builds into a wheel and installs into a fresh virtualenv, which sees this environment's
    # libraries through a .pth file (the test runs offline, so dependencies are not downloaded again).
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(dist), str(pkg)],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_dir = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    Path(site_dir, "outer-env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", *map(str, dist.glob("*.whl"))],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]
    ran = subprocess.run([str(python), "-m", "realpipe", "run", "--json"], cwd=pkg, capture_output=True, text=True,
                         env=dict(os.environ, NBPROMOTE_HOME=str(tmp_path / "venv-home"), PYTHONPATH=str(SRC)),
                         timeout=1800)
    assert ran.returncode == 0, ran.stderr[-3000:]
