"""The launch gate: is what is about to run covered by a fully approved, fresh card?

Judged against the working tree as it is now (an uncommitted edit to a covered file
makes the approvals stale: what runs is what was approved), with sign-off enforced,
every signature verified, and the configuration (reviewers' keys included) of the
protected branch's tip where the repository has it, else of HEAD, so a feature
branch cannot add the key it signs with and launch.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from gate.check.gated import is_card
from gate.errors import GateError
from gate.review.signoff import APPROVED, policy_for

if TYPE_CHECKING:
    from pathlib import Path

    from gate.card.findings import Finding
    from gate.check.engine import Evaluator
    from gate.config import Config
    from gate.git import Repository

PYPROJECT = "pyproject.toml"


class NotApproved(GateError):
    """What is about to run is not covered by a fully approved, fresh card."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class ApprovedCard(NamedTuple):
    card: str  # the card's path, relative to the repository
    run_name: str
    digest: str  # what the approvals signed (GATE_CARD_DIGEST)
    config_from: str  # where the configuration and keys came from


class Verdict(NamedTuple):
    path: str  # as the user named it, repository-relative
    approved: ApprovedCard | None
    findings: tuple[Finding, ...]  # why not, when not


def launch_config(repo: Repository, explicit: Path | None) -> tuple[Config, str]:
    """The configuration in force at launch: the protected branch's tip (its remote-
    tracking ref first, then the local branch), else HEAD, else the working tree."""
    from gate.check.scope import config_from

    local = repo.root / PYPROJECT
    here = config_from(local.read_bytes() if local.is_file() else None, "working tree", explicit)
    if explicit is not None:
        return here, str(explicit)
    for name in here.protected:
        if any(c in name for c in "*?["):
            continue  # a glob names no one branch
        for ref in (f"refs/remotes/origin/{name}", f"refs/heads/{name}"):
            sha = repo.try_resolve(ref)
            if sha is not None:
                label = f"{ref.removeprefix('refs/remotes/').removeprefix('refs/heads/')}"
                tree = repo.lazy_tree(sha)
                return config_from(tree.read(PYPROJECT), label, None), label
    if repo.has_head():
        return config_from(repo.lazy_tree("HEAD").read(PYPROJECT), "HEAD", None), "HEAD"
    return here, "the working tree (no commits yet)"


def relative(repo: Repository, given: str) -> str:
    """A path (or `path::function`) named on the command line, relative to the root."""
    path, sep, function = given.partition("::")
    full = os.path.realpath(path)
    inside = os.path.relpath(full, repo.root.resolve()).replace(os.sep, "/")
    if inside == ".." or inside.startswith("../"):
        raise GateError(f"{given}: not inside the repository {repo.root}")
    return f"{inside}{sep}{function}"


def judge(ev: Evaluator, config: Config, path: str, label: str) -> Verdict:
    """The card at `path`, or the cards covering `path`: one must pass every rule."""
    results = [ev.card(path)] if is_card(config, path) else ev.candidates([path])[path]
    for result in results:
        if result.passed and result.status == APPROVED and not result.finished:
            card = ev.ctx.snapshot.read(result.path) or b""
            from gate.card import document

            run_name = str(document.parse(result.path, card).data.get("run_name", ""))
            return Verdict(path, ApprovedCard(result.path, run_name, result.digest, label), ())
    if not results:
        from gate.card.findings import Finding

        why = Finding(path, 0, "coverage", "no run card covers this file: it was never approved")
        return Verdict(path, None, (why,))
    found = tuple(f for r in results for f in r.findings if f.severity == "error")
    if not found and any(r.finished for r in results):
        from gate.card.findings import Finding

        found = tuple(
            Finding(
                r.path,
                0,
                "results",
                f"the card is finished (results recorded {r.finished}): it is the record of "
                "a run that ended and launches nothing again; a new run needs a new card "
                "(`gate generate`)",
                card=r.path,
            )
            for r in results
            if r.finished
        )
    if not found:  # passed but not APPROVED: cannot happen with sign-off enforced
        from gate.card.findings import Finding

        found = tuple(
            Finding(r.path, 0, "sign-off", f"the card is {r.status}", card=r.path) for r in results
        )
    return Verdict(path, None, found)


def verify_paths(
    repo: Repository, given: list[str], explicit: Path | None = None
) -> tuple[list[Verdict], str]:
    """A verdict for each path, and where the configuration came from."""
    from gate import kinds
    from gate.check.engine import Evaluator, Scope

    config, label = launch_config(repo, explicit)
    config.require_reviewers()
    kinds.load_extra(config.extra_kinds)
    from gate.git import git_dir
    from gate.review.verified import for_repository

    policy = policy_for(config, enforce=True, store=for_repository(git_dir()))
    scope = Scope("launch", repo, repo.worktree(), [], config, policy, None)
    ev = Evaluator(scope)
    return [judge(ev, config, relative(repo, p), label) for p in given], label


def verify(path: str | os.PathLike[str]) -> ApprovedCard:
    """For training scripts: the approved card covering `path` (a card, a config or a
    launch script), or `NotApproved` saying why. Reads the repository around `path`."""
    from gate.git import Repository

    where = os.fspath(path)
    from pathlib import Path

    folder = Path(where.partition("::")[0]).absolute().parent
    with Repository.discover(folder) as repo:
        verdicts, _ = verify_paths(repo, [where])
    verdict = verdicts[0]
    if verdict.approved is None:
        reasons = "; ".join(f"{f.path}:{f.line}: {f.message}" for f in verdict.findings)
        raise NotApproved(f"{verdict.path} is not approved to run: {reasons}", verdict.findings)
    return verdict.approved
