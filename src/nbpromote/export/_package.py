"""``export_notebook``: render a stage plan into a pip-installable, versioned pipeline package.

Layout of the package (``DIR``)::

    pyproject.toml               version, pinned dependencies, [tool.nbpromote] notebook hash
    README.md                    the model card
    nbpromote-export.json        export metadata (schema_version 1): name, version, notebook hash …
    notebook/<notebook>.ipynb    the source notebook, for the papermill test
    data/…                       small data files the params point at, at the same relative paths
    tests/                       generated tests (+ tests/data/ samples) and conftest
    .github/workflows/ci.yml     runs the generated tests
    src/<name>/pipeline.py       PIPELINE (the DAG) — the contract with nbpromote.pipeline
    src/<name>/stages/<stage>.py one ``run(<inputs>, *, <params>) -> dict`` per stage
    src/<name>/common.py         imports/functions cells
    src/<name>/lineage.json      the capture manifest (the package's lineage record)
    src/<name>/requirements.lock pins and where each came from

Decisions, documented here because users meet them:

* **Relative data paths.** A string param naming an existing file relative to the notebook
  (``data_path = "data/credit.csv"``) keeps its value. Files up to 10 MB are copied into the package
  at the same relative path, so ``python -m NAME run`` from the package directory behaves like the
  notebook did in its directory; larger files are not copied (the README says so) and the runtime
  resolves relative paths against the current directory, naming the param when the file is missing.
  The generated tests run on a sample in ``tests/data/`` (the first 400 rows of a CSV; other
  files up to 1 MB whole), passed as ``--param``.
* **Versions.** ``version=`` wins (``X.Y.Z``). Otherwise: 0.1.0 for a first export; a re-export into
  the same directory reads the previous ``nbpromote-export.json`` and bumps the patch version when
  the notebook's content hash (code, tags; not outputs) changed, keeping it otherwise.
* **Overwriting.** A non-empty ``DIR`` is refused without ``force``. With ``force`` it is replaced
  only when it is a previous export of the same notebook, atomically: the package is rendered into
  a temporary directory beside ``DIR`` and swapped in with two renames, so a failed export leaves
  the old package untouched. The pipeline cache ``DIR/.nbpromote`` is carried over, so unchanged
  stages stay cache hits after a re-export. A directory that is not an nbpromote export is never
  replaced, even with ``force``.
* **Output is deterministic**: no timestamps, sorted pins, stable stage order; the same notebook
  exported twice gives byte-identical files.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io import read_json, write_json
from .._version import __version__
from ..errors import ExportError, NbpromoteError, OutputExistsError, UsageError
from ..notebook import load_notebook, notebook_hash
from ._deps import imported_modules, pin_requirements
from ._metrics import METRICS_VAR
from ._neutralise import indent_code
from ._plan import StagePlan, StageSpec, plan_stages
from ._templates import environment

__all__ = ["ExportResult", "export_notebook", "check_export_target", "package_name", "EXPORT_METADATA"]

EXPORT_METADATA = "nbpromote-export.json"
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_COPY_LIMIT = 10 * 1024 * 1024
_SAMPLE_LIMIT = 1024 * 1024
_SAMPLE_ROWS = 400
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".jsonl"}
#: The seed of a pipeline whose notebook sets none (documented in the model card).
DEFAULT_SEED = 0
_UNUSED = "# [unused in the pipeline] "


@dataclass
class ExportResult:
    """What :func:`export_notebook` wrote.

    Attributes
    ----------
    package_dir : Path
    name : str
        Python package name (``python -m NAME``).
    version : str
    previous_version : str or None
        The version found in ``package_dir`` before this export.
    notebook_hash : str
    files : list of str
        Paths written, relative to ``package_dir``, sorted.
    plan : StagePlan
    warnings : list of str
    lint : dict
        ``{"available": bool, "errors": n, "warnings": n, "findings": [...]}``.
    """

    package_dir: Path
    name: str
    version: str
    previous_version: str | None
    notebook_hash: str
    files: list[str]
    plan: StagePlan
    warnings: list[str] = field(default_factory=list)
    lint: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON of ``nbpromote export --format json``."""
        return {
            "package_dir": str(self.package_dir), "name": self.name, "version": self.version,
            "previous_version": self.previous_version, "notebook_hash": self.notebook_hash,
            "files": list(self.files), "stages": [s.to_dict() for s in self.plan.stages],
            "roles": dict(self.plan.roles), "warnings": list(self.warnings), "lint": self.lint,
            "run": f"cd {self.package_dir} && python -m {self.name} run",
        }


