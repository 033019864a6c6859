"""`gate render CARD`: rewrite the generated region (and status) from the data."""

from __future__ import annotations

import argparse
import sys

from gate.card import document
from gate.commands.common import repo_and_config
from gate.kinds import rewrite


def run(args: argparse.Namespace) -> int:
    repo, config = repo_and_config(args)
    changed = []
    for given in args.cards:
        loaded = rewrite.Loaded(repo, config, given)
        text = rewrite.compose(loaded, document.front_text(loaded.card))
        if rewrite.write(loaded, text):
            changed.append(loaded.path)
        print(
            f"{loaded.path}: {'rendered' if loaded.path in changed else 'already up to date'}",
            file=sys.stderr,
        )
    return 0
