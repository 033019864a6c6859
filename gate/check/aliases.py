"""The same file reached another way: symlinks and submodules where gated files live,
and paths that differ only in case.

Gated-ness is decided on what git stores. A symlink (mode 120000) stores only its
target's text, a submodule (a gitlink, mode 160000) only a commit of another
repository: the files "inside" either are not in this repository's tree, so a glob
matching their paths as text never sees them. A link is *where gated files live* when
its path matches a gated glob, when a glob reaches below it (a gated folder, or a
folder above one, replaced by a link), or, for a symlink, when what it points to
(followed inside the repository) is either of those.

Unless `[tool.gate] allow_links = true`, such a link blocks (`link`) when the change
adds or changes it, changes what it points to, or names a path below it; under `--all`
it always does. With `allow_links`, symlinks inside the repository are followed: a
file reached through a gated path is gated (a card covering that path covers it), a
changed link counts as a change to each gated file it reaches, and a submodule is
gated as its commit. A symlink leaving the repository blocks either way.

Two paths that differ only in case, one of them gated or a card, block (`case`): on
macOS and Windows disks they are one file, and a checkout holds only one of them.

A pull request does not list the repository: it looks for links at the changed paths,
the folders above them and the folders the globs reach into (`Snapshot.links_near`),
and below wherever a symlink among those leads (`View._close`).
So an unchanged link elsewhere that points into a gated folder is reported by the hook
and by `--all`, which see every link, while a pull request judges the gated files it
names by their own paths (docs/architecture.md, "A pull request reads what it touches").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from gate.card.findings import Finding
from gate.check.gated import is_card
from gate.git.globs import compile_globs
from gate.git.snapshot import GITLINK_MODE, SYMLINK_MODE

if TYPE_CHECKING:
    from collections.abc import Iterable

    from gate.config import Config
    from gate.git import Change
    from gate.git.snapshot import Snapshot

_MAX_HOPS = 40  # symlinks followed along one path, as the kernel's limit
_OPT_IN = "`[tool.gate] allow_links = true`"


class Gating(NamedTuple):
    """What a scope must cover, and what blocks whatever covers it."""

    gated: list[str]  # paths that need a passing card, in order
    # path -> the gated paths that reach it through symlinks (a card for one covers it)
    aliases: dict[str, list[str]]
    findings: list[Finding]  # `link` and `case`
    links: list[str]  # the links where gated files live that the scope looked at


class View:
    """One state of the repository as git stores it: its links, followed inside it."""

    def __init__(
        self, snapshot: Snapshot, config: Config, near: Iterable[str] | None = None
    ) -> None:
        self.snapshot = snapshot
        self.globs = compile_globs(config.gated)
        self._followed: dict[str, tuple[list[str], str | None]] = {}
        self._reverse: dict[str, list[str]] | None = None
        # Every link, or (`near`: the paths a change touches) the links it can meet.
        if near is None:
            self.links = dict(snapshot.links())
        else:
            self.links = dict(snapshot.links_near(self.globs, near))
            self._close()

    def _close(self) -> None:
        """Add the links below where each symlink leads, and below where those lead: a
        gated path may reach a file through a symlinked folder and then a symlink in
        it (`experiments/shared -> ../common`, `common/x.yaml -> ../other/x.yaml`), so
        an edit to `other/x.yaml` is an edit to a gated file."""
        pending = [link for link, entry in self.links.items() if entry.mode == SYMLINK_MODE]
        done: set[str] = set()
        while pending:
            if self.snapshot.listed:  # every link is at hand (the index, or listed)
                self.links = dict(self.snapshot.links())
                return
            end = self.follow(pending.pop())[1]
            if not end or end in done:
                continue
            done.add(end)
            for link, entry in self.snapshot.links_below(end).items():
                if link not in self.links:
                    self.links[link] = entry
                    if entry.mode == SYMLINK_MODE:
                        pending.append(link)

    def target(self, link: str) -> str:
        return (self.snapshot.read(link) or b"").decode("utf-8", "surrogateescape")

    def follow(self, path: str) -> tuple[list[str], str | None]:
        """(the symlinks met on the way, the path every symlink on it leads to); the path
        is None when a symlink leaves the repository or they loop."""
        if path in self._followed:
            return self._followed[path]
        met: list[str] = []
        done: list[str] = []
        pending = path.split("/")
        end: str | None = None
        while pending:
            part = pending.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not done:
                    break
                done.pop()
                continue
            done.append(part)
            here = "/".join(done)
            if not self.snapshot.is_symlink(here):
                continue
            met.append(here)
            text = self.target(here)
            if len(met) > _MAX_HOPS or text.startswith("/"):
                break
            done.pop()
            pending = text.split("/") + pending
        else:
            end = "/".join(done)
        self._followed[path] = (met, end)
        return met, end

    def _here(self, path: str) -> str | None:
        """Why gated files live at `path` (by the globs alone), or None."""
        globs = self.globs
        if globs.match(path):
            return f"matches the gated glob {globs.which(path)!r}"
        if globs.contains(path):
            return f"is a folder the gated glob {globs.which(path, folder=True)!r} reaches into"
        return None

    def position(self, link: str) -> str | None:
        """Why gated files live at this link, or None when none do."""
        why = self._here(link)
        if why or self.links[link].mode != SYMLINK_MODE:
            return why
        met, end = self.follow(link)
        for hop in [*met[1:], *([end] if end else [])]:
            why = self._here(hop)
            if why:
                return f"points to {hop!r}, which {why}"
        return None

    def reach(self, link: str) -> list[str]:
        """The files of this state a symlink stands for (its target, or those below it)."""
        end = self.follow(link)[1] if self.links[link].mode == SYMLINK_MODE else None
        if not end:
            return []
        return self.snapshot.below(end)

    def aliases(self, path: str, depth: int = 0) -> list[str]:
        """Other paths that reach `path` through symlinks (inside the repository)."""
        if self._reverse is None:
            self._reverse = {}
            for link, entry in self.links.items():
                end = self.follow(link)[1] if entry.mode == SYMLINK_MODE else None
                if end:
                    self._reverse.setdefault(end, []).append(link)
        found: list[str] = []
        parts = path.split("/")
        for cut in range(len(parts), 0, -1):
            for link in self._reverse.get("/".join(parts[:cut]), []):
                alias = "/".join([link, *parts[cut:]])
                found.append(alias)
                if depth < _MAX_HOPS:
                    found += self.aliases(alias, depth + 1)
        return list(dict.fromkeys(found))

    def describe(self, link: str, why: str) -> str:
        """The `link` finding for a link where gated files live."""
        entry = self.links[link]
        if entry.mode == GITLINK_MODE:
            return (
                f"{link} is a submodule (commit {entry.sha[:10]}) and {why}: its files are "
                "in another repository, which gate does not check; commit them here "
                f"instead, or set {_OPT_IN} to gate the submodule's commit like a file"
            )
        target = self.target(link)
        met, end = self.follow(link)
        leaves = end is None
        where = ", in a loop," if len(met) > _MAX_HOPS else ", outside the repository,"
        what = f"{link} is a symlink to {target!r}{where if leaves else ''} and {why}"
        fix = "commit the real file (or folder) at this path instead"
        if leaves:
            return f"{what}: gate cannot check what it points to; {fix}"
        return (
            f"{what}: git stores only the link, so gate does not check what it "
            f"points to; {fix}, or set {_OPT_IN} to gate what symlinks point to"
        )


def _touched_links(view: View, changes: list[Change]) -> list[str]:
    """The links a change adds or changes, names a path below, or reaches through."""
    found: list[str] = []
    reaches = {
        link: end
        for link, entry in view.links.items()
        if entry.mode == SYMLINK_MODE and (end := view.follow(link)[1])
    }
    for change in changes:
        path = change.path
        parts = path.split("/")
        found += [a for k in range(1, len(parts) + 1) if (a := "/".join(parts[:k])) in view.links]
        if change.status == "D":
            continue
        found += [
            link for link, end in reaches.items() if path == end or path.startswith(end + "/")
        ]
    return list(dict.fromkeys(found))


def _collisions(snapshot: Snapshot, paths: Iterable[str]) -> list[Finding]:
    paths = list(dict.fromkeys(paths))
    folded = snapshot.variants(paths)
    findings = []
    for path in dict.fromkeys(paths):
        for other in folded.get(path.casefold(), []):
            if other != path:
                findings.append(
                    Finding(
                        path,
                        0,
                        "case",
                        f"{path} and {other} differ only in case: on macOS and Windows "
                        "disks they are one file, and a checkout there keeps only one of "
                        "them; rename or remove one",
                    )
                )
    return findings


def gating(
    snapshot: Snapshot, config: Config, changes: list[Change], *, everything: bool
) -> Gating:
    """The gated paths of a scope (`everything`: all of the state; else those the change
    touches), and the `link` and `case` findings about them."""
    touched = None if everything else [p for c in changes for p in (c.path, c.old) if p]
    view = View(snapshot, config, touched)
    globs = view.globs
    if everything:
        paths = [p for p in snapshot.paths() if p not in view.links]
        links = list(view.links)
    else:
        paths = [c.path for c in changes if c.status != "D" and c.path not in view.links]
        links = _touched_links(view, changes)
    placed = {link: why for link in links if (why := view.position(link))}
    gated = [p for p in paths if globs.match(p)]
    aliases: dict[str, list[str]] = {}
    findings: list[Finding] = []
    if not config.allow_links:
        findings += [
            Finding(link, 0, "link", view.describe(link, why)) for link, why in placed.items()
        ]
    else:
        reached = list(paths)
        for link, why in placed.items():
            if view.links[link].mode == GITLINK_MODE or globs.match(link):
                gated.append(link)
            if view.links[link].mode == SYMLINK_MODE and view.follow(link)[1] is None:
                findings.append(Finding(link, 0, "link", view.describe(link, why)))
            reached += view.reach(link)
        if not everything:
            # A changed symlink on the way from a gated one (`experiments/a.yaml ->
            # ../common/a.yaml`, `common/a.yaml` retargeted) gates nothing by its own
            # place, yet changes what the gated path reads: what it now reaches is
            # gated through that path's alias.
            reached += [p for link in links if link not in placed for p in view.reach(link)]
        for path in dict.fromkeys(reached):
            through = [a for a in view.aliases(path) if globs.match(a)]
            if through:
                aliases[path] = through
                gated.append(path)
    gated = list(dict.fromkeys(gated))
    cards = [p for p in paths if is_card(config, p)]
    findings += _collisions(snapshot, [*gated, *placed, *cards]) if gated or placed or cards else []
    return Gating(gated, aliases, findings, list(placed))