def package_name(stem: str) -> str:
    """A valid Python package name from a notebook stem.

    Parameters
    ----------
    stem : str
        The notebook's file name without ``.ipynb``.

    Returns
    -------
    str
        Lower case, runs of other characters as ``_``, ``nb_`` before a leading digit.

    Examples
    --------
    >>> package_name("Credit Risk v2")
    'credit_risk_v2'
    """
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", stem).strip("_").lower() or "pipeline"
    return f"nb_{name}" if name[0].isdigit() else name


def _bump(version: str) -> str:
    major, minor, patch = (int(p) for p in version.split(".")[:3])
    return f"{major}.{minor}.{patch + 1}"


def _previous(out: Path) -> dict[str, Any] | None:
    meta = out / EXPORT_METADATA
    if not meta.is_file():
        return None
    try:
        data = read_json(meta)
    except NbpromoteError:
        return None
    return data if isinstance(data, dict) else None


def _decide_version(version: str | None, previous: dict[str, Any] | None, nb_hash: str) -> str:
    if version is not None:
        if not _VERSION.match(version):
            raise UsageError(f"--version {version!r} is not X.Y.Z (three numbers, e.g. 1.2.0).")
        return version
    if previous is None or not _VERSION.match(str(previous.get("version", ""))):
        return "0.1.0"
    if previous.get("notebook_hash") == nb_hash:
        return str(previous["version"])
    return _bump(str(previous["version"]))


def _check_target(out: Path, previous: dict[str, Any] | None, notebook: str, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is a file, not a directory.",
                                hint="Choose another output directory with -o.", path=str(out))
    if not out.exists() or not any(out.iterdir()):
        return
    if previous is None:
        raise OutputExistsError(
            f"{out} is not empty and is not an nbpromote export, so nbpromote will not write into it "
            "(not even with --force).", hint="Choose an empty or new directory with -o.", path=str(out),
        )
    if previous.get("notebook") != notebook:
        raise OutputExistsError(
            f"{out} is an export of {previous.get('notebook')!r}, not of {notebook!r}.",
            hint="Choose another directory with -o (or delete that one yourself).", path=str(out),
        )
    if not force:
        raise OutputExistsError(
            f"{out} already holds an export of {notebook} (version {previous.get('version')}).",
            hint="Pass --force (force=True) to replace it; the version is bumped when the notebook changed.",
            path=str(out), override="force",
        )


def _shown_cell(finding: dict[str, Any]) -> str:
    """A finding's cell as people read it: 1-based, as JupyterLab's status bar (JSON keeps 0-based)."""
    cell = finding.get("cell")
    return str(cell + 1) if isinstance(cell, int) else "?"


