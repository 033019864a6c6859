"""The files of one state of the repository: the index, a commit's tree, the working tree.

`gate.git`'s `Repository.index()`, `.tree(rev)` and `.worktree()` make them from what
`git ls-files` / `git ls-tree` list. A file of the index or a commit is read from the
object store on first use and kept for the run; the working tree's, from disk. Each
entry is what git stores: a symlink's content is its target's text, and a submodule
(a gitlink) is listed too, its content the commit it pins (`Subproject commit SHA`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gate.git import Entry, Repository

SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"
LINK_MODES = (SYMLINK_MODE, GITLINK_MODE)


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
    """A commit's files, read one at a time (`REV:PATH`) without listing the tree: the
    staged check reads the committed version of a card or two. The listing (for
    symlinks and `paths()`) is made on first need; a missing commit is an empty tree."""

    def __init__(self, repo: Repository, rev: str, *, commit: str | None = None) -> None:
        super().__init__(repo, {}, f"commit {(commit or rev)[:10]}", rev=commit)
        self.name = rev
        self._listed = False

    def _list(self) -> None:
        if not self._listed:
            self._listed = True
            if self.repo.has_head() or self.name != "HEAD":
                self.entries = self.repo.tree(self.name).entries

    def has(self, path: str) -> bool:
        self._list()
        return super().has(path)

    def is_symlink(self, path: str) -> bool:
        self._list()
        return super().is_symlink(path)

    def read(self, path: str) -> bytes | None:
        if self._listed:
            return super().read(path)
        if path not in self._cache:
            data = self.repo.object(f"{self.name}:{path}")
            if data is None:
                return None
            self._cache[path] = data
        return self._cache[path]

    def paths(self) -> Iterable[str]:
        self._list()
        return super().paths()
