"""Record every file a block of code reads, however the code names it.

A stage (or a notebook cell) may name its data through a literal, ``path + "x.csv"``,
``os.path.join``, an f-string, ``Path(...) / ...`` or a dict-valued parameter; what it *reads* is
the same whichever way it is named. So reads are observed at run time, not guessed from source:

* one process-wide audit hook (:func:`sys.addaudithook`) sees every ``open`` Python makes —
  ``open``, ``io.open``, ``os.open``, ``Path.read_text``, and so everything built on them:
  ``pd.read_csv``, ``pd.read_excel``, ``np.load``, ``np.loadtxt``, ``joblib.load``,
  ``pickle.load(open(...))``, ``torch.load`` — plus ``sqlite3.connect``;
* wrappers cover the readers that open files in C without Python's ``open``
  (:data:`BYPASSING_READERS`: pyarrow's Parquet/Feather/ORC/dataset readers, HDF5, OpenCV …).
  They are installed lazily: on modules already imported when the first recorder starts, and on
  the others when they are imported (a ``sys.meta_path`` finder), so importing this module costs
  nothing.

Audit hooks cannot be removed, so the hook is installed once and does nothing while no recorder
is active; each read goes to the recorders active in the reading context (a context-local stack,
so two stages running in two threads record their own reads) and to recorders started with
``all_threads=True``.

Not recorded: Python's own files (the interpreter's prefixes, site-packages, modules read while
importing), ``/proc``, ``/dev``, ``/sys``, ``/etc``, ``/usr/share``, matplotlib's caches, paths
given in ``exclude`` (the artifact store) and files the block itself wrote before reading them
(its own intermediates are not inputs).

Example::

    from nbpromote._reads import record_reads

    with record_reads(exclude=[".nbpromote"]) as reads:
        frame = pd.read_csv(data_dir + "train.csv")
    reads.to_dict()   # {"data/train.csv": {"size": …, "mtime_ns": …, "hash": "xxh3_128:…"}}

This module is at the bottom of the house: it imports only the standard library (and ``xxhash``
through :mod:`nbpromote.capture.hashing` when it hashes), never lint, the CLI or the server.
"""

from __future__ import annotations

import contextvars
import functools
import os
import stat as stat_module
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BYPASSING_READERS",
    "FileRead",
    "ReadRecorder",
    "changed_reads",
    "ignore_path",
    "record_reads",
]

#: Readers that open files outside Python's ``open`` (so the audit hook cannot see them):
#: ``(module, attribute, index of the path argument, its keyword)``. ``Class.__init__`` entries
#: count ``self`` as argument 0. Anything reading through Python's ``open`` needs no entry.
BYPASSING_READERS: tuple[tuple[str, str, int, str], ...] = (
    ("pyarrow.parquet", "read_table", 0, "source"),
    ("pyarrow.parquet", "read_pandas", 0, "source"),
    ("pyarrow.parquet", "read_metadata", 0, "where"),
    ("pyarrow.parquet", "read_schema", 0, "where"),
    ("pyarrow.parquet", "ParquetFile.__init__", 1, "source"),
    ("pyarrow.parquet", "ParquetDataset.__init__", 1, "path_or_paths"),
    ("pyarrow.feather", "read_table", 0, "source"),
    ("pyarrow.feather", "read_feather", 0, "source"),
    ("pyarrow.orc", "read_table", 0, "source"),
    ("pyarrow.orc", "ORCFile.__init__", 1, "source"),
    ("pyarrow.dataset", "dataset", 0, "source"),
    ("pyarrow.csv", "read_csv", 0, "input_file"),
    ("pyarrow.csv", "open_csv", 0, "input_file"),
    ("pyarrow.json", "read_json", 0, "input_file"),
    ("pandas", "read_parquet", 0, "path"),
    ("pandas", "read_feather", 0, "path"),
    ("pandas", "read_orc", 0, "path"),
    ("pandas", "read_hdf", 0, "path_or_buf"),
    ("pandas", "read_spss", 0, "path"),
    ("pandas", "HDFStore.__init__", 1, "path"),
    ("tables", "open_file", 0, "filename"),
    ("h5py", "File.__init__", 1, "name"),
    ("cv2", "imread", 0, "filename"),
    ("xarray", "open_dataset", 0, "filename_or_obj"),
    ("xarray", "open_mfdataset", 0, "paths"),
    ("xgboost", "Booster.load_model", 1, "fname"),
    ("lightgbm", "Booster.__init__", 2, "model_file"),
    ("pyreadstat", "read_sav", 0, "filename_path"),
    ("pyreadstat", "read_dta", 0, "filename_path"),
    ("pyreadstat", "read_sas7bdat", 0, "filename_path"),
)