def _lint(source: Path | None, nb: Any, allow: bool, notebook: str,
          manifest: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    try:
        from ..lint import lint_notebook  # type: ignore[attr-defined]
    except ImportError:
        return {"available": False, "errors": 0, "warnings": 0, "findings": []}, [
            "the linter (nbpromote.lint) is not available in this build; the notebook was not linted."
        ]
    result = lint_notebook(nb, manifest=manifest)
    findings = [f.to_dict() for f in result.findings]
    errors = [f for f in findings if f.get("severity") == "error"]
    warnings = [f"lint {f['rule']} (cell {_shown_cell(f)}): {f['message']}" for f in findings if f.get("severity") != "error"]
    summary = {"available": True, "errors": len(errors), "warnings": len(findings) - len(errors), "findings": findings}
    if errors and not allow:
        listed = "; ".join(f"{f['rule']} in cell {_shown_cell(f)}: {f['message']}" for f in errors[:5])
        raise ExportError(
            f"{notebook}: the linter found {len(errors)} error(s), so the pipeline would inherit them: {listed}.",
            hint="Fix them (see `nbpromote lint`), or pass --allow-findings to export anyway; the model card lists them.",
            notebook=notebook, findings=errors, code="lint-errors", override="allow_findings",
        )
    if errors:
        warnings.insert(0, f"exported despite {len(errors)} lint error(s) (--allow-findings).")
    return summary, warnings


def _manifest(path: Path, nb_hash: str, nb: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """The capture manifest: the notebook's own (sidecar or metadata), else ``nbpromote capture``'s
    default output beside it (``<stem>.captured.manifest.json``), checked against the notebook hash."""
    stem = path.name[: -len(".ipynb")] if path.name.endswith(".ipynb") else path.stem
    captured = path.with_name(f"{stem.removesuffix('.captured')}.captured.manifest.json")
    if not (captured.is_file() or path.with_name(f"{stem}.manifest.json").is_file()
            or (nb.metadata.get("nbpromote") or {}).get("manifest")):
        # Nothing to read: skip importing capture (it pulls in NumPy) and say what to do.
        return None, [f"{path.name} has no capture manifest; data hashes are not recorded and pins come "
                      f"from this environment. Run `nbpromote capture {path.name}` first."]
    try:
        from ..capture import load_manifest  # type: ignore[attr-defined]
    except ImportError:
        return None, ["capture (nbpromote.capture.load_manifest) is not available; pins come from this environment."]
    manifest: Any = None
    try:
        manifest = load_manifest(path)
    except NbpromoteError as error:
        if not captured.is_file():
            return None, [f"{path.name} has no capture manifest ({error.message}); data hashes are not "
                          f"recorded and pins come from this environment. Run `nbpromote capture {path.name}` first."]
    warnings: list[str] = []
    if manifest is None:
        try:
            manifest = load_manifest(captured)
        except NbpromoteError as error:
            return None, [f"{captured.name} is not a usable manifest ({error.message}); pins come from this environment."]
    if not manifest:
        return None, []
    if manifest.get("notebook_hash") not in (None, nb_hash):
        warnings.append(f"the capture manifest was recorded for another version of {path.name} (notebook hash "
                        f"{manifest.get('notebook_hash')}); re-run `nbpromote capture {path.name}` so data hashes "
                        "and pins match the exported code.")
    return dict(manifest), warnings


def _given_manifest(given: Any, nb_hash: str, notebook: str) -> tuple[dict[str, Any], list[str], Path | None]:
    """A manifest passed by the caller (``promote`` passes capture's): a dict, a ``.manifest.json``
    or a captured ``.ipynb``; returns it, warnings, and the executed notebook beside it if any."""
    from ..capture import load_manifest  # type: ignore[attr-defined]

    executed: Path | None = None
    if isinstance(given, (str, Path)):
        source = Path(given)
        if source.name.endswith(".manifest.json"):
            executed = source.with_name(source.name[: -len(".manifest.json")] + ".ipynb")
        elif source.suffix == ".ipynb":
            executed = source
    manifest = dict(load_manifest(given))
    warnings = []
    if manifest.get("notebook_hash") not in (None, nb_hash):
        warnings.append(f"the capture manifest was recorded for another version of {notebook} (notebook hash "
                        f"{manifest.get('notebook_hash')}); re-run `nbpromote capture {notebook}` so data hashes "
                        "and pins match the exported code.")
    return manifest, warnings, executed if executed is not None and executed.is_file() else None


def _manifest_seed(manifest: dict[str, Any] | None) -> int | None:
    seeds = (manifest or {}).get("seeds")
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        return seeds
    if isinstance(seeds, dict):
        for key in ("seed", "global", "python", "numpy"):
            if isinstance(seeds.get(key), int):
                return int(seeds[key])
        for value in seeds.values():
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


@dataclass
class _DataFile:
    param: str | None
    relative: str
    source: Path
    copied: bool
    sample: str | None


def _recorded_reads(manifest: dict[str, Any] | None, base: Path) -> list[str]:
    """Files the captured run read (recorded at run time, so built paths such as ``path + "test.csv"``
    or ``os.path.join(…)`` are included), relative to the notebook's directory."""
    found: list[str] = []
    for section in ("reads", "data"):
        entries = (manifest or {}).get(section) or {}
        if not isinstance(entries, dict):
            continue
        for key, entry in entries.items():
            if not isinstance(entry, dict) or entry.get("kind", "file") != "file":
                continue
            raw = str(entry.get("path") or key)
            candidate = Path(raw)
            if candidate.is_absolute():
                try:
                    raw = str(candidate.resolve().relative_to(base.resolve()))
                except (ValueError, OSError):
                    continue  # outside the notebook's directory: an external input, not shipped
            if raw not in found:
                found.append(raw)
    return found


def _built_paths(plan: StagePlan) -> list[str]:
    """Paths the stage code builds from constants (``path + "test.csv"``, ``os.path.join(d, "x.csv")``,
    f-strings, ``Path(d) / "x.csv"``), for a notebook exported without a capture manifest."""
    constants: dict[str, str] = {p.name: p.default for p in plan.params if isinstance(p.default, str)}
    trees = [n.tree for spec in plan.stages for n in spec.cells] + [n.tree for n in plan.shared]
    for tree in trees:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                constants.setdefault(stmt.targets[0].id, stmt.value.value)

    def value(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            left, right = value(node.left), value(node.right)
            if left is None or right is None:
                return None
            return left + right if isinstance(node.op, ast.Add) else os.path.join(left, right)
        if isinstance(node, ast.JoinedStr):
            parts = [value(v.value) if isinstance(v, ast.FormattedValue) and v.format_spec is None else value(v)
                     for v in node.values]
            return None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) and node.args \
                and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in ("join", "Path", "PurePath"):
            args = [value(a) for a in node.args]
            return None if any(a is None for a in args) else os.path.join(*args)  # type: ignore[arg-type]
        return None

    built: list[str] = []
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.BinOp, ast.JoinedStr, ast.Call)):
                path = value(node)
                if path and path not in built and len(path) < 300:
                    built.append(path)
    return built


