"""`gate generate`'s flags every kind shares, and turning parsed flags into a kind's
own typed options record (so a misspelt flag name is a type error, not a None)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, NamedTuple


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


class Common(NamedTuple):
    """The shared flags, as every kind's options record starts."""

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


def values(fields: Iterable[str], args: argparse.Namespace) -> list[Any]:
    """The parsed flags named by an options record's fields, in order (for `_make`)."""
    return [getattr(args, name, None) for name in fields]
