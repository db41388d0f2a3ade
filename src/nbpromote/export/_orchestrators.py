"""Orchestrator targets of an exported package: an Airflow DAG file and a Kubeflow Pipelines pipeline.

Both are thin: one task per stage, each running the installed package's own command line
``python -m <package> run --until STAGE --json``, so the stage's cache key is computed when the task
runs and a task whose stage did not change is a cache hit. The stage graph, the parameters of the
``parameters`` cell and the lineage (package version, notebook hash) come from the export; the cache
key of each run comes back in the task's result (Airflow XCom, the Kubeflow step's ``record`` output).

Neither Airflow nor the kfp SDK is a dependency of nbpromote: the DAG file is plain Python that
Airflow imports, and the Kubeflow program is compiled to v2 IR YAML by whichever interpreter has
kfp (``sys.executable`` when it imports kfp, else ``$NBPROMOTE_KFP_PYTHON``).
"""

from __future__ import annotations

import keyword
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io import atomic_write_text
from ..errors import ExportError, UsageError
from ._templates import environment

__all__ = ["TARGETS", "OrchestratorGraph", "TargetResult", "orchestrator_graph", "write_targets"]

#: The orchestrator targets ``nbpromote export --target`` writes beside the package.
TARGETS = ("airflow", "kubeflow")

# Airflow's Param schema types for the parameters cell's Python types.
_JSON_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean",
               "list": "array", "dict": "object"}
# kfp's parameter annotations for the same types (anything else is passed as a JSON string).
_KFP_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool", "list": "list", "dict": "dict"}
# Names a generated Kubeflow component function may not take (the program's own names).
_RESERVED = frozenset({"dsl", "compiler", "pipeline", "main", "sys", "json", "os"})


@dataclass
class OrchestratorGraph:
    """What an orchestrator needs of an exported package: its stages, parameters and lineage.

    Attributes
    ----------
    package : str
        The package's import name (``python -m PACKAGE``).
    version : str
    notebook_hash : str
    package_dir : str
        Where the package was exported (the tasks' default working directory).
    params : list of dict
        ``{"name", "default", "type"}`` from the ``parameters`` cell, in the cell's order.
    stages : list of dict
        ``{"name", "upstream", "params", "inputs", "outputs"}`` in DAG order.
    """

    package: str
    version: str
    notebook_hash: str
    package_dir: str
    params: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lineage(self) -> dict[str, str]:
        """The lineage every task carries in its metadata."""
        return {"package": self.package, "package_version": self.version, "notebook_hash": self.notebook_hash}


@dataclass
class TargetResult:
    """The files one target wrote (relative to the package directory) and what to do next."""

    target: str
    files: list[str]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "files": list(self.files), "warnings": list(self.warnings)}


def orchestrator_graph(result: Any) -> OrchestratorGraph:
    """The :class:`OrchestratorGraph` of an :class:`~nbpromote.export.ExportResult`."""
    plan = result.plan
    return OrchestratorGraph(
        package=result.name, version=result.version, notebook_hash=result.notebook_hash,
        package_dir=str(Path(result.package_dir).resolve()),
        params=[{"name": p.name, "default": p.default, "type": p.type} for p in plan.params],
        stages=[{
            "name": s.name, "upstream": list(s.upstream), "params": list(s.params),
            "inputs": [artifact for artifact, _var in s.inputs],
            "outputs": [artifact for artifact, _var in s.outputs],
        } for s in plan.stages],
    )


def _component_name(stage: str) -> str:
    return f"{stage}_step" if keyword.iskeyword(stage) or stage in _RESERVED else stage


def _kfp_name(name: str) -> str:
    # The name Kubeflow shows for a pipeline (lower case, dashes).
    return name.lower().replace("_", "-")


def render_airflow(graph: OrchestratorGraph) -> str:
    """The Airflow DAG file of ``graph`` (Python source; Airflow 2.4+ and 3.x)."""
    params = [{**p, "schema_type": _JSON_TYPES.get(p["type"])} for p in graph.params]
    return environment().get_template("orchestrators/airflow_dag.py.j2").render(graph=graph, params=params)


