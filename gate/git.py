"""All git access: what changed, what would be committed, and who wrote a line.

The hot path of a commit with nothing gated in it runs two plain `git` commands and
never imports GitPython (its import alone costs several times a bare interpreter
start, DESIGN.md's budget for that case). Everything else goes through GitPython,
opened by explicit path: inside a hook GIT_DIR and GIT_INDEX_FILE are set, and the
index a `git commit -a` or `git commit PATH` is about to write lives in the
temporary file GIT_INDEX_FILE names, which the `git` commands below honour.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from gate.errors import GateError

if TYPE_CHECKING:
    from pathlib import Path

    import git as gitpython

    from gate.snapshot import Snapshot

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
FULL_HISTORY = (
    "fetch the full history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`) "
    "so gate can see every commit of the change"
)


class Change(NamedTuple):
    """One path the change touches: status A, M, D, R (renamed to `path` from `old`), T."""

    status: str
    path: str
    old: str = ""


class Entry(NamedTuple):
    """A file in the index or a tree: its mode (120000 for a symlink) and its blob id."""

    mode: str
    sha: str


class Ran(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes


def _drain(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _run(args: list[str], *, cwd: str | Path | None = None) -> Ran:
    """Run `git ARGS` and collect its output.

    Spawned directly (`os.posix_spawnp`) rather than through `subprocess`, whose import
    alone is a tenth of the hook's time budget on a commit with nothing gated. Output is
    read to the end before stderr: git's stderr here is a line or two, far below a pipe's
    buffer, so neither side can block the other.
    """
    argv = ["git", *(["-C", str(cwd)] if cwd is not None else []), *args]
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, out_write, 1),
        (os.POSIX_SPAWN_DUP2, err_write, 2),
        (os.POSIX_SPAWN_CLOSE, out_read),
        (os.POSIX_SPAWN_CLOSE, err_read),
    ]
    try:
        pid = os.posix_spawnp("git", argv, os.environ, file_actions=actions)
    except FileNotFoundError:
        os.close(out_read)
        os.close(err_read)
        raise GateError("git is not installed or not on PATH") from None
    finally:
        os.close(out_write)
        os.close(err_write)
    stdout, stderr = _drain(out_read), _drain(err_read)
    _, status = os.waitpid(pid, 0)
    return Ran(os.waitstatus_to_exitcode(status), stdout, stderr)


def parse_name_status(raw: bytes) -> list[Change]:
    """`git diff --name-status -z` output as `Change`s (renames give the new path)."""
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            changes.append(Change("R" if status == "R" else "A", fields[i + 2], fields[i + 1]))
            i += 3
        else:
            changes.append(Change(status, fields[i + 1]))
            i += 2
    return changes


def staged_changes(cwd: str | Path | None = None) -> list[Change]:
    """What the commit being made changes: the index against HEAD (or an empty tree)."""
    args = ["-c", "core.quotepath=off", "diff", "--cached", "--name-status", "-z", "-M"]
    result = _run([*args, "HEAD"], cwd=cwd)
    if result.returncode != 0:
        # No HEAD yet (the first commit): everything staged is an addition.
        result = _run([*args, EMPTY_TREE], cwd=cwd)
    if result.returncode != 0:
        raise GateError(f"cannot read the staged change: {result.stderr.decode().strip()}")
    return parse_name_status(result.stdout)


def staged_blob(path: str) -> str | None:
    """The object id of `path` as staged, or None when it is not in the index."""
    result = _run(["ls-files", "-s", "-z", "--", f":/{path}"])
    if result.returncode != 0 or not result.stdout:
        return None
    return result.stdout.split(b" ", 2)[1].decode()


def blob_bytes(sha: str) -> bytes:
    result = _run(["cat-file", "blob", sha])
    if result.returncode != 0:
        raise GateError(f"cannot read object {sha}: {result.stderr.decode().strip()}")
    return result.stdout


def git_dir() -> str | None:
    """The repository's git folder, found without running git (GIT_DIR, or a `.git`
    folder or worktree file above the current folder)."""
    if os.environ.get("GIT_DIR"):
        return os.path.abspath(os.environ["GIT_DIR"])
    here = os.getcwd()
    while True:
        candidate = os.path.join(here, ".git")
        if os.path.isdir(candidate):
            return candidate
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as handle:
                first = handle.readline().strip()
            if first.startswith("gitdir:"):
                return os.path.join(here, first.removeprefix("gitdir:").strip())
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def staged_file(path: str, cwd: str | Path | None = None) -> bytes | None:
    """A file as staged (`:path`), or None when it is not in the index."""
    result = _run(["cat-file", "blob", f":{path}"], cwd=cwd)
    return result.stdout if result.returncode == 0 else None


def toplevel(cwd: str | Path | None = None) -> Path:
    from pathlib import Path

    result = _run(["rev-parse", "--show-toplevel"], cwd=cwd)
    if result.returncode != 0:
        raise GateError(
            f"not inside a git repository ({result.stderr.decode().strip()}); "
            "run gate from the repository to check"
        )
    return Path(result.stdout.decode().strip())


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
        from gate.snapshot import Snapshot

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
        from gate.snapshot import LazyTree

        return LazyTree(self, rev)

    def worktree(self) -> Snapshot:
        from gate.snapshot import WorktreeSnapshot

        return WorktreeSnapshot(self, self.index().entries, "the working tree")

    def tree(self, rev: str) -> Snapshot:
        from gate.snapshot import Snapshot

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


def environment_refs() -> tuple[str, str] | None:
    """The range the pre-commit framework names with --from-ref/--to-ref, if any."""
    source = os.environ.get("PRE_COMMIT_FROM_REF") or os.environ.get("PRE_COMMIT_SOURCE")
    target = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_ORIGIN")
    if source and target:
        return source, target
    return None
