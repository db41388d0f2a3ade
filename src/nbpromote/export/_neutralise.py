"""Notebook-only code out, everything that computes kept, line for line.

A pipeline stage runs headless, so statements whose only effect is to show something in the notebook
are neutralised: ``display(...)``, ``print(...)`` of plain expressions, a bare trailing expression
(``df.head()``, ``df.describe()``, ``model``), line magics and shell escapes (``%matplotlib inline``,
``!pip install …``, any ``get_ipython()`` call), ``plt.show()`` and other calls on matplotlib /
seaborn, and ``.plot()``-style methods. The decision is made on the AST, never on text patterns.

Removed statements are replaced *in place* by a comment that quotes the original line (or by
``pass  # …`` inside a block, so the block stays valid). The neutralised text therefore has exactly
the cell's line count: line *k* of a generated stage block is line *k* of the cell, which is what
the ``# cell N (id …)`` headers in the stage modules rely on.

An IPython-only construct whose value is *used* (``files = !ls``) cannot be neutralised without
changing what the cell computes; it is an :class:`~nbpromote.errors.ExportError` naming the cell.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field

from ..errors import ExportError
from ..notebook import CodeCell

__all__ = ["Neutralised", "neutralise", "indent_code", "plot_aliases", "share_imports"]

_MARK = "# [notebook-only] "
#: Methods whose bare call only shows something (pandas/numpy inspection, plotting).
DISPLAY_METHODS = frozenset({
    "head", "tail", "describe", "info", "sample", "value_counts", "nunique", "unique", "corr",
    "cov", "isna", "isnull", "notna", "sum", "mean", "median", "std", "min", "max", "count",
    "memory_usage", "to_string", "style", "show", "plot", "hist", "boxplot", "display",
    "get_params", "score_samples", "round", "shape", "dtypes", "keys", "items", "values",
})
_PLOT_METHODS = frozenset({"plot", "hist", "boxplot", "show", "imshow", "scatter", "heatmap"})
_PLOT_MODULES = ("matplotlib", "seaborn", "plotly", "IPython.display")


@dataclass
class Neutralised:
    """A cell after neutralisation.

    Attributes
    ----------
    cell : CodeCell
    python : str
        Same line count as ``cell.python``.
    tree : ast.Module
    removed : list of (int, str)
        (line in the cell, original text) of each neutralised statement.
    """

    cell: CodeCell
    python: str
    tree: ast.Module
    removed: list[tuple[int, str]] = field(default_factory=list)


def plot_aliases(trees: list[ast.Module]) -> frozenset[str]:
    """Names bound to plotting/display modules by the notebook's imports (``plt``, ``sns`` …)."""
    names: set[str] = set()
    for tree in trees:
        # Top-level imports only: walking every node of every cell costs more than the rest of
        # the export, and plotting libraries are imported at the top of a cell.
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(_PLOT_MODULES):
                        names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(_PLOT_MODULES):
                for alias in node.names:
                    names.add(alias.asname or alias.name)
    return frozenset(names)


def _is_ipython(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "get_ipython"
        for n in ast.walk(node)
    )


def _root(node: ast.AST) -> ast.AST:
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return node


