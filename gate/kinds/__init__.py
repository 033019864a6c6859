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
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from gate.errors import GateError
from gate.kinds.base import Flag, Generator, Kind, lazy

__all__ = [
    "BUILTIN",
    "Flag",
    "Generator",
    "Kind",
    "TrustedSource",
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


def load_extra(modules: tuple[str, ...], trusted: TrustedSource | None = None) -> None:
    """Import each `extra_kinds` module; any failure names the module.

    With `trusted` (a pull request's check), a module whose file lies inside the
    repository is never imported from the checkout, which the change under review
    controls: its source is taken from the trusted commit (the merge-base) instead, or
    it is refused when that commit does not have it."""
    for module in modules:
        try:
            if trusted is not None and _load_trusted(module, trusted):
                continue
            importlib.import_module(module)
        except GateError:
            raise
        except Exception as exc:
            raise GateError(
                f"[tool.gate] extra_kinds: importing {module!r} failed: {type(exc).__name__}: {exc}"
            ) from None


class TrustedSource(NamedTuple):
    root: Path  # the repository's working tree
    read: Callable[[str], bytes | None]  # a file of the trusted commit, by its path
    label: str  # e.g. "the merge-base 1a2b3c4d5e"


def _inside(module: str, root: Path) -> list[str]:
    """The repository paths `module` would be imported from, via sys.path entries that
    lie inside the repository (the working directory among them)."""
    import sys

    parts = module.split(".")
    found: list[str] = []
    for entry in sys.path:
        base = (Path(entry) if entry else Path.cwd()).resolve()
        if not base.is_relative_to(root):
            continue
        for candidate in (Path(*parts).with_suffix(".py"), Path(*parts, "__init__.py")):
            if (base / candidate).is_file():
                found.append((base / candidate).relative_to(root).as_posix())
    return found


def _load_trusted(module: str, trusted: TrustedSource) -> bool:
    """Load `module` from the trusted commit when its file is in the repository; False
    when it is not (an installed package, imported normally)."""
    import sys
    import types

    paths = _inside(module, trusted.root.resolve())
    if not paths:
        return False
    source = trusted.read(paths[0])
    if source is None:
        raise GateError(
            f"[tool.gate] extra_kinds: {module!r} ({paths[0]}) is not in {trusted.label}: "
            "a pull request cannot bring the code that checks it; merge the kind first"
        )
    if paths[0].endswith("__init__.py") or "." in module:
        raise GateError(
            f"[tool.gate] extra_kinds: {module!r} lives in the repository as a package; "
            "under --base only a single top-level module can be loaded from "
            f"{trusted.label} (install the package instead)"
        )
    namespace = types.ModuleType(module)
    namespace.__file__ = f"{trusted.label}:{paths[0]}"
    sys.modules[module] = namespace
    code = compile(source, namespace.__file__, "exec")
    exec(code, namespace.__dict__)  # the merge-base's code, reviewed and merged
    return True


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
