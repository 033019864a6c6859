"""Running `git` and the questions the hook's fast path asks: what the commit being made
changes, and a staged file. Spawned directly (no `subprocess`, no GitPython) to keep a
commit that touches nothing gated within the fast path's budget (docs/architecture.md)."""

from __future__ import annotations

import os

from gate.errors import GateError

# Neither `typing` (its import is a tenth of the fast path's budget) nor `collections`
# (a twentieth): `TYPE_CHECKING` is false at run time, and the records are small tuple
# classes, which mypy sees as the NamedTuples below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import NamedTuple

    class _Change(NamedTuple):
        status: str
        path: str
        old: str = ""
        mode: str = ""
        old_mode: str = ""
        sha: str = ""

    class _Entry(NamedTuple):
        mode: str
        sha: str

    class _Ran(NamedTuple):
        returncode: int
        stdout: bytes
        stderr: bytes

else:

    def _record(name: str, fields: tuple[str, ...], defaults: tuple[str, ...] = ()) -> type:
        """A tuple class with named fields (what `collections.namedtuple` makes, for
        what gate uses: construction by position or name, the fields, equality, repr)."""
        required = len(fields) - len(defaults)

        def __new__(cls: type, *args: object, **named: object) -> tuple[object, ...]:
            if len(args) == len(fields) and not named:
                return tuple.__new__(cls, args)
            if len(args) > len(fields):
                raise TypeError(f"{name} takes {len(fields)} fields")
            values = list(args) + [None] * (len(fields) - len(args))
            for key, value in named.items():
                at = fields.index(key) if key in fields else -1
                if not len(args) <= at:
                    raise TypeError(f"{name} got {key!r} twice, or no such field")
                values[at] = value
            for at in range(len(args), len(fields)):
                if fields[at] not in named:
                    if at < required:
                        raise TypeError(f"{name} needs {fields[at]!r}")
                    values[at] = defaults[at - required]
            return tuple.__new__(cls, values)

        def __repr__(self: tuple[object, ...]) -> str:
            inside = ", ".join(f"{f}={v!r}" for f, v in zip(fields, self, strict=True))
            return f"{name}({inside})"

        def __getnewargs__(self: tuple[object, ...]) -> tuple[object, ...]:
            return tuple(self)

        body = {"__slots__": (), "_fields": fields, "__new__": __new__, "__repr__": __repr__}
        body["__getnewargs__"] = __getnewargs__
        for at, field in enumerate(fields):
            body[field] = property(lambda self, at=at: self[at], doc=f"field {at}")
        return type(name, (tuple,), body)

    _Change = _record("Change", ("status", "path", "old", "mode", "old_mode", "sha"), ("",) * 4)
    _Entry = _record("Entry", ("mode", "sha"))
    _Ran = _record("Ran", ("returncode", "stdout", "stderr"))

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
FULL_HISTORY = (
    "fetch the full history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`) "
    "so gate can see every commit of the change"
)


SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"  # a submodule: git stores the commit, its files are elsewhere
LINK_MODES = (SYMLINK_MODE, GITLINK_MODE)
TREE_MODE = "040000"  # a folder, in a tree object (never an entry of a snapshot)


class Change(_Change):
    """One path the change touches: status A, M, D, R (renamed to `path` from `old`), T,
    with the modes git stores before and after ("" when not known, "000000" for none),
    and the blob after the change where git said it (`sha`, from `--raw`)."""

    __slots__ = ()

    @property
    def links(self) -> bool:
        """Is a symlink or a submodule on either side of the change?"""
        return self.mode in LINK_MODES or self.old_mode in LINK_MODES


class Entry(_Entry):
    """A file in the index or a tree: its mode (120000 for a symlink, 160000 for a
    submodule) and its object id (a blob; a commit for a submodule)."""

    __slots__ = ()


class Ran(_Ran):
    """What a git command gave: its exit code and output."""

    __slots__ = ()


