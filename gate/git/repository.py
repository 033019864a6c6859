"""One repository: the index and commits as snapshots, blobs through one
`cat-file --batch` reader, ranges, the branch, git's signing key."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from gate.errors import GateError
from gate.git.process import (
    FULL_HISTORY,
    GITLINK_MODE,
    RAW_DIFF,
    Change,
    Entry,
    _hex,
    _run,
    parse_raw,
    toplevel,
)

TYPE_CHECKING = False  # not `typing`: the hook's fast path does without it
if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from gate.git.snapshot import Snapshot


# git keeps up to 96 MiB of unpacked delta bases per reader by default: a check reads
# each blob once, so a small cache costs no speed and keeps `--all`'s memory down.
_READER_SETTINGS = ("-c", "core.deltaBaseCacheLimit=8m")


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
        argv = ["git", "-C", str(root), *_READER_SETTINGS, "cat-file", "--batch"]
        try:
            self.pid = os.posix_spawnp("git", argv, os.environ, file_actions=actions)
        finally:
            os.close(in_read)
            os.close(out_write)
        self.requests = os.fdopen(in_write, "wb", buffering=0)
        self.answers = os.fdopen(out_read, "rb")

    def read(self, name: str) -> bytes | None:
        """An object by id or by `REV:PATH`; None when there is no such object."""
        found = self.read_named(name)
        return found[1] if found is not None else None

    def read_named(self, name: str) -> tuple[str, bytes] | None:
        """(the object's id, its content) by id or by `REV:PATH`; None when missing."""
        self.requests.write(name.encode("utf-8", "surrogateescape") + b"\n")
        header = self.answers.readline().split()
        if header[-1:] in ([b"missing"], [b"ambiguous"]):
            return None
        if len(header) != 3:
            raise GateError(f"cannot read git object {name} ({b' '.join(header).decode()})")
        size = int(header[2])
        data = self.answers.read(size + 1)  # the content and its trailing newline
        return header[0].decode("ascii"), data[:size]

    def close(self) -> None:
        self.requests.close()
        self.answers.close()
        os.waitpid(self.pid, 0)


class Repository:
    """One git repository, opened by explicit path. Plumbing commands run directly;
    Every command is plain git (no GitPython): what git itself would answer."""

    def __init__(self, root: Path, *, head: tuple[str, str | None] | None = None) -> None:
        """`head`: HEAD's commit id and branch (None when detached) as read when the
        repository was opened; gate moves no HEAD while a command runs."""
        self.root = root
        self._head = head
        self._objects: _Objects | None = None
        self._objects_pid = 0  # the process that started the reader
        self._git_paths: tuple[str, str] | None = None  # the index and object folder
        self._trees: dict[str, dict[str, Entry] | None] = {}  # by object id: never change
        self._listings: dict[str, dict[str, Entry]] = {}  # by commit id: never change

    @classmethod
    def discover(cls, cwd: str | Path | None = None) -> Repository:
        """The repository `cwd` is in. Its top folder, HEAD's commit and its branch come
        from one `git rev-parse` (every command asks for them); where that fails (no
        commit yet, or outside a repository) each is asked for on its own."""
        from pathlib import Path

        result = _run(
            ["rev-parse", "--show-toplevel", "HEAD^{commit}", "--symbolic-full-name", "HEAD"],
            cwd=cwd,
        )
        try:
            lines = result.stdout.decode().split("\n") if result.returncode == 0 else []
        except UnicodeDecodeError:
            lines = []
        if len(lines) == 4 and lines[0] and _hex(lines[1]) and not lines[3]:
            top, commit, ref = lines[:3]  # `ref` is "HEAD" when detached
            return cls(Path(top), head=(commit, _branch_name(ref)))
        return cls(toplevel(cwd))

    def _plumbing(self, *args: str) -> str:
        result = _run(["-c", "core.quotepath=off", *args], cwd=self.root)
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()
            raise GateError(f"git {' '.join(args)} failed: {detail}")
        return result.stdout.decode("utf-8", "surrogateescape")

    def signing_key(self) -> str | None:
        """git's `user.signingkey` (a path, or a `key::` literal), if set: as git itself
        reads it (every config file, and GIT_CONFIG_* in the environment)."""
        result = _run(["config", "--get", "user.signingkey"], cwd=self.root)
        value = result.stdout.decode("utf-8", "replace").strip()
        return value if result.returncode == 0 and value else None

    def _reader(self) -> _Objects:
        """This process's object reader, started on first use. A forked worker starts
        its own: it must not share its parent's pipes (nor close its parent's reader)."""
        if self._objects is None or self._objects_pid != os.getpid():
            self._objects = _Objects(self.root)
            self._objects_pid = os.getpid()
        return self._objects

    def close(self) -> None:
        """Stop the object reader, if this process started one."""
        if self._objects is not None and self._objects_pid == os.getpid():
            self._objects.close()
        self._objects = None

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def object(self, name: str) -> bytes | None:
        """An object's content by id or `REV:PATH`, or None when it does not exist."""
        return self._reader().read(name)

    def folder(self, name: str) -> dict[str, Entry] | None:
        """The entries of one tree (a tree's id, or a commit), by name: files, symlinks
        and submodules as `Entry`, subfolders with mode 040000. None when there is no
        such object. A tree named by its id is read once (a pull request's two commits
        share most folders)."""
        if name in self._trees:
            return self._trees[name]
        found = self._reader().read_named(f"{name}^{{tree}}")
        entries = None
        if found is not None:
            sha, data = found
            try:
                entries = parse_tree(data, len(sha) // 2)
            except ValueError as exc:
                raise GateError(f"git tree {name} cannot be read: {exc}") from None
        if _hex(name):  # a whole object id (not a ref that can move)
            self._trees[name] = entries
        return entries

    def blob(self, sha: str) -> bytes:
        data = self.object(sha)
        if data is None:
            raise GateError(f"git object {sha} is missing from the repository")
        return data

    def blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Many objects at once: one `git cat-file --batch` run with every id on its
        stdin, instead of a round trip each (`gate check --all` reads thousands)."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        import subprocess

        names = "".join(f"{sha}\n" for sha in wanted).encode()
        read = subprocess.run(
            ["git", "-C", str(self.root), *_READER_SETTINGS, "cat-file", "--batch"],
            input=names,
            capture_output=True,
            check=False,
        )
        if read.returncode != 0:
            detail = read.stderr.decode("utf-8", "replace").strip()
            raise GateError(f"git cat-file --batch failed: {detail}")
        contents = _batch_contents(read.stdout, len(wanted))
        return {sha: c for sha, c in zip(wanted, contents, strict=True) if c is not None}

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

    def lazy_tree(self, rev: str, *, commit: str | None = None) -> Snapshot:
        """A commit's files, read one by one as `REV:PATH`; listed only if asked to
        (`commit`: the commit id `rev` names, when known)."""
        from gate.git.snapshot import LazyTree

        return LazyTree(self, rev, commit=commit)

    def worktree(self) -> Snapshot:
        from gate.git.snapshot import WorktreeSnapshot

        return WorktreeSnapshot(self, self.index().entries, "the working tree")

    def tree(self, rev: str, *, commit: str | None = None) -> Snapshot:
        """A commit's whole listing (`commit`: the id `rev` names, when known)."""
        from gate.git.snapshot import Snapshot

        sha = commit or self.resolve(rev)
        return Snapshot(self, self.listing(sha), f"commit {sha[:10]}", rev=sha)

    def listing(self, commit: str) -> dict[str, Entry]:
        """Every file, symlink and submodule of a commit (by its id), by path; listed
        once per repository (a copy each time)."""
        if commit not in self._listings:
            self._listings[commit] = self._list(commit)
        return dict(self._listings[commit])

    def _list(self, commit: str) -> dict[str, Entry]:
        raw = self._plumbing("ls-tree", "-r", "-z", "--full-tree", commit)
        entries: dict[str, Entry] = {}
        # "MODE TYPE ID\tPATH": the mode is six digits; the type "blob" for a file or
        # symlink, "commit" for a submodule (git stores the commit it pins).
        for record in raw.split("\0"):
            meta, tab, path = record.partition("\t")
            if tab and (meta[7:11] == "blob" or meta.startswith(GITLINK_MODE)):
                entries[path] = Entry(meta[:6], meta.rpartition(" ")[2])
        return entries

    def has_head(self) -> bool:
        if self._head is not None:
            return True
        return _run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=self.root).returncode == 0

    def resolve(self, rev: str) -> str:
        if rev == "HEAD" and self._head is not None:
            return self._head[0]
        result = _run(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=self.root)
        if result.returncode != 0:
            shallow = self.is_shallow()
            hint = f"; this clone is shallow: {FULL_HISTORY}" if shallow else ""
            raise GateError(f"unknown revision {rev!r}{hint}")
        return result.stdout.decode().strip()

    def try_resolve(self, rev: str) -> str | None:
        """The commit `rev` names, or None when the repository has no such ref."""
        if rev == "HEAD" and self._head is not None:
            return self._head[0]
        result = _run(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=self.root)
        return result.stdout.decode().strip() if result.returncode == 0 else None

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
        """What head changes against base, with modes, submodule moves included."""
        raw = self._plumbing("diff-tree", "-r", *RAW_DIFF, base, head)
        return parse_raw(raw.encode("utf-8", "surrogateescape"))

    def branch(self) -> str | None:
        """The checked-out branch's short name; None on a detached HEAD."""
        if self._head is not None:
            return self._head[1]
        result = _run(["symbolic-ref", "-q", "HEAD"], cwd=self.root)
        return _branch_name(result.stdout.decode().strip()) if result.returncode == 0 else None

    def grep(
        self, snapshot: Snapshot, needles: Iterable[str], under: str, *, ignore_case: bool = False
    ) -> set[str]:
        """Files under `under` in the snapshot whose text contains any needle (fixed
        strings; with `ignore_case`, in any case, and `under` in any case too). The
        needles go to git in a file: a change may touch more paths than a command line
        holds."""
        wanted = sorted(set(needles))
        if not wanted:
            return set()
        import tempfile

        where = ["--cached"] if snapshot.rev is None else []
        rev = [snapshot.rev] if snapshot.rev is not None else []
        folder = f":(icase){under}" if ignore_case else under
        with tempfile.NamedTemporaryFile("wb", prefix="gate-grep-", suffix=".txt") as listed:
            listed.write("".join(f"{n}\n" for n in wanted).encode("utf-8", "surrogateescape"))
            listed.flush()
            result = _run(
                [
                    *("-c", "core.quotepath=off", "grep", "-l", "-z", "-F"),
                    *(["-i"] if ignore_case else []),
                    *("-f", listed.name),
                    *where,
                    *rev,
                    "--",
                    folder,
                ],
                cwd=self.root,
            )
        if result.returncode not in (0, 1):
            raise GateError(f"git grep failed: {result.stderr.decode().strip()}")
        prefix = f"{snapshot.rev}:" if snapshot.rev else ""
        # NUL-terminated: git would quote a name holding a tab, a newline, a quote or a backslash.
        names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
        return {name.removeprefix(prefix) for name in names if name}

    def worktree_has(self, path: str) -> bool:
        return (self.root / path).is_file()

    def as_committed(self, paths: Sequence[str]) -> dict[str, bytes]:
        """Working-tree files as `git add` would store them: through the clean filter,
        the end-of-line conversion (`core.autocrlf`, `text`/`eol` attributes) and
        `working-tree-encoding`, exactly as git itself applies them.

        `git update-index --add` runs on a copy of the index (GIT_INDEX_FILE; so a file
        committed with CRLF under `autocrlf` stays as it is, and an unchanged file keeps
        its staged blob, as with `git add`) and writes to a temporary object directory
        that borrows the repository's as an alternate; the blobs are read back from
        there. The user's index and object store are not touched. A path git refuses
        (inside a submodule, behind a symlinked folder) is left out of the answer."""
        wanted = [p for p in dict.fromkeys(paths) if "\n" not in p]
        if not wanted:
            return {}
        import shutil
        import tempfile

        if self._git_paths is None:
            located = self._plumbing("rev-parse", "--git-path", "index", "--git-path", "objects")
            index, objects = located.splitlines()[:2]
            self._git_paths = (index, objects)
        index, objects = self._git_paths
        with tempfile.TemporaryDirectory(prefix="gate-clean-") as scratch:
            os.mkdir(os.path.join(scratch, "objects"))
            env = {
                **os.environ,
                "GIT_INDEX_FILE": os.path.join(scratch, "index"),
                "GIT_OBJECT_DIRECTORY": os.path.join(scratch, "objects"),
                "GIT_ALTERNATE_OBJECT_DIRECTORIES": _alternates(
                    os.path.join(self.root, objects), os.environ
                ),
            }
            real_index = os.path.join(self.root, index)
            if os.path.isfile(real_index):  # copy2 keeps its mtime: git's racy-clean check
                shutil.copy2(real_index, env["GIT_INDEX_FILE"])
            added = self._add(wanted, env)
            names = "".join(f":0:{p}\n" for p in added).encode("utf-8", "surrogateescape")
            read = self._git_with(["cat-file", "--batch"], env, names) if added else None
            if read is not None and read.returncode != 0:
                detail = read.stderr.decode("utf-8", "replace").strip()
                raise GateError(f"git cat-file --batch failed: {detail}")
        contents = _batch_contents(read.stdout, len(added)) if read is not None else []
        return {p: c for p, c in zip(added, contents, strict=True) if c is not None}

    def _add(self, paths: list[str], env: dict[str, str]) -> list[str]:
        """`update-index --add` into the scratch index: every path, or (git stops at the
        first path it refuses) those it takes one by one."""
        args = ["update-index", "--add", "-z", "--stdin"]

        def add(some: list[str]) -> bool:
            listed = "".join(f"{p}\0" for p in some).encode("utf-8", "surrogateescape")
            return self._git_with(args, env, listed).returncode == 0

        return paths if add(paths) else [p for p in paths if len(paths) > 1 and add([p])]

    def _git_with(
        self, args: list[str], env: dict[str, str], given: bytes
    ) -> subprocess.CompletedProcess[bytes]:
        """Run git in `env` with `given` on its stdin, output captured."""
        import subprocess

        settings = [
            "-c", "core.safecrlf=false",  # convert as `git add` does, without refusing
            "-c", "core.splitIndex=false",  # the scratch index stays one file
            "-c", "core.fsmonitor=false",  # look at every file, trust no daemon
            "-c", f"core.hooksPath={os.devnull}",  # no post-index-change hook for a scratch index
        ]  # fmt: skip
        return subprocess.run(
            ["git", "-C", str(self.root), *settings, *args],
            input=given,
            env=env,
            capture_output=True,
            check=False,
        )


def _branch_name(ref: str) -> str | None:
    """A branch's name from its full ref; None for anything else HEAD can name. Not
    `symbolic-ref --short`, which answers "heads/main" where a tag is named main too."""
    name = ref.removeprefix("refs/heads/")
    return name if name != ref and name else None


def _alternates(objects: str, environ: Mapping[str, str]) -> str:
    """GIT_ALTERNATE_OBJECT_DIRECTORIES naming the repository's object directory (quoted
    the way git reads a name holding `:`), then any alternates the caller already set."""
    if ":" in objects or objects.startswith('"'):
        objects = '"' + objects.replace("\\", "\\\\").replace('"', '\\"') + '"'
    inherited = environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES")
    return f"{objects}:{inherited}" if inherited else objects


def canonical_mode(raw: bytes) -> str:
    """A tree entry's mode as git reads it (`canon_mode` in git's cache.h): a file
    100644 or 100755 (by its owner's execute bit), 120000, 040000, and any other type a
    submodule (160000). A tree may spell modes otherwise (`40755`, `120777`, `100664`:
    fsck lets them through), and `ls-tree`, `diff-tree` and a checkout all read them so.
    ValueError when it is not octal."""
    if any(c not in b"01234567" for c in raw):
        raise ValueError(f"bad mode {raw!r}")
    mode = int(raw or b"0", 8)
    file_type = mode & 0o170000
    if file_type == 0o100000:
        return "100755" if mode & 0o100 else "100644"
    if file_type == 0o120000:
        return "120000"
    if file_type == 0o040000:
        return "040000"
    return "160000"


def parse_tree(data: bytes, width: int) -> dict[str, Entry]:
    """A tree object's entries by name: `MODE NAME\\0` then the object id, `width`
    bytes (20 for SHA-1, 32 for SHA-256). Each mode is read as git reads it
    (`canonical_mode`; git writes a folder's as 40000). ValueError for a tree no folder
    holds: a name empty, `.`, `..` or with a `/` in it, or given twice (git's fsck
    rejects each; `ls-tree -r` would list paths this mapping cannot)."""
    entries: dict[str, Entry] = {}
    at, end = 0, len(data)
    while at < end:
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        if nul + 1 + width > end:
            raise ValueError("truncated tree entry")
        mode = canonical_mode(data[at:space])
        name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
        if name in ("", ".", "..") or "/" in name or name in entries:
            raise ValueError(f"tree entry {name!r}")
        entries[name] = Entry(mode, data[nul + 1 : nul + 1 + width].hex())
        at = nul + 1 + width
    return entries


def _batch_contents(out: bytes, count: int) -> list[bytes | None]:
    """The contents `git cat-file --batch` printed for `count` names (None: missing)."""
    contents: list[bytes | None] = []
    at = 0
    for _ in range(count):
        end = out.index(b"\n", at)
        header = out[at:end]
        at = end + 1
        if header.endswith((b" missing", b" ambiguous")):
            contents.append(None)
            continue
        size = int(header.rsplit(b" ", 1)[1])
        contents.append(out[at : at + size])
        at += size + 1  # the content and its trailing newline
    return contents