#: Most files listed under one directory a reader is given (a Parquet dataset, say).
MAX_DIRECTORY_FILES = 10_000
_CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".so", ".pth", ".dylib")


@dataclass(frozen=True)
class FileRead:
    """One file a recorded block read: where, and what it held when the block ended.

    Attributes
    ----------
    path : str
        Absolute path.
    size : int
        Size in bytes.
    mtime_ns : int
        Modification time in nanoseconds (the cheap first check of :func:`changed_reads`).
    hash : str
        ``xxh3_128:<hex>`` of the file's bytes.
    """

    path: str
    size: int
    mtime_ns: int
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """``{"path", "size", "mtime_ns", "hash"}``."""
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns, "hash": self.hash}


# --- process-wide state --------------------------------------------------------------------------
_LOCK = threading.Lock()
_HOOK_INSTALLED = False
_ACTIVE = 0  # number of recorders between __enter__ and __exit__: the hook's fast path
_STACK: contextvars.ContextVar[tuple[ReadRecorder, ...]] = contextvars.ContextVar("nbpromote_reads", default=())
_MUTED: contextvars.ContextVar[bool] = contextvars.ContextVar("nbpromote_reads_muted", default=False)
_GLOBAL: list[ReadRecorder] = []
_IGNORED: list[str] = []
_SYSTEM: tuple[str, ...] | None = None


def ignore_path(prefix: str | os.PathLike[str]) -> None:
    """Never record files under ``prefix`` (in any recorder of this process).

    Parameters
    ----------
    prefix : str or PathLike
        A directory (or file) path; relative paths are taken from the current directory.
    """
    with _LOCK:
        _IGNORED.append(_absolute(os.fspath(prefix)))


def _absolute(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _system_prefixes() -> tuple[str, ...]:
    global _SYSTEM
    if _SYSTEM is None:
        import site
        import tempfile

        found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                 "/proc", "/dev", "/sys", "/etc", "/usr/share", "/usr/lib", "/usr/lib64", "/lib", "/lib64",
                 "/var/cache/fontconfig", os.path.expanduser("~/.cache/matplotlib"),
                 os.path.expanduser("~/.config/matplotlib"), os.path.expanduser("~/.matplotlib"),
                 os.path.expanduser("~/.cache/fontconfig"), os.path.join(tempfile.gettempdir(), "matplotlib")}
        try:
            found.update(site.getsitepackages())
            found.add(site.getusersitepackages())
        except AttributeError:  # site trimmed by an embedding application
            pass
        if os.environ.get("MPLCONFIGDIR"):
            found.add(os.environ["MPLCONFIGDIR"])
        _SYSTEM = tuple(sorted(_absolute(p) for p in found if p))
    return _SYSTEM


def _under(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip(os.sep) + os.sep) for p in prefixes)


def _importing() -> bool:
    """True when the current open comes from the import system (a module's code, not data)."""
    frame: Any = sys._getframe(2)
    depth = 0
    while frame is not None and depth < 40:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
        depth += 1
    return False


