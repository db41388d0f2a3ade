"""A cheap look at a cell's source: which files it reads and where it draws random numbers.

The post-run hook calls :func:`scan_cell` after every cell, so it must cost microseconds: a regular
expression rules out most cells before any parsing, and results are cached by source text (a cell
re-run with the same text is a dictionary lookup). Nothing here executes or imports user code.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

from .. import knowledge as _K

__all__ = ["CellScan", "scan_cell", "READ_FUNCTIONS", "RANDOM_ESTIMATORS"]

#: Calls whose first argument (or ``path=``/``filepath_or_buffer=``/``file=``) is a file read.
READ_FUNCTIONS = _K.FILE_READERS
_PATH_KEYWORDS = frozenset({"filepath_or_buffer", "path", "path_or_buf", "io", "file", "fname", "filename"})
_WRITE_MODES = frozenset("wax+")

# Which library calls draw random numbers is the linter's knowledge (one table for both): capture
# records as "unseeded" exactly what the unseeded-randomness rule would report.
#: scikit-learn callables that are random unless given ``random_state`` (or use NumPy's global RNG).
RANDOM_ESTIMATORS = (
    _K.RANDOM_STATE_CLASSES | _K.RANDOM_STATE_FUNCTIONS | _K.SPLIT_FUNCTIONS | {"shuffle", "KFold", "StratifiedKFold"}
)
# Splitters that only use randomness with shuffle=True.
_SHUFFLE_ONLY = frozenset({"KFold", "StratifiedKFold"})
_PY_RANDOM = _K.PY_RANDOM_DRAWS
_SEEDING = frozenset({"seed", "manual_seed", "set_seed"})

# A cell mentioning none of these words cannot read a file or draw a random number.
_PREFILTER = re.compile(
    r"read_|open\(|load|fromfile|random|rand|shuffle|sample|choice|seed|"
    + "|".join(sorted(RANDOM_ESTIMATORS))
)


@dataclass(frozen=True)
class CellScan:
    """What a cell's source says about files and randomness.

    Attributes
    ----------
    reads : tuple of str
        Literal paths the cell reads (string constants, or names bound to one in the same cell).
    read_names : tuple of str
        Names passed as paths that the cell does not bind; resolved in the namespace after the run.
    random_draws : tuple of str
        Calls that use a global RNG (``np.random.rand``, ``random.choice``, a scikit-learn estimator
        without ``random_state`` …), as ``"line N: text"``.
    unseeded_always : tuple of str
        Calls that are random even when the global seeds are set (``np.random.default_rng()``).
    seeds_itself : bool
        The cell calls ``seed``/``manual_seed``/``set_seed`` itself.
    """

    reads: tuple[str, ...] = ()
    read_names: tuple[str, ...] = ()
    random_draws: tuple[str, ...] = ()
    unseeded_always: tuple[str, ...] = ()
    seeds_itself: bool = False


_EMPTY = CellScan()


def _call_name(func: ast.AST) -> tuple[str, str]:
    """(dotted prefix, final name) of a call target: ``np.random.rand`` -> ("np.random", "rand")."""
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        parts = []
        node: ast.AST = func.value
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
        elif isinstance(node, ast.Call):
            parts.append(_call_name(node.func)[1] + "()")
        return ".".join(reversed(parts)), func.attr
    return "", ""


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_none(node: ast.AST | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.literals: dict[str, str] = {}
        self.reads: list[str] = []
        self.read_names: list[str] = []
        self.draws: list[str] = []
        self.always: list[str] = []
        self.seeds_itself = False

    def visit_Assign(self, node: ast.Assign) -> None:
        # DATA = "data/credit.csv" then pd.read_csv(DATA): follow names bound to literal strings.
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.literals[target.id] = node.value.value
        self.generic_visit(node)

    def _path_argument(self, node: ast.Call) -> ast.AST | None:
        if node.args:
            return node.args[0]
        for keyword in node.keywords:
            if keyword.arg in _PATH_KEYWORDS:
                return keyword.value
        return None

    def _note_read(self, node: ast.Call, prefix: str, name: str) -> None:
        if name in {"read_text", "read_bytes"}:
            return  # Path(...).read_text(): the path is the receiver, handled by _receiver_path
        if name == "open":
            mode = node.args[1] if len(node.args) > 1 else _keyword(node, "mode")
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and _WRITE_MODES & set(mode.value):
                return
        if name == "load" and prefix not in {"np", "numpy", "pickle", "joblib", "json"}:
            return
        argument = self._path_argument(node)
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            self.reads.append(argument.value)
        elif isinstance(argument, ast.Name):
            if argument.id in self.literals:
                self.reads.append(self.literals[argument.id])
            else:
                self.read_names.append(argument.id)

    def visit_Call(self, node: ast.Call) -> None:
        prefix, name = _call_name(node.func)
        line = f"line {node.lineno}: {prefix + '.' if prefix else ''}{name}(…)"
        if name in READ_FUNCTIONS:
            self._note_read(node, prefix, name)
        if name in {"read_text", "read_bytes"} and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if isinstance(receiver, ast.Call) and _call_name(receiver.func)[1] == "Path" and receiver.args:
                first = receiver.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    self.reads.append(first.value)
        last = prefix.rsplit(".", 1)[-1]
        if name in _SEEDING and ("random" in prefix or last in {"torch", "tf", "random"}):
            self.seeds_itself = True
        elif name == "default_rng" or (name == "RandomState" and last == "random") or name == "Generator":
            if not node.args and _is_none(_keyword(node, "seed")):
                self.always.append(line)
        elif last == "random" and (prefix.endswith("np.random") or prefix.endswith("numpy.random")):
            self.draws.append(line)
        elif prefix == "random" and name in _PY_RANDOM:
            self.draws.append(line)
        elif prefix in {"torch", "torch.cuda"} and name.startswith("rand"):
            self.draws.append(line)
        elif name in RANDOM_ESTIMATORS and (prefix == "" or "sklearn" in prefix or "." not in prefix):
            if _is_none(_keyword(node, "random_state")):
                shuffle = _keyword(node, "shuffle")
                if name not in _SHUFFLE_ONLY or (isinstance(shuffle, ast.Constant) and shuffle.value is True):
                    self.draws.append(line + " without random_state")
        elif name == "sample" and prefix and _is_none(_keyword(node, "random_state")) and prefix != "random":
            self.draws.append(line + " without random_state")
        self.generic_visit(node)


@lru_cache(maxsize=8192)
def scan_cell(python: str) -> CellScan:
    """Scan a cell's Python source (IPython syntax already transformed).

    Parameters
    ----------
    python : str
        The cell's code. A cell that does not parse gives an empty scan.

    Returns
    -------
    CellScan
        Files read and random draws; cached by ``python``.

    Examples
    --------
    >>> scan = scan_cell("import pandas as pd\\ndf = pd.read_csv('data/x.csv')")
    >>> scan.reads
    ('data/x.csv',)
    """
    if not _PREFILTER.search(python):
        return _EMPTY
    try:
        tree = ast.parse(python)
    except (SyntaxError, ValueError, RecursionError):
        return _EMPTY
    scanner = _Scanner()
    scanner.visit(tree)
    return CellScan(
        reads=tuple(dict.fromkeys(scanner.reads)),
        read_names=tuple(dict.fromkeys(n for n in scanner.read_names if n not in scanner.literals)),
        random_draws=tuple(scanner.draws),
        unseeded_always=tuple(scanner.always),
        seeds_itself=scanner.seeds_itself,
    )
