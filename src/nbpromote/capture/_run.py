"""Headless capture: execute a notebook with papermill, capture on, and keep its manifest.

``capture_notebook`` wraps the notebook in two hidden cells — a first one that loads the extension
(so the post-run hook records every cell) and a last one that writes the session's manifest to a
temporary file — runs it with papermill (the ``parameters`` tag works as papermill documents it),
removes the two cells again and writes the executed notebook with the manifest in
``metadata.nbpromote.manifest`` plus the sidecar ``<OUT stem>.manifest.json``.

Output policy: the default output ``<stem>.captured.ipynb`` and any earlier capture output (a
notebook whose ``metadata.nbpromote.captured_from`` is set) are regenerated freely — CI re-runs the
same command; any other existing file, and the input notebook itself, is only replaced with
``force=True``. Every write is atomic.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .. import knowledge as K
from ..errors import CaptureError, NbpromoteError, OutputExistsError
from ..notebook import load_notebook, notebook_hash, read_notebook, write_notebook
from ._environment import git_state
from ._progress import CellEvents, previous_cell_durations
from ._session import INJECTED_MARKER
from .manifest import sidecar_path, validate_manifest

__all__ = ["CaptureResult", "capture_notebook", "default_output", "INJECTED_TAG"]

#: Tag of the hidden cells ``capture_notebook`` adds (and removes from the output).
INJECTED_TAG = "nbpromote-injected"


@dataclass
class CaptureResult:
    """What :func:`capture_notebook` wrote.

    Attributes
    ----------
    notebook_path : Path
        The executed notebook (manifest in ``metadata.nbpromote.manifest``).
    manifest_path : Path
        The sidecar manifest.
    manifest : dict
        The manifest itself.
    notes : list of str
        What the capture decided for the user (a kernel it substituted), to show beside the result.
    """

    notebook_path: Path
    manifest_path: Path
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from .manifest import manifest_identity

        return {
            "notebook": str(self.notebook_path),
            "manifest_path": str(self.manifest_path),
            "identity": manifest_identity(self.manifest),
            "manifest": self.manifest,
            "notes": list(self.notes),
        }


def default_output(path: str | Path) -> Path:
    """``dir/name.ipynb`` -> ``dir/name.captured.ipynb``."""
    source = Path(path)
    return source.with_name(f"{source.stem}.captured.ipynb")


def _check_output(source: Path, output: Path, force: bool) -> None:
    if force or not output.exists():
        return
    if output.resolve() == source.resolve():
        raise OutputExistsError(
            f"The output {output} is the input notebook; capture would overwrite what you wrote.",
            hint="Choose another -o path, or pass --force.", path=str(output),
        )
    if output == default_output(source):
        return
    try:
        previous = json.loads(output.read_text(encoding="utf-8"))
        ours = bool(previous.get("metadata", {}).get("nbpromote", {}).get("captured_from"))
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours:
        raise OutputExistsError(
            f"{output} exists and is not an earlier nbpromote capture.",
            hint="Pass --force to replace it, or choose another -o path.", path=str(output),
        )


def _injected(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(f"{INJECTED_MARKER}\n{source}", metadata={"tags": [INJECTED_TAG]})
    return cell


def _strip_injected(nb: nbformat.NotebookNode) -> None:
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]


_NBDEV_DIRECTIVE = re.compile(r"^\s*#\|\s*eval\s*:\s*false\s*$", re.IGNORECASE | re.MULTILINE)


def _is_skip(cell: Any) -> bool:
    return cell.get("cell_type") == "code" and "skip" in cell.get("metadata", {}).get("tags", [])


def _prepare_cells(nb: nbformat.NotebookNode, leave_out: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """Leave out what capture does not run: nbdev's ``#| eval: false`` cells (nbdev never runs them)
    and the ``skip`` cells in ``leave_out`` — exploration cells the pipeline never runs that failed
    headless (a Kale example's ``from kale.common.serveutils import serve``). Other ``skip`` cells
    run as usual (a ``%promote seed`` there still seeds the capture). Sources, ``#|`` directives and
    the outputs the author saved are kept in the output. Returns the indices of the cells not run.
    """
    not_run: list[int] = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if _NBDEV_DIRECTIVE.search(source) or index in leave_out:
            cell["source"] = "# not run by nbpromote capture (nbdev `#| eval: false`, or a failing skip cell)"
            not_run.append(index)
    return not_run


def _restore_cells(executed: nbformat.NotebookNode, original: nbformat.NotebookNode, not_run: list[int]) -> None:
    """Put back the cells :func:`_prepare_cells` left out, with the outputs they had."""
    by_id = {cell.get("id"): (index, cell) for index, cell in enumerate(original.cells) if cell.get("id")}
    for cell in executed.cells:
        if cell.get("id") not in by_id:
            continue  # papermill's injected-parameters cell
        index, source = by_id[cell.get("id")]
        if index in not_run:
            cell["source"] = source.get("source", "")
            cell["outputs"] = copy.deepcopy(source.get("outputs", []))
            cell["execution_count"] = source.get("execution_count")


def _counted_cells(original: nbformat.NotebookNode, not_run: list[int]) -> dict[str, tuple[int, str]]:
    """Cell id → (position, source) of the cells nbclient will run (progress counts these): code
    cells with code, not left out, not tagged for nbclient to skip."""
    counted: dict[str, tuple[int, str]] = {}
    for position, cell in enumerate(original.cells):
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if (cell.get("cell_type") == "code" and cell.get("id") and source.strip() and position not in not_run
                and "skip-execution" not in cell.get("metadata", {}).get("tags", [])):
            counted[str(cell["id"])] = (position, source)
    return counted


def _real_papermill_paths(nb: nbformat.NotebookNode, source: Path, target: Path) -> None:
    """papermill records the paths it ran; capture ran a wrapped copy in a temporary directory that
    is gone, so name the user's notebook and the output instead."""
    papermill_meta = nb.metadata.get("papermill")
    if isinstance(papermill_meta, dict):
        papermill_meta["input_path"] = str(source)
        papermill_meta["output_path"] = str(target)


def _failed_cell(nb: nbformat.NotebookNode, original: nbformat.NotebookNode) -> tuple[int | None, str]:
    """(index in the input notebook, 'EName: value') of the first cell with an error output."""
    positions = {cell.get("id"): index for index, cell in enumerate(original.cells)}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return positions.get(cell.get("id")), f"{output.get('ename')}: {output.get('evalue')}"
    return None, "unknown error"


_MISSING_FILE = re.compile(r"^FileNotFoundError: \[Errno 2\] No such file or directory: '(?P<path>[^']+)'")


_MISSING_MODULE = re.compile(r"^ModuleNotFoundError: No module named '(?P<module>[\w.]+)'")


def _missing_module_hint(error: str, kernel: str | None) -> str:
    """How to install the module a failed cell could not import, or ``""``."""
    found = _MISSING_MODULE.match(error)
    if not found:
        return ""
    module = found["module"].split(".")[0]
    dist = K.IMPORT_DISTRIBUTIONS.get(module, module.replace("_", "-"))
    where = f"kernel '{kernel}'" if kernel else "the kernel"
    return (f" Install it into the environment {where} runs in (pip install {dist}), then capture again; "
            "export pins the version the capture saw.")


def _files_named(name: str, root: Path, depth: int = 3, budget: int = 2000) -> list[Path]:
    """Up to three files called ``name`` within ``depth`` folders of ``root``, breadth first.

    Bounded by ``budget`` directory entries, so a notebook beside a home folder or a
    node_modules tree costs milliseconds, not a crawl; hidden folders are not entered.
    """
    found: list[Path] = []
    level = [root]
    for _ in range(depth + 1):
        below: list[Path] = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                budget -= 1
                if budget < 0:
                    return found
                if entry.name == name and entry.is_file():
                    found.append(Path(entry.path))
                    if len(found) == 3:
                        return found
                elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                    below.append(Path(entry.path))
        level = below
    return found


def _missing_file_hint(error: str, cwd: Path) -> str:
    """Where the file a failed cell could not open probably is, or ``""``.

    Notebooks written on Windows or macOS (file systems that ignore case) often read
    ``../dataset/x.csv`` from a folder named ``Dataset``: that works there and fails here. A path whose
    every part exists in another case, or a file of the same name a level or two around the notebook,
    is named so the user can fix the path instead of hunting for it.
    """
    found = _MISSING_FILE.match(error)
    if not found:
        return ""
    wanted = Path(found["path"])
    start = wanted if wanted.is_absolute() else cwd / wanted
    here = Path(start.anchor) if wanted.is_absolute() else cwd
    for part in (wanted.parts[1:] if wanted.is_absolute() else wanted.parts):
        if part in (".", ".."):
            here = here / part
            continue
        try:
            same = [p for p in here.iterdir() if p.name.lower() == part.lower()]
        except OSError:
            same = []
        if len(same) != 1:
            break
        here = same[0]
    else:
        if here.exists():
            shown = os.path.relpath(here, cwd) if not wanted.is_absolute() else str(here)
            return f" '{shown}' exists: the path differs only in letter case, which a case-insensitive file system hides."
    matches = _files_named(wanted.name, cwd.parent if cwd.parent != cwd else cwd)
    if matches:
        listed = ", ".join(f"'{os.path.relpath(m, cwd)}'" for m in matches)
        return f" A file named {wanted.name} is at {listed} (relative to the notebook's folder)."
    return ""


def _sites(rows: dict[str, Any]) -> list[dict[str, Any]]:
    """Every site dict of a manifest's ``rows`` section (to fill in cell indices and ids)."""
    sites = [call["site"] for call in rows.get("calls", [])]
    for record in rows.get("evidence", []):
        sites += [record[key] for key in ("learned_at", "evaluated_at") if key in record]
        sites += [item["at"] for item in record.get("evaluations", [])]
    return sites


def capture_notebook(
    path: str | Path,
    output: str | Path | None = None,
    parameters: dict[str, Any] | None = None,
    *,
    cwd: str | Path | None = None,
    force: bool = False,
    kernel_name: str | None = None,
    start_timeout: int = 60,
    track_rows: bool = True,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> CaptureResult:
    """Execute ``path`` headless with provenance capture and write the result and its manifest.

    Parameters
    ----------
    path : str or Path
        The notebook (.ipynb, nbformat 4; nbformat 3 is upgraded in memory).
    output : str or Path or None, default=None
        Executed notebook; None means ``<stem>.captured.ipynb`` beside ``path``.
    parameters : dict or None, default=None
        papermill parameters, injected after the cell tagged ``parameters``.
    cwd : str or Path or None, default=None
        Working directory of the kernel; None means the notebook's directory, so relative data
        paths resolve as they do when the notebook is opened in JupyterLab.
    force : bool, default=False
        Replace an existing output that is not an earlier capture (or the input itself).
    kernel_name : str or None, default=None
        Jupyter kernel; None means the notebook's kernelspec, else ``python3``.
    start_timeout : int, default=60
        Seconds to wait for the kernel to start.
    track_rows : bool, default=True
        Record which rows reach each learning/predicting/scoring call (the manifest's ``rows``
        section, :mod:`nbpromote.capture._rows`); False leaves the libraries unwrapped.
    progress : callable or None, default=None
        Called with each progress event (a cell starts or ends, with an ETA from the last capture
        written to ``output``; see :mod:`nbpromote.capture._progress`). The command line renders
        them as a progress bar or as plain lines.

    Returns
    -------
    CaptureResult

    Raises
    ------
    NotebookNotFoundError, NotebookFormatError
        The notebook cannot be read.
    OutputExistsError
        The output exists and may not be replaced (see the module docstring).
    CaptureError
        A cell raised (the partial executed notebook is written to ``output`` for inspection), or
        the kernel could not start.
    NotebookWriteError
        The output cannot be written (read-only file or directory).

    Examples
    --------
    >>> result = capture_notebook("notebooks/credit_risk.ipynb", parameters={"seed": 1})  # doctest: +SKIP
    >>> result.manifest["seeds"]["seed"]  # doctest: +SKIP
    1
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = Path(path)
    # A percent-format script (`# %%` cells, jupytext's format) runs as the notebook export and
    # lint read from it, so its notebook hash is the one export compares.
    original = load_notebook(source) if source.suffix == ".py" else read_notebook(source)
    target = Path(output) if output is not None else default_output(source)
    _check_output(source, target, force)
    if not target.parent.is_dir():
        from ..errors import NotebookWriteError

        raise NotebookWriteError(
            f"Cannot write {target}: directory {target.parent} does not exist.",
            hint="Create it first or choose another -o path.", path=str(target),
        )
    params = dict(parameters or {})
    language = (
        original.metadata.get("kernelspec", {}).get("language")
        or original.metadata.get("language_info", {}).get("name") or "python"
    )
    notes: list[str] = []
    kernels = _installed_kernels()
    kernel = kernel_name or _saved_kernel(original, language, notes, kernels)

    durations = previous_cell_durations(target) if progress is not None else {}

    with tempfile.TemporaryDirectory(prefix="nbpromote-capture-") as scratch:
        manifest_tmp = Path(scratch) / "manifest.json"
        executed_tmp = Path(scratch) / "executed.ipynb"
        leave_out: set[int] = set()
        while True:
            wrapped = copy.deepcopy(original)
            # papermill reads the language from the metadata; notebooks built in code often lack it.
            wrapped.metadata.setdefault("language_info", {}).setdefault("name", language)
            not_run = _prepare_cells(wrapped, leave_out)
            first = "%load_ext nbpromote"
            if track_rows:
                first += ("\nfrom nbpromote.capture import kernel as _nbpromote_kernel\n"
                          "_nbpromote_kernel.get_session(get_ipython()).track_rows(get_ipython())\n"
                          "del _nbpromote_kernel")
            wrapped.cells.insert(0, _injected(first))
            wrapped.cells.append(_injected(
                "from nbpromote.capture import kernel as _nbpromote_kernel\n"
                "from nbpromote._io import write_json as _nbpromote_write_json\n"
                f"_nbpromote_write_json({str(manifest_tmp)!r}, "
                "_nbpromote_kernel.get_session(get_ipython()).to_manifest())\n"
                "del _nbpromote_kernel, _nbpromote_write_json"
            ))
            wrapped_tmp = Path(scratch) / f"{source.stem}.ipynb"
            nbformat.write(wrapped, str(wrapped_tmp))
            events = None if progress is None else CellEvents(
                source.name, _counted_cells(original, not_run), durations, progress)
            hooks: dict[str, Any] = {}
            if events is not None:
                hooks = events.hooks()
                events.started()
            try:
                papermill.execute_notebook(
                    str(wrapped_tmp), str(executed_tmp), parameters=params, kernel_name=kernel, language=language,
                    cwd=str(cwd if cwd is not None else source.resolve().parent), progress_bar=False,
                    log_output=False, request_save_on_cell_execute=False, start_timeout=start_timeout,
                    extra_arguments=_quiet_kernel_arguments((kernels or {}).get(kernel)), **hooks,
                )
                if events is not None:
                    events.finished("ok")
                break
            except PapermillExecutionError:
                executed = nbformat.read(str(executed_tmp), as_version=4)
                index, error = _failed_cell(executed, original)
                if index is not None and index not in leave_out and _is_skip(original.cells[index]):
                    # An exploration cell the pipeline never runs failed headless (a Kale example's
                    # serving client): run again without it rather than fail the capture.
                    leave_out.add(index)
                    if events is not None:
                        events.finished("restarted")
                    continue
                if events is not None:
                    events.finished("failed")
                _strip_injected(executed)
                _restore_cells(executed, original, not_run)
                executed.metadata.setdefault("nbpromote", {})["captured_from"] = str(source)
                _real_papermill_paths(executed, source, target)
                write_notebook(executed, target)
                where = cwd if cwd is not None else source.resolve().parent
                raise CaptureError(
                    f"{source}, cell {index + 1 if index is not None else '?'} raised {error}."
                    + _missing_file_hint(error, Path(where)) + _missing_module_hint(error, kernel),
                    hint=f"The partial executed notebook was written to {target} for inspection; no manifest was written."
                    + (" If the notebook expects to run from another folder, pass it with --cwd." if "FileNotFoundError" in error else ""),
                    notebook=str(source), cell=index, output=str(target),
                ) from None
            except NbpromoteError:
                raise
            except Exception as exc:  # kernel missing or dead, papermill refusing the notebook …
                if events is not None:
                    events.finished("failed")
                raise CaptureError(
                    f"{source}: papermill could not run the notebook with kernel '{kernel}' ({type(exc).__name__}: {exc}).",
                    hint="Check `jupyter kernelspec list`, or pass kernel_name / --kernel.", notebook=str(source),
                ) from None
        executed = nbformat.read(str(executed_tmp), as_version=4)
        manifest = json.loads(manifest_tmp.read_text(encoding="utf-8"))

    _strip_injected(executed)
    _restore_cells(executed, original, not_run)
    # nbclient does not send cell ids to the kernel; recover them from the execution counts.
    ids_by_count = {
        cell.get("execution_count"): cell.get("id") for cell in executed.cells
        if cell.get("cell_type") == "code" and cell.get("execution_count") is not None
    }
    for run in manifest["execution"]:
        if run["cell_id"] is None:
            run["cell_id"] = ids_by_count.get(run["execution_count"])
    for cell in manifest["seeds"]["unseeded_cells"]:
        if cell["cell_id"] is None:
            cell["cell_id"] = ids_by_count.get(cell["execution_count"])
    for entry in manifest["data"].values():
        count_text = entry["source"].rpartition("[")[2].rstrip("]")
        if entry["source"].startswith("read by cell [") and count_text.isdigit():
            cell_id = ids_by_count.get(int(count_text))
            if cell_id:
                entry["source"] = f"read by cell {cell_id}"
    # cell indices of the notebook as written (papermill's injected-parameters cell is not one).
    positions = {cell.get("id"): index for index, cell in enumerate(original.cells)}
    index_by_count = {count: positions.get(cell_id) for count, cell_id in ids_by_count.items()}
    read_sites = [entry["site"] for entry in (manifest.get("reads") or {}).values() if "site" in entry]
    for site in _sites(manifest.get("rows") or {}) + read_sites:
        count = site.get("execution_count")
        site["cell"] = index_by_count.get(count)
        if site.get("cell_id") is None:
            site["cell_id"] = ids_by_count.get(count)
    manifest["notebook"] = str(source)
    if cwd is not None and Path(cwd).resolve() != source.resolve().parent:
        # Relative reads resolve there: export ships data files from it, runs start in it.
        manifest["working_directory"] = Path(os.path.relpath(Path(cwd).resolve(), source.resolve().parent)).as_posix()
    manifest["notebook_hash"] = notebook_hash(original)
    manifest["parameters"] = params
    manifest["git"] = git_state(source.resolve().parent)
    validate_manifest(manifest)
    executed.metadata.setdefault("nbpromote", {}).update({"manifest": manifest, "captured_from": str(source)})
    _real_papermill_paths(executed, source, target)
    write_notebook(executed, target, overwrite=True)
    from .._io import write_json

    sidecar = write_json(sidecar_path(target), manifest)
    return CaptureResult(notebook_path=target, manifest_path=sidecar, manifest=manifest, notes=notes)


def _installed_kernels() -> dict[str, list[str]] | None:
    """Each installed kernel's argv, by name, from one scan of the kernelspec folders; None when
    they cannot be read (papermill then decides and reports)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager().get_all_specs()
        return {name: list(entry["spec"].get("argv") or []) for name, entry in specs.items()}
    except Exception:  # noqa: BLE001 - a broken kernelspec folder must not stop the capture here
        return None


def _saved_kernel(nb: nbformat.NotebookNode, language: str, notes: list[str],
                  installed: dict[str, list[str]] | None) -> str:
    """The kernel the notebook names, or ``python3`` when it names a Python kernel this machine lacks.

    Notebooks carry their author's kernel name (``conda-env-trees-py``, ``venv38``); a Python
    notebook runs as well in this environment's ``python3`` kernel, and the note says so. A kernel of
    another language that is missing stays an error (papermill names it).
    """
    saved = (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    if installed is None or saved in installed or language.lower() != "python" or "python3" not in installed:
        return saved
    notes.append(f"the notebook names kernel '{saved}', which is not installed here: ran it with 'python3' "
                 "(pass --kernel NAME to choose).")
    return "python3"


def _quiet_kernel_arguments(argv: list[str] | None) -> list[str]:
    """Keep ipykernel's own log off the user's stderr.

    Its start-up warning about unencrypted TCP (the kernel listens on loopback only, for this one
    capture, and papermill offers no other transport) and the "KeyboardInterrupt caught in kernel"
    error the shutdown can provoke are noise on a capture; what a cell raises reaches the user
    through the cell's outputs, not this log. Other kernels (``argv`` of the kernelspec; None for
    an unknown one, which papermill reports) get no extra argument: they may not accept ipykernel's
    options.
    """
    if argv and any("ipykernel" in part for part in argv):
        return ["--IPKernelApp.log_level=CRITICAL"]
    return []
    if any("ipykernel" in part for part in argv):
        return ["--IPKernelApp.log_level=CRITICAL"]
    return []
