"""Card kinds: each is a schema, a renderer for the generated region, and its own rules.

The engine knows kinds only through this registry. Built-in kinds are imported on
first use; a repository can add its own with `[tool.gate] extra_kinds = ["module"]`
(a module that calls `register`), and tests register toy kinds the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import GateError

if TYPE_CHECKING:
    import argparse

    from gate.cardfile import Card
    from gate.config import Config
    from gate.findings import Finding
    from gate.git import Repository
    from gate.snapshot import Snapshot


class Facts(NamedTuple):
    """What a kind read from the snapshot for its rules (I/O done, so rules stay pure)."""

    values: Mapping[str, Any] = MappingProxyType({})
    findings: tuple[Finding, ...] = ()


# collect(card, snapshot, config) -> Facts: the kind's I/O edge.
Collector = Callable[["Card", "Snapshot", "Config"], Facts]
# rules(card, facts, config) -> findings: pure.
Rules = Callable[["Card", Facts, "Config"], list["Finding"]]
# render(data, required_reviewers) -> the generated Markdown region.
Renderer = Callable[[Mapping[str, Any], tuple[str, ...]], str]


# generate(args, repo, config) -> exit code
Generator = Callable[["argparse.Namespace", "Repository", "Config"], int]


def _no_facts(card: Card, snapshot: Snapshot, config: Config) -> Facts:
    return Facts()


def _no_rules(card: Card, facts: Facts, config: Config) -> list[Finding]:
    return []


class Kind(NamedTuple):
    name: str
    title: str  # "Policy Run Card"
    schema: Callable[[], Mapping[str, Any]]
    render: Renderer
    collect: Collector = _no_facts
    rules: Rules = _no_rules
    # extra paths (beyond `covers`) a card of this kind reads, e.g. its manifest
    reads: Callable[[Mapping[str, Any]], list[str]] = lambda data: []
    # a one-line scale for `gate status`, e.g. "2,000 games vs world model 2,000"
    describe: Callable[[Card, Facts], str] = lambda card, facts: ""
    # a gated file no card covers may not need one (a cheap run): the reason, or None
    exempt: Callable[[str, Snapshot, Config], str | None] = lambda path, snapshot, config: None
    # `gate generate --kind NAME`: gathers facts and writes a card; returns the exit code
    generate: Generator | None = None


BUILTIN: dict[str, str] = {"policy": "gate.kinds.policy", "run": "gate.kinds.run"}
_registry: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _registry[kind.name] = kind
    return kind


def load_extra(modules: tuple[str, ...]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise GateError(f"[tool.gate] extra_kinds: cannot import {module!r}: {exc}") from None


def names() -> list[str]:
    return sorted(set(BUILTIN) | set(_registry))


def every() -> list[Kind]:
    """Every kind, the built-in ones imported."""
    found = [get(name) for name in names()]
    return [kind for kind in found if kind is not None]


def get(name: str) -> Kind | None:
    if name not in _registry and name in BUILTIN:
        module = importlib.import_module(BUILTIN[name])
        register(module.KIND)
    return _registry.get(name)
