"""One function of a Python file, as an approval covers it (`covers: [path::function]`).

What is approved is the function's source as written, its decorators included (its
`ast` source segment), and every module-level statement that binds the function's own
name or a name it or its decorators read (`GPU = "A100"`, `TIMEOUT = 24 * 3600`), and
so on for the names those statements read. Every binding counts, not only the first
assignment: a rebinding in an `if` or `try`, `+=`, a loop, `with`, `:=`, an import, a
function that declares the name `global` (the whole function), `from m import *`, and
`train = app.function(...)(train)`. So editing another function of a shared launch
script leaves the approval fresh, while editing this one, its decorator, or anything
that may change a name it reads makes it stale. Parsed with `ast`, never run. Pure.
"""

from __future__ import annotations

import ast
import functools
from typing import NamedTuple

from gate.sources import bindings

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


# The launched function's bytes are asked for each card that covers it, and again for
# its approvals' digest: one parse per (script text, function) in a process.
@functools.lru_cache(maxsize=64)
def function_source(text: str, function: str, *, where: str = "") -> bytes:
    """The bytes an approval of `where::function` covers: the function with its
    decorators, then each module-level statement binding its name or a name it reads
    (transitively), in file order."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise FunctionProblem(f"{where} does not parse: {exc.msg}", exc.lineno or 0) from None
    except (RecursionError, MemoryError):
        raise FunctionProblem(f"{where} is too deeply nested to parse") from None
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
    try:
        bound = bindings.module_bindings(tree)
    except RecursionError:
        raise FunctionProblem(f"{where} is too deeply nested to read") from None
    held: dict[int, ast.stmt] = {}
    pending, seen = [function, *bindings.names_read(node)], set()
    while pending:  # the names read, then the names their bindings read, ...
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for binding in bindings.of(name, bound):
            if binding.top is not node and id(binding.top) not in held:
                held[id(binding.top)] = binding.top
                pending.extend(bindings.names_read(binding.top))
    statements = sorted(held.values(), key=lambda stmt: stmt.lineno)
    parts = [_segment(lines, node), *(_segment(lines, stmt) for stmt in statements)]
    return "".join(parts).encode("utf-8")
