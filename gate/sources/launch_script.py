"""Facts a launch script carries: Modal-style `@app.function(gpu="H100", timeout=86400)`.

The script is parsed with `ast`, never imported or run. A keyword's value is read when
it is a literal, or a module-level constant built from literals (`TIMEOUT = 24 * 3600`)
that the module binds exactly once. Python runs the last binding, so gate never picks
one: a name bound more than once (again, in an `if` or `try`, by `+=`, a loop, `with`,
`:=`, an import, a `global` in another function), a keyword given twice or through
`**kwargs`, a function defined twice or rebound, decorated through a variable or
re-decorated by a call, or changed by `.with_options(...)`, is *ambiguous*: reported
with every line involved. A value that is no literal is *unreadable*. Neither is
guessed. Pure: text in, facts out.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from gate.sources import bindings as names

# Modal's default when a function sets no timeout=.
MODAL_DEFAULT_TIMEOUT_S = 300
DECORATOR_METHODS = ("function", "cls")  # app.function(...), app.cls(...), stub.function(...)
SETTINGS = ("gpu", "timeout", "memory")
_LARGEST = 10**12
_SET, _UNSET, _UNREADABLE, _AMBIGUOUS = "set", "unset", "unreadable", "ambiguous"
_OPS: Mapping[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv,
}


class LaunchProblem(Exception):
    """A launch script that cannot be parsed, or a function gate cannot pin down;
    `line` is 1-based."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Setting(NamedTuple):
    state: str  # set, unset (keyword absent or None), unreadable, ambiguous
    value: Any  # str for gpu, int for timeout and memory; None unless set
    line: int  # the keyword's line, else the decorator's
    text: str  # the source as written, e.g. 'gpu="H100"'
    why: str = ""  # unreadable or ambiguous: what makes it so
    lines: tuple[int, ...] = ()  # ambiguous: every line involved


class ModalFunction(NamedTuple):
    name: str
    line: int  # the decorator's line
    gpu: Setting
    timeout: Setting
    memory: Setting  # MiB
    ambiguous: str = ""  # why gate cannot tell which function (or decorator) runs
    lines: tuple[int, ...] = ()  # every line involved when ambiguous


class _Unreadable(Exception):
    def __init__(self, why: str = "", lines: Iterable[int] = ()) -> None:
        super().__init__(why)
        self.why = why
        self.lines = tuple(lines)


class _Ambiguous(_Unreadable):
    pass


def _lines(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(values)))


def _listed(lines: Iterable[int]) -> str:
    shown = _lines(lines)
    return f"line{'s' if len(shown) > 1 else ''} {', '.join(map(str, shown))}"


class _Names:
    """Module-level names as the decorators read them: a value only for a name bound
    exactly once, by `NAME = <literal expression>` at module level."""

    def __init__(self, bound: Mapping[str, list[names.Binding]]) -> None:
        self.bound = bound

    def value(self, name: str, seen: frozenset[str]) -> Any:
        sites = names.of(name, self.bound)
        if not sites:
            raise _Unreadable(f"{name} is not bound in the script")
        if len(sites) > 1:
            hows = "; ".join(f"{s.how} on line {s.line}" for s in sites)
            raise _Ambiguous(
                f"{name} is bound {len(sites)} times ({hows}) and Python uses the last",
                (s.line for s in sites),
            )
        site = sites[0]
        if site.conditional:
            raise _Ambiguous(
                f"{name} is bound only by {site.how} on line {site.line}, which may not run",
                [site.line, site.top.lineno],
            )
        if site.value is None:
            raise _Unreadable(f"{name} is set by {site.how} on line {site.line}", [site.line])
        if name in seen:
            raise _Unreadable(f"{name} refers to itself", [site.line])
        try:
            return _value(site.value, self, seen | {name})
        except _Unreadable as exc:
            raise type(exc)(
                exc.why or f"{name} (line {site.line}) is not a literal", (*exc.lines, site.line)
            ) from None


def _value(node: ast.expr, known: _Names, seen: frozenset[str] = frozenset()) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | None):
        return node.value
    if isinstance(node, ast.Name):
        return known.value(node.id, seen)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _value(node.operand, known, seen)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _value(node.left, known, seen), _value(node.right, known, seen)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if numbers and not (isinstance(node.op, ast.FloorDiv | ast.Div) and right == 0):
            result = _OPS[type(node.op)](left, right)
            if abs(result) <= _LARGEST:  # no runaway arithmetic: a timeout is not that big
                return result
    raise _Unreadable


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _seconds(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value) if value == int(value) else None


_ACCEPT: Mapping[str, Callable[[Any], Any]] = {
    "gpu": _text,
    "timeout": _seconds,
    "memory": _seconds,
}


def _segment(source: str, node: ast.AST, fallback: str = "...") -> str:
    return ast.get_source_segment(source, node) or fallback


