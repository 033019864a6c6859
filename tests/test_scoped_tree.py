"""A pull request's check looks only where its rules need to (issue 14).

`--base` reads the head commit as a `LazyTree`: a path is found by reading the tree
objects of the folders above it, the gated files by reading the folders a glob reaches
into, and case variants by walking the folders whose names fold alike. These tests hold
it to the full listing of the same commit (`Repository.tree`), in real repositories made
by `git fast-import`, and check that a real `gate check --base` never lists the tree.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import CONFIG, PYPROJECT, card_data, sign_all
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.git import Repository
from gate.git.globs import compile_globs
from gate.git.snapshot import LINK_MODES, LazyTree

# GATE_PROPERTY_EXAMPLES (tests/test_properties.py) sets the count: higher for a long run
# by hand, lower in each mutant's run (.ci/mutation).
EXAMPLES = int(os.environ.get("GATE_PROPERTY_EXAMPLES", "60"))
NAMES = ["a", "A", "b", "cfg.yaml", "CFG.yaml", "run.py", "ß", "SS", "c"]
GLOBS = [
    ("a/*.yaml",),
    ("A/b/**",),
    ("*.yaml",),
    ("b/a/cfg.yaml", "a/b/*.py"),
    ("**/cfg.yaml",),
    ("a/b",),
    ("a/[bc]/*.yaml",),
]
GITLINK = "1" * 40


def _commit(root: Path, files: dict[str, tuple[str, str]]) -> str:
    """One commit holding `files` (path -> (mode, content or pinned commit)), made
    with `git fast-import`; its id."""
    stream = ["commit refs/heads/main", "committer T <t@example.com> 0 +0000", "data 0"]
    for path, (mode, content) in sorted(files.items()):
        if mode == "160000":
            stream.append(f"M 160000 {content} {path}")
            continue
        data = content.encode()
        stream += [f"M {mode} inline {path}", f"data {len(data)}", content]
    text = "\n".join(stream) + "\n"
    subprocess.run(
        ["git", "fast-import", "--quiet", "--force"], cwd=root, input=text.encode(), check=True
    )
    return subprocess.run(
        ["git", "rev-parse", "main"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def _tree_layout(draw: st.DrawFn) -> dict[str, tuple[str, str]]:
    """Paths of up to three parts from names that differ only in case, some of them
    symlinks (inside, outside, to folders) and a submodule; no path is both a file and
    a folder."""
    files: dict[str, tuple[str, str]] = {}
    folders: set[str] = set()
    for _ in range(draw(st.integers(1, 24))):
        parts = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3))
        path = "/".join(parts)
        above = ["/".join(parts[:k]) for k in range(1, len(parts))]
        if path in files or path in folders or any(a in files for a in above):
            continue
        kind = draw(st.sampled_from(["file", "file", "file", "link", "gitlink"]))
        if kind == "link":
            target = draw(st.sampled_from(["a", "../a/b", "A/cfg.yaml", "../../out", "b"]))
            files[path] = ("120000", target)
        elif kind == "gitlink":
            files[path] = ("160000", GITLINK)
        else:
            files[path] = ("100644", f"content of {path}\n")
        folders.update(above)
    return files


layouts = st.composite(_tree_layout)()


def _questions(files: dict[str, tuple[str, str]]) -> list[str]:
    """Every path, every folder above one, their case variants, and paths that are not
    there."""
    asked: set[str] = set()
    for path in files:
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            here = "/".join(parts[:end])
            asked |= {here, here.upper(), here.lower(), here + "/x", here + "x"}
            asked |= {"/" + here, here + "/", here.replace("/", "//"), "./" + here}
    return sorted(asked | {"", "missing", "a/missing/deeper"})


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scoped")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return root


@pytest.mark.parametrize("folders", [LazyTree._FOLDERS, 1], ids=["walked", "listed"])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=layouts)
def test_a_lazy_tree_answers_as_the_full_listing(
    scratch: Path,
    folders: int,
    files: dict[str, tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found folder by folder (or, past its budget, by listing), every answer about a
    path is the listing's, and the places the rules look hold every file and link the
    globs can gate."""
    monkeypatch.setattr(LazyTree, "_FOLDERS", folders)
    commit = _commit(scratch, files)
    with Repository(scratch) as repo:
        full = repo.tree(commit)
        asked = _questions(files)
        lazy = repo.lazy_tree(commit, commit=commit)
        for path in asked:
            assert lazy.entry(path) == full.entry(path), path
            assert lazy.has(path) == full.has(path), path
            assert lazy.is_symlink(path) == full.is_symlink(path), path
            assert lazy.read(path) == full.read(path), path
        assert not lazy._listed  # each answer came from the folders above the path
        for path in asked:  # (one tree each: a search past the budget lists the tree)
            lazy = repo.lazy_tree(commit, commit=commit)
            assert lazy.below(path) == full.below(path), path
            lazy = repo.lazy_tree(commit, commit=commit)
            assert lazy.links_below(path) == full.links_below(path), path
        lazy = repo.lazy_tree(commit, commit=commit)
        assert {k: sorted(v) for k, v in lazy.variants(asked).items()} == {
            k: sorted(v) for k, v in full.variants(asked).items()
        }
        for globs in GLOBS:
            gated = compile_globs(globs)
            lazy = repo.lazy_tree(commit, commit=commit)
            region = lazy.region(gated)
            for path, entry in full.entries.items():
                if gated.match(path) or gated.contains(path):
                    assert region.get(path) == entry, (globs, path)
            assert list(region) == [p for p in full.entries if p in region], globs
            changed = [p for p in files if p.startswith(("a", "A"))]
            near = lazy.links_near(gated, changed)
            for link, entry in full.links().items():
                reached = any(p == link or p.startswith(link + "/") for p in changed)
                if reached or gated.match(link) or gated.contains(link):
                    assert near.get(link) == entry, (globs, link)
            assert all(e.mode in LINK_MODES for e in near.values())


