"""Which paths the gate cares about: gated files (by glob) and cards (by folder).

Both compare ignoring case: two paths that differ only in case are one file on macOS
and Windows disks, so neither may escape what the other is (gate/git/globs.py).
"""

from __future__ import annotations

import posixpath

from gate.git.globs import compile_globs

TYPE_CHECKING = False  # not `typing` nor `collections`: the hook's fast path does without
if TYPE_CHECKING:
    from collections.abc import Iterable

    from gate.config import Config
    from gate.git import Change

NOT_CARDS = frozenset({"readme.md", "index.md"})


def _card_path(cards_dir: str, path: str) -> bool:
    folded = path.casefold()
    return (
        folded.startswith(cards_dir.casefold() + "/")
        and folded.endswith(".md")
        and posixpath.basename(folded) not in NOT_CARDS
    )


def is_card(config: Config, path: str) -> bool:
    return _card_path(config.cards_dir, path)


def card_for_stem(config: Config, path: str) -> str:
    """The card a gated file has by convention: experiments/x.yaml <-> run-cards/x.md."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return f"{config.cards_dir}/{stem}.md"


def touches(cards_dir: str, gated: tuple[str, ...], changes: Iterable[Change]) -> bool:
    """Does the change touch a gated file or a card, or a way to reach one? (The fast
    path asks this; when it answers yes, the full check decides.)

    A symlink or submodule anywhere in the change counts, and so does any change while
    HEAD holds one where gated files live (a change to what it points to is a change to
    gated files): the full check looks at where each link is and where it points."""
    globs = compile_globs(gated)
    changes = list(changes)
    for change in changes:
        if change.links:
            return True
        for path in (change.path, change.old):
            if path and (globs.match(path) or _card_path(cards_dir, path)):
                return True
    if not changes:
        return False
    from gate import git

    # No link in the change, so the index holds exactly HEAD's links.
    return any(globs.match(p) or globs.contains(p) for p in git.head_links())
