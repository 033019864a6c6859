"""What several subcommands share: the repository and its config (working tree)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Repository


def repo_and_config(args: argparse.Namespace) -> tuple[Repository, Config]:
    """The repository around the current folder and its config as on disk (or --config)."""
    from gate import kinds
    from gate.check.scope import PYPROJECT, config_from
    from gate.git import Repository

    repo = Repository.discover()
    pyproject = repo.root / PYPROJECT
    raw = pyproject.read_bytes() if pyproject.is_file() else None
    config = config_from(raw, "working tree", args.gate_config)
    kinds.load_extra(config.extra_kinds)
    return repo, config
