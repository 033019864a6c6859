"""`gate generate`: write a card from facts, so the right path is the easy one."""

from __future__ import annotations

import argparse

from gate import kinds
from gate.commands.common import repo_and_config
from gate.errors import GateError


def run(args: argparse.Namespace) -> int:
    repo, config = repo_and_config(args)
    kind = kinds.get(args.kind)
    if kind is None or kind.generate is None:
        raise GateError(f"--kind {args.kind}: no generator (kinds: {', '.join(kinds.names())})")
    return kind.generate.run(args, repo, config)