def _setting(call: ast.Call, keyword: str, source: str, known: _Names) -> Setting:
    given = [kw for kw in call.keywords if kw.arg == keyword]
    spread = [kw for kw in call.keywords if kw.arg is None]
    if len(given) > 1 or spread:
        text = ", ".join(
            f"{keyword}={_segment(source, kw.value)}"
            if kw.arg
            else f"**{_segment(source, kw.value)}"
            for kw in [*given, *spread]
        )
        why = (
            f"{keyword}= is given {len(given)} times"
            if len(given) > 1
            else f"**{_segment(source, spread[0].value)} may set {keyword}= (or not)"
        )
        lines = _lines(kw.value.lineno for kw in [*given, *spread])
        return Setting(_AMBIGUOUS, None, lines[0], text, why, lines)
    if not given:
        return Setting(_UNSET, None, call.lineno, f"no {keyword}=")
    kw = given[0]
    text = f"{keyword}={_segment(source, kw.value)}"
    try:
        value = _value(kw.value, known)
    except _Ambiguous as exc:
        return Setting(
            _AMBIGUOUS, None, kw.value.lineno, text, exc.why, _lines((kw.value.lineno, *exc.lines))
        )
    except (_Unreadable, RecursionError) as exc:
        why = exc.why if isinstance(exc, _Unreadable) else ""
        return Setting(_UNREADABLE, None, kw.value.lineno, text, why)
    if value is None:
        return Setting(_UNSET, None, kw.value.lineno, text)
    accepted = _ACCEPT[keyword](value)
    if accepted is None:
        return Setting(_UNREADABLE, None, kw.value.lineno, text, f"{value!r} is not a {keyword}")
    return Setting(_SET, accepted, kw.value.lineno, text)


def _function(  # noqa: PLR0917 - one record's parts
    name: str,
    call: ast.Call,
    source: str,
    known: _Names,
    ambiguous: str = "",
    lines: Iterable[int] = (),
) -> ModalFunction:
    gpu, timeout, memory = (_setting(call, k, source, known) for k in SETTINGS)
    return ModalFunction(
        name, call.lineno, gpu, timeout, memory, ambiguous, _lines(lines) if ambiguous else ()
    )


def _modal_call(node: ast.AST) -> ast.Call | None:
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
    """One parsed script: its bindings and its Modal decorators, direct and indirect."""

    def __init__(self, source: str, tree: ast.Module) -> None:
        self.source = source
        self.bound = names.module_bindings(tree)
        self.known = _Names(self.bound)
        nodes = list(ast.walk(tree))
        self.defs = [
            n for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ]
        direct = {id(d) for n in self.defs for d in n.decorator_list}
        receivers = {
            ast.dump(call.func.value)
            for n in self.defs
            for call in map(_modal_call, n.decorator_list)
            if call is not None and isinstance(call.func, ast.Attribute)
        }
        # A Modal decorator called any other way (`fn = app.function(...)`,
        # `train = app.function(...)(train)`): on an app the script decorates with, or
        # with a setting gate reads.
        self.indirect = [
            call
            for call in map(_modal_call, nodes)
            if call is not None
            and id(call) not in direct
            and isinstance(call.func, ast.Attribute)
            and (
                ast.dump(call.func.value) in receivers
                or any(kw.arg in (*SETTINGS, None) for kw in call.keywords)
            )
        ]
        # the module-level names bound by the statement holding each indirect call
        owner = {id(n): top for top in tree.body for n in ast.walk(top)}
        by_top: dict[int, set[str]] = {}
        for binding in (b for group in self.bound.values() for b in group):
            if binding.name != names.STAR:
                by_top.setdefault(id(binding.top), set()).add(binding.name)
        self.holders: dict[str, list[ast.Call]] = {}
        for call in self.indirect:
            for held in sorted(by_top.get(id(owner.get(id(call))), ())):
                self.holders.setdefault(held, []).append(call)
        # `train.with_options(gpu=...)`: other settings at call time
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
        sites = names.of(name, self.bound)
        if not sites:
            return f"{name} is not defined at module level", [node.lineno]
        lines = [s.line for s in sites]
        if len(sites) > 1:
            hows = "; ".join(f"{s.how} on line {s.line}" for s in sites)
            return f"{name} is bound {len(sites)} times ({hows}) and Python uses the last", lines
        if sites[0].top is not node:
            return f"{name} is defined by {sites[0].how}", lines
        return "", []

    def _decorated(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ) -> ModalFunction | None:
        calls = [c for c in map(_modal_call, node.decorator_list) if c is not None]
        through = [
            (d.lineno, held)
            for d in node.decorator_list
            if (held := _named(d)) is not None and held in self.holders
        ]
        if not calls and not through:
            return None
        reasons: list[str] = []
        why, lines = self._placement(node, node.name)
        reasons += [why] if why else []
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
        return _function(
            node.name, call, self.source, self.known, "; ".join(reasons), [call.lineno, *lines]
        )

    def functions(self) -> list[ModalFunction]:
        found = [f for f in map(self._decorated, self.defs) if f is not None]
        used = {held for n in self.defs for d in n.decorator_list if (held := _named(d))}
        for call in self.indirect:
            holders = [h for h, calls in self.holders.items() if any(c is call for c in calls)]
            if any(h in used for h in holders):
                continue  # reported on the function it decorates
            shown = _segment(self.source, call.func)
            found.append(
                _function(
                    holders[0] if holders else f"<{shown} on line {call.lineno}>",
                    call,
                    self.source,
                    self.known,
                    f"{shown}(...) is applied without `@` on line {call.lineno}",
                    [call.lineno, *(s.line for h in holders for s in names.of(h, self.bound))],
                )
            )
        return _merged(found)


