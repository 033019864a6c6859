"""Running `git` and the questions the hook's fast path asks: what the commit being made
changes, and a staged file. Spawned directly (no `subprocess`, no GitPython) to keep a
commit that touches nothing gated within the fast path's budget (docs/architecture.md)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from gate.errors import GateError

if TYPE_CHECKING:
    from pathlib import Path

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
        toplevel(cwd)  # outside a repository: say so in one line
        first = result.stderr.decode("utf-8", "replace").strip().split("\n")[0]
        raise GateError(f"cannot read the staged change: {first}")
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