def _mode_of(mode: Any, flags: Any) -> tuple[bool, bool]:
    """``(reads, writes)`` of an ``open`` audit event."""
    if isinstance(mode, str):
        writes = any(c in mode for c in "wax+")
        return ("r" in mode or "+" in mode), writes
    if isinstance(flags, int):
        access = flags & os.O_ACCMODE
        creating = bool(flags & (os.O_CREAT | os.O_TRUNC))
        return access in (os.O_RDONLY, os.O_RDWR) and not (access == os.O_RDONLY and creating), (
            access != os.O_RDONLY or creating)
    return True, False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _ACTIVE or (event != "open" and event != "sqlite3.connect"):
        return
    if _MUTED.get():
        return
    token = _MUTED.set(True)  # nothing the recorder does may record (or deadlock on) its own opens
    try:
        _dispatch(event, args)
    except Exception:  # noqa: BLE001 - an exception here would fail the user's open()
        pass
    finally:
        _MUTED.reset(token)


def _dispatch(event: str, args: tuple[Any, ...]) -> None:
    recorders = _STACK.get() + tuple(_GLOBAL)
    if not recorders:
        return
    target = args[0] if args else None
    if isinstance(target, int) or target is None:
        return
    if event == "open":
        reads, writes = _mode_of(args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else None)
    else:
        reads, writes = True, False
    try:
        name = os.fsdecode(os.fspath(target))
    except TypeError:
        return
    if not name or name == ":memory:" or "://" in name or name.startswith("file:"):
        return
    path = _absolute(name)
    if path.endswith(_CODE_SUFFIXES) and reads and _importing():
        return
    for recorder in recorders:
        recorder._saw(path, name, reads=reads, writes=writes)


def _install_hook() -> None:
    global _HOOK_INSTALLED
    token = _MUTED.set(True)
    try:
        _system_prefixes()  # before the hook can fire: it imports and calls tempfile, which opens files
    finally:
        _MUTED.reset(token)
    with _LOCK:
        if not _HOOK_INSTALLED:
            sys.addaudithook(_hook)
            _HOOK_INSTALLED = True
    _install_wrappers()


# --- wrappers of readers that bypass Python's open ----------------------------------------------
_WRAPPED_MODULES: set[str] = set()


def _note_source(source: Any) -> None:
    """Record ``source`` (a path, a directory, or a list of them) with the active recorders."""
    if not _ACTIVE or _MUTED.get():
        return
    recorders = _STACK.get() + tuple(_GLOBAL)
    if not recorders:
        return
    if isinstance(source, (list, tuple)):
        for item in source[:MAX_DIRECTORY_FILES]:
            _note_source(item)
        return
    if not isinstance(source, (str, bytes, os.PathLike)):
        return  # a file object: its open was seen by the hook
    name = os.fsdecode(os.fspath(source))
    if not name or "://" in name:
        return
    path = _absolute(name)
    if os.path.isdir(path):
        found = 0
        for folder, dirs, files in os.walk(path):
            dirs.sort()
            for file in sorted(files):
                if file.startswith((".", "_")) or found >= MAX_DIRECTORY_FILES:
                    continue  # _SUCCESS, .crc, _metadata: written by engines, not data
                found += 1
                full = os.path.join(folder, file)
                shown = os.path.join(name, os.path.relpath(full, path))
                for recorder in recorders:
                    recorder._saw(full, shown, reads=True, writes=False)
        return
    for recorder in recorders:
        recorder._saw(path, name, reads=True, writes=False)


def _wrap(func: Callable[..., Any], index: int, keyword: str) -> Callable[..., Any]:
    if getattr(func, "__nbpromote_reads__", False):
        return func

    @functools.wraps(func)
    def reader(*args: Any, **kwargs: Any) -> Any:
        if _ACTIVE:
            source = kwargs.get(keyword) if keyword in kwargs else args[index] if len(args) > index else None
            try:
                _note_source(source)
            except (OSError, ValueError, TypeError):  # recording never breaks the reader
                pass
        return func(*args, **kwargs)

    reader.__nbpromote_reads__ = True  # type: ignore[attr-defined]
    return reader


