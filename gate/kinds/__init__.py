"""Card kinds, through one registry: the core knows a kind only by its `Kind` record.

Built-in kinds (`policy/`, `run/`: each a package holding its own facts, rules,
render, generate and estimate modules) are imported on first use; a repository adds
its own with `[tool.gate] extra_kinds = ["module"]` (a module that calls `register`).
Shared pieces live beside the registry (`base`, `covered`, `markdown`, `values`,
`validate`, `rewrite`, `write`). May import `gate.review`, `gate.card`,
`gate.sources`, `gate.git`, `gate.config`, `gate.errors`; never `gate.check`.
"""

from __future__ import annotations

import importlib
from typing import Any

from gate.errors import GateError
from gate.kinds.base import Flag, Generator, Kind, lazy

__all__ = [
    "BUILTIN",
    "Flag",
    "Generator",
    "Kind",
    "every",
    "get",
    "lazy",
    "load_extra",
    "names",
    "register",
    "reset",
]

BUILTIN: dict[str, str] = {"policy": "gate.kinds.policy", "run": "gate.kinds.run"}
_registry: dict[str, Kind[Any]] = {}
_origin: dict[str, str] = {}  # kind name -> the module that registered it


def _caller_module() -> str:
    import sys

    frame = sys._getframe(2)
    return str(frame.f_globals.get("__name__", "?"))


def register(kind: Kind[Any]) -> Kind[Any]:
    """Add a kind; a name that is taken is an error naming both modules."""
    module = _caller_module()
    taken = _origin.get(kind.name)
    if taken is None and kind.name in BUILTIN and module != BUILTIN[kind.name]:
        taken = BUILTIN[kind.name]
    if taken is not None and taken != module:
        raise GateError(
            f"kind {kind.name!r} registered by {module} is already registered by {taken}; "
            "a kind cannot replace another: give it a name of its own"
        )
    _registry[kind.name] = kind
    _origin[kind.name] = module
    return kind


def reset() -> None:
    """Forget every registered kind (for tests); built-in kinds load again on use."""
    import sys

    _registry.clear()
    _origin.clear()
    for module in BUILTIN.values():
        sys.modules.pop(module, None)


def load_extra(modules: tuple[str, ...]) -> None:
    """Import each `extra_kinds` module; any failure names the module."""
    for module in modules:
        try:
            importlib.import_module(module)
        except GateError:
            raise
        except Exception as exc:
            raise GateError(
                f"[tool.gate] extra_kinds: importing {module!r} failed: {type(exc).__name__}: {exc}"
            ) from None


def names() -> list[str]:
    return sorted(set(BUILTIN) | set(_registry))


def every() -> list[Kind[Any]]:
    """Every kind, the built-in ones imported."""
    found = [get(name) for name in names()]
    return [kind for kind in found if kind is not None]


def get(name: str) -> Kind[Any] | None:
    if name not in _registry and name in BUILTIN:
        importlib.import_module(BUILTIN[name])
    return _registry.get(name)
