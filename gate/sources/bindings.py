"""Every place a Python module binds a module-level name, read with `ast`, never run.

Python runs the last binding; a reader that takes the first literal it sees can be
told another story. So every binding counts: an assignment (also inside an `if`, a
`try`, a loop or a `with`), an augmented or annotated assignment, `for` and `with ...
as` targets, `:=` (also inside a comprehension), `import ... as`, `from ... import *`
(which binds any name), `def` and `class`, `except ... as`, a `match` capture, `del`,
and any of these inside a function or class that declares the name `global`. Pure:
a parsed module in, bindings out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import NamedTuple

STAR = "*"  # the key of `from m import *` bindings: they may bind any name

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Binding(NamedTuple):
    """One statement that binds a module-level name."""

    name: str
    line: int
    how: str  # "assignment", "augmented assignment", "for target", "import", ...
    top: ast.stmt  # the module-level statement that holds it (what an approval covers)
    # `NAME = value` written at module level, outside any block: its value, else None
    value: ast.expr | None = None
    # inside a block (`if`, `try`, loop, `with`, `match`) or another scope: it may not run
    conditional: bool = False


def _how(statement: ast.AST) -> str:
    return {
        ast.Assign: "assignment",
        ast.AnnAssign: "annotated assignment",
        ast.AugAssign: "augmented assignment",
        ast.For: "for target",
        ast.AsyncFor: "for target",
        ast.With: "with ... as",
        ast.AsyncWith: "with ... as",
        ast.Import: "import",
        ast.ImportFrom: "import",
        ast.FunctionDef: "def",
        ast.AsyncFunctionDef: "def",
        ast.ClassDef: "class",
        ast.Delete: "del",
    }.get(type(statement), type(statement).__name__.lower())


def _declared_global(body: list[ast.stmt]) -> set[str]:
    """Names a function or class body declares `global` (not its nested scopes')."""
    names: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global):
            names.update(node.names)
        if isinstance(node, _SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return names


class _Where(NamedTuple):
    """Where the walk is: the module-level statement, the innermost statement, and
    whether a name bound here is a module-level one (module scope, or declared global)."""

    top: ast.stmt
    statement: ast.AST
    module: bool  # at module scope (else in a function or class body)
    globals_: frozenset[str] = frozenset()  # the names this scope declares `global`


class _Collector:
    """Walks one module, scope by scope, recording bindings of module-level names."""

    def __init__(self) -> None:
        self.found: dict[str, list[Binding]] = {}
        self.stack: list[tuple[ast.AST, _Where]] = []

    def module(self, tree: ast.Module) -> dict[str, list[Binding]]:
        # an explicit stack, not recursion: a deeply nested expression is no problem
        self.stack = [(top, _Where(top, top, module=True)) for top in reversed(tree.body)]
        while self.stack:
            self.visit(*self.stack.pop())
        return self.found

    def bind(self, name: str, line: int, where: _Where, how: str | None = None) -> None:
        if not where.module and name not in where.globals_:
            return
        top, statement = where.top, where.statement
        how = how or _how(statement)
        if not where.module:
            scope = top.name if isinstance(top, ast.FunctionDef | ast.ClassDef) else "a function"
            how = f"{how} (declared global in {scope})"
        elif statement is not top:
            how = f"{how} inside the {_how(top)} at line {top.lineno}"
        value = None
        if where.module and statement is top:
            if isinstance(top, ast.Assign) and len(top.targets) == 1:
                value = top.value if isinstance(top.targets[0], ast.Name) else None
            elif isinstance(top, ast.AnnAssign) and isinstance(top.target, ast.Name):
                value = top.value
        conditional = not where.module or statement is not top
        self.found.setdefault(name, []).append(Binding(name, line, how, top, value, conditional))

    def _scope(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, where: _Where
    ) -> None:
        self.bind(node.name, node.lineno, where)
        outer: list[ast.AST] = [*node.decorator_list]
        if isinstance(node, ast.ClassDef):
            outer += [*node.bases, *(k.value for k in node.keywords)]
        else:
            outer += [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
        self.stack += [(child, where) for child in outer]
        inner = frozenset(_declared_global(node.body))
        self.stack += [
            (child, _Where(where.top, child, module=False, globals_=inner)) for child in node.body
        ]

    def visit(self, node: ast.AST, where: _Where) -> None:
        if isinstance(node, ast.stmt) and node is not where.statement:
            where = where._replace(statement=node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self._scope(node, where)
            return
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return  # `NAME: type` alone binds nothing
        for name, line, how in _bound_by(node):
            self.bind(name, line, where, how)
        self.stack += [(child, where) for child in _children(node)]


def _bound_by(node: ast.AST) -> list[tuple[str, int, str | None]]:
    """The names one node binds in the scope it sits in: (name, line, how or None)."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
        return [(node.id, node.lineno, None)]
    if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
        return [(node.target.id, node.lineno, ":=")]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name.split(".")[0], node.lineno, None) for a in node.names]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [(node.name, node.lineno, "except ... as")]
    if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
        return [(node.name, node.lineno, "match capture")]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [(node.rest, node.lineno, "match capture")]
    return []


def _children(node: ast.AST) -> list[ast.AST]:
    """The parts of a node evaluated in the same scope (a lambda's body and a
    comprehension's loop targets are their own; `:=` inside one binds out here)."""
    if isinstance(node, ast.Lambda):
        return [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
    if isinstance(node, ast.NamedExpr):
        return [node.value]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return []
    if isinstance(node, _COMPREHENSIONS):
        parts: list[ast.AST] = [g.iter for g in node.generators]
        parts += [test for g in node.generators for test in g.ifs]
        if isinstance(node, ast.DictComp):
            return [*parts, node.key, node.value]
        return [*parts, node.elt]
    return list(ast.iter_child_nodes(node))


def module_bindings(tree: ast.Module) -> dict[str, list[Binding]]:
    """Each module-level name -> every binding of it, in file order; `STAR` holds the
    `from m import *` statements (each may bind any name)."""
    found = _Collector().module(tree)
    return {name: sorted(found[name], key=lambda b: b.line) for name in found}


def of(name: str, bindings: Mapping[str, list[Binding]]) -> list[Binding]:
    """Every binding that may set `name`: its own, and each `from m import *`."""
    own = list(bindings.get(name, []))
    stars = [b for b in bindings.get(STAR, []) if name != STAR]
    return sorted([*own, *stars], key=lambda b: b.line)


def names_read(node: ast.AST) -> Iterator[str]:
    """Every name a node reads (loads)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            yield child.id
