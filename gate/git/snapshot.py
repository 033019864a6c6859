"""The files of one state of the repository: the index, a commit's tree, the working tree.

`gate.git`'s `Repository.index()`, `.tree(rev)` and `.worktree()` make them from what
`git ls-files` / `git ls-tree` list. A file of the index or a commit is read from the
object store on first use and kept for the run; the working tree's, from disk. Each
entry is what git stores: a symlink's content is its target's text, and a submodule
(a gitlink) is listed too, its content the commit it pins (`Subproject commit SHA`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gate.git import Entry, Repository
    from gate.git.globs import Globs

from gate.git.process import GITLINK_MODE, LINK_MODES, SYMLINK_MODE, TREE_MODE

__all__ = [
    "GITLINK_MODE",
    "LINK_MODES",
    "SYMLINK_MODE",
    "TREE_MODE",
    "LazyTree",
    "Snapshot",
    "WorktreeSnapshot",
]


class Snapshot:
    """The files of one state of the repository: the index or a commit's tree."""

    def __init__(
        self, repo: Repository, entries: Mapping[str, Entry], label: str, rev: str | None = None
    ) -> None:
        self.repo = repo
        self.entries = entries
        self.label = label  # "the index", "commit 1a2b3c4"
        self.rev = rev  # the commit, for a tree snapshot
        self._cache: dict[str, bytes] = {}
        self.memo: dict[Any, Any] = {}  # values derived from files, for this run

    def has(self, path: str) -> bool:
        return path in self.entries

    @property
    def listed(self) -> bool:
        """Is every entry at hand (so `links_near` gives every link)? A `LazyTree`
        only once it has listed itself."""
        return True

    def entry(self, path: str) -> Entry | None:
        """The path's entry (a file, symlink or submodule), or None."""
        return self.entries.get(path)

    def region(self, globs: Globs) -> Mapping[str, Entry]:
        """Every entry where the globs could gate something: each path they match and
        each path below a folder they reach into, with others of the same folders (all
        of them here; a `LazyTree` looks only in those folders)."""
        self.paths()  # a lazy tree lists itself
        return self.entries

    def links_near(self, globs: Globs, paths: Iterable[str]) -> dict[str, Entry]:
        """The links a change of `paths` can meet: those in the globs' region, at each
        path and at each folder above one (here: every link)."""
        return self.links()

    def below(self, path: str) -> list[str]:
        """The files at `path` or below it."""
        return list(self._under(path))

    def links_below(self, path: str) -> dict[str, Entry]:
        """The links (symlinks and submodules) at `path` or below it."""
        return {p: e for p, e in self._under(path).items() if e.mode in LINK_MODES}

    def _under(self, path: str) -> Mapping[str, Entry]:
        """The entries at `path` or below it."""
        inside = path + "/"
        self.paths()  # a lazy tree lists itself
        return {p: e for p, e in self.entries.items() if p == path or p.startswith(inside)}

    def variants(self, paths: Iterable[str]) -> dict[str, list[str]]:
        """The paths of this state equal to one of `paths` ignoring case, by case-folded
        form."""
        targets = {p.casefold() for p in paths}
        found: dict[str, list[str]] = {}
        for other in [p for p in self.paths() if p.casefold() in targets]:
            found.setdefault(other.casefold(), []).append(other)
        return found

    def is_symlink(self, path: str) -> bool:
        entry = self.entries.get(path)
        return entry is not None and entry.mode == SYMLINK_MODE

    def links(self) -> dict[str, Entry]:
        """Every symlink and submodule of this state, by path."""
        key = "snapshot-links"
        if key not in self.memo:
            self.paths()  # a lazy tree lists itself
            self.memo[key] = {p: e for p, e in self.entries.items() if e.mode in LINK_MODES}
        found: dict[str, Entry] = self.memo[key]
        return found

    def read(self, path: str) -> bytes | None:
        """The file's bytes in this state (a symlink gives its target text, a submodule
        the commit it pins), or None."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        if path not in self._cache:
            if entry.mode == GITLINK_MODE:
                self._cache[path] = f"Subproject commit {entry.sha}\n".encode()
            else:
                self._cache[path] = self.repo.blob(entry.sha)
        return self._cache[path]

    def paths(self) -> Iterable[str]:
        return self.entries.keys()

    def preload(self, paths: Iterable[str]) -> None:
        """Read these files now, all in one go (what `--all` is about to read one by
        one); each distinct blob is read once."""
        wanted = {}
        for path in paths:
            entry = self.entries.get(path)
            if entry is not None and entry.mode != GITLINK_MODE and path not in self._cache:
                wanted[path] = entry.sha
        found = self.repo.blobs(wanted.values())
        for path, sha in wanted.items():
            if sha in found:
                self._cache[path] = found[sha]


class WorktreeSnapshot(Snapshot):
    """The files on disk (what a reviewer looks at when signing, what a launch runs), each
    read as git would commit it: through its clean filter and end-of-line conversion
    (`Repository.as_committed`), so a digest here equals the digest of the same files
    staged or committed, under `core.autocrlf` or `eol=crlf` alike. Paths from the index.

    A miss asks git for the file together with the not yet read files of the same folder
    and suffix (up to `_BATCH`, each under `_SIBLING_BYTES`): `gate status` over a
    thousand cards runs a few git commands per folder, not per file."""

    _BATCH = 64
    _SIBLING_BYTES = 1 << 20

    def has(self, path: str) -> bool:
        return self._submodule(path) is not None or (self.repo.root / path).is_file()

    def is_symlink(self, path: str) -> bool:
        return (self.repo.root / path).is_symlink()

    def _submodule(self, path: str) -> bytes | None:
        """A submodule of the index as the working tree has it: the commit checked out
        in its folder (the index's when it is not checked out)."""
        entry = self.entries.get(path)
        if entry is None or entry.mode != GITLINK_MODE:
            return None
        from gate.git.process import worktree_head

        commit = worktree_head(os.path.join(self.repo.root, path)) or entry.sha
        return f"Subproject commit {commit}\n".encode()

    def read(self, path: str) -> bytes | None:
        target = self.repo.root / path
        pinned = self._submodule(path)
        if pinned is not None:
            return pinned
        if target.is_symlink():
            return str(target.readlink()).encode()
        if path not in self._cache:
            if not target.is_file():
                return None
            self._cache.update(self.repo.as_committed([path, *self._neighbours(path)]))
        if path not in self._cache:  # git would not take it (e.g. inside a submodule)
            try:
                self._cache[path] = target.read_bytes()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return None
        return self._cache[path]

    def _neighbours(self, path: str) -> list[str]:
        """Files in `path`'s folder with its suffix, not read yet: likely asked for next."""
        folder, _, name = path.rpartition("/")
        suffix = name[name.rfind(".") :] if "." in name else None
        found: list[str] = []
        if suffix is None:
            return found
        try:
            with os.scandir(self.repo.root / folder) as entries:
                for entry in entries:
                    near = f"{folder}/{entry.name}" if folder else entry.name
                    if (
                        entry.name.endswith(suffix)
                        and near != path
                        and near not in self._cache
                        and entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_size < self._SIBLING_BYTES
                    ):
                        found.append(near)
                        if len(found) >= self._BATCH:
                            break
        except OSError:
            pass
        return found


class LazyTree(Snapshot):
    """A commit's files, found without listing the tree: a pull request's check reads
    a card or two, and looks only where its rules need to (the folders above a path,
    the folders a gated glob reaches into). Each folder is one tree object read through
    the repository's `cat-file --batch` reader, once. The whole listing (`paths()`) is
    made on first need, and when a search would read more than `_FOLDERS` folders.
    A missing commit is an empty tree."""

    _FOLDERS = 512

    def __init__(self, repo: Repository, rev: str, *, commit: str | None = None) -> None:
        super().__init__(repo, {}, f"commit {(commit or rev)[:10]}", rev=commit)
        self.name = rev
        self._listed = False
        self._folders: dict[str, dict[str, Entry] | None] = {}
        self._folded: dict[str, dict[str, list[str]]] = {}

    @property
    def listed(self) -> bool:
        return self._listed

    def _list(self) -> None:
        if not self._listed:
            self._listed = True
            if self.rev is not None:  # a commit id: listed as it is, not looked up again
                self.entries = self.repo.listing(self.rev)
            elif self.name != "HEAD" or self.repo.has_head():
                self.entries = self.repo.tree(self.name).entries

    def _folder(self, path: str) -> dict[str, Entry] | None:
        """One folder's entries by name (subfolders with mode 040000), or None."""
        if path not in self._folders:
            found = None
            if not path:
                found = self.repo.folder(self.name)
            else:
                parent, _, name = path.rpartition("/")
                above = self._folder(parent) if parent or "/" not in path else None
                entry = above.get(name) if above is not None else None
                if entry is not None and entry.mode == TREE_MODE:
                    found = self.repo.folder(entry.sha)
            self._folders[path] = found
        return self._folders[path]

    def entry(self, path: str) -> Entry | None:
        if self._listed:
            return self.entries.get(path)
        parent, _, name = path.rpartition("/")
        listing = self._folder(parent) if parent or "/" not in path else None  # not `/x`
        found = listing.get(name) if listing is not None else None
        return found if found is not None and found.mode != TREE_MODE else None

    def has(self, path: str) -> bool:
        return self.entry(path) is not None

    def is_symlink(self, path: str) -> bool:
        entry = self.entry(path)
        return entry is not None and entry.mode == SYMLINK_MODE

    def read(self, path: str) -> bytes | None:
        if path not in self._cache:
            entry = self.entry(path)
            if entry is None:
                return None
            if entry.mode == GITLINK_MODE:
                self._cache[path] = f"Subproject commit {entry.sha}\n".encode()
            else:
                self._cache[path] = self.repo.blob(entry.sha)
        return self._cache[path]

    def paths(self) -> Iterable[str]:
        self._list()
        return super().paths()

    def _walk(self, top: str, descend: Callable[[str], bool]) -> dict[str, Entry] | None:
        """The entries below folder `top`, going into the subfolders `descend` accepts,
        in git's order (a listing's); None when that would read more than `_FOLDERS`
        folders."""
        found: dict[str, Entry] = {}
        budget = self._FOLDERS - 1
        stack = [(top, iter((self._folder(top) or {}).items()))]
        while stack:
            folder, entries = stack[-1]
            for name, entry in entries:
                path = f"{folder}/{name}" if folder else name
                if entry.mode != TREE_MODE:
                    found[path] = entry
                elif descend(path):
                    budget -= 1
                    if budget < 0:
                        return None
                    stack.append((path, iter((self._folder(path) or {}).items())))
                    break
            else:
                stack.pop()
        return found

    def region(self, globs: Globs) -> Mapping[str, Entry]:
        key = ("region", globs.normal)
        if key not in self.memo:
            found = None if self._listed else self._walk("", globs.contains)
            self.memo[key] = found if found is not None else super().region(globs)
        region: Mapping[str, Entry] = self.memo[key]
        return region

    def links_near(self, globs: Globs, paths: Iterable[str]) -> dict[str, Entry]:
        near = {p: e for p, e in self.region(globs).items() if e.mode in LINK_MODES}
        if self._listed:  # the region took the whole listing
            return self.links()
        for path in paths:
            parts = path.split("/")
            for end in range(1, len(parts) + 1):
                here = "/".join(parts[:end])
                entry = self.entry(here)
                if entry is not None and entry.mode in LINK_MODES:
                    near[here] = entry
        return near

    def _under(self, path: str) -> Mapping[str, Entry]:
        entry = self.entry(path)
        if entry is not None:
            return {path: entry}
        found = None if self._listed or not path else self._walk(path, lambda _: True)
        return found if found is not None else super()._under(path)

    def variants(self, paths: Iterable[str]) -> dict[str, list[str]]:
        if self._listed:
            return super().variants(paths)
        found: dict[str, list[str]] = {}
        for target in {p.casefold() for p in paths}:
            parts = target.split("/")
            level = [""]
            for depth, part in enumerate(parts):
                last = depth == len(parts) - 1
                deeper: list[str] = []
                for folder in level:
                    listing = self._folder(folder) or {}
                    for name in self._by_case(folder, listing).get(part, []):
                        path = f"{folder}/{name}" if folder else name
                        folder_here = listing[name].mode == TREE_MODE
                        if last and not folder_here:
                            found.setdefault(target, []).append(path)
                        elif folder_here and not last:
                            deeper.append(path)
                level = deeper
        return found

    def _by_case(self, folder: str, listing: Mapping[str, Entry]) -> dict[str, list[str]]:
        """A folder's names by their case-folded form."""
        if folder not in self._folded:
            folded: dict[str, list[str]] = {}
            for name in listing:
                folded.setdefault(name.casefold(), []).append(name)
            self._folded[folder] = folded
        return self._folded[folder]
