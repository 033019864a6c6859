"""Which functions of a launch script Modal decorates, and whether gate can pin each down.

`@app.function(...)` (or `.cls(...)`) written on a function defined once, at module
level, is what gate reads. Anything else that decides what runs is kept as the reason
the function is ambiguous, with every line involved: its name bound again (defined
twice, `train = app.function(...)(train)`, an import), two Modal decorators, the
decorator applied through a variable (`fn = app.function(...)` then `@fn`), a Modal
decorator called without `@`, or `train.with_options(...)` changing the settings when
called. Parsed with `ast`, never run. Pure.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import NamedTuple

from gate.sources import bindings
from gate.sources.constants import bound_times

DECORATOR_METHODS = ("function", "cls")  # app.function(...), app.cls(...), stub.function(...)
SETTINGS = ("gpu", "timeout", "memory")
_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


class Decorated(NamedTuple):
    """A function (or class) Modal decorates, and the decorator call that sets it up."""

    name: str
    call: ast.Call  # the `<app>.function(...)` call whose keywords are its settings
    ambiguous: str  # why gate cannot pin it down ('' when it can)
    lines: tuple[int, ...]  # every line involved when ambiguous


def modal_call(node: ast.AST) -> ast.Call | None:
    """`<app>.function(...)` / `<app>.cls(...)`, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in DECORATOR_METHODS
    ):
        return node
    return None


def _named(decorator: ast.expr) -> str | None:
    """The variable a decorator is read from: `@fn` or `@fn(...)`."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return target.id if isinstance(target, ast.Name) else None


class _Script:
    def __init__(self, source: str, tree: ast.Module) -> None:
        self.source = source
        self.bound = bindings.module_bindings(tree)
        nodes = list(ast.walk(tree))
        self.defs = [n for n in nodes if isinstance(n, _Def)]
        direct = {id(d) for n in self.defs for d in n.decorator_list}
        apps = {
            ast.dump(call.func.value)
            for n in self.defs
            for call in map(modal_call, n.decorator_list)
            if call is not None and isinstance(call.func, ast.Attribute)
        }
        # A Modal decorator called any other way (`fn = app.function(...)`,
        # `train = app.function(...)(train)`): on an app the script decorates with, or
        # with a setting gate reads.
        self.indirect = [
            call
            for call in map(modal_call, nodes)
            if call is not None
            and id(call) not in direct
            and isinstance(call.func, ast.Attribute)
            and (
                ast.dump(call.func.value) in apps
                or any(kw.arg in (*SETTINGS, None) for kw in call.keywords)
            )
        ]
        # the module-level names bound by the statement that holds each indirect call
        owner = {id(n): top for top in tree.body for n in ast.walk(top)}
        by_top: dict[int, set[str]] = {}
        for binding in (b for group in self.bound.values() for b in group):
            if binding.name != bindings.STAR:
                by_top.setdefault(id(binding.top), set()).add(binding.name)
        self.holders: dict[str, list[ast.Call]] = {}
        for call in self.indirect:
            for held in sorted(by_top.get(id(owner.get(id(call))), ())):
                self.holders.setdefault(held, []).append(call)
        # `train.with_options(gpu=...)`: other settings when it is called
        self.options: dict[str, list[int]] = {}
        for node in nodes:
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "with_options"
                and isinstance(node.func.value, ast.Name)
            ):
                self.options.setdefault(node.func.value.id, []).append(node.lineno)

    def _placement(self, node: ast.stmt, name: str) -> tuple[str, list[int]]:
        """Why the binding of a decorated function's name is not one plain `def`."""
        sites = bindings.of(name, self.bound)
        if not sites:
            return f"{name} is not defined at module level", [node.lineno]
        lines = [s.line for s in sites]
        if len(sites) > 1:
            return bound_times(name, sites), lines
        if sites[0].top is not node:
            return f"{name} is defined by {sites[0].how}", lines
        return "", []

    def _decorated(self, node: _Def) -> Decorated | None:
        calls = [c for c in map(modal_call, node.decorator_list) if c is not None]
        through = [
            (d.lineno, held)
            for d in node.decorator_list
            if (held := _named(d)) is not None and held in self.holders
        ]
        if not calls and not through:
            return None
        why, lines = self._placement(node, node.name)
        reasons = [why] if why else []
        for line, held in through:
            reasons.append(f"its Modal decorator is applied through the variable {held}")
            lines += [line, *(c.lineno for c in self.holders[held])]
        if len(calls) > 1:
            reasons.append(f"{node.name} has {len(calls)} Modal decorators")
            lines += [c.lineno for c in calls]
        if node.name in self.options:
            reasons.append(f"{node.name}.with_options(...) changes its settings when called")
            lines += self.options[node.name]
        call = calls[0] if calls else self.holders[through[0][1]][0]
        return Decorated(node.name, call, "; ".join(reasons), _lines(reasons, call, lines))

    def decorated(self) -> Iterator[Decorated]:
        yield from (d for d in map(self._decorated, self.defs) if d is not None)
        used = {held for n in self.defs for d in n.decorator_list if (held := _named(d))}
        for call in self.indirect:
            holders = [h for h, calls in self.holders.items() if any(c is call for c in calls)]
            if any(h in used for h in holders):
                continue  # reported on the function it decorates
            shown = ast.get_source_segment(self.source, call.func) or "app.function"
            why = f"{shown}(...) is applied without `@` on line {call.lineno}"
            lines = [s.line for h in holders for s in bindings.of(h, self.bound)]
            name = holders[0] if holders else f"<{shown} on line {call.lineno}>"
            yield Decorated(name, call, why, _lines([why], call, lines))


def _lines(reasons: list[str], call: ast.Call, lines: list[int]) -> tuple[int, ...]:
    return tuple(sorted({call.lineno, *lines})) if reasons else ()


def decorated(source: str, tree: ast.Module) -> list[Decorated]:
    """Every function Modal decorates, directly or not, in the order found."""
    return list(_Script(source, tree).decorated())
