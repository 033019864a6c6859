"""Big repositories, made quickly with `git fast-import` and kept between runs.

A filler repository holds only files no glob of the benchmarks' `[tool.gate]` gates
(`src/pkgNNN/modNNNNNN.py`, 1,000 to a folder) and a history that edits them: commit 1
adds `files` files, every further commit edits one of them (round-robin), up to
`commits` commits. It holds no key, card or config, so it does not depend on the keys
tests/cards.py makes for each run: `common.new_repo(..., base=filler(...))` clones it
and commits the workspace (pyproject.toml with this run's keys, manifest) on top, and
the benchmark adds its signed cards after that.

`cached(key, build)` keeps what `build` made under `common.CACHE` (default
/tmp/gate-bench-cache, or $GATE_BENCH_CACHE) in a folder named by `key`; `fresh=True`
(the scripts' `--fresh`) rebuilds it. A build goes to a temporary folder renamed into
place when done, so an interrupted build is never reused.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import common

# The files the workspace adds on top of a filler repository (pyproject.toml, the
# manifest, README.md, src/model.py) and one signed card (its config and the card):
# a repository of `files` files in all holds `files - BASE_FILES` filler files.
BASE_FILES = 6
# The commits new_repo and add_signed_cards make on top (workspace; card, Scav, Mattie).
BASE_COMMITS = 4
EPOCH = 1_700_000_000


def cached(key: str, build: Callable[[Path], None], *, fresh: bool = False) -> Path:
    """The folder `key` of the cache, made by `build(folder)` unless already there."""
    final = common.CACHE / key
    if final.exists() and not fresh:
        print(f"bigrepo: reusing {final}", file=sys.stderr)
        return final
    common.CACHE.mkdir(parents=True, exist_ok=True)
    temporary = common.CACHE / f".{key}.building"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    start = time.perf_counter()
    build(temporary)
    shutil.rmtree(final, ignore_errors=True)
    temporary.rename(final)
    print(f"bigrepo: built {final} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return final


def source_key() -> str:
    """A short hash of the code that writes cards (gate's modules and tests/cards.py of
    the repository the scripts live in): cached cards are rebuilt when it changes."""
    digest = hashlib.sha256()
    for path in sorted([*(common.REPO / "gate").rglob("*.py"), common.REPO / "tests/cards.py"]):
        digest.update(path.relative_to(common.REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def filler_path(i: int) -> str:
    return f"src/pkg{i // 1000:03d}/mod{i:06d}.py"


def _data(raw: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(raw), raw)


def _write_filler(out: IO[bytes], files: int, commits: int) -> None:
    for number in range(commits):
        ident = f"Ada Author <ada@example.org> {EPOCH + number} +0000".encode()
        parts = [b"commit refs/heads/main\n", b"author " + ident + b"\n"]
        parts.append(b"committer " + ident + b"\n")
        if number == 0:
            parts.append(_data(f"{files:,} files".encode()))
            out.write(b"".join(parts))
            for i in range(files):
                out.write(b"M 100644 inline %s\n" % filler_path(i).encode())
                out.write(_data(b"X = %d\n" % i))
        else:
            i = (number - 1) % files
            parts.append(_data(f"edit {filler_path(i)}".encode()))
            parts.append(b"M 100644 inline %s\n" % filler_path(i).encode())
            parts.append(_data(b"X = %d  # revision %d\n" % (i, number)))
            out.write(b"".join(parts))
    out.write(b"done\n")


def filler(files: int, commits: int, *, fresh: bool = False) -> Path:
    """A cached repository of `files` filler files and `commits` commits on `main` (no
    checkout: common.new_repo's clone makes one)."""
    if files < 1 or commits < 1:
        raise SystemExit("bench: a filler repository needs at least one file and one commit")

    def build(folder: Path) -> None:
        env = common.isolated_env(folder / ".home")
        subprocess.run(
            ["git", "init", "-q", "-b", "main", str(folder / "repo")], env=env, check=True
        )
        proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"],
            cwd=folder / "repo",
            env=env,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stderr is not None
        _write_filler(proc.stdin, files, commits)
        proc.stdin.close()
        err = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise SystemExit(f"bench: git fast-import failed:\n{err}")
        # One pack with deltas, as a clone of a real repository has.
        subprocess.run(["git", "gc", "-q"], cwd=folder / "repo", env=env, check=True)

    return cached(f"filler-f{files}-c{commits}", build, fresh=fresh) / "repo"


def scaled_repo(
    work: Path, name: str, files: int, commits: int, *, fresh: bool = False
) -> common.Repo:
    """A repository of `files` files and `commits` commits once one signed card is added
    (common.add_signed_cards(repo, [...]) with one name): the filler, cloned, plus the
    workspace commit. Below BASE_FILES / BASE_COMMITS the filler is left out."""
    filler_files, filler_commits = files - BASE_FILES, commits - BASE_COMMITS
    if filler_files < 1:
        return common.new_repo(work, name)
    base = filler(filler_files, max(1, filler_commits), fresh=fresh)
    return common.new_repo(work, name, base=base)


def file_count(repo: common.Repo, rev: str = "HEAD") -> int:
    out = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "-z", rev],
        cwd=repo.root,
        env=repo.env(),
        capture_output=True,
        check=True,
    ).stdout
    return out.count(b"\0")


def commit_count(repo: common.Repo, rev: str = "HEAD") -> int:
    return int(repo.git("rev-list", "--count", rev))