def _patch_module(module_name: str) -> None:
    module = sys.modules.get(module_name)
    if module is None:
        return
    for name, attribute, index, keyword in BYPASSING_READERS:
        if name != module_name:
            continue
        owner: Any = module
        parts = attribute.split(".")
        try:
            for part in parts[:-1]:
                owner = getattr(owner, part)
            original = getattr(owner, parts[-1])
            setattr(owner, parts[-1], _wrap(original, index, keyword))
        except (AttributeError, TypeError):  # not in this version, or an immutable extension type
            continue
    _WRAPPED_MODULES.add(module_name)


class _PatchOnImport:
    """A ``sys.meta_path`` finder that wraps the listed readers right after their module loads."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname in _WRAPPED_MODULES or fullname not in {m for m, *_ in BYPASSING_READERS}:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        original = getattr(loader, "exec_module", None)
        if original is None:
            return spec

        def exec_module(module: Any) -> None:
            original(module)
            _patch_module(fullname)

        loader.exec_module = exec_module  # type: ignore[union-attr,method-assign]
        return spec


_FINDER = _PatchOnImport()


def _install_wrappers() -> None:
    with _LOCK:
        if _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)  # type: ignore[arg-type]
    for module_name in {m for m, *_ in BYPASSING_READERS}:
        if module_name in sys.modules and module_name not in _WRAPPED_MODULES:
            _patch_module(module_name)


# --- the recorder --------------------------------------------------------------------------------
class ReadRecorder:
    """Context manager recording the files read inside its ``with`` block.

    Parameters
    ----------
    exclude : iterable of str or PathLike, default=()
        Paths (directories or files) whose reads are not recorded, e.g. the artifact store.
    all_threads : bool, default=False
        Record reads from every thread of the process, not only from this context (for code that
        reads from worker threads it starts; leave False when blocks run concurrently).

    Attributes
    ----------
    seen : dict
        Absolute path → the name it was first opened by, in read order.
    written : set of str
        Absolute paths the block opened for writing.
    """

    def __init__(self, *, exclude: Iterable[str | os.PathLike[str]] = (), all_threads: bool = False) -> None:
        self.exclude = tuple(_absolute(os.fspath(p)) for p in exclude)
        self.all_threads = all_threads
        self.cwd = os.getcwd()
        self.seen: dict[str, str] = {}
        self.written: set[str] = set()
        self._written_first: set[str] = set()
        self._token: contextvars.Token[tuple[ReadRecorder, ...]] | None = None
        self._files: dict[str, FileRead] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ReadRecorder({len(self.seen)} files read)"

    def __enter__(self) -> ReadRecorder:
        global _ACTIVE
        _install_hook()
        self.cwd = os.getcwd()
        self._token = _STACK.set(_STACK.get() + (self,))
        with _LOCK:
            if self.all_threads:
                _GLOBAL.append(self)
            _ACTIVE += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        global _ACTIVE
        with _LOCK:
            _ACTIVE -= 1
            if self in _GLOBAL:
                _GLOBAL.remove(self)
        if self._token is not None:
            try:
                _STACK.reset(self._token)
            except ValueError:  # exited in another context than it entered: drop it by hand
                _STACK.set(tuple(r for r in _STACK.get() if r is not self))
            self._token = None
        self._files = self._snapshot()

    def _saw(self, path: str, name: str, *, reads: bool, writes: bool) -> None:
        if _under(path, self.exclude) or _under(path, _IGNORED) or _under(path, _system_prefixes()):
            return
        with self._lock:
            if writes:
                self.written.add(path)
                if path not in self.seen:
                    self._written_first.add(path)
            if reads and path not in self.seen and path not in self._written_first:
                self.seen[path] = name

    def note(self, path: str | os.PathLike[str]) -> None:
        """Record a read by hand (for a reader this module does not know)."""
        name = os.fspath(path)
        self._saw(_absolute(name), name, reads=True, writes=False)

    def _label(self, path: str, name: str) -> str:
        """How a read is named in records: relative to the start directory when opened relatively."""
        if not os.path.isabs(name):
            try:
                relative = os.path.relpath(path, self.cwd)
            except ValueError:  # another drive on Windows
                return path
            if not relative.startswith(os.pardir + os.sep) and relative != os.pardir:
                return relative
        return path

    def _snapshot(self) -> dict[str, FileRead]:
        token = _MUTED.set(True)
        try:
            out: dict[str, FileRead] = {}
            for path, name in list(self.seen.items()):
                read = _describe(path)
                if read is not None:
                    out[self._label(path, name)] = read
            return out
        finally:
            _MUTED.reset(token)

    @property
    def files(self) -> dict[str, FileRead]:
        """Name → :class:`FileRead` of the regular files read (hashed when the block ends)."""
        if self._files is None:
            return self._snapshot()
        return dict(self._files)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Name → ``{"path", "size", "mtime_ns", "hash"}``, sorted by name (a run record's ``reads``)."""
        return {name: read.to_dict() for name, read in sorted(self.files.items())}