def test_the_tree_of_a_missing_commit_is_empty(scratch: Path) -> None:
    with Repository(scratch) as repo:
        lazy = repo.lazy_tree("refs/heads/no-such-branch")
        assert not lazy.has("a")
        assert lazy.read("a") is None
        assert lazy.variants(["a"]) == {}


def test_a_pull_request_check_never_lists_the_repository(repo, gate, tmp_path, monkeypatch):
    """`gate check --base` in a repository of many ungated files reads the folders its
    rules need: no `git ls-tree -r` of the head or the merge-base (GIT_TRACE shows every
    git command gate runs), and still every rule judges the change: the new config has
    no card, and a config spelt in another case sits beside it."""
    for n in range(60):
        repo.write(f"src/part{n}/module{n}.py", f"VALUE = {n}\n")
    repo.experiment("Policy-B")
    repo.commit("the team's code")
    repo.git("checkout", "-q", "-b", "feature")
    repo.experiment("policy-b")
    repo.write("src/part1/module1.py", "VALUE = -1\n")
    repo.commit("a new config")
    trace = tmp_path / "git-trace.txt"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    result = gate("check", "--base", "main")
    monkeypatch.delenv("GIT_TRACE")
    assert result.code == 1, result
    config = "worldmodel/experiments/policy-b.yaml"
    assert f"{config}: coverage: no run card covers this gated file" in result.out
    assert (
        f"{config}: case: {config} and worldmodel/experiments/Policy-B.yaml differ only in case"
    ) in result.out
    commands = [line for line in trace.read_text().splitlines() if "trace: built-in:" in line]
    assert any("git diff-tree" in c for c in commands), commands
    listings = [c for c in commands if "ls-tree" in c or "ls-files" in c]
    assert listings == [], listings


def test_a_link_elsewhere_into_a_gated_folder_is_reported_by_the_hook_and_all(repo, gate):
    """A symlink outside the gated folders that points into one is a second name for
    gated files. A pull request judges the files it changes by their own paths and looks
    for links only where the rules need them (the changed paths, the folders above
    them, the folders the globs reach into), so an unchanged link elsewhere is not its
    business; the hook, which has the index at hand, and `--all` report it."""
    config = repo.experiment()
    card = repo.card(card_data())
    repo.commit("a config and its card")
    sign_all(gate, card)
    repo.commit("signed")
    (repo.root / "shortcuts").mkdir()
    (repo.root / "shortcuts/experiments").symlink_to("../worldmodel/experiments")
    repo.git("add", "shortcuts")
    repo.git("commit", "-q", "--no-verify", "-m", "an old shortcut, from before the gate")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(card, repo.read(card).replace("Free prose.", "Free prose, edited."))
    repo.add(card)
    staged = gate("check")
    assert staged.code == 0, staged  # the card changed, not what the link points to
    repo.write(config, CONFIG.replace("0.0003", "0.1"))
    repo.add(config)
    staged = gate("check")
    assert staged.code == 1, staged
    link = "shortcuts/experiments: link: shortcuts/experiments is a symlink to"
    assert link in staged.out
    assert "coverage: not covered by a passing card" in staged.out
    repo.git("commit", "-q", "--no-verify", "-m", "an edit")
    pr = gate("check", "--base", "main")
    assert pr.code == 1, pr
    assert f"{config}: coverage: not covered by a passing card" in pr.out
    assert link not in pr.out
    assert link in gate("check", "--all").out


