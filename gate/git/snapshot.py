"""The files of one state of the repository: the index, a commit's tree, the working tree.

`gate.git`'s `Repository.index()`, `.tree(rev)` and `.worktree()` make them from what
`git ls-files` / `git ls-tree` list. A file of the index or a commit is read from the
object store on first use and kept for the run; the working tree's, from disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gate.git import Entry, Repository

SYMLINK_MODE = "120000"


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

    def read(self, path: str) -> bytes | None:
        """The file's bytes in this state (a symlink gives its target text), or None."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        if path not in self._cache:
            self._cache[path] = self.repo.blob(entry.sha)
        return self._cache[path]

    def paths(self) -> Iterable[str]:
        return self.entries.keys()


class WorktreeSnapshot(Snapshot):
    """The files on disk (what a reviewer looks at when signing); paths from the index."""

    def has(self, path: str) -> bool:
        return (self.repo.root / path).is_file()

    def is_symlink(self, path: str) -> bool:
        return (self.repo.root / path).is_symlink()

    def read(self, path: str) -> bytes | None:
        target = self.repo.root / path
        if target.is_symlink():
            return str(target.readlink()).encode()
        try:
            return target.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None


class LazyTree(Snapshot):
    """A commit's files, read one at a time (`REV:PATH`) without listing the tree: the
    staged check reads the committed version of a card or two. The listing (for
    symlinks and `paths()`) is made on first need; a missing commit is an empty tree."""

    def __init__(self, repo: Repository, rev: str) -> None:
        super().__init__(repo, {}, f"commit {rev}", rev=None)
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