def render_kubeflow(graph: OrchestratorGraph, *, image: str) -> str:
    """The kfp v2 program of ``graph``: ``python FILE [OUT.yaml]`` compiles it."""
    # kfp parameters are typed and never None: a parameter without a kfp type or with a None default
    # is left to the package's own default.
    params = [{**p, "annotation": _KFP_TYPES[p["type"]]} for p in graph.params
              if p["type"] in _KFP_TYPES and p["default"] is not None]
    by_name = {p["name"]: p for p in params}
    stages = []
    for spec in graph.stages:
        stage_params = [by_name[name] for name in spec["params"] if name in by_name]
        # $0 is the record's output file, $1 the store; then the stage's params, then the upstream
        # records (unused by the command: they order the steps and carry the upstream cache keys).
        flags = " ".join(f'--param {p["name"]}="${i + 2}"' for i, p in enumerate(stage_params))
        script = (f'python -m {graph.package} run --until {spec["name"]} --json '
                  f'${{1:+--store "$1"}} {flags}'.rstrip() + ' > "$0"')
        stages.append({**spec, "function": _component_name(spec["name"]), "stage_params": stage_params,
                       "script": script})
    return environment().get_template("orchestrators/kubeflow_pipeline.py.j2").render(
        graph=graph, params=params, stages=stages, image=image, pipeline_name=_kfp_name(graph.package))


def _kfp_python() -> str | None:
    """An interpreter that can import kfp: this one, else ``$NBPROMOTE_KFP_PYTHON``."""
    import importlib.util

    if importlib.util.find_spec("kfp") is not None:
        return sys.executable
    return os.environ.get("NBPROMOTE_KFP_PYTHON") or None


def compile_kubeflow(program: Path, output: Path, *, python: str | None = None) -> None:
    """Compile the generated kfp program to v2 IR YAML at ``output``.

    Raises
    ------
    ExportError
        No interpreter with kfp, or the kfp compiler refused the program (its message is kept).
    """
    python = python or _kfp_python()
    if python is None:
        raise ExportError("The Kubeflow pipeline cannot be compiled: the kfp SDK is not installed.",
                          hint="pip install 'kfp>=2.7' (or set NBPROMOTE_KFP_PYTHON to a Python that has it), "
                               f"then run: python {program}")
    tmp = output.with_name(f".{output.stem}.{os.getpid()}.tmp{output.suffix}")  # kfp wants .yaml
    done = subprocess.run([python, str(program), str(tmp)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise ExportError(f"kfp could not compile {program}: {last[0]}",
                          hint=f"Run `{python} {program}` to see the whole message.")
    os.replace(tmp, output)


def write_targets(result: Any, targets: Iterable[str], *, image: str | None = None,
                  compile_pipeline: bool = True) -> list[TargetResult]:
    """Write orchestrator definitions of an exported package into ``<package>/orchestrators/``.

    Parameters
    ----------
    result : ExportResult
        What :func:`~nbpromote.export.export_notebook` returned.
    targets : iterable of str
        Any of ``"airflow"`` and ``"kubeflow"``.
    image : str or None, default=None
        The container image of the Kubeflow steps (default ``<package>:<version>``; the package's
        ``orchestrators/kubeflow/Dockerfile`` builds it).
    compile_pipeline : bool, default=True
        Compile the Kubeflow program to ``pipeline.yaml`` when kfp is available (a warning otherwise).

    Returns
    -------
    list of TargetResult

    Raises
    ------
    UsageError
        An unknown target.
    ExportError
        The kfp compiler refused the generated program.
    """
    chosen = list(dict.fromkeys(targets))
    unknown = [t for t in chosen if t not in TARGETS]
    if unknown:
        raise UsageError(f"Unknown export target {unknown[0]!r}.", hint=f"Choose from: package, {', '.join(TARGETS)}.")
    graph = orchestrator_graph(result)
    root = Path(result.package_dir)
    written: list[TargetResult] = []
    if "airflow" in chosen:
        path = root / "orchestrators" / "airflow" / f"{graph.package}_dag.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, render_airflow(graph))
        written.append(TargetResult("airflow", [str(path.relative_to(root))]))
    if "kubeflow" in chosen:
        folder = root / "orchestrators" / "kubeflow"
        folder.mkdir(parents=True, exist_ok=True)
        program = folder / "pipeline.py"
        atomic_write_text(program, render_kubeflow(graph, image=image or f"{graph.package}:{graph.version}"))
        dockerfile = folder / "Dockerfile"
        atomic_write_text(dockerfile, environment().get_template("orchestrators/Dockerfile.j2").render(graph=graph))
        item = TargetResult("kubeflow", [str(program.relative_to(root)), str(dockerfile.relative_to(root))])
        if compile_pipeline and _kfp_python() is not None:
            compile_kubeflow(program, folder / "pipeline.yaml")
            item.files.append(str((folder / "pipeline.yaml").relative_to(root)))
        elif compile_pipeline:
            item.warnings.append(f"kfp is not installed, so {program.relative_to(root)} was not compiled: "
                                 "pip install 'kfp>=2.7', then run it to write pipeline.yaml.")
        written.append(item)
    return written