def record_reads(*, exclude: Iterable[str | os.PathLike[str]] = (), all_threads: bool = False) -> ReadRecorder:
    """A :class:`ReadRecorder`: ``with record_reads() as reads: ...`` then ``reads.to_dict()``.

    Parameters
    ----------
    exclude : iterable of str or PathLike, default=()
        Paths whose reads are not recorded (the artifact store).
    all_threads : bool, default=False
        Record reads from every thread, not only from this context.

    Returns
    -------
    ReadRecorder
        Use it as a context manager.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "x.csv").write_text("a\\n1\\n")
    >>> with record_reads() as reads:
    ...     _ = open(folder / "x.csv").read()
    >>> [read.size for read in reads.files.values()]
    [4]
    """
    return ReadRecorder(exclude=exclude, all_threads=all_threads)


def _describe(path: str) -> FileRead | None:
    from .capture.hashing import hash_file

    try:
        info = os.stat(path)
        if not stat_module.S_ISREG(info.st_mode):
            return None
        digest = hash_file(path)
    except OSError:
        return None  # gone since, or unreadable: nothing to key on
    return FileRead(path, info.st_size, info.st_mtime_ns, digest)


def changed_reads(recorded: Mapping[str, Mapping[str, Any]], *, cwd: str | os.PathLike[str] | None = None) -> list[str]:
    """Which recorded reads no longer hold what they held, cheapest check first.

    Size and mtime equal → unchanged without reading the file; otherwise the content hash decides
    (a file touched but not edited is unchanged).

    Parameters
    ----------
    recorded : mapping
        Name → ``{"path", "size", "mtime_ns", "hash"}`` (:meth:`ReadRecorder.to_dict`).
    cwd : str or PathLike or None, default=None
        Directory relative names are resolved against; None is the current directory.

    Returns
    -------
    list of str
        ``"<name> changed"`` or ``"<name> is missing"`` per file, in name order; empty when all
        match.
    """
    from .capture.hashing import hash_file

    base = os.fspath(cwd) if cwd is not None else os.getcwd()
    out: list[str] = []
    token = _MUTED.set(True)
    try:
        for name, info in sorted(recorded.items()):
            path = name if os.path.isabs(name) else os.path.join(base, name)
            try:
                now = os.stat(path)
            except OSError:
                out.append(f"{name} is missing")
                continue
            if now.st_size == info.get("size") and now.st_mtime_ns == info.get("mtime_ns"):
                continue
            try:
                if hash_file(path) == info.get("hash"):
                    continue
            except OSError:
                out.append(f"{name} is missing")
                continue
            out.append(f"{name} changed")
    finally:
        _MUTED.reset(token)
    return out
