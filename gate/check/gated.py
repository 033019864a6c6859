"""Which paths the gate cares about: gated files (by glob) and cards (by folder)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gate.git.globs import compile_globs

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Change

NOT_CARDS = frozenset({"README.md", "index.md"})


def is_card(config: Config, path: str) -> bool:
    return (
        path.startswith(config.cards_dir + "/")
        and path.endswith(".md")
        and posixpath.basename(path) not in NOT_CARDS
    )


def card_for_stem(config: Config, path: str) -> str:
    """The card a gated file has by convention: experiments/x.yaml <-> run-cards/x.md."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return f"{config.cards_dir}/{stem}.md"


def touches(cards_dir: str, gated: tuple[str, ...], changes: Iterable[Change]) -> bool:
    """Does the change touch a gated file or a card? (The fast path asks this.)"""
    pattern = compile_globs(gated)
    prefix = cards_dir + "/"
    for change in changes:
        for path in (change.path, change.old):
            if path and (
                pattern.match(path)
                or (
                    path.startswith(prefix)
                    and path.endswith(".md")
                    and posixpath.basename(path) not in NOT_CARDS
                )
            ):
                return True
    return False
