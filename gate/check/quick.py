"""The hook's fast answer: does the staged change touch anything the gate cares about?

Most commits touch no config, launch script or card. For them `gate check` must cost
little more than starting Python (docs/architecture.md: 2.5x). So this path runs one
`git` command, started before this module loads so that git reads the index while
Python imports (and `git rev-parse` after a new commit), and reads the gated globs from
a small per-repository cache, keyed by the object id of the staged pyproject.toml (so
any edit to it is a new key), kept in the git folder. Only a `[tool.gate]` that
validated in full is cached; anything unusual (a symlink or submodule in the change or
where gated files live: `gated.touches`) returns False and the full check runs and
reports.
"""

from __future__ import annotations

from gate import git
from gate.check.covering import touches_covered
from gate.check.gated import touches
from gate.errors import GateError

PYPROJECT = "pyproject.toml"


def _staged_config(changes: list[git.Change], head: str | None) -> str | None:
    """The object id of the staged pyproject.toml, without reading the index again: the
    change names it when it touches the file, else it is HEAD's (`head`)."""
    for change in changes:
        if change.path == PYPROJECT:
            if change.status == "D":
                return None
            return change.sha or git.staged_blob(PYPROJECT)
        if change.old == PYPROJECT:
            return None  # renamed away: no pyproject.toml in the index
    return head


def _patterns(sha: str | None) -> tuple[str, tuple[str, ...]]:
    """(cards_dir, gated globs) of the pyproject.toml blob `sha` (None: no such file);
    GateError if it is bad. (`gate.config` is imported only when the cache cannot
    answer: it is a tenth of the hook's budget.)"""
    cached = git.cache_lines(f"config-{sha}") if sha is not None else None
    if cached:
        return cached[0], tuple(cached[1:])
    from gate import config

    if sha is None:
        return config.DEFAULT_CARDS_DIR, config.DEFAULT_GATED
    try:
        text = git.blob_bytes(sha).decode("utf-8")
    except UnicodeDecodeError:
        raise GateError(f"{PYPROJECT} (the index): not UTF-8") from None
    parsed = config.parse(text, source=f"{PYPROJECT} (the index)")
    git.cache_store(f"config-{sha}", [parsed.cards_dir, *parsed.gated])
    return parsed.cards_dir, parsed.gated


def _head_patterns(head: str | None) -> tuple[str, tuple[str, ...]] | None:
    """HEAD's (cards_dir, gated globs), or None when HEAD's pyproject.toml is bad (the
    staged one may mend it; else the full check reports it)."""
    try:
        return _patterns(head)
    except GateError:
        return None


def nothing_gated(started: git.Started | None = None) -> tuple[bool, list[git.Change]]:
    """Whether the staged change touches no gated file, no card and no file a card
    covers; and the change. `started`: the change's `git diff-index`, already running
    (`git.start_staged`): HEAD's configuration is read while git reads the index."""
    head = git.head_blob(PYPROJECT)
    in_force = _head_patterns(head) if started is not None else None
    changes = git.staged_changes(started=started)
    if not changes:
        return True, changes
    sha = _staged_config(changes, head)
    cards_dir, gated = in_force if in_force and sha == head else _patterns(sha)
    if touches(cards_dir, gated, changes):
        return False, changes
    return not touches_covered(cards_dir, changes), changes
