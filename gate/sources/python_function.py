"""One function of a Python file, as an approval covers it (`covers: [path::function]`).

What is approved is the function's source as written, its decorators included (its
`ast` source segment), and every module-level binding of a name the function or its
decorators read (`GPU = "A100"`, `TIMEOUT = 24 * 3600`), so editing another function
of a shared launch script leaves the approval fresh while editing this one, its
decorator or a constant it reads makes it stale. Parsed with `ast`, never run. Pure.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

SEPARATOR = "::"


class FunctionProblem(Exception):
    """The file does not parse, or holds no (or more than one) such function."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Entry(NamedTuple):
    path: str  # the file
    function: str | None  # None: the whole file


def split(entry: str) -> Entry:
    """`path::function` -> (path, function); a plain path covers the whole file."""
    path, sep, function = entry.partition(SEPARATOR)
    return Entry(path, function if sep else None)


def _segment(lines: list[str], node: ast.stmt) -> str:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    end = node.end_lineno or node.lineno
    return "\n".join(lines[first - 1 : end]) + "\n"


def _bindings(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    """Module-level statements binding each name (assignments, in order)."""
    found: dict[str, list[ast.stmt]] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    found.setdefault(name.id, []).append(node)
    return found


def function_source(text: str, function: str, *, where: str = "") -> bytes:
    """The bytes an approval of `where::function` covers: the function with its
    decorators, then each module-level binding of a name it reads, in file order."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise FunctionProblem(f"{where} does not parse: {exc.msg}", exc.lineno or 0) from None
    defs = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and n.name == function
    ]
    if not defs:
        raise FunctionProblem(f"{where} has no top-level function {function!r}")
    if len(defs) > 1:
        lines_at = ", ".join(str(d.lineno) for d in defs)
        raise FunctionProblem(
            f"{where} defines {function!r} more than once (lines {lines_at}): Python runs "
            "the last, so name one definition",
            defs[-1].lineno,
        )
    node = defs[0]
    lines = text.split("\n")
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    bindings = _bindings(tree)
    constants = sorted(
        {id(stmt): stmt for name in read for stmt in bindings.get(name, [])}.values(),
        key=lambda stmt: stmt.lineno,
    )
    parts = [_segment(lines, node), *(_segment(lines, stmt) for stmt in constants)]
    return "".join(parts).encode("utf-8")
