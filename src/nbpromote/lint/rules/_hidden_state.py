"""hidden-state: a cell reads a name no earlier cell defines (defined later, deleted, or never).

Such a notebook only works in the kernel it was written in; a restart-and-run-all fails with a
NameError. Uses the per-cell name summary (:func:`nbpromote.notebook.cell_names`) that export shares.
After ``from x import *``, ``%pylab`` (star imports of numpy and matplotlib), ``%run``, ``%store -r`` or ``exec``/``globals()`` (from that line on, in the
same cell too), or after a cell that does not parse, the set of defined names is unknowable, so "never
defined" is not reported past them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ...notebook import BUILTINS, cell_names
from .._findings import Finding
from .._registry import Context, Rule, register

_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "display", "_ih", "_oh", "_dh", "__session__"}


_OPAQUE_HINTS = ("import *", "exec", "globals", "locals", "vars", "'run'", "'store'", "'load'", "'autoreload'",
                 "'load_ext'", "'pylab'")


def _opaque_from(cell) -> int | None:
    """The first line of ``cell`` after which the defined names are unknowable, or None."""
    if cell.tree is None or not any(hint in cell.python for hint in _OPAQUE_HINTS):
        return None
    lines = []
    for node in ast.walk(cell.tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            lines.append(node.lineno)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in {"exec", "globals", "locals", "vars"}:
                lines.append(node.lineno)
            if name in {"run_line_magic", "run_cell_magic"} and node.args and isinstance(node.args[0], ast.Constant) \
                    and node.args[0].value in {"run", "store", "load", "autoreload", "load_ext", "pylab"}:
                lines.append(node.lineno)
    return min(lines, default=None)


_STATEMENT_MAGICS = {"time", "prun", "capture", "debug", "memit"}


def _magic_defines(cell) -> set[str]:
    """Names a cell binds through IPython syntax the name summary cannot see:
    ``%time x = f()`` (the statement is a string argument) and ``%%capture out``."""
    out: set[str] = set()
    first = cell.source.lstrip("\n").split("\n", 1)[0]
    if first.startswith("%%capture"):
        words = [w for w in first.split()[1:] if not w.startswith("-")]
        out.update(words[:1])
    if "run_line_magic" not in cell.python or cell.tree is None:
        return out
    for node in ast.walk(cell.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "run_line_magic" and len(node.args) == 2):
            continue
        name, statement = node.args
        if (isinstance(name, ast.Constant) and name.value in _STATEMENT_MAGICS
                and isinstance(statement, ast.Constant) and isinstance(statement.value, str)):
            try:
                inner = ast.parse(statement.value)
            except SyntaxError:
                continue
            out |= set(cell_names(inner).defines)
    return out


def _top_level_reads(tree) -> set[str]:
    """Names read outside function bodies (those run when the cell runs)."""
    out: set[str] = set()

    def visit(node) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def _top_level_calls(tree) -> list[tuple[str, int]]:
    """``(function name, line)`` of calls made when the cell runs (not inside its own defs)."""
    out: list[tuple[str, int]] = []

    def visit(node) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            out.append((node.func.id, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def _function_globals(cell) -> dict[str, set[str]]:
    """Top-level functions of a cell -> the globals their bodies read."""
    out = {}
    for node in cell.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            reads = cell_names(ast.Module(body=[node], type_ignores=[])).uses
            out[node.name] = {n for n in reads if n not in BUILTINS and n not in _IPYTHON_NAMES}
    return out


def _calls_before_definition(ctx: Context, cells, defined_later) -> Iterator[Finding]:
    functions: dict[str, tuple[int, set[str]]] = {}
    defined: set[str] = set()
    for cell in cells:
        for name, line in _top_level_calls(cell.tree) if functions else ():
            if name not in functions:
                continue
            def_cell, reads = functions[name]
            for read in sorted(reads - defined):
                later = defined_later.get(read)
                if later is not None and later > cell.index:
                    yield ctx.finding(
                        cell.index, line + cell.line_offset,
                        f"{name}() ({ctx.cell(def_cell)}) reads '{read}', which is only defined in {ctx.cell(later)}, below "
                        "this call, so a restart-and-run-all fails here with a NameError.",
                        f"Move the cell that defines '{read}' ({ctx.cell(later)}) above this call, or pass it to "
                        f"{name}() as an argument.",
                    )
        for name, reads in _function_globals(cell).items():
            functions[name] = (cell.index, reads)
        defined |= set(ctx.names[cell.index].defines)


#: Builtins of Python 2 that Python 3 removed, with what replaces each.
_PYTHON2_BUILTINS = {
    "xrange": "range", "raw_input": "input", "unicode": "str", "basestring": "str", "long": "int",
    "unichr": "chr", "reduce": "functools.reduce", "execfile": "exec(open(path).read())", "file": "open",
    "cmp": "a key function (functools.cmp_to_key)", "apply": "f(*args, **kwargs)", "intern": "sys.intern",
    "coerce": "explicit conversion", "buffer": "memoryview", "reload": "importlib.reload",
}


def check(ctx: Context) -> Iterator[Finding]:
    cells = [c for c in ctx.cells if c.tree is not None]
    # A cell that does not parse (reported by syntax-error) may define anything: after it, a name
    # nobody defines is a consequence of that error, not a second one.
    first_broken = min((c.index for c in ctx.cells if c.tree is None), default=None)
    magic = {cell.index: _magic_defines(cell) for cell in cells}
    defined_later: dict[str, int] = {}
    for cell in reversed(cells):
        for name in set(ctx.names[cell.index].defines) | magic[cell.index]:
            defined_later[name] = cell.index
    defined: set[str] = set()
    deleted: dict[str, int] = {}
    opaque = False
    ever = set(defined_later)
    yield from _calls_before_definition(ctx, cells, defined_later)
    skip_only: dict[str, int] = {}  # names so far defined only by cells tagged `skip`
    defined_outside_skip: set[str] = set()
    for cell in cells:
        names = ctx.names[cell.index]
        if first_broken is not None and cell.index > first_broken:
            opaque = True
        opaque_from = _opaque_from(cell)
        immediate = None
        skipped = "skip" in (getattr(cell, "tags", None) or ())
        for name, line in sorted(names.uses.items(), key=lambda kv: kv[1]):
            if name in skip_only and not skipped:
                yield ctx.finding(
                    cell.index, line + cell.line_offset,
                    f"'{name}' is defined only in {ctx.cell(skip_only[name])}, which is tagged 'skip', so the exported "
                    "pipeline (which drops skipped cells) fails here with a NameError.",
                    f"Move the definition of '{name}' into an exported cell, or remove the 'skip' tag from "
                    f"{ctx.cell(skip_only[name])}.",
                )
                skip_only.pop(name)
                continue
            if name in defined or name in BUILTINS or name in _IPYTHON_NAMES or name.startswith("_"):
                continue
            if immediate is None:
                immediate = _top_level_reads(cell.tree)
            nested_only = name not in immediate
            later = defined_later.get(name)
            if name in deleted:
                message = f"'{name}' is used here but was deleted in {ctx.cell(deleted[name])}, so this only works in a kernel that still remembers it."
                fix = f"Remove `del {name}` in {ctx.cell(deleted[name])} or stop using '{name}' after it."
            elif later is not None and later > cell.index:
                if nested_only:
                    continue  # a function body reading a later global is fine if called later
                message = (f"'{name}' is only defined in {ctx.cell(later)}, below this one, so a restart-and-run-all "
                           "fails here with a NameError.")
                fix = f"Move the cell that defines '{name}' ({ctx.cell(later)}) above this one."
            elif name not in ever and name in _PYTHON2_BUILTINS:
                # The notebook was written for a Python 2 kernel: the name was a builtin there.
                message = f"'{name}' is a Python 2 builtin; this cell fails on Python 3 with a NameError."
                fix = f"Use {_PYTHON2_BUILTINS[name]} instead (the notebook was written for Python 2)."
            elif name not in ever and not opaque and (opaque_from is None or line < opaque_from):
                message = f"'{name}' is never defined in this notebook; it only exists in the kernel's hidden state."
                fix = f"Define or import '{name}' in a cell above this one."
            else:
                continue
            yield ctx.finding(cell.index, line + cell.line_offset, message, fix)
        if opaque_from is not None:
            opaque = True
        defined |= set(names.defines) | magic[cell.index]
        for name in set(names.defines) | magic[cell.index]:
            if skipped and name not in defined_outside_skip:
                skip_only.setdefault(name, cell.index)
            elif not skipped:
                skip_only.pop(name, None)
                defined_outside_skip.add(name)
        for name in names.deletes:
            defined.discard(name)
            deleted[name] = cell.index
        for name in names.defines:
            deleted.pop(name, None)


RULE = register(Rule("hidden-state", "error", "A cell uses a name defined only later, deleted, or never.", check))
