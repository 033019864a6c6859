"""Which files HEAD's cards cover: the hook's fast path asks this of a change that
touches no gated file and no card, since a card's approval is about every file it covers
(a shared launch script outside the gated folders, named by `path::function`), and a
change to one of them makes the card stale.

Kept in the git folder (`<git dir>/gate/covered`) under HEAD's commit id and the cards
folder, so a hook run on the same HEAD spawns no git for it. After a new commit, HEAD's
cards are listed once (`git ls-tree`), and only cards whose blob was never read before
are parsed: what each blob covers is kept in `<git dir>/gate/card-covers`. Anything
unusual (a card that does not parse, a link among the cards, a covered path with a tab)
answers None, and the full check decides. The key line holds the cards folder's name
whole (a tab in it is compared like any character; a name with a newline is never
stored, so each run builds the index afresh).
"""

from __future__ import annotations

from gate import git
from gate.check.gated import _card_path

_FILES = ("100644", "100755")


def covers_of(path: str, raw: bytes) -> list[str] | None:
    """The files (casefolded, `::function` dropped) a card's `covers` names; None when
    the card does not parse."""
    from gate.card import document

    try:
        card = document.parse(path, raw)
    except document.CardProblem:
        return None
    listed = card.data.get("covers")
    entries = [e for e in listed if isinstance(e, str)] if isinstance(listed, list) else []
    return sorted({e.partition("::")[0].casefold() for e in entries})


def _compute(folder: str, cards_dir: str) -> frozenset[str] | None:
    files = git.head_files(cards_dir)
    if files is None:
        return None
    cards = [(p, e) for p, e in files if _card_path(cards_dir, p)]
    if any(e.mode not in _FILES for _, e in cards):
        return None
    # Cards are found ignoring case (gated.py): a folder spelt in another case holds
    # cards too, which this listing did not see.
    folders = git.head_folders()
    folded = cards_dir.casefold()
    if folders is None or any(f.casefold() == folded and f != cards_dir for f in folders):
        return None
    memo: dict[str, list[str]] = {}
    for line in git.cache_lines("card-covers", folder) or []:
        sha, *covered = line.split("\t")
        if sha:
            memo[sha] = covered
    fresh: list[str] = []
    unknown = [(p, e.sha) for p, e in cards if e.sha not in memo]
    if unknown:
        from pathlib import Path

        repo = git.Repository(Path())
        try:
            for path, sha in unknown:
                listed = covers_of(path, repo.blob(sha))
                if listed is None or any("\t" in c for c in listed):
                    return None
                memo[sha] = listed
                fresh.append("\t".join([sha, *listed]))
        finally:
            repo.close()
        git.cache_store("card-covers", fresh, folder, append=True)
    return frozenset(c for _, e in cards for c in memo[e.sha])


def head_covered(cards_dir: str) -> frozenset[str] | None:
    """The files HEAD's cards cover, casefolded; None when gate cannot tell cheaply."""
    folder = git.git_dir()
    head = git.head_commit(folder) if folder else None
    if not folder or not head:
        return None
    key = f"{head}\t{cards_dir}"
    lines = git.cache_lines("covered", folder)
    if lines and lines[0] == key:
        return frozenset(lines[1:])
    covered = _compute(folder, cards_dir)
    if covered is not None:
        git.cache_store("covered", [key, *sorted(covered)], folder)
    return covered


def touches_covered(cards_dir: str, changes: list[git.Change]) -> bool:
    """Does the change touch a file HEAD's cards cover (or can gate not tell)?"""
    covered = head_covered(cards_dir)
    if covered is None:
        return True
    return any(p.casefold() in covered for c in changes for p in (c.path, c.old) if p)
