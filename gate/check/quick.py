"""The hook's fast answer: does the staged change touch anything the gate cares about?

Most commits touch no config, launch script or card. For them `gate check` must cost
little more than starting Python (docs/architecture.md: 2.5x). So this path runs two `git`
commands and reads the gated globs from a small per-repository cache, keyed by the
object id of the staged pyproject.toml (so any edit to it is a new key), kept in the
git folder. Only a `[tool.gate]` that validated in full is cached; anything unusual
(a symlink or submodule in the change or where gated files live: `gated.touches`)
returns False and the full check runs and reports.
"""

from __future__ import annotations

from gate import git
from gate.check.gated import touches

PYPROJECT = "pyproject.toml"


def _staged_config(changes: list[git.Change]) -> str | None:
    """The object id of the staged pyproject.toml, without reading the index again: the
    change names it when it touches the file, else it is HEAD's."""
    for change in changes:
        if change.path == PYPROJECT:
            if change.status == "D":
                return None
            return change.sha or git.staged_blob(PYPROJECT)
        if change.old == PYPROJECT:
            return None  # renamed away: no pyproject.toml in the index
    return git.head_blob(PYPROJECT)


def _patterns(changes: list[git.Change]) -> tuple[str, tuple[str, ...]]:
    """(cards_dir, gated globs) of the staged pyproject.toml; GateError if it is bad.
    (`gate.config` is imported only when the cache cannot answer: it is a tenth of the
    hook's budget.)"""
    sha = _staged_config(changes)
    cached = git.cache_lines(f"config-{sha}") if sha is not None else None
    if cached:
        return cached[0], tuple(cached[1:])
    from gate import config

    if sha is None:
        return config.DEFAULT_CARDS_DIR, config.DEFAULT_GATED
    raw = git.blob_bytes(sha)
    parsed = config.parse(raw.decode("utf-8"), source=f"{PYPROJECT} (the index)")
    git.cache_store(f"config-{sha}", [parsed.cards_dir, *parsed.gated])
    return parsed.cards_dir, parsed.gated


def nothing_gated() -> tuple[bool, list[git.Change]]:
    """Whether the staged change touches no gated file, no card and no file a card
    covers; and the change."""
    changes = git.staged_changes()
    if not changes:
        return True, changes
    cards_dir, gated = _patterns(changes)
    if touches(cards_dir, gated, changes):
        return False, changes
    from gate.check.covering import touches_covered

    return not touches_covered(cards_dir, changes), changes