def _data_root(notebook: Path, manifest: dict[str, Any] | None) -> Path:
    """Where the notebook's relative paths resolve: its folder, or the folder the capture ran it in
    (``capture --cwd``, recorded as the manifest's ``working_directory``)."""
    folder = notebook.resolve().parent
    working = (manifest or {}).get("working_directory")
    return (folder / working).resolve() if isinstance(working, str) and working else folder


def _local_modules(modules: list[str], base: Path, package: str) -> dict[str, Path]:
    """The imported modules that are the notebook's own files: ``name.py`` or a ``name/`` package
    beside it (where its relative paths resolve), not installed distributions."""
    found: dict[str, Path] = {}
    for module in modules:
        if module == package:
            continue
        file, folder = base / f"{module}.py", base / module
        if file.is_file():
            found[module] = file
        elif (folder / "__init__.py").is_file():
            found[module] = folder
    return found


def _copy_local_module(source: Path, target_dir: Path) -> list[str]:
    """Copy a helper module (file or package, no caches) into ``target_dir``; the paths written,
    relative to the package root."""
    target = target_dir / source.name
    if source.is_file():
        shutil.copyfile(source, target)
        return [f"src/{source.name}"]
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    return sorted(f"src/{p.relative_to(target_dir).as_posix()}" for p in target.rglob("*") if p.is_file())


