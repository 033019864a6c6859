"""`gate render CARD`: rewrite the generated region (and status) from the data."""

from __future__ import annotations

import argparse
import sys

from gate import cardedit, cardfile
from gate.commands.common import repo_and_config


def run(args: argparse.Namespace) -> int:
    repo, config = repo_and_config(args)
    changed = []
    for given in args.cards:
        loaded = cardedit.Loaded(repo, config, given)
        text = cardedit.compose(loaded, cardfile.front_text(loaded.card))
        if cardedit.write(loaded, text):
            changed.append(loaded.path)
        print(
            f"{loaded.path}: {'rendered' if loaded.path in changed else 'already up to date'}",
            file=sys.stderr,
        )
    return 0
