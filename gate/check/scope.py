"""Build the Scope of a check from the command line: staged, files, a range, or all."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gate import config as configuration
from gate import git
from gate.errors import GateError

if TYPE_CHECKING:
    from pathlib import Path

    from gate.check.engine import Scope
    from gate.config import Config
    from gate.git import Repository
    from gate.review.signoff import Policy
    from gate.review.verified import Store

PYPROJECT = "pyproject.toml"


def _decode(raw: bytes | None, source: str) -> str | None:
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GateError(f"{source}: not UTF-8") from None


def config_from(raw: bytes | None, where: str, explicit: Path | None) -> Config:
    """The config in force: an explicit file, else pyproject.toml as of `where`."""
    if explicit is not None:
        try:
            text = explicit.read_text(encoding="utf-8")
        except OSError as exc:
            raise GateError(f"--config {explicit}: {exc.strerror}") from None
        return configuration.parse(text, source=str(explicit))
    source = f"{PYPROJECT} ({where})"
    return configuration.parse(_decode(raw, source), source=source)


def staged_is_quiet(
    explicit: Path | None, changes: list[git.Change] | None = None
) -> tuple[bool, list[git.Change], Config]:
    """Does the staged change (given, or read now) touch nothing gated, carded or covered?"""
    from gate.check.gated import touches

    changes = git.staged_changes() if changes is None else changes
    config = config_from(git.staged_file(PYPROJECT), "the index", explicit)
    if touches(config.cards_dir, config.gated, changes):
        return False, changes, config
    from gate.check.covering import touches_covered

    return not touches_covered(config.cards_dir, changes), changes, config


def _store() -> Store | None:
    """Where this repository remembers the signatures it verified (`.git/gate/`)."""
    from gate.review.verified import for_repository

    return for_repository(git.git_dir())


def _branch_policy(repo: Repository, config: Config, *, pushing: bool = False) -> Policy:
    """Sign-off on a branch: enforced on a protected one (and on a detached HEAD, which
    names no branch); elsewhere a missing approval is a warning. A pre-push judges the
    branch being pushed to (`PRE_COMMIT_REMOTE_BRANCH`)."""
    from gate.review.signoff import policy_for

    remote = os.environ.get("PRE_COMMIT_REMOTE_BRANCH", "") if pushing else ""
    branch = remote.removeprefix("refs/heads/") if remote else repo.branch()
    enforce = config.is_protected(branch)
    where = f"branch {branch!r}" if branch else ""
    return policy_for(config, enforce=enforce, where=where, store=_store())


def staged(repo: Repository, changes: list[git.Change], config: Config, name: str) -> Scope:
    from gate.check.engine import Scope

    previous = repo.lazy_tree("HEAD")
    policy = _branch_policy(repo, config)
    return Scope(name, repo, repo.index(), changes, config, policy, previous)


def inside(repo: Repository, given: str) -> str | None:
    """A path named on the command line, relative to the repository's root as written:
    a symlink is never followed, since a staged symlink is gated as the link (what git
    stores), not as what it points to. Only folders above the repository are resolved
    (a root reached through a symlinked folder). None outside the repository."""
    from pathlib import Path

    full = Path(os.path.normpath(Path(given).absolute()))
    root = repo.root.resolve()
    for top in (repo.root, root):
        if full.is_relative_to(top):
            return full.relative_to(top).as_posix()
    for end in range(1, len(full.parts)):
        if Path(*full.parts[:end]).resolve() == root:
            return "/".join(full.parts[end:])
    return None


def files(repo: Repository, paths: Sequence[str], explicit: Path | None) -> Scope:
    index = repo.index()
    config = config_from(index.read(PYPROJECT), "the index", explicit)
    changes = []
    for given in paths:
        path = inside(repo, given)
        if path is None:
            continue  # outside the repository: matches nothing
        entry = index.entries.get(path)
        mode = entry.mode if entry is not None else ""
        changes.append(git.Change("M" if entry is not None else "D", path, mode=mode))
    scope = staged(repo, changes, config, "files")
    scope.snapshot = index
    return scope


def commit_range(
    repo: Repository, base: str, head: str, explicit: Path | None, name: str = "base"
) -> Scope:
    """A pull request (`base`: sign-off enforced) or a push (`range`: as its branch):
    merge-base(base, head)..head, with the merge-base's config and reviewers' keys, so
    the change cannot add the key it signs with."""
    from gate.check import configchange
    from gate.check.engine import Scope
    from gate.review.signoff import policy_for

    if repo.is_shallow():
        raise GateError(
            f"this clone is shallow, so gate cannot see the whole change: {git.FULL_HISTORY}"
        )
    merge_base = repo.merge_base(base, head)
    head_sha = repo.resolve(head)
    # Neither side is listed: the merge-base is read file by file (its config, a deleted
    # card), the head where the rules look (`LazyTree`). A listing would cost a pull
    # request time in proportion to the repository.
    before = repo.lazy_tree(merge_base, commit=merge_base)
    after = repo.lazy_tree(head_sha, commit=head_sha)
    where = f"merge-base {merge_base[:10]}"
    if explicit is not None:
        # An explicit config is read as of the merge-base too: the PR cannot edit it.
        inside = os.path.relpath(os.path.realpath(explicit), repo.root.resolve())
        inside = inside.replace(os.sep, "/")
        raw = None if inside.startswith("..") else before.read(inside)
        if raw is None:
            raise GateError(
                f"--config {explicit}: not in the {where}; under --base the "
                "configuration in force is the merge-base's"
            )
        config = configuration.parse(_decode(raw, str(explicit)), source=f"{inside} ({where})")
    else:
        config = config_from(before.read(PYPROJECT), where, None)
    if name == "base":
        policy = policy_for(config, enforce=True, store=_store())
    else:
        policy = _branch_policy(repo, config, pushing=True)
    scope = Scope(
        name, repo, after, repo.range_changes(merge_base, head_sha), config, policy, before
    )
    scope.notes += configchange.findings(before.read(PYPROJECT), after.read(PYPROJECT))
    return scope


def everything(
    repo: Repository, explicit: Path | None, rev: str = "HEAD", name: str = "all"
) -> Scope:
    """Every card and gated file of one commit; sign-off as the branch it runs on."""
    from gate.check.engine import Scope

    commit = repo.try_resolve(rev) if rev == "HEAD" else None
    if rev == "HEAD" and commit is None:
        raise GateError("--all checks the HEAD commit, and this repository has no commits yet")
    tree = repo.tree(rev, commit=commit)
    config = config_from(tree.read(PYPROJECT), rev, explicit)
    policy = _branch_policy(repo, config, pushing=name == "range")
    return Scope(name, repo, tree, [], config, policy, None, everything=True)
