"""Which global names a cell reads, defines, mutates and deletes.

The cell-level summary the stage graph (export) and the hidden-state rule (lint) share. The linter's
richer dataflow (train/test labels, sklearn calls) builds its own facts, but on the same parse.

A name is *used* when the cell loads it before defining it itself (so it must come from an earlier
cell); free names inside function bodies, lambdas and comprehensions count as uses too, because
they are read from the notebook's globals when the function runs.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

__all__ = ["CellNames", "cell_names", "BUILTINS"]

BUILTINS = frozenset(dir(builtins)) | {"get_ipython", "display", "__file__", "In", "Out", "_", "__"}

# Methods that mutate their receiver in place when called with inplace=True (pandas) or always.
_ALWAYS_MUTATING = frozenset({
    "append", "extend", "insert", "update", "pop", "popitem", "clear", "remove", "setdefault",
    "sort", "add", "discard", "fit", "partial_fit", "set_params", "setflags", "fill", "resize",
    "drop_duplicates_inplace",
})


@dataclass
class CellNames:
    """Global names of one cell.

    Attributes
    ----------
    uses : dict of str to int
        Names read before this cell defines them, with the first line that reads each.
    defines : dict of str to int
        Names bound at the cell's top level (assignment, import, def, class, for, with, walrus),
        with the last line that binds each.
    mutates : dict of str to int
        Names the cell changes in place without rebinding (``df['x'] = …``, ``df.a = …``,
        ``df.dropna(inplace=True)``, ``lst.append(…)``, ``model.fit(…)``).
    deletes : dict of str to int
        Names removed with ``del``.
    """

    uses: dict[str, int] = field(default_factory=dict)
    defines: dict[str, int] = field(default_factory=dict)
    mutates: dict[str, int] = field(default_factory=dict)
    deletes: dict[str, int] = field(default_factory=dict)


def _root_name(node: ast.AST) -> ast.Name | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


class _FreeNames(ast.NodeVisitor):
    """Free (global) names read inside a function, lambda, class or comprehension body."""

    def __init__(self) -> None:
        self.local: set[str] = set()
        self.loads: dict[str, int] = {}

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.setdefault(node.id, node.lineno)
        else:
            self.local.add(node.id)

    def visit_arg(self, node: ast.arg) -> None:
        self.local.add(node.arg)

    def visit_Global(self, node: ast.Global) -> None:
        pass

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.local.add((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.local.add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncFunctionDef = visit_FunctionDef

    def free(self) -> dict[str, int]:
        return {name: line for name, line in self.loads.items() if name not in self.local}


class _CellVisitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.result = CellNames()

    # -- reads --------------------------------------------------------------------------------
    def _use(self, name: str, line: int) -> None:
        if name not in self.result.defines and name not in BUILTINS:
            self.result.uses.setdefault(name, line)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._use(node.id, node.lineno)
        elif isinstance(node.ctx, ast.Store):
            self._define(node.id, node.lineno)
        elif isinstance(node.ctx, ast.Del):
            self.result.deletes[node.id] = node.lineno
            self.result.defines.pop(node.id, None)

    def _define(self, name: str, line: int) -> None:
        self.result.defines[name] = line

    def _mutate(self, target: ast.AST, line: int) -> None:
        root = _root_name(target)
        if root is not None:
            self._use(root.id, line)
            self.result.mutates[root.id] = line

    # -- statements ---------------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._store(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self._store(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self._use(node.target.id, node.lineno)
            self._define(node.target.id, node.lineno)
        else:
            self._store(node.target)

    def _store(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self._define(target.id, target.lineno)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._store(element)
        elif isinstance(target, ast.Starred):
            self._store(target.value)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            # df['x'] = …  /  obj.attr = …: the index expression is read, the root is mutated.
            if isinstance(target, ast.Subscript):
                self.visit(target.slice)
            self._mutate(target, target.lineno)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.result.deletes[target.id] = node.lineno
                self.result.defines.pop(target.id, None)
            else:
                if isinstance(target, ast.Subscript):
                    self.visit(target.slice)
                self._mutate(target, node.lineno)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._store(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._store(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._define((alias.asname or alias.name).split(".")[0], node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self._define(alias.asname or alias.name, node.lineno)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._define(node.target.id, node.lineno)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._define(node.name, node.lineno)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Global(self, node: ast.Global) -> None:
        pass

    # -- nested scopes: their free names are reads of the notebook's globals ------------------
    def _nested(self, node: ast.AST, body: list[ast.AST]) -> None:
        collector = _FreeNames()
        for part in body:
            collector.visit(part)
        for name, line in collector.free().items():
            self._use(name, line)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)
        collector = _FreeNames()
        collector.visit(node.args)
        collector.local.add(node.name)
        for stmt in node.body:
            collector.visit(stmt)
        # Names the function assigns through `global` are definitions of the cell.
        for inner in ast.walk(node):
            if isinstance(inner, ast.Global):
                for name in inner.names:
                    self._define(name, inner.lineno)
        self._define(node.name, node.lineno)
        for name, line in collector.free().items():
            if name != node.name:
                self._use(name, line)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in node.bases + node.decorator_list + [k.value for k in node.keywords]:
            self.visit(expr)
        self._nested(node, list(node.body))
        self._define(node.name, node.lineno)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        collector = _FreeNames()
        collector.visit(node.args)
        collector.visit(node.body)
        for name, line in collector.free().items():
            self._use(name, line)

    def _comprehension(self, node: ast.AST, elements: list[ast.AST]) -> None:
        generators = node.generators  # type: ignore[attr-defined]
        # The first iterable is evaluated in the enclosing scope.
        self.visit(generators[0].iter)
        collector = _FreeNames()
        for generator in generators:
            collector.visit(generator.target)
        for index, generator in enumerate(generators):
            if index:
                collector.visit(generator.iter)
            for condition in generator.ifs:
                collector.visit(condition)
        for element in elements:
            collector.visit(element)
        for name, line in collector.free().items():
            self._use(name, line)

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    # -- in-place method calls ----------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute):
            inplace = any(
                k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in node.keywords
            )
            if inplace or func.attr in _ALWAYS_MUTATING:
                root = _root_name(func.value)
                # `pd.concat`, `np.random.seed`: a call on a module is not a mutation of it.
                if root is not None and (inplace or isinstance(func.value, ast.Name)):
                    self.result.mutates[root.id] = node.lineno


def cell_names(tree: ast.Module | None) -> CellNames:
    """Summarise the global names a parsed cell reads, binds, mutates and deletes.

    Parameters
    ----------
    tree : ast.Module or None
        The cell's parse (:attr:`CodeCell.tree`); None gives an empty summary.

    Examples
    --------
    >>> import ast
    >>> names = cell_names(ast.parse("df['y'] = df.x * k\\nz = 1"))
    >>> sorted(names.uses), sorted(names.defines), sorted(names.mutates)
    (['df', 'k'], ['z'], ['df'])
    """
    visitor = _CellVisitor()
    if tree is not None:
        for stmt in tree.body:
            visitor.visit(stmt)
    return visitor.result
