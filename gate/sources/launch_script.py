"""Facts a launch script carries: Modal-style `@app.function(gpu="H100", timeout=86400)`.

The script is parsed with `ast`, never imported or run. A keyword's value is read when
it is a literal, or a module-level constant built from literals (`TIMEOUT = 24 * 3600`)
that the module binds exactly once (`constants`). Python runs the last binding, so gate
never picks one: a name bound more than once (again, in an `if` or `try`, by `+=`, a
loop, `with`, `:=`, an import, a `global` in another function), a keyword given twice
or through `**kwargs`, and a function defined twice, rebound, decorated through a
variable or given other settings by `.with_options(...)` (`modal_decorators`) are
*ambiguous*, reported with every line involved. A value that is no literal is
*unreadable*. Neither is guessed. Pure: text in, facts out.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from gate.sources import bindings, modal_decorators
from gate.sources.constants import Ambiguous, Constants, Unreadable, evaluate, listed, sorted_lines

# Modal's default when a function sets no timeout=.
MODAL_DEFAULT_TIMEOUT_S = 300
DECORATOR_METHODS = modal_decorators.DECORATOR_METHODS
SETTINGS = modal_decorators.SETTINGS
_SET, _UNSET, _UNREADABLE, _AMBIGUOUS = "set", "unset", "unreadable", "ambiguous"


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


def _segment(source: str, node: ast.AST) -> str:
    return ast.get_source_segment(source, node) or "..."


def _spread(call: ast.Call, keyword: str, source: str) -> Setting | None:
    """A keyword given twice, or perhaps through `**kwargs`: ambiguous."""
    given = [kw for kw in call.keywords if kw.arg == keyword]
    spread = [kw for kw in call.keywords if kw.arg is None]
    if len(given) < 2 and not spread:
        return None
    text = ", ".join(
        f"{keyword}={_segment(source, kw.value)}" if kw.arg else f"**{_segment(source, kw.value)}"
        for kw in [*given, *spread]
    )
    why = (
        f"{keyword}= is given {len(given)} times"
        if len(given) > 1
        else f"**{_segment(source, spread[0].value)} may set {keyword}= (or not)"
    )
    lines = sorted_lines(kw.value.lineno for kw in [*given, *spread])
    return Setting(_AMBIGUOUS, None, lines[0], text, why, lines)


def _setting(call: ast.Call, keyword: str, source: str, known: Constants) -> Setting:
    spread = _spread(call, keyword, source)
    if spread is not None:
        return spread
    kw = next((kw for kw in call.keywords if kw.arg == keyword), None)
    if kw is None:
        return Setting(_UNSET, None, call.lineno, f"no {keyword}=")
    line, text = kw.value.lineno, f"{keyword}={_segment(source, kw.value)}"
    try:
        value = evaluate(kw.value, known)
    except Ambiguous as exc:
        return Setting(_AMBIGUOUS, None, line, text, exc.why, sorted_lines((line, *exc.lines)))
    except Unreadable as exc:
        return Setting(_UNREADABLE, None, line, text, exc.why)
    except RecursionError:
        return Setting(_UNREADABLE, None, line, text)
    if value is None:
        return Setting(_UNSET, None, line, text)
    accepted = _ACCEPT[keyword](value)
    if accepted is None:
        return Setting(_UNREADABLE, None, line, text, f"{value!r} is not a {keyword}")
    return Setting(_SET, accepted, line, text)


def _function(found: modal_decorators.Decorated, source: str, known: Constants) -> ModalFunction:
    gpu, timeout, memory = (_setting(found.call, k, source, known) for k in SETTINGS)
    return ModalFunction(
        found.name, found.call.lineno, gpu, timeout, memory, found.ambiguous, found.lines
    )


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
                lines=sorted_lines(line for f in group for line in (f.line, *f.lines)),
            )
        )
    return sorted(merged, key=lambda f: f.line)


def modal_functions(source: str) -> list[ModalFunction]:
    """Every function or class decorated with `<app>.function(...)` / `<app>.cls(...)`
    (one entry per name), with what makes it or its settings ambiguous."""
    return list(_modal_functions(source))


# A run's cards share a few launch scripts: `--all` (or one process checking several
# cards) reads each script's text once. Only answers are kept; a script that raises is
# read again, to the same LaunchProblem.
@functools.lru_cache(maxsize=64)
def _modal_functions(source: str) -> tuple[ModalFunction, ...]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise LaunchProblem(f"not valid Python: {exc.msg}", exc.lineno or 0) from None
    except (RecursionError, MemoryError):
        raise LaunchProblem("too deeply nested to parse") from None
    try:
        known = Constants(bindings.module_bindings(tree))
        found = modal_decorators.decorated(source, tree)
        return tuple(_merged([_function(f, source, known) for f in found]))
    except RecursionError:
        raise LaunchProblem("too deeply nested to parse") from None


def ambiguity(function: ModalFunction) -> str:
    """Why gate cannot tell what this function runs with, naming every line, or ''."""
    if not function.ambiguous:
        return ""
    return (
        f"defines @{function.name} ambiguously: {function.ambiguous} "
        f"({listed(function.lines)}); gate never picks one: define it once, at module "
        "level, with @app.function(...) written on it"
    )


def unreadable(setting: Setting) -> str:
    """Why a setting cannot be read, naming every line involved, and what to write
    instead ('' when it can be read)."""
    if setting.state == _AMBIGUOUS:
        return (
            f"{setting.text} is ambiguous: {setting.why} ({listed(setting.lines)}); gate "
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
