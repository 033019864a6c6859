"""What every kind is made of, and the defaults a kind may leave out.

A kind is a `Kind` record: its schema, the renderer of its generated region, its
I/O edge (`collect`, returning the kind's own typed facts record), its pure rules
over those facts, and optionally an exemption and a generator with its own CLI
flags. `lazy` lets a kind's package name its modules without importing them until
a card of that kind is checked (the hook's fast path imports none of them).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypedDict, TypeVar

if TYPE_CHECKING:
    import argparse

    from gate.card.document import Card
    from gate.card.findings import Finding
    from gate.card.legacy import LegacyCard
    from gate.config import Config
    from gate.git import Repository
    from gate.git.snapshot import Snapshot
    from gate.kinds.adoption import Adopted

F = TypeVar("F")

# render(data, required_reviewers) -> the generated Markdown region.
Renderer = Callable[[Mapping[str, Any], tuple[str, ...]], str]


class Flag(NamedTuple):
    """A concern an estimate raises (rule 7): a stable code and a sentence."""

    code: str  # distribution, overfit, cpu-large, no-wandb, timeout-tight, ...
    message: str


class Generator(NamedTuple):
    """`gate generate --kind NAME`: the kind's own flags, and the command itself."""

    # adds the kind's flags to `gate generate` (an argument group of its own)
    add_arguments: Callable[[argparse.ArgumentParser], None]
    # gathers facts and writes a card; returns the exit code
    run: Callable[[argparse.Namespace, Repository, Config], int]


def no_facts(card: Card, snapshot: Snapshot, config: Config) -> None:
    """A kind that reads nothing beyond the card."""
    return None


def no_rules(card: Card, facts: Any, config: Config) -> list[Finding]:
    """A kind with no rules of its own (the core's rules still apply)."""
    return []


def no_reads(data: Mapping[str, Any]) -> list[str]:
    return []


def no_description(card: Card, facts: Any) -> str:
    return ""


def no_commands(data: Mapping[str, Any]) -> list[str]:
    return []


def no_claim(path: str, snapshot: Snapshot, config: Config) -> str | None:
    return None


def never_exempt(path: str, snapshot: Snapshot, config: Config) -> str | None:
    return None


class Summary(TypedDict):
    """A card's scale for `gate status --format json` (None: the card does not say)."""

    games: int | None
    gpu: str | None  # what it trains on: a GPU table name, or a device such as mps
    epochs: int | None
    batch_size: int | None


def no_summary(data: Mapping[str, Any]) -> Summary:
    return {"games": None, "gpu": None, "epochs": None, "batch_size": None}


class Kind(NamedTuple, Generic[F]):
    """One card kind. `F` is the kind's facts record, from `collect` to `rules`."""

    name: str
    title: str  # "Policy Run Card"
    schema: Callable[[], Mapping[str, Any]]
    render: Renderer
    # collect(card, snapshot, config) -> facts: the kind's I/O edge
    collect: Callable[[Card, Snapshot, Config], F] = no_facts  # type: ignore[assignment]
    # rules(card, facts, config) -> findings: pure
    rules: Callable[[Card, F, Config], list[Finding]] = no_rules
    # extra paths (beyond `covers`) a card of this kind reads, e.g. its manifest
    reads: Callable[[Mapping[str, Any]], list[str]] = no_reads
    # a one-line scale for `gate status`, e.g. "2,000 games vs world model 2,000"
    describe: Callable[[Card, F], str] = no_description
    # a gated file no card covers may not need one (a cheap run): the reason, or None.
    # Asked only when this kind, and no other, claims the file.
    exempt: Callable[[str, Snapshot, Config], str | None] = never_exempt
    # a gated file no card covers that this kind recognises as its own (whether or not
    # it is exempt): why it needs a card of this kind, or what it is (None: not this
    # kind's file). `gate check` names the kind; a kind that claims nothing exempts
    # nothing, and a file two kinds claim needs a card.
    claims: Callable[[str, Snapshot, Config], str | None] = no_claim
    generate: Generator | None = None
    # the card's approved launch commands, in order (what `gate launch --index N` runs)
    commands: Callable[[Mapping[str, Any]], list[str]] = no_commands
    # `gate adopt`: a hand-written card whose title is this kind's `title`, as this
    # kind's data (what it could not read listed); None: the kind adopts nothing
    adopt: Callable[[LegacyCard, Config], Adopted] | None = None
    # games, GPU, epochs and batch size from the card's data (`gate status`)
    summary: Callable[[Mapping[str, Any]], Summary] = no_summary


def finding_at(
    card: Card, where: tuple[str, ...], rule: str, message: str, severity: str = "error"
) -> Finding:
    """A kind's finding about one field of a card, on that field's line."""
    from gate.card.findings import Finding

    return Finding(
        card.path,
        card.line_of(*where),
        rule,
        message,
        severity="warning" if severity == "warning" else "error",
        card=card.path,
    )


def lazy(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported on the first call (a kind's package stays light)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = f"{module}.{name}"
    return call
