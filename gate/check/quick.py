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

import os

from gate import git
from gate.check.gated import touches

PYPROJECT = "pyproject.toml"
_FOLDER = "gate"


def _cache_path(sha: str) -> str | None:
    folder = git.git_dir()
    return os.path.join(folder, _FOLDER, f"config-{sha}") if folder else None


def _load(path: str) -> tuple[str, tuple[str, ...]] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except OSError:
        return None
    if len(lines) < 2 or lines[-1] != "":
        return None
    return lines[0], tuple(lines[1:-1])


def _store(path: str, cards_dir: str, gated: tuple[str, ...]) -> None:
    if any("\n" in text for text in (cards_dir, *gated)):
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write("\n".join((cards_dir, *gated)) + "\n")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only git folder only costs speed


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
    cache = _cache_path(sha) if sha is not None else None
    cached = _load(cache) if cache else None
    if cached is not None:
        return cached
    from gate import config

    if sha is None:
        return config.DEFAULT_CARDS_DIR, config.DEFAULT_GATED
    raw = git.blob_bytes(sha)
    parsed = config.parse(raw.decode("utf-8"), source=f"{PYPROJECT} (the index)")
    if cache:
        _store(cache, parsed.cards_dir, parsed.gated)
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
