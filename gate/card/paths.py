"""Paths a card names (covers, manifests): inside the repository, read from the snapshot."""

from __future__ import annotations

import errno
import posixpath
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from gate.git.snapshot import Snapshot

_MAX_LINKS = 8
# No file system holds a longer path, or a longer name in one folder (PATH_MAX, NAME_MAX).
_MAX_PATH, _MAX_NAME = 4096, 255


class Read(NamedTuple):
    content: bytes | None
    problem: str | None  # why there is no content


def escapes(path: str) -> bool:
    """True for a path that leaves the repository: absolute, or climbing out with `..`."""
    if not path or path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return True
    normal = posixpath.normpath(path)
    return normal == ".." or normal.startswith("../")


def _too_long(path: str) -> bool:
    encoded = path.encode("utf-8", "surrogatepass")
    return len(encoded) > _MAX_PATH or any(len(part) > _MAX_NAME for part in encoded.split(b"/"))


def read(snapshot: Snapshot, path: str, *, what: str) -> Read:
    """Read `path` from the snapshot, following symlinks that stay inside the repository."""
    if escapes(path):
        return Read(None, f"{what} {path!r} leaves the repository; name a path inside it")
    if _too_long(path):
        return Read(None, f"{what} {path[:80]!r}... is not a path: no file has a name that long")
    try:
        return _follow(snapshot, path, what=what)
    except OSError as exc:  # longer below this checkout than the file system allows
        if exc.errno != errno.ENAMETOOLONG:
            raise
        return Read(None, f"{what} {path!r} is not in {snapshot.label}")


def _follow(snapshot: Snapshot, path: str, *, what: str) -> Read:
    """`read` past its checks: follow the symlinks, then read the file."""
    current = posixpath.normpath(path)
    for _ in range(_MAX_LINKS):
        if not snapshot.is_symlink(current):
            break
        target = (snapshot.read(current) or b"").decode("utf-8", "replace")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
        if target.startswith("/") or escapes(joined):
            return Read(None, f"{what} {path!r} is a symlink to {target!r}, outside the repository")
        current = joined
    else:
        return Read(None, f"{what} {path!r}: too many levels of symlinks")
    content = snapshot.read(current)
    if content is not None:
        return Read(content, None)
    if snapshot.repo.worktree_has(current):
        return Read(
            None,
            f"{what} {path!r} exists only in the working tree, not in "
            f"{snapshot.label}: `git add` it (the gate checks what is committed)",
        )
    return Read(None, f"{what} {path!r} is not in {snapshot.label}")


def read_covered(snapshot: Snapshot, entry: str) -> Read:
    """What an approval covers for one `covers` entry: a whole file, or for
    `path::function` that function of a Python file (decorators, body and the module
    constants it reads), so another function of a shared launch script may change."""
    if "::" not in entry:  # a whole file (the common case: no parser loaded)
        return read(snapshot, entry, what="covered file")
    from gate.sources import python_function

    path, function = python_function.split(entry)
    got = read(snapshot, path, what="covered file")
    if function is None or got.content is None:
        return got
    try:
        text = got.content.decode("utf-8")
        return Read(python_function.function_source(text, function, where=path), None)
    except UnicodeDecodeError:
        return Read(None, f"covered file {path!r} is not UTF-8")
    except python_function.FunctionProblem as exc:
        line = f":{exc.line}" if exc.line else ""
        return Read(None, f"covers {entry!r}: {exc.message}{line and f' (line {exc.line})'}")


def entry_problem(
    snapshot: Snapshot, entry: str, card_text: str, *, followed: bool = False
) -> str | None:
    """Why a `covers` entry cannot stand as written, or None. gate finds the cards that
    cover a changed file by the file's path in their text (`git grep`, any case) and
    compares paths as git lists them, so an entry must name the file itself: written
    out plainly, in normal form, and not a symlink (the file it points to would change
    unseen), unless `followed` (a gated link with `allow_links`, whose target the
    check follows)."""
    file = entry.partition("::")[0]
    if file.casefold() not in card_text.casefold():
        return (
            f"{entry!r} is not written out as plain text (YAML escapes or a line break "
            "inside it): write the path as it is, so that gate finds this card when the "
            "file changes"
        )
    if not escapes(file) and posixpath.normpath(file) != file:
        return (
            f"{entry!r} is not in normal form: write it as "
            f"{posixpath.normpath(file)!r} (no `./`, `//`, `/./` or trailing `/`)"
        )
    if not followed and snapshot.is_symlink(file):
        target = (snapshot.read(file) or b"").decode("utf-8", "replace")
        return (
            f"{entry!r} is a symlink (to {target!r}): cover the file it points to, whose "
            "changes the card must see"
        )
    return None