def _drain(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


class Started:
    """A `git` command running in the background: `result()` collects its output.
    The hook starts `git diff-index` before it loads the rest of its code, so git reads
    the index while Python imports."""

    __slots__ = ("_done", "_err", "_out", "_pid")

    def __init__(self, pid: int, out: int, err: int) -> None:
        self._pid, self._out, self._err = pid, out, err
        self._done: Ran | None = None

    def result(self) -> Ran:
        """Wait for the command; its exit code and output (read once, kept)."""
        if self._done is None:
            # Output is read to the end before stderr: git's stderr here is a line or
            # two, far below a pipe's buffer, so neither side can block the other.
            stdout, stderr = _drain(self._out), _drain(self._err)
            _, status = os.waitpid(self._pid, 0)
            self._done = Ran(os.waitstatus_to_exitcode(status), stdout, stderr)
        return self._done


def _start(args: list[str], *, cwd: str | Path | None = None) -> Started:
    """Start `git ARGS`, spawned directly (`os.posix_spawnp`) rather than through
    `subprocess`, whose import alone is a tenth of the hook's time budget on a commit
    with nothing gated."""
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
    return Started(pid, out_read, err_read)


def _run(args: list[str], *, cwd: str | Path | None = None) -> Ran:
    """Run `git ARGS` and collect its output."""
    return _start(args, cwd=cwd).result()


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


def parse_raw(raw: bytes) -> list[Change]:
    """`git diff --raw -z` output as `Change`s, with the modes (renames give the new
    path)."""
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    changes: list[Change] = []
    i = 0
    while i + 1 < len(fields) and fields[i].startswith(":"):
        old_mode, mode, _, sha, status = fields[i][1:].split(" ")
        if status[0] in "RC":
            kind = "R" if status[0] == "R" else "A"
            changes.append(Change(kind, fields[i + 2], fields[i + 1], mode, old_mode, sha))
            i += 3
        else:
            changes.append(Change(status[0], fields[i + 1], "", mode, old_mode, sha))
            i += 2
    return changes


# What a change is, as git stores it: submodule moves shown whatever `.gitmodules` or
# `diff.ignoreSubmodules` say, paths from the root whatever `diff.relative` says.
RAW_DIFF = ("--raw", "-z", "-M", "--ignore-submodules=none", "--no-relative")


_STAGED = ("-c", "core.quotepath=off", "diff-index", "--cached", *RAW_DIFF)


def start_staged(cwd: str | Path | None = None) -> Started:
    """`staged_changes`' git command, started now and read later: the hook loads its
    code while git reads the index."""
    return _start([*_STAGED, "HEAD"], cwd=cwd)


def staged_changes(cwd: str | Path | None = None, started: Started | None = None) -> list[Change]:
    """What the commit being made changes: the index against HEAD (or an empty tree).
    `started`: the command `start_staged` began, for the same `cwd`."""
    args = list(_STAGED)
    result = (started or start_staged(cwd)).result()
    if result.returncode != 0:
        # No HEAD yet (the first commit): everything staged is an addition (against the
        # empty tree of this repository's hash: SHA-1, or SHA-256).
        result = _run([*args, EMPTY_TREE], cwd=cwd)
        if result.returncode != 0:
            empty = _run(["hash-object", "-t", "tree", os.devnull], cwd=cwd)
            if empty.returncode == 0:
                result = _run([*args, empty.stdout.decode().strip()], cwd=cwd)
    if result.returncode != 0:
        toplevel(cwd)  # outside a repository: say so in one line
        first = result.stderr.decode("utf-8", "replace").strip().split("\n")[0]
        raise GateError(f"cannot read the staged change: {first}")
    return parse_raw(result.stdout)


def staged_blob(path: str) -> str | None:
    """The object id of `path` as staged, or None when it is not in the index."""
    result = _run(["ls-files", "-s", "-z", "--", f":/{path}"])
    if result.returncode != 0 or not result.stdout:
        return None
    return result.stdout.split(b" ", 2)[1].decode()


def head_blob(path: str) -> str | None:
    """The object id of `path` in HEAD's tree, or None (no HEAD, or no such file).

    Kept in `<git dir>/gate/head-<path>` under HEAD's commit id, so a hook run on the
    same HEAD spawns no git for it; otherwise `git rev-parse`, which reads no index."""
    folder = git_dir()
    head = head_commit(folder) if folder else None
    name = "head-" + "".join(c if c.isalnum() or c in "._-" else "_" for c in path)
    cached = cache_lines(name, folder) if head else None
    if cached is not None and len(cached) == 3 and cached[:2] == [head, path]:
        return cached[2] or None
    result = _run(["rev-parse", "--verify", "--quiet", f"{head or 'HEAD'}:{path}"])
    found = result.stdout.decode().strip() if result.returncode == 0 else ""
    if result.returncode not in (0, 1) or (found and not _hex(found)):
        return None
    if head:
        cache_store(name, [head, path, found], folder)
    return found or None


def _hex(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _slurp(path: str) -> str | None:
    """A small file's text (os-level reads: cheaper than `open` on the hook's path)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "surrogateescape")


def cache_lines(name: str, folder: str | None = None) -> list[str] | None:
    """The lines of `<git dir>/gate/NAME`, a cache gate wrote, or None (missing, or cut
    short: every cache file ends with a newline)."""
    folder = folder or git_dir()
    text = _slurp(os.path.join(folder, "gate", name)) if folder else None
    if text is None or not text.endswith("\n"):
        return None
    return text.split("\n")[:-1]


def cache_store(
    name: str, lines: list[str], folder: str | None = None, *, append: bool = False
) -> None:
    """Write (or `append` to) `<git dir>/gate/NAME`: one line each, replaced whole
    (written aside, then renamed) so a reader never sees half of it. Nothing is written
    when a line holds a newline; a read-only git folder only costs speed."""
    folder = folder or git_dir()
    if not folder or any("\n" in line for line in lines):
        return
    path = os.path.join(folder, "gate", name)
    text = "".join(f"{line}\n" for line in lines)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if append:
            with open(path, "a", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(text)
            return
        temporary = f"{path}.{os.getpid()}"
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        pass


def head_commit(folder: str, *, environment: bool = True) -> str | None:
    """HEAD's commit id, read from the git folder without running git: a detached HEAD,
    a loose ref, or a packed one. None when it takes more (git then answers)."""
    head = (_slurp(os.path.join(folder, "HEAD")) or "").strip()
    if not head.startswith("ref: refs/"):
        return head if _hex(head) else None
    common = (environment and os.environ.get("GIT_COMMON_DIR")) or folder
    linked = _slurp(os.path.join(folder, "commondir"))  # a linked worktree's
    if linked is not None:
        common = os.path.join(folder, linked.strip())
    ref = head.removeprefix("ref: ")
    for base in (folder, common):
        sha = _slurp(os.path.join(base, ref))
        if sha is not None:
            return sha.strip() if _hex(sha.strip()) else None
    for line in (_slurp(os.path.join(common, "packed-refs")) or "").split("\n"):
        sha, _, name = line.partition(" ")
        if name == ref and _hex(sha):
            return sha
    return None


def worktree_head(root: str) -> str | None:
    """The commit checked out in the work tree at `root` (a submodule's folder), read
    without running git; None when none is (or reading it takes git)."""
    dot = os.path.join(root, ".git")
    if os.path.isdir(dot):
        return head_commit(dot, environment=False)
    try:
        with open(dot, encoding="utf-8") as handle:
            first = handle.readline().strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    folder = os.path.join(root, first.removeprefix("gitdir:").strip())
    return head_commit(folder, environment=False)


def head_links() -> list[str]:
    """The paths of the symlinks and submodules in HEAD's tree (none without a HEAD).

    Kept in `<git dir>/gate/links` under HEAD's commit id, so a hook run on the same
    HEAD spawns no git for it; after a new commit, `git ls-tree` lists them once."""
    folder = git_dir()
    head = head_commit(folder) if folder else None
    cached = cache_lines("links", folder) if head else None
    if cached and cached[0] == head:
        return cached[1:]
    result = _run(["ls-tree", "-r", "-z", "--full-tree", head or "HEAD"])
    if result.returncode != 0:
        return []
    links = []
    for record in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if record.startswith(LINK_MODES):
            links.append(record.split("\t", 1)[1])
    if head:
        cache_store("links", [head, *links], folder)
    return links


def head_files(folder: str) -> list[tuple[str, Entry]] | None:
    """(path, entry) of every file below `folder` in HEAD's tree (none when there is no
    such folder); None when HEAD cannot be read."""
    result = _run(
        ["-c", "core.quotepath=off", "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", folder]
    )
    if result.returncode != 0:
        return None
    files = []
    for record in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if record:
            meta, _, path = record.partition("\t")
            mode, _, sha = meta.split(" ")
            files.append((path, Entry(mode, sha)))
    return files


def head_folders() -> list[str] | None:
    """Every folder in HEAD's tree (far fewer than its files); None without a HEAD."""
    result = _run(
        [
            "-c",
            "core.quotepath=off",
            "ls-tree",
            "-r",
            "-d",
            "-z",
            "--name-only",
            "--full-tree",
            "HEAD",
        ]
    )
    if result.returncode != 0:
        return None
    return [p for p in result.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


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
        first = result.stderr.decode("utf-8", "replace").strip().split("\n")[0]
        raise GateError(f"not inside a git repository ({first}); run gate from the repository")
    return Path(result.stdout.decode().strip())


def environment_refs() -> tuple[str, str] | None:
    """The range the pre-commit framework names with --from-ref/--to-ref, if any."""
    source = os.environ.get("PRE_COMMIT_FROM_REF") or os.environ.get("PRE_COMMIT_SOURCE")
    target = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_ORIGIN")
    if source and target:
        return source, target
    return None