def _pure(node: ast.AST) -> bool:
    """An expression with no effect but its value: names, attributes, literals, inspections."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _pure(node.value)
    if isinstance(node, ast.Subscript):
        return _pure(node.value) and _pure(node.slice)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_pure(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        return all(_pure(p) for p in (node.lower, node.upper, node.step) if p is not None)
    if isinstance(node, ast.JoinedStr):
        return all(_pure(v.value) if isinstance(v, ast.FormattedValue) else True for v in node.values)
    if isinstance(node, ast.BinOp):
        return _pure(node.left) and _pure(node.right)
    if isinstance(node, ast.UnaryOp):
        return _pure(node.operand)
    if isinstance(node, ast.Compare):
        return _pure(node.left) and all(_pure(c) for c in node.comparators)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in {"len", "type", "repr", "str", "round", "sorted", "list"}:
            return all(_pure(a) for a in node.args)
        if isinstance(func, ast.Attribute) and func.attr in DISPLAY_METHODS:
            return _pure(func.value) and all(_pure(a) for a in node.args) and all(
                _pure(k.value) for k in node.keywords
            )
    return False


_STATEFUL = frozenset({
    "append", "extend", "insert", "update", "pop", "popitem", "clear", "remove", "setdefault", "sort",
    "add", "discard", "fit", "partial_fit", "fit_transform", "set_params", "write", "send", "seed",
})


def _changes_state(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Attribute) and func.attr in _STATEFUL:
                return True
            if isinstance(func, ast.Name) and func.id in {"next", "input", "exec", "eval", "setattr", "open"}:
                return True
            if any(k.arg == "inplace" for k in sub.keywords):
                return True
        elif isinstance(sub, ast.NamedExpr):
            return True
    return False


def _notebook_only(stmt: ast.stmt, plots: frozenset[str], ipython: bool = True) -> bool:
    if not isinstance(stmt, ast.Expr):
        return False
    value = stmt.value
    if ipython and _is_ipython(value):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Name) and func.id == "display":
            return True
        if isinstance(func, ast.Name) and func.id == "print":
            # print only reports; it is kept only when its arguments change something
            # (`print(queue.pop())`), since a pipeline's stdout is reserved for --json output.
            return not _changes_state(value)
        root = _root(func)
        if isinstance(root, ast.Name) and root.id in plots:
            return True
        if isinstance(func, ast.Attribute) and func.attr in _PLOT_METHODS:
            return True
    return _pure(value)


_DOCUMENTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _whole_lines(stmt: ast.stmt, lines: list[str]) -> bool:
    """The statement owns its lines (no `a = 1; df.head()` sharing), so it can be replaced."""
    first, last = lines[stmt.lineno - 1], lines[stmt.end_lineno - 1]  # type: ignore[operator]
    return not first[: stmt.col_offset].strip() and not last[stmt.end_col_offset:].split("#")[0].strip().strip(";")


def neutralise(cell: CodeCell, plots: frozenset[str] = frozenset(), *, notebook: str | None = None) -> Neutralised:
    """Neutralise the notebook-only statements of one parsed cell.

    Parameters
    ----------
    cell : CodeCell
        A cell that parses (``cell.tree`` is not None).
    plots : frozenset of str, default=frozenset()
        Names bound to plotting modules (see :func:`plot_aliases`).
    notebook : str or None, default=None
        Notebook name for error messages.

    Returns
    -------
    Neutralised

    Raises
    ------
    ExportError
        An IPython-only construct whose value is used (``x = !ls``).

    Examples
    --------
    >>> from nbpromote.notebook import make_cell
    >>> neutralise(make_cell(0, "df = load()\\ndf.head()")).python
    'df = load()\\n# [notebook-only] df.head()\\n'
    """
    assert cell.tree is not None
    lines = cell.python.split("\n")
    source_lines = cell.source.split("\n")
    removed: list[tuple[int, str]] = []
    ipython = "get_ipython" in cell.python  # skip the per-statement AST walks when it cannot match

    def original(lineno: int) -> str:
        position = lineno + cell.line_offset - 1
        return source_lines[position].strip() if 0 <= position < len(source_lines) else lines[lineno - 1].strip()

    def visit(body: list[ast.stmt], nested: bool, documented: bool = False) -> None:
        for position, stmt in enumerate(body):
            if documented and position == 0 and _is_docstring(stmt):
                continue  # a def's or class's docstring is its __doc__, not something shown
            if _notebook_only(stmt, plots, ipython) and _whole_lines(stmt, lines):
                indent = lines[stmt.lineno - 1][: stmt.col_offset]
                removed.append((stmt.lineno + cell.line_offset, original(stmt.lineno)))
                lead = "pass  " if nested else ""
                lines[stmt.lineno - 1] = f"{indent}{lead}{_MARK}{original(stmt.lineno)}"
                for number in range(stmt.lineno + 1, stmt.end_lineno + 1):  # type: ignore[operator]
                    lines[number - 1] = f"{indent}# {lines[number - 1].strip()}"
                continue
            if ipython and _is_ipython(stmt) and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and not any(isinstance(getattr(stmt, k, None), list) for k in ("body",)):
                raise ExportError(
                    f"cell {cell.index + 1} (id {cell.cell_id}), line {stmt.lineno + cell.line_offset}: "
                    f"`{original(stmt.lineno)}` uses IPython-only syntax (a magic or `!` shell "
                    "escape) whose result the code uses, so it cannot run in a pipeline.",
                    hint="Rewrite it in Python (e.g. subprocess.run, pathlib) or move it to a cell "
                    "tagged `skip`.",
                    notebook=notebook, cell=cell.index, cell_id=cell.cell_id,
                )
            for key in ("body", "orelse", "finalbody"):
                child = getattr(stmt, key, None)
                if isinstance(child, list) and child and isinstance(child[0], ast.stmt):
                    visit(child, True, key == "body" and isinstance(stmt, _DOCUMENTED))
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body, True)

    visit(cell.tree.body, False)
    if not removed:
        return Neutralised(cell, cell.python, cell.tree, [])
    text = "\n".join(lines)
    try:
        tree = ast.parse(text)
    except SyntaxError:  # should not happen; keep the original rather than emit broken code
        return Neutralised(cell, cell.python, cell.tree, [])
    return Neutralised(cell, text, tree, removed)


def indent_code(text: str, prefix: str = "    ") -> str:
    """Indent Python code, leaving the inner lines of multi-line strings untouched.

    Indenting a triple-quoted SQL query's inner lines would change the string, so the lines a
    string token continues onto are found with :mod:`tokenize` and kept as they are.
    """
    keep: set[int] = set()
    fstring_starts: list[int] = []
    fstring_start, fstring_end = getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_END", -1)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                keep.update(range(token.start[0] + 1, token.end[0] + 1))
            elif token.type == fstring_start:  # Python >= 3.12 tokenises f-strings in parts
                fstring_starts.append(token.start[0])
            elif token.type == fstring_end and fstring_starts:
                keep.update(range(fstring_starts.pop() + 1, token.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        out.append(line if number in keep or not line.strip() else prefix + line)
    return "\n".join(out)


def share_imports(n: Neutralised) -> Neutralised:
    """Comment out a stage cell's top-level imports: they live in ``common.py``, which the stage imports.

    A function-local import would make the name local to the whole stage function, so a use in an
    earlier cell of the same stage (fine in the notebook, where an earlier import bound it) would
    raise ``UnboundLocalError``. Line count is preserved, as in :func:`neutralise`.
    """
    imports = [s for s in n.tree.body if isinstance(s, (ast.Import, ast.ImportFrom))
               and not (isinstance(s, ast.ImportFrom) and s.module == "__future__")]
    if not imports:
        return n
    lines = n.python.split("\n")
    for stmt in imports:
        if stmt.col_offset or lines[stmt.end_lineno - 1][stmt.end_col_offset:].split("#")[0].strip():  # type: ignore[index,operator]
            continue  # shares its line with other code: keep it as it is
        for number in range(stmt.lineno, stmt.end_lineno + 1):  # type: ignore[operator]
            lines[number - 1] = "# [common.py] " + lines[number - 1].strip()
    text = "\n".join(lines)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return n
    return Neutralised(n.cell, text, tree, n.removed)
