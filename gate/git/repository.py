"""One repository: the index and commits as snapshots, blobs through one
`cat-file --batch` reader, ranges, and (through GitPython) who added each approval."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from gate.errors import GateError
from gate.git.process import (
    FULL_HISTORY,
    Change,
    Entry,
    _run,
    parse_name_status,
    toplevel,
)

if TYPE_CHECKING:
    from pathlib import Path

    import git as gitpython

    from gate.git.snapshot import Snapshot


class _Objects:
    """One `git cat-file --batch` process answering blob reads, one at a time: a
    check reads a handful of files for a commit and thousands under `--all`."""

    def __init__(self, root: Path) -> None:
        in_read, in_write = os.pipe()
        out_read, out_write = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, in_read, 0),
            (os.POSIX_SPAWN_DUP2, out_write, 1),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_CLOSE, in_write),
            (os.POSIX_SPAWN_CLOSE, out_read),
        ]
        argv = ["git", "-C", str(root), "cat-file", "--batch"]
        try:
            self.pid = os.posix_spawnp("git", argv, os.environ, file_actions=actions)
        finally:
            os.close(in_read)
            os.close(out_write)
        self.requests = os.fdopen(in_write, "wb", buffering=0)
        self.answers = os.fdopen(out_read, "rb")

    def read(self, name: str) -> bytes | None:
        """An object by id or by `REV:PATH`; None when there is no such object."""
        self.requests.write(name.encode("utf-8", "surrogateescape") + b"\n")
        header = self.answers.readline().split()
        if header[-1:] in ([b"missing"], [b"ambiguous"]):
            return None
        if len(header) != 3:
            raise GateError(f"cannot read git object {name} ({b' '.join(header).decode()})")
        size = int(header[2])
        data = self.answers.read(size + 1)  # the content and its trailing newline
        return data[:size]

    def close(self) -> None:
        self.requests.close()
        self.answers.close()
        os.waitpid(self.pid, 0)


class Repository:
    """One git repository, opened by explicit path. Plumbing commands run directly;
    GitPython (loaded on first use) walks the history to tell who wrote an approval."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._repo: gitpython.Repo | None = None
        self._objects: _Objects | None = None
        self._author: str | None = None

    @classmethod
    def discover(cls, cwd: str | Path | None = None) -> Repository:
        return cls(toplevel(cwd))

    @property
    def gp(self) -> gitpython.Repo:
        if self._repo is None:
            import git as gitpython

            try:
                self._repo = gitpython.Repo(self.root)
            except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError) as exc:
                raise GateError(f"{self.root}: not a git repository ({exc})") from None
        return self._repo

    def _plumbing(self, *args: str) -> str:
        result = _run(["-c", "core.quotepath=off", *args], cwd=self.root)
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()
            raise GateError(f"git {' '.join(args)} failed: {detail}")
        return result.stdout.decode("utf-8", "surrogateescape")

    def _git(self, *args: str) -> str:
        """A git command through GitPython (history walks)."""
        import git as gitpython

        try:
            out: str = self.gp.git.execute(["git", "-c", "core.quotepath=off", *args])
        except gitpython.GitCommandError as exc:
            detail = (exc.stderr or "").strip().removeprefix("stderr: ").strip("'\n ")
            raise GateError(f"git {' '.join(args)} failed: {detail}") from None
        return out

    def forget_handles(self) -> None:
        """Drop the open object reader and GitPython (in a forked worker, which must not
        share the parent's pipes and opens its own)."""
        self._repo = None
        self._objects = None

    def close(self) -> None:
        """Stop the object reader, if one was started."""
        if self._objects is not None:
            self._objects.close()
            self._objects = None

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def object(self, name: str) -> bytes | None:
        """An object's content by id or `REV:PATH`, or None when it does not exist."""
        if self._objects is None:
            self._objects = _Objects(self.root)
        return self._objects.read(name)

    def blob(self, sha: str) -> bytes:
        data = self.object(sha)
        if data is None:
            raise GateError(f"git object {sha} is missing from the repository")
        return data

    # -- states -----------------------------------------------------------------
    def index(self) -> Snapshot:
        from gate.git.snapshot import Snapshot

        raw = _run(["ls-files", "-s", "-z"], cwd=self.root)
        if raw.returncode != 0:
            raise GateError(f"cannot read the index: {raw.stderr.decode().strip()}")
        entries: dict[str, Entry] = {}
        for record in raw.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, sha, stage = meta.split(" ")
            if stage in ("0", "2"):  # mid-merge, "ours" stands for the file
                entries[path] = Entry(mode, sha)
        return Snapshot(self, entries, "the index")

    def lazy_tree(self, rev: str) -> Snapshot:
        """A commit's files, read one by one as `REV:PATH`; listed only if asked to."""
        from gate.git.snapshot import LazyTree

        return LazyTree(self, rev)

    def worktree(self) -> Snapshot:
        from gate.git.snapshot import WorktreeSnapshot

        return WorktreeSnapshot(self, self.index().entries, "the working tree")

    def tree(self, rev: str) -> Snapshot:
        from gate.git.snapshot import Snapshot

        sha = self.resolve(rev)
        raw = self._plumbing("ls-tree", "-r", "-z", "--full-tree", sha)
        entries: dict[str, Entry] = {}
        for record in raw.split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, obj = meta.split(" ")
            if kind == "blob":
                entries[path] = Entry(mode, obj)
        return Snapshot(self, entries, f"commit {sha[:10]}", rev=sha)

    def has_head(self) -> bool:
        return _run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=self.root).returncode == 0

    def resolve(self, rev: str) -> str:
        result = _run(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=self.root)
        if result.returncode != 0:
            shallow = self.is_shallow()
            hint = f"; this clone is shallow: {FULL_HISTORY}" if shallow else ""
            raise GateError(f"unknown revision {rev!r}{hint}")
        return result.stdout.decode().strip()

    def is_shallow(self) -> bool:
        result = _run(["rev-parse", "--is-shallow-repository"], cwd=self.root)
        return result.stdout.decode().strip() == "true"

    def merge_base(self, base: str, head: str = "HEAD") -> str:
        base_sha, head_sha = self.resolve(base), self.resolve(head)
        result = _run(["merge-base", base_sha, head_sha], cwd=self.root)
        if result.returncode != 0:
            hint = FULL_HISTORY if self.is_shallow() else "are they from the same repository?"
            raise GateError(f"no merge-base between {base} and {head}: {hint}")
        return result.stdout.decode().strip()

    def range_changes(self, base: str, head: str) -> list[Change]:
        raw = self._plumbing("diff", "--name-status", "-z", "-M", base, head)
        return parse_name_status(raw.encode("utf-8", "surrogateescape"))

    def author_email(self) -> str:
        """Who the commit being made will be authored by (GIT_AUTHOR_EMAIL, user.email)."""
        if self._author is None:
            self._author = self._ask_author()
        return self._author

    def _ask_author(self) -> str:
        result = _run(["var", "GIT_AUTHOR_IDENT"], cwd=self.root)
        ident = result.stdout.decode().strip()
        if result.returncode != 0 or "<" not in ident:
            return ""
        return ident[ident.index("<") + 1 : ident.index(">")]

    def grep(self, snapshot: Snapshot, needles: Iterable[str], under: str) -> set[str]:
        """Files under `under` in the snapshot whose text contains any needle (fixed strings)."""
        patterns = [arg for needle in sorted(set(needles)) for arg in ("-e", needle)]
        if not patterns:
            return set()
        where = ["--cached"] if snapshot.rev is None else []
        rev = [snapshot.rev] if snapshot.rev is not None else []
        result = _run(
            ["-c", "core.quotepath=off", "grep", "-l", "-F", *where, *patterns, *rev, "--", under],
            cwd=self.root,
        )
        if result.returncode not in (0, 1):
            raise GateError(f"git grep failed: {result.stderr.decode().strip()}")
        prefix = f"{snapshot.rev}:" if snapshot.rev else ""
        return {line.removeprefix(prefix) for line in result.stdout.decode().splitlines()}

    def added_lines(self, revs: list[str], paths: Iterable[str], marker: str) -> dict[str, Blame]:
        """Each line containing `marker` that a commit in `revs` added to `paths`, mapped to
        the newest commit that added it (for telling who wrote an approval)."""
        paths = list(paths)
        if not paths:
            return {}
        raw = self._git(
            "log", "-p", "-U0", "-M", "--no-color", "--format=%x00%H %ae", *revs, "--", *paths
        )
        found: dict[str, Blame] = {}
        commit = Blame("", "")
        for line in raw.split("\n"):
            if line.startswith("\0"):
                sha, _, email = line[1:].partition(" ")
                commit = Blame(sha, email)
            elif line.startswith("+") and marker in line and not line.startswith("+++"):
                found.setdefault(line[1:].strip(), commit)
        return found

    def worktree_has(self, path: str) -> bool:
        return (self.root / path).is_file()


class Blame(NamedTuple):
    commit: str
    email: str
