"""Module constants as a launch script's decorators read them: a value, or why not.

A name has a value only when the module binds it exactly once, by `NAME = <literal
expression>` at module level (strings, numbers, `+ - * / //` of them, other such
names). A name bound more than once, or only inside a block that may not run, is
*ambiguous* (every line involved is kept); anything else is *unreadable*. Nothing is
guessed, and nothing is run. Pure.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gate.sources import bindings

_LARGEST = 10**12  # no runaway arithmetic: a timeout is not that big
_OPS: Mapping[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv,
}


class Unreadable(Exception):
    """No value without running the script; `why` says what stands in the way."""

    def __init__(self, why: str = "", lines: Iterable[int] = ()) -> None:
        super().__init__(why)
        self.why = why
        self.lines = tuple(lines)


class Ambiguous(Unreadable):
    """More than one binding (or one that may not run): `lines` names each."""


def sorted_lines(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(values)))


def listed(lines: Iterable[int]) -> str:
    """`line 4` / `lines 4, 9`."""
    shown = sorted_lines(lines)
    return f"line{'s' if len(shown) > 1 else ''} {', '.join(map(str, shown))}"


def bound_times(name: str, sites: list[bindings.Binding]) -> str:
    """`GPU is bound 2 times (assignment on line 3; for target on line 9) ...`."""
    hows = "; ".join(f"{s.how} on line {s.line}" for s in sites)
    return f"{name} is bound {len(sites)} times ({hows}) and Python uses the last"


class Constants:
    """The module-level names of one script, resolved on demand."""

    def __init__(self, bound: Mapping[str, list[bindings.Binding]]) -> None:
        self.bound = bound

    def value(self, name: str, seen: frozenset[str] = frozenset()) -> Any:
        sites = bindings.of(name, self.bound)
        if not sites:
            raise Unreadable(f"{name} is not bound in the script")
        if len(sites) > 1:
            raise Ambiguous(bound_times(name, sites), (s.line for s in sites))
        site = sites[0]
        if site.conditional:
            raise Ambiguous(
                f"{name} is bound only by {site.how} on line {site.line}, which may not run",
                [site.line, site.top.lineno],
            )
        if site.value is None:
            raise Unreadable(f"{name} is set by {site.how} on line {site.line}", [site.line])
        if name in seen:
            raise Unreadable(f"{name} refers to itself", [site.line])
        try:
            return evaluate(site.value, self, seen | {name})
        except Unreadable as exc:
            why = exc.why or f"{name} (line {site.line}) is not a literal"
            raise type(exc)(why, (*exc.lines, site.line)) from None


def evaluate(node: ast.expr, known: Constants, seen: frozenset[str] = frozenset()) -> Any:
    """The value of a literal expression, reading names through `known`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | None):
        return node.value
    if isinstance(node, ast.Name):
        return known.value(node.id, seen)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = evaluate(node.operand, known, seen)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = evaluate(node.left, known, seen), evaluate(node.right, known, seen)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if numbers and not (isinstance(node.op, ast.FloorDiv | ast.Div) and right == 0):
            result = _OPS[type(node.op)](left, right)
            if abs(result) <= _LARGEST:
                return result
    raise Unreadable