def _merged(functions: list[ModalFunction]) -> list[ModalFunction]:
    """One entry per name: a name given by several decorated functions is ambiguous."""
    by_name: dict[str, list[ModalFunction]] = {}
    for function in functions:
        by_name.setdefault(function.name, []).append(function)
    merged: list[ModalFunction] = []
    for name, group in by_name.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        first = next((f for f in group if f.gpu.state != _UNSET), group[0])
        why = next((f.ambiguous for f in group if f.ambiguous), "")
        merged.append(
            first._replace(
                ambiguous=why or f"{name} is defined {len(group)} times and Python uses the last",
                lines=_lines(line for f in group for line in (f.line, *f.lines)),
            )
        )
    return sorted(merged, key=lambda f: f.line)


def modal_functions(source: str) -> list[ModalFunction]:
    """Every function or class decorated with `<app>.function(...)` / `<app>.cls(...)`
    (one entry per name), with what makes it or its settings ambiguous."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise LaunchProblem(f"not valid Python: {exc.msg}", exc.lineno or 0) from None
    except (RecursionError, MemoryError):
        raise LaunchProblem("too deeply nested to parse") from None
    try:
        return _Script(source, tree).functions()
    except RecursionError:
        raise LaunchProblem("too deeply nested to parse") from None


def ambiguity(function: ModalFunction) -> str:
    """Why gate cannot tell what this function runs with, naming every line, or ''."""
    if not function.ambiguous:
        return ""
    return (
        f"defines @{function.name} ambiguously: {function.ambiguous} "
        f"({_listed(function.lines)}); gate never picks one: define it once, at module "
        "level, with @app.function(...) written on it"
    )


def unreadable(setting: Setting) -> str:
    """Why a setting cannot be read, naming every line involved, and what to write
    instead ('' when it can be read)."""
    if setting.state == _AMBIGUOUS:
        return (
            f"{setting.text} is ambiguous: {setting.why} ({_listed(setting.lines)}); gate "
            "never picks one: bind it once, as a literal, at module level"
        )
    if setting.state == _UNREADABLE:
        why = f" ({setting.why})" if setting.why else ""
        return f"cannot read {setting.text}{why} without running the script: write it as a literal"
    return ""


def _unambiguous(function: ModalFunction) -> ModalFunction:
    if function.ambiguous:
        raise LaunchProblem(ambiguity(function), function.lines[0] if function.lines else 0)
    return function


def pick(functions: Sequence[ModalFunction], name: str | None) -> ModalFunction:
    """The function a card launches: by name, else the one that asks for a GPU."""
    if name is not None:
        for function in functions:
            if function.name == name:
                return _unambiguous(function)
        known = ", ".join(f.name for f in functions) or "none"
        raise LaunchProblem(f"has no Modal function {name!r} (decorated functions: {known})")
    with_gpu = [f for f in functions if f.gpu.state != _UNSET]
    if len(with_gpu) == 1:
        return _unambiguous(with_gpu[0])
    if not with_gpu:
        raise LaunchProblem(
            'has no Modal-style function with gpu= (e.g. @app.function(gpu="A100", timeout=86400))'
        )
    raise LaunchProblem(
        f"has {len(with_gpu)} functions with gpu= ({', '.join(f.name for f in with_gpu)}): "
        "name the one the card launches (--launch-function NAME, or [tool.gate.kinds.run] "
        "launch_function in pyproject.toml)"
    )


def effective_timeout(function: ModalFunction) -> int | None:
    """The timeout the platform enforces: the keyword's, Modal's default when unset,
    None when unreadable."""
    if function.timeout.state == _SET:
        value: int = function.timeout.value
        return value
    return MODAL_DEFAULT_TIMEOUT_S if function.timeout.state == _UNSET else None


def readable(setting: Setting) -> bool:
    """Set or unset, as written: neither unreadable nor ambiguous."""
    return setting.state in (_SET, _UNSET)


def asks_for_gpu(function: ModalFunction) -> bool:
    """The function may ask for a GPU: `gpu=` is set, or cannot be read."""
    return function.gpu.state != _UNSET


def is_set(setting: Setting) -> bool:
    return setting.state == _SET
