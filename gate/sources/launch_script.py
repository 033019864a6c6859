"""Facts a launch script carries: Modal-style `@app.function(gpu="H100", timeout=86400)`.

The script is parsed with `ast`, never imported or run. A keyword's value is read when
it is a literal, or a module-level constant built from literals (`TIMEOUT = 24 * 3600`);
anything else is reported as unreadable rather than guessed. Pure: text in, facts out.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

# Modal's default when a function sets no timeout=.
MODAL_DEFAULT_TIMEOUT_S = 300
DECORATOR_METHODS = ("function", "cls")
_LARGEST = 10**12  # app.function(...), app.cls(...), stub.function(...)
_SET, _UNSET, _UNREADABLE = "set", "unset", "unreadable"
_OPS: Mapping[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv,
}


class LaunchProblem(Exception):
    """A launch script that cannot be parsed; `line` is 1-based."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Setting(NamedTuple):
    state: str  # set, unset (keyword absent or None), unreadable
    value: Any  # str for gpu, int for timeout and memory; None unless set
    line: int  # the keyword's line, else the decorator's
    text: str  # the source as written, e.g. 'gpu="H100"'


class ModalFunction(NamedTuple):
    name: str
    line: int  # the decorator's line
    gpu: Setting
    timeout: Setting
    memory: Setting  # MiB


class _Unreadable(Exception):
    pass


def _value(node: ast.expr, constants: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | None):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _value(node.operand, constants)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _value(node.left, constants), _value(node.right, constants)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if numbers and not (isinstance(node.op, ast.FloorDiv | ast.Div) and right == 0):
            result = _OPS[type(node.op)](left, right)
            if abs(result) <= _LARGEST:  # no runaway arithmetic: a timeout is not that big
                return result
    raise _Unreadable


def _constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level `NAME = <literal expression>` assignments, in order."""
    found: dict[str, Any] = {}
    for statement in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        if isinstance(target, ast.Name) and value is not None:
            try:
                found[target.id] = _value(value, found)
            except (_Unreadable, RecursionError):
                found.pop(target.id, None)
    return found


def _setting(
    call: ast.Call,
    keyword: str,
    source: str,
    constants: Mapping[str, Any],
    accept: Callable[[Any], Any],
) -> Setting:
    for kw in call.keywords:
        if kw.arg != keyword:
            continue
        text = f"{keyword}={ast.get_source_segment(source, kw.value) or '...'}"
        try:
            value = _value(kw.value, constants)
        except (_Unreadable, RecursionError):
            return Setting(_UNREADABLE, None, kw.value.lineno, text)
        if value is None:
            return Setting(_UNSET, None, kw.value.lineno, text)
        accepted = accept(value)
        if accepted is None:
            return Setting(_UNREADABLE, None, kw.value.lineno, text)
        return Setting(_SET, accepted, kw.value.lineno, text)
    return Setting(_UNSET, None, call.lineno, f"no {keyword}=")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _seconds(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value) if value == int(value) else None


def modal_functions(source: str) -> list[ModalFunction]:
    """Every function or class decorated with `<app>.function(...)` / `<app>.cls(...)`."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise LaunchProblem(f"not valid Python: {exc.msg}", exc.lineno or 0) from None
    except (RecursionError, MemoryError):
        raise LaunchProblem("too deeply nested to parse") from None
    constants = _constants(tree)
    found: list[ModalFunction] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in DECORATOR_METHODS
            ):
                found.append(
                    ModalFunction(
                        name=node.name,
                        line=decorator.lineno,
                        gpu=_setting(decorator, "gpu", source, constants, _text),
                        timeout=_setting(decorator, "timeout", source, constants, _seconds),
                        memory=_setting(decorator, "memory", source, constants, _seconds),
                    )
                )
    return sorted(found, key=lambda f: f.line)


def pick(functions: Sequence[ModalFunction], name: str | None) -> ModalFunction:
    """The function a card launches: by name, else the one that asks for a GPU."""
    if name is not None:
        for function in functions:
            if function.name == name:
                return function
        known = ", ".join(f.name for f in functions) or "none"
        raise LaunchProblem(f"has no Modal function {name!r} (decorated functions: {known})")
    with_gpu = [f for f in functions if f.gpu.state != _UNSET]
    if len(with_gpu) == 1:
        return with_gpu[0]
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
    return setting.state != _UNREADABLE


def is_set(setting: Setting) -> bool:
    return setting.state == _SET