def _data_files(plan: StagePlan, base: Path | None, manifest: dict[str, Any] | None = None,
                confine: Path | None = None) -> list[_DataFile]:
    """Relative files the stages read that exist beside the notebook: those the capture recorded at
    run time, string params, and string literals in stage code. With ``confine`` (the Jupyter
    server's root), a file whose resolved path (symlinks followed) leaves it is not copied."""
    if base is None:
        return []
    candidates: list[tuple[str | None, str]] = [
        (p.name, p.default) for p in plan.params if isinstance(p.default, str)
    ]
    candidates += [(None, relative) for relative in _recorded_reads(manifest, base)]
    candidates += [(None, built) for built in _built_paths(plan)]
    for spec in plan.stages:
        for n in spec.cells:
            for node in ast.walk(n.tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 300:
                    candidates.append((None, node.value))
    found: dict[str, _DataFile] = {}
    for param, value in candidates:
        if not value or "\n" in value or os.path.isabs(value) or value in found:
            continue
        normal = os.path.normpath(value)
        if normal.startswith(".."):
            continue
        try:
            source = base / normal
            if not source.is_file():
                continue
            if confine is not None and not source.resolve().is_relative_to(confine):
                continue
        except OSError:
            continue
        found[value] = _DataFile(param, normal.replace(os.sep, "/"), source,
                                 source.stat().st_size <= _COPY_LIMIT, None)
    return list(found.values())


def _sample(data: _DataFile, root: Path) -> str | None:
    target = root / "tests" / "data" / data.relative
    text = data.source.suffix.lower() in _TEXT_SUFFIXES
    if not text and data.source.stat().st_size > _SAMPLE_LIMIT:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    if text:
        with open(data.source, "rb") as handle:
            lines = list(itertools.islice(handle, _SAMPLE_ROWS + 1))
        target.write_bytes(b"".join(lines))
    else:
        shutil.copyfile(data.source, target)
    return f"tests/data/{data.relative}"


def _stage_context(spec: StageSpec, params: dict[str, Any], unused: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    args = [artifact for artifact, _var in spec.inputs]
    kwargs = [f"{p}={params[p]!r}" for p in spec.params]
    signature = ", ".join(args + (["*"] + kwargs if kwargs else []))
    aliases = [f"{var} = {artifact}" for artifact, var in spec.inputs if artifact != var]
    blocks = []
    for n in spec.cells:
        code = n.python.rstrip("\n")
        blocks.append({"index": n.cell.index, "cell_id": n.cell.cell_id, "lines": max(1, code.count("\n") + 1),
                       "code": indent_code(code) if code.strip() else "    pass"})
    records = any(var == METRICS_VAR for _a, var in spec.outputs) or spec.merge_into is not None
    merged = [var for _a, var in spec.inputs if var.startswith(METRICS_VAR + "_")]
    if spec.merge_into:
        merge = f"{spec.merge_into} = {{{''.join(f'**{v}, ' for v in merged)}**{METRICS_VAR}, **{spec.merge_into}}}"
    elif merged:
        merge = f"{METRICS_VAR} = {{{', '.join(f'**{v}' for v in merged)}, **{METRICS_VAR}}}"
    else:
        merge = ""
    items = [f"{artifact!r}: {var}" for artifact, var in spec.outputs]
    returns = "{" + ", ".join(items) + "}" if len(items) <= 2 else "{\n" + "".join(f"        {i},\n" for i in items) + "    }"
    return {
        "name": spec.name, "signature": signature, "aliases": aliases, "blocks": blocks,
        "returns": returns, "common": sorted(set(spec.common) - unused - {METRICS_VAR}),
        "metrics_init": f"{METRICS_VAR} = {{}}  # metrics the stage computes (nbpromote._metrics.record)" if records else "",
        "metrics_merge": merge,
        "inputs": [a for a, _v in spec.inputs], "outputs": [a for a, _v in spec.outputs],
        "params": list(spec.params), "cell_list": ", ".join(str(n.cell.index) for n in spec.cells),
    }


def _captured_parameters(manifest: dict[str, Any] | None) -> str:
    """The papermill parameters of the captured run, when there were any (``C=0.5``)."""
    params = (manifest or {}).get("parameters") or {}
    return ", ".join(f"{key}={value!r}" for key, value in sorted(params.items()))


def _captured_metrics(nb: Any, plan: StagePlan) -> str:
    stage = next((s for s in plan.stages if plan.roles.get("metrics") in [a for a, _v in s.outputs]), None)
    if stage is None:
        return ""
    indices = {n.cell.index for n in stage.cells}
    texts: list[str] = []
    for index in sorted(indices):
        for output in nb.cells[index].get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                texts.append(str(output.get("text", "")))
            elif output.get("output_type") in ("execute_result", "display_data"):
                plain = output.get("data", {}).get("text/plain")
                if plain:
                    texts.append(str(plain))
    text = "\n".join(t.rstrip("\n") for t in texts).strip()
    return text[:2000]


def _with_outputs(nb: Any, path: Path, nb_hash: str, executed: Path | None = None) -> Any:
    """The notebook, or `nbpromote capture`'s executed copy of the same code when this one has no outputs."""
    if any(cell.get("outputs") for cell in nb.cells):
        return nb
    captured = executed or path.with_name(f"{path.stem}.captured.ipynb")
    if captured.is_file():
        try:
            run = load_notebook(captured)
        except NbpromoteError:
            return nb
        # papermill's injected-parameters cell is not code of the notebook: compare without it.
        run.cells = [c for c in run.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
        if notebook_hash(run) == nb_hash and len(run.cells) == len(nb.cells):
            return run
    return nb


def _write_graph_svg(root: Path, plan: StagePlan, name: str) -> bool:
    """``pipeline.svg``: the stage graph without run status, by the runtime's one renderer (when this
    build has it); the model card links it as an image (GitHub strips inline SVG)."""
    try:
        from ..pipeline._graph_svg import render_stage_graph_svg  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return False
    graph = {"name": name, "stages": [{"name": s.name, "inputs": [a for a, _v in s.inputs],
                                       "outputs": [a for a, _v in s.outputs]} for s in plan.stages]}
    try:
        svg = render_stage_graph_svg(graph, status=None, title=f"pipeline {name}")
    except Exception:  # a drawing problem must not cost the user the export
        return False
    (root / "pipeline.svg").write_text(svg, encoding="utf-8")
    return True


def _bound_by_import(stmt: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(stmt, ast.Import):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    return [a.asname or a.name for a in stmt.names]


def prune_imports(plan: StagePlan) -> tuple[list[str], list[str], list[ast.Module], list[str]]:
    """Imports the exported code still needs.

    Neutralising display code can leave an import with no reader (``import matplotlib.pyplot as
    plt`` when every plot line became a comment); such an import is commented out of ``common.py``
    and its distribution is not pinned. Star imports and ``__future__`` are always kept.

    Returns
    -------
    (shared cell code, hoisted import lines, trees whose imports are pinned, dropped statements)
    """
    loaded: set[str] = set()
    for n in [*plan.shared, *(n for s in plan.stages for n in s.cells)]:
        for node in ast.walk(n.tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                loaded.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                pass

    def needed(stmt: ast.Import | ast.ImportFrom) -> bool:
        if isinstance(stmt, ast.ImportFrom) and (stmt.module == "__future__" or any(a.name == "*" for a in stmt.names)):
            return True
        return any(name in loaded for name in _bound_by_import(stmt))

    dropped: list[str] = []
    shared_code: list[str] = []
    trees: list[ast.Module] = []
    for n in plan.shared:
        lines = n.python.split("\n")
        for stmt in n.tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) and not needed(stmt) and not stmt.col_offset \
                    and not lines[stmt.end_lineno - 1][stmt.end_col_offset:].split("#")[0].strip():  # type: ignore[index,operator]
                dropped.append(ast.unparse(stmt))
                for number in range(stmt.lineno, stmt.end_lineno + 1):  # type: ignore[operator]
                    lines[number - 1] = _UNUSED + lines[number - 1].strip()
        code = "\n".join(lines)
        shared_code.append(code)
        try:
            trees.append(ast.parse(code))
        except SyntaxError:
            trees.append(n.tree)
    hoisted: list[str] = []
    for line in plan.hoisted_imports:
        try:
            stmt = ast.parse(line).body[0]
        except (SyntaxError, IndexError):
            continue
        if isinstance(stmt, (ast.Import, ast.ImportFrom)) and needed(stmt):
            hoisted.append(line)
            trees.append(ast.Module(body=[stmt], type_ignores=[]))
        elif line not in dropped:
            dropped.append(line)
    return shared_code, hoisted, trees, dropped


def check_export_target(out_dir: str | Path, notebook: str | Path, *, force: bool = False) -> None:
    """Refuse early, as :func:`export_notebook` would, when ``out_dir`` may not receive an export.

    Lets a longer job (``nbpromote promote`` runs the notebook first) stop before its slow steps.

    Raises
    ------
    OutputExistsError
        ``out_dir`` is a file, a directory that is not an nbpromote export, an export of another
        notebook, or an export of this one and ``force`` is False.
    """
    out = Path(out_dir)
    _check_target(out, _previous(out), Path(notebook).name, force)


def export_notebook(
    notebook: Any, out_dir: str | Path | None = None, *, name: str | None = None, version: str | None = None,
    force: bool = False, allow_findings: bool = False, manifest: Any = None, root: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ExportResult:
    """Export a tagged notebook as a pipeline package.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` notebook (or percent-format ``.py`` script).
    out_dir : str or Path or None, default=None
        Package directory; default ``<notebook dir>/<name>_pipeline``.
    name : str or None, default=None
        Python package name; default from the notebook's file name.
    version : str or None, default=None
        ``X.Y.Z``; default 0.1.0, or the previous export's version patch-bumped if the notebook changed.
    force : bool, default=False
        Replace ``out_dir`` when it holds a previous export of the same notebook.
    allow_findings : bool, default=False
        Export even when the linter reports error findings.
    manifest : dict, str, Path or None, default=None
        The capture manifest (a dict, a ``.manifest.json`` or a captured ``.ipynb``). Default: the
        notebook's own (sidecar or metadata), else ``<stem>.captured.manifest.json`` beside it.
    root : str, Path or None, default=None
        Confine the copied data files to this directory (the Jupyter server's root): a data file
        whose resolved path (symlinks followed) leaves it is not copied into the package.
    progress : callable or None, default=None
        Called with ``(step, steps done, steps in all)`` as each step of :data:`EXPORT_STEPS` starts
        (``%promote export`` draws its progress widget from it).

    Returns
    -------
    ExportResult

    Raises
    ------
    StageGraphError, ParametersCellError, SerializationError
        The notebook's stages cannot be exported as they are (see :func:`plan_stages`).
    OutputExistsError
        ``out_dir`` is not empty and may not be replaced.
    ExportError
        Lint errors without ``allow_findings``; broken templates.
    UsageError
        A bad ``name`` or ``version``.
    """
    step = _Steps(progress)
    step("reading the notebook")
    path = Path(notebook)
    nb = load_notebook(path)
    stem = path.stem.removesuffix(".captured")  # exporting `nbpromote capture`'s output names it like the source
    name = name or package_name(stem)
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        raise UsageError(f"--name {name!r} is not a valid Python package name.",
                         hint=f"Use letters, digits and underscores, e.g. {package_name(name)!r}.")
    out = Path(out_dir) if out_dir is not None else path.resolve().parent / f"{name}_pipeline"
    nb_hash = notebook_hash(nb)
    step("planning stages")
    plan = plan_stages(nb, notebook=path.name)
    previous = _previous(out)
    _check_target(out, previous, path.name, force)
    chosen = _decide_version(version, previous, nb_hash)
    executed: Path | None = None
    step("reading the capture manifest")
    if manifest is not None:
        manifest, manifest_warnings, executed = _given_manifest(manifest, nb_hash, path.name)
    else:
        manifest, manifest_warnings = _manifest(path, nb_hash, nb)
    step("linting")
    # with the capture's run as evidence: confirmed leaks, and hidden-state the run went through
    lint, lint_warnings = _lint(path, nb, allow_findings, path.name, manifest)
    warnings = list(plan.warnings) + lint_warnings + manifest_warnings

    out.parent.mkdir(parents=True, exist_ok=True)
    # A unique name per call; os.mkdir (unlike mkdtemp's 0700) gives the user's normal permissions.
    staging = out.parent / f".{out.name}.export-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    os.mkdir(staging)
    try:
        files = _render(staging, plan, _with_outputs(nb, path, nb_hash, executed), path, name, chosen, nb_hash,
                        manifest, lint, warnings, None if root is None else Path(root).resolve(), step)
        step("putting the package in place")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    step(None)
    return ExportResult(out, name, chosen, None if previous is None else previous.get("version"), nb_hash,
                        files, plan, warnings, lint)


#: The steps ``export_notebook`` reports to its ``progress`` callback, in order.
EXPORT_STEPS = ("reading the notebook", "planning stages", "reading the capture manifest", "linting",
                "copying data files", "writing the package", "putting the package in place")


class _Steps:
    """Calls ``progress(step, done, total)`` as each of :data:`EXPORT_STEPS` starts; ``None`` ends."""

    def __init__(self, progress: Callable[[str, int, int], None] | None) -> None:
        self.progress = progress

    def __call__(self, name: str | None) -> None:
        if self.progress is None:
            return
        total = len(EXPORT_STEPS)
        if name is None:
            self.progress("exported", total, total)
        else:
            self.progress(name, EXPORT_STEPS.index(name), total)


def _swap(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with renames; carry the pipeline cache over."""
    if not out.exists():
        os.rename(staging, out)
        return
    cache = out / ".nbpromote"
    if cache.is_dir():
        os.rename(cache, staging / ".nbpromote")
    # Unique per call, not per process: two exports in one server process must never share it.
    old = out.with_name(f".{out.name}.old-{os.getpid()}-{uuid.uuid4().hex[:12]}")
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _render(root: Path, plan: StagePlan, nb: Any, path: Path, name: str, version: str, nb_hash: str,
            manifest: dict[str, Any] | None, lint: dict[str, Any], warnings: list[str],
            confine: Path | None = None, step: Callable[[str], None] = lambda _name: None) -> list[str]:
    env = environment()
    written: list[str] = []

    def write(relative: str, text: str) -> None:
        # Plain writes: the staging directory is private and swapped in whole (see _swap), so a
        # per-file atomic write (and its fsync) would add nothing but time.
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(relative)

    def render(template: str, relative: str, **context: Any) -> None:
        write(relative, env.get_template(template).render(**base, **context))

    params = {p.name: p.default for p in plan.params}
    shared_code, hoisted, import_trees, dropped = prune_imports(plan)
    unused = {name for line in dropped for stmt in ast.parse(line).body
              if isinstance(stmt, (ast.Import, ast.ImportFrom)) for name in _bound_by_import(stmt)}
    stages = [_stage_context(s, params, unused) for s in plan.stages]
    seed = _manifest_seed(manifest)
    seed = plan.seed if seed is None else seed
    if seed is None:
        # Unseeded randomness (train_test_split without random_state, a forest's bootstrap …)
        # would make every cold run differ; a fixed seed makes the pipeline reproducible and the
        # card says so (the linter reports the notebook's unseeded cells).
        seed = DEFAULT_SEED
        warnings.append(f"the notebook sets no seed: the pipeline seeds every stage with {DEFAULT_SEED} so runs "
                        "reproduce (add `%promote seed N` or a seeded cell to choose it).")
    if dropped:
        warnings.append("imports used only by notebook-only code are left out: " + ", ".join(dropped) + ".")
    modules = imported_modules(import_trees)
    local = _local_modules(modules, _data_root(path, manifest), name)
    locks = pin_requirements([m for m in modules if m not in local], manifest, __version__)
    sources = {lock.source for lock in locks if lock.source in ("manifest", "environment")}
    pin_source_text = {
        frozenset({"manifest"}): "the capture manifest (the versions the notebook ran with)",
        frozenset({"environment"}): "the exporting environment's installed versions (no capture manifest)",
    }.get(frozenset(sources), "the capture manifest where it lists the package, else the exporting environment")

    step("copying data files")
    data = _data_files(plan, _data_root(path, manifest), manifest, confine)
    sample_params: dict[str, Any] = {}
    data_files = []
    for item in data:
        if item.copied:
            target = root / item.relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item.source, target)
            written.append(item.relative)
        sample = _sample(item, root)
        if sample:
            written.append(sample)
            if item.param:
                sample_params[item.param] = sample
        if item.copied:
            note = "copied"
        else:
            # An external input: not shipped, so the card names the content a run must find there.
            recorded = (((manifest or {}).get("data") or {}).get(item.relative) or {}).get("hash")
            if not recorded:
                from ..capture.hashing import hash_file

                recorded = hash_file(item.source)
            note = f"external input, too large to ship: provide it at this path (content {recorded})"
        data_files.append({"path": item.relative, "note": note + (f"; param `{item.param}`" if item.param else "")})
        if not item.param:
            warnings.append(f"stage code reads the hard-coded path {item.relative!r}; a parameter would let "
                            "runs point it elsewhere.")

    data_rows = []
    for key, entry in sorted(((manifest or {}).get("data") or {}).items()):
        if isinstance(entry, dict):
            shape = entry.get("shape", entry.get("size", ""))
            data_rows.append({"name": key, "hash": entry.get("hash", ""), "kind": entry.get("kind", ""),
                              "shape": "×".join(map(str, shape)) if isinstance(shape, list) else shape,
                              "source": entry.get("source", "") or ""})
    if lint.get("available"):
        lint_text = (f"{lint['errors']} error(s), {lint['warnings']} warning(s) at export."
                     + "".join(f"\n- `{f['rule']}` ({f['severity']}, cell {_shown_cell(f)}): {f['message']}"
                               for f in lint["findings"]))
    else:
        lint_text = "Not linted (the linter was not available at export); run `nbpromote lint notebook/`."
    metrics_stage = next((s["name"] for s in stages if plan.roles.get("metrics") in s["outputs"]), None)
    base = {
        "name": name, "version": version, "notebook": path.name, "notebook_hash": nb_hash,
        "nbpromote_version": __version__, "stages": stages, "params": params, "seed": seed,
        "roles": plan.roles, "dist_name": name.replace("_", "-"),
        "python_min": f"{sys.version_info.major}.{sys.version_info.minor}",
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "requirements": [lock.requirement for lock in locks], "locks": locks,
        "pin_source_text": pin_source_text, "stage_names": [s["name"] for s in stages],
        "sample_params": sample_params,
        "local_modules": [{"name": m, "path": f"src/{local[m].name}", "file": local[m].is_file()}
                          for m in sorted(local)],
    }
    pkg = f"src/{name}"
    step("writing the package")
    svg_written = _write_graph_svg(root, plan, name)
    if svg_written:
        written.append("pipeline.svg")
    for module, source in sorted(local.items()):
        # The notebook's own helper modules (a .py or a package beside it) travel with the package,
        # at the top level so `import helpers` in a stage works as it did in the notebook.
        written += _copy_local_module(source, root / "src")
        warnings.append(f"the notebook's own module `{module}` ({source.name}) is shipped in the package; "
                        "edits to it are picked up at the next export.")
    render("package/pyproject.toml.j2", "pyproject.toml")
    render("package/requirements.lock.j2", f"{pkg}/requirements.lock")
    render("package/gitignore.j2", ".gitignore")
    render("package/ci.yml.j2", ".github/workflows/ci.yml")
    render("package/src/__init__.py.j2", f"{pkg}/__init__.py")
    render("package/src/__main__.py.j2", f"{pkg}/__main__.py")
    render("package/src/pipeline.py.j2", f"{pkg}/pipeline.py")
    blocks = [{"index": n.cell.index, "cell_id": n.cell.cell_id, "code": code.rstrip("\n"),
               "tag": next((t for t in n.cell.tags if t in ("imports", "functions")), "")}
              for n, code in zip(plan.shared, shared_code, strict=True)]
    render("package/src/common.py.j2", f"{pkg}/common.py", blocks=blocks, hoisted=hoisted)
    write(f"{pkg}/stages/__init__.py", f'"""Stages of {name}, one module per stage."""\n')
    for stage in stages:
        render("package/src/stage.py.j2", f"{pkg}/stages/{stage['name']}.py", stage=stage)
    render("package/tests/conftest.py.j2", "tests/conftest.py")
    render("package/tests/test_pipeline.py.j2", "tests/test_pipeline.py")
    render("package/tests/test_notebook.py.j2", "tests/test_notebook.py")
    write(f"notebook/{path.name}", path.read_text(encoding="utf-8"))
    lineage = {"schema_version": 1, "notebook": path.name, "notebook_dir": str(path.resolve().parent),
               "notebook_hash": nb_hash, "seed": seed, "manifest": manifest}
    write_json(root / pkg / "lineage.json", lineage)
    written.append(f"{pkg}/lineage.json")
    from ._serving_path import SERVING_FILE, write_serving_path

    write_serving_path(root / pkg / SERVING_FILE, plan)
    written.append(f"{pkg}/{SERVING_FILE}")
    render("package/README.md.j2", "README.md", param_rows=plan.params, data_rows=data_rows,
           data_files=data_files, captured_metrics=_captured_metrics(nb, plan),
           captured_parameters=_captured_parameters(manifest),
           lint_text=lint_text,
           metrics_stage=metrics_stage, warnings=warnings, has_manifest=manifest is not None,
           model_stage=next((s["name"] for s in stages if plan.roles.get("model") in s["outputs"]), None),
           model_notes=plan.model_notes, pipeline_svg=svg_written)
    meta = {"schema_version": 1, "name": name, "version": version, "notebook": path.name,
            "notebook_dir": str(path.resolve().parent), "notebook_hash": nb_hash,
            "exported_with": __version__, "stages": [s["name"] for s in stages],
            "files": sorted(set(written) | {EXPORT_METADATA})}
    write_json(root / EXPORT_METADATA, meta)
    written.append(EXPORT_METADATA)
    return sorted(set(written))
