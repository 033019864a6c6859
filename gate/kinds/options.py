"""`gate generate`'s flags every kind shares, and turning parsed flags into a kind's
own typed options record (so a misspelt flag name is a type error, not a None)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any, TypeVar

T = TypeVar("T", bound="Common")


def add_common(gen: argparse.ArgumentParser) -> None:
    """The flags of `gate generate` whatever the kind."""
    gen.add_argument(
        "config",
        nargs="?",
        metavar="CONFIG",
        help="the training config YAML the card covers, e.g. worldmodel/experiments/x.yaml",
    )
    gen.add_argument(
        "--run-name", help="the run's name and the card's file stem (default: CONFIG's stem)"
    )
    gen.add_argument("--epochs", type=int, help="override the config's epochs")
    gen.add_argument("--batch-size", type=int, help="override the config's batch size")
    gen.add_argument("--lr", type=float, help="override the config's learning rate")
    gen.add_argument("--goal", help="one sentence: why train this, paired with what")
    source = gen.add_mutually_exclusive_group()
    source.add_argument(
        "--wandb",
        metavar="ENTITY/PROJECT",
        help="policy: query prior runs on wandb; run: the project it logs to",
    )
    source.add_argument(
        "--no-wandb",
        action="store_true",
        help="policy: do not query wandb; run: it logs to no wandb project",
    )
    gen.add_argument("--stdout", action="store_true", help="print the card, write nothing")
    gen.add_argument("--force", action="store_true", help="overwrite an existing card")


@dataclasses.dataclass(frozen=True)
class Common:
    """The shared flags; each kind's options record extends it with its own."""

    run_name: str
    config: str | None
    epochs: int | None
    batch_size: int | None
    lr: float | None
    goal: str | None
    wandb: str | None
    no_wandb: bool
    stdout: bool
    force: bool


def typed(record: type[T], args: argparse.Namespace) -> T:
    """The kind's options record built from the parsed flags of the same names (a flag
    the parser does not know is None)."""
    given: dict[str, Any] = {
        field.name: getattr(args, field.name, None) for field in dataclasses.fields(record)
    }
    return record(**given)