def _git(root: Path, *args: str, given: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=root, input=given, capture_output=True, check=True)
    return done.stdout.decode().strip()


def _entries(root: Path, tree: str) -> list[tuple[bytes, bytes, bytes]]:
    """A tree object's entries as stored: (mode, name, object id), SHA-1."""
    data = subprocess.run(
        ["git", "cat-file", "tree", tree], cwd=root, capture_output=True, check=True
    ).stdout
    found, at = [], 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        found.append((data[at:space], data[space + 1 : nul], data[nul + 1 : nul + 21]))
        at = nul + 21
    return found


def _respelled(root: Path, tree: str, path: str, mode: str) -> str:
    """`tree` with the mode of `path` written as `mode`, as a hand-made tree object may
    spell it (`git hash-object --literally`: git's fsck lets odd modes through)."""
    first, _, rest = path.partition("/")
    entries = []
    for stored, name, sha in _entries(root, tree):
        here = name.decode() == first
        inner = bytes.fromhex(_respelled(root, sha.hex(), rest, mode)) if here and rest else sha
        entries.append((mode.encode() if here and not rest else stored, name, inner))
    data = b"".join(m + b" " + n + b"\0" + s for m, n, s in entries)
    return _git(root, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", given=data)


def _with_modes(repo, modes: dict[str, str]) -> None:
    """HEAD replaced by a commit of the same tree with these modes respelled."""
    tree = _git(repo.root, "rev-parse", "HEAD^{tree}")
    for path, mode in modes.items():
        tree = _respelled(repo.root, tree, path, mode)
    commit = _git(repo.root, "commit-tree", tree, "-p", "HEAD^", "-m", "hand-made tree")
    _git(repo.root, "update-ref", "HEAD", commit)


def test_a_lazy_tree_reads_odd_modes_as_git_does(repo):
    """Modes spelt otherwise in a tree object (`40755` a folder, `120777` a symlink,
    `100775` an executable, `160755` or `0` a submodule) mean what git's `canon_mode`
    makes of them: the lazy tree's entries are `ls-tree -r`'s, path by path."""
    repo.write("dir/inner/a.yaml", "a: 1\n")
    repo.write("dir/run.sh", "echo\n")
    repo.write("plain.txt", "x\n")
    repo.write("gone.txt", "y\n")
    (repo.root / "dir/link").symlink_to("inner")
    repo.commit("files")
    repo.git("commit", "-q", "--allow-empty", "-m", "to respell")
    modes = {
        "dir/inner": "40755",
        "dir/link": "120777",
        "dir/run.sh": "100775",
        "plain.txt": "0100644",
        "gone.txt": "0",
    }
    _with_modes(repo, modes)
    with Repository(repo.root) as git_repo:
        head = git_repo.resolve("HEAD")
        full = git_repo.tree(head)
        lazy = git_repo.lazy_tree(head, commit=head)
        assert full.entry("dir/inner/a.yaml") is not None
        for path in [*full.entries, "dir/inner", "dir"]:
            assert lazy.entry(path) == full.entry(path), path
        assert lazy.entry("dir/link") == full.entry("dir/link")
        assert lazy.is_symlink("dir/link")
        assert lazy.entry("dir/run.sh").mode == "100755"
        assert lazy.entry("gone.txt").mode == "160000"


def test_a_folder_symlink_spelt_120777_still_blocks_a_pull_request(repo, gate):
    """A pull request that replaces the gated folder by a symlink, its mode written
    `120777` in a hand-made tree (git, and a checkout, read it as 120000), is blocked
    with `link` as one written 120000 is."""
    repo.write("shadow/x.yaml", CONFIG)
    (repo.root / "worldmodel").mkdir(exist_ok=True)
    (repo.root / "worldmodel/experiments").symlink_to("../shadow")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("the configs live elsewhere")
    repo.git("commit", "-q", "--allow-empty", "-m", "to respell")
    _with_modes(repo, {"worldmodel/experiments": "120777"})
    result = gate("check", "--base", "main")
    assert result.code == 1, result
    assert (
        "worldmodel/experiments: link: worldmodel/experiments is a symlink to '../shadow' "
        "and is a folder the gated glob 'worldmodel/experiments/*.yaml' reaches into"
    ) in result.out


def test_a_gated_folder_spelt_40755_is_still_read(repo, gate):
    """The gated folder's mode written `40755`: its files are the head's files still,
    so an edit to a covered config is judged against its card (not taken for missing)."""
    config = repo.experiment()
    card = repo.card(card_data())
    repo.commit("a config and its card")
    sign_all(gate, card)
    repo.commit("signed")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(config, CONFIG.replace("0.0003", "0.1"))
    repo.commit("a new learning rate")
    repo.git("commit", "-q", "--allow-empty", "-m", "to respell")
    _with_modes(repo, {"worldmodel/experiments": "40755"})
    result = gate("check", "--base", "main")
    assert result.code == 1, result
    assert (f"{card}:31: config: training.lr: card says 0.0003 but {config} says 0.1") in result.out
    assert "exists only in the working tree" not in result.out


def test_a_tree_no_folder_can_hold_is_an_error(repo, gate):
    """A tree object naming one entry twice (a file and a folder `experiments`) is
    not a folder gate can read: the pull request's check stops (exit 2), naming it."""
    repo.experiment()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("a config")
    tree = _git(repo.root, "rev-parse", "HEAD:worldmodel")
    blob = _git(repo.root, "hash-object", "-w", "--stdin", given=b"not a folder\n")
    entries = _entries(repo.root, tree)
    entries.insert(0, (b"100644", b"experiments", bytes.fromhex(blob)))
    data = b"".join(m + b" " + n + b"\0" + s for m, n, s in entries)
    bad = _git(repo.root, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", given=data)
    root = [
        (m, n, bytes.fromhex(bad) if n == b"worldmodel" else s)
        for m, n, s in _entries(repo.root, _git(repo.root, "rev-parse", "HEAD^{tree}"))
    ]
    data = b"".join(m + b" " + n + b"\0" + s for m, n, s in root)
    top = _git(repo.root, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", given=data)
    commit = _git(repo.root, "commit-tree", top, "-p", "HEAD^", "-m", "hand-made tree")
    _git(repo.root, "update-ref", "HEAD", commit)
    result = gate("check", "--base", "main")
    assert result.code == 2, result
    assert f"gate: error: git tree {bad} cannot be read: tree entry 'experiments'" in result.err


@pytest.mark.parametrize("deeper", [False, True], ids=["two links", "three links"])
def test_a_pull_request_follows_a_symlinked_folder_to_the_links_inside_it(repo, gate, deeper):
    """With links allowed, a gated path can reach a file through a symlinked folder in a
    gated folder and then a symlink inside the folder it names (or a symlinked folder
    there, and a symlink in that). A pull request that edits that file edits a gated
    config, though no link is near the change: it needs a card, as the hook and `--all`
    say. A link beside them that leads out of the repository ends no search."""
    gated = '"worldmodel/experiments/**/*.yaml"'
    text = PYPROJECT.replace("strict = false", "allow_links = true")
    repo.write("pyproject.toml", text.replace('"worldmodel/experiments/*.yaml"', gated))
    repo.write("notes/policy-a.yaml", CONFIG)
    (repo.root / "common").mkdir()
    if deeper:
        (repo.root / "deeper").mkdir()
        (repo.root / "deeper/policy-a.yaml").symlink_to("../notes/policy-a.yaml")
        (repo.root / "common/deeper").symlink_to("../deeper")
        (repo.root / "common/zz-out").symlink_to("../../outside")
    else:
        (repo.root / "common/policy-a.yaml").symlink_to("../notes/policy-a.yaml")
    (repo.root / "worldmodel/experiments").mkdir(parents=True)
    (repo.root / "worldmodel/experiments/shared").symlink_to("../../common")
    repo.commit("a config reached through two links, from before the gate")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("notes/policy-a.yaml", CONFIG.replace("0.0003", "0.1"))
    repo.add("notes/policy-a.yaml")
    missing = "notes/policy-a.yaml: coverage: no run card covers this gated file"
    staged = gate("check")
    assert staged.code == 1, staged
    assert missing in staged.out
    repo.commit("a new learning rate, where the links lead")
    result = gate("check", "--base", "main")
    assert result.code == 1, result
    assert missing in result.out
