"""`gate check`: the gate itself. Exit 0 pass, 1 blocked by a rule, 2 error."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from gate import git

if TYPE_CHECKING:
    from collections.abc import Callable

    from gate.check.engine import Scope
    from gate.check.outcome import Outcome
    from gate.git import Repository


def _scope(args: argparse.Namespace, open_repo: Callable[[], Repository]) -> Scope | Outcome:
    from gate.check import scope

    if args.all or args.base or args.files:
        repo = open_repo()
        if args.all:
            return scope.everything(repo, args.gate_config)
        if args.base:
            return scope.commit_range(repo, args.base, "HEAD", args.gate_config)
        return scope.files(repo, args.files, args.gate_config)
    refs = git.environment_refs()
    if refs is not None and set(refs[0]) == {"0"}:  # pre-push of a new branch: no base
        return scope.everything(open_repo(), args.gate_config, rev=refs[1], name="range")
    if refs is not None:  # pre-commit run --from-ref/--to-ref, pre-push
        return scope.commit_range(open_repo(), refs[0], refs[1], args.gate_config, name="range")
    known = getattr(args, "staged_changes", None)  # already read by the hook's fast path
    quiet, changes, config = scope.staged_is_quiet(args.gate_config, known)
    if quiet:
        from gate.check.outcome import Outcome

        return Outcome("staged", ())
    return scope.staged(open_repo(), changes, config, "staged")


def run(args: argparse.Namespace) -> int:
    from gate import report
    from gate.check.outcome import Outcome

    opened: list[git.Repository] = []

    def open_repo() -> git.Repository:
        opened.append(git.Repository.discover())
        return opened[-1]

    try:
        found = _scope(args, open_repo)
        if isinstance(found, Outcome):
            outcome = found
        else:
            from gate import kinds
            from gate.check import engine

            trusted = None
            if found.name in ("base", "range") and found.previous is not None:
                # A pull request's code never runs in its own check: a kind module in
                # the repository is loaded as the merge-base has it.
                base = found.previous
                label = f"the merge-base {(base.rev or '')[:10]}"
                trusted = kinds.TrustedSource(found.repo.root, base.read, label)
            kinds.load_extra(found.config.extra_kinds, trusted)
            if args.strict:
                found.config = found.config._replace(strict=True)
            outcome = engine.run(found)
            if outcome.cards or outcome.gated:  # with nothing to sign, nobody is needed
                found.config.require_reviewers()
    finally:
        for repo in opened:
            repo.close()
    try:
        report.get(args.format)(outcome, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # `gate check | head -1`: the verdict still decides
        return report.closed_pipe(outcome.exit_code)
    return outcome.exit_code
