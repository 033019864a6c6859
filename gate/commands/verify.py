"""`gate verify PATH...`: exit 0 only when each PATH (a card, or a file a card covers) is
covered by a fully approved card, every signature verified, fresh against the working
tree as it is now. The launch gate for scripts that start training themselves."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from gate.card.digest import short
from gate.errors import EXIT_BLOCKED, EXIT_PASS

if TYPE_CHECKING:
    from gate.check.verify import Verdict


def run(args: argparse.Namespace) -> int:
    from gate.check.verify import verify_paths
    from gate.git import Repository

    with Repository.discover() as repo:
        verdicts, label = verify_paths(repo, list(args.paths), args.gate_config)
    code = EXIT_PASS if all(v.approved is not None for v in verdicts) else EXIT_BLOCKED
    try:
        _print(verdicts, label)
    except BrokenPipeError:  # `gate verify X | head -1`: the verdict still decides
        from gate.report import closed_pipe

        return closed_pipe(code)
    return code


def _print(verdicts: list[Verdict], label: str) -> None:
    for verdict in verdicts:
        if verdict.approved is not None:
            card = verdict.approved
            print(
                f"{verdict.path}: approved: {card.card} (run {card.run_name}, digest "
                f"{short(card.digest)}; reviewers' keys from {label})"
            )
            continue
        for f in verdict.findings:
            print(f"{f.path}:{f.line}: {f.rule}: {f.message}")
        print(f"{verdict.path}: NOT APPROVED to run (reviewers' keys from {label})")
    sys.stdout.flush()
