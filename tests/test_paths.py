"""The same gated file reached another way (tests/test_hardening.py's classes for paths):
a gated folder replaced by a symlink or a submodule, a config that is a symlink, a
staged symlink named to `gate check FILES`, names differing only in case, and the
globs themselves, held equal to git's own matching. Each attack is blocked in every
scope where it applies: staged, `--base` (a pull request) and `--all`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from itertools import product
from pathlib import Path

import pytest
from conftest import CONFIG, PYPROJECT, card_data, sign_all
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gate.errors import GateError
from gate.git.globs import compile_globs, normal

OPT_IN = "[tool.gate] allow_links = true"


def _link(repo, path: str, target: str) -> None:
    where = repo.root / path
    where.parent.mkdir(parents=True, exist_ok=True)
    where.symlink_to(target)


def _upstream(tmp_path: Path, name: str = "upstream") -> Path:
    """A repository of configs another team keeps (what a submodule would pin)."""
    root = tmp_path / name
    (root / "experiments").mkdir(parents=True)
    (root / "experiments" / "policy-a.yaml").write_text(CONFIG)
    (root / "policy-a.yaml").write_text(CONFIG)
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "configs")):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def _submodule(repo, upstream: Path, path: str) -> None:
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(upstream), path)


def _commit_index(repo, message: str = "as staged") -> None:
    repo.git("commit", "-q", "--no-verify", "-m", message)


def _blocked_everywhere(repo, gate, change, *fragments: str, stage=None) -> None:
    """`change(repo)` on a feature branch is blocked staged, under `--base main` (a pull
    request) and under `--all`, each naming `fragments`."""
    repo.git("checkout", "-q", "-b", "feature")
    change(repo)
    (stage or (lambda r: r.git("add", "-A")))(repo)
    results = {"staged": gate("check")}
    _commit_index(repo, "the change")
    results["base"] = gate("check", "--base", "main")
    results["all"] = gate("check", "--all")
    for scope, result in results.items():
        assert result.code == 1, (scope, result)
        for fragment in fragments:
            assert fragment in result.out, (scope, fragment, result)


# -- a gated folder (or a folder above it) replaced by a symlink --------------------------


def _shared_configs(repo) -> None:
    repo.write("shared/experiments/policy-a.yaml", CONFIG)
    repo.write("vendor/wm/experiments/policy-a.yaml", CONFIG)
    repo.commit("configs kept outside the gated folder")


@pytest.mark.parametrize(
    ("link", "target", "why"),
    [
        (
            "worldmodel/experiments",
            "../shared/experiments",
            "is a folder the gated glob 'worldmodel/experiments/*.yaml' reaches into",
        ),
        ("worldmodel", "vendor/wm", "is a folder the gated glob 'worldmodel/experiments/*.yaml'"),
        ("notes/configs", "../worldmodel/experiments", "points to 'worldmodel/experiments'"),
    ],
)
def test_a_symlinked_folder_where_gated_files_live_is_blocked(repo, gate, link, target, why):
    _shared_configs(repo)
    if link == "notes/configs":
        repo.experiment()  # the gated folder exists; the link is another way into it
        repo.commit("a config", author=("a", "a@example.org"))

    def change(r):
        if (r.root / link).exists():  # the folder that was there goes
            shutil.rmtree(r.root / link)
        _link(r, link, target)

    _blocked_everywhere(repo, gate, change, f"{link}: link: {link} is a symlink", why)


def test_a_gated_folder_turned_into_a_symlink_is_blocked_and_says_what_to_do(repo, gate):
    repo.experiment()
    _shared_configs(repo)

    def replace(r):
        for child in (r.root / "worldmodel/experiments").iterdir():
            child.unlink()
        (r.root / "worldmodel/experiments").rmdir()
        _link(r, "worldmodel/experiments", "../shared/experiments")

    _blocked_everywhere(repo, gate, replace, "commit the real file (or folder)", OPT_IN)


# -- a submodule (a gitlink) where gated files live ---------------------------------------


@pytest.mark.parametrize("path", ["worldmodel/experiments", "worldmodel"])
def test_a_submodule_where_gated_files_live_is_blocked(repo, gate, tmp_path, path):
    upstream = _upstream(tmp_path)

    def change(r):
        if (r.root / path).exists():  # the folder that was there goes
            r.git("rm", "-r", "-q", path)
        _submodule(r, upstream, path)

    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=upstream, check=True, capture_output=True, text=True
    ).stdout.strip()
    _blocked_everywhere(
        repo,
        gate,
        change,
        f"{path}: link: {path} is a submodule (commit {sha[:10]}) and ",
        "its files are in another repository, which gate does not check; commit them here "
        f"instead, or set `{OPT_IN}` to gate the submodule's commit like a file",
    )


def test_a_bare_gitlink_named_like_a_config_is_blocked(repo, gate):
    commit = repo.git("rev-parse", "HEAD").strip()
    path = "worldmodel/experiments/policy-a.yaml"

    def stage(r):
        r.git("update-index", "--add", "--cacheinfo", f"160000,{commit},{path}")

    _blocked_everywhere(
        repo, gate, lambda r: None, f"{path} is a submodule", "matches the gated glob", stage=stage
    )


def test_moving_a_submodule_hidden_by_ignore_all_is_still_seen(repo, gate, tmp_path):
    upstream = _upstream(tmp_path)
    _submodule(repo, upstream, "worldmodel/experiments")
    repo.git("config", "-f", ".gitmodules", "submodule.worldmodel/experiments.ignore", "all")
    repo.commit("vendored configs, changes hidden")
    (upstream / "experiments" / "policy-a.yaml").write_text(CONFIG.replace("0.0003", "0.1"))
    subprocess.run(["git", "commit", "-qam", "lr"], cwd=upstream, check=True, capture_output=True)
    moved = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=upstream, check=True, capture_output=True, text=True
    ).stdout.strip()

    def stage(r):
        r.git("update-index", "--cacheinfo", f"160000,{moved},worldmodel/experiments")

    _blocked_everywhere(
        repo, gate, lambda r: None, "worldmodel/experiments is a submodule", stage=stage
    )


# -- a config that is a symlink -----------------------------------------------------------


def test_a_config_that_is_a_symlink_to_an_ungated_file_is_blocked(repo, gate):
    repo.write("notes/policy-a.yaml", CONFIG)
    repo.commit("notes")
    _blocked_everywhere(
        repo,
        gate,
        lambda r: _link(r, "worldmodel/experiments/policy-a.yaml", "../../notes/policy-a.yaml"),
        "policy-a.yaml is a symlink to '../../notes/policy-a.yaml' and matches the gated glob",
    )


@pytest.mark.parametrize("beside", [False, True], ids=["alone", "after a deletion"])
def test_editing_what_a_gated_symlink_points_to_is_blocked(repo, gate, beside):
    """The link got in before the gate was installed (--no-verify); the edit touches only
    the ungated file it points to (a deletion listed before it in the same change does
    not end the search)."""
    repo.write("notes/policy-a.yaml", CONFIG)
    repo.write("notes/a-old.txt", "an old note\n")
    _link(repo, "worldmodel/experiments/policy-a.yaml", "../../notes/policy-a.yaml")
    repo.commit("linked config")

    def change(r):
        if beside:
            (r.root / "notes/a-old.txt").unlink()
        r.write("notes/policy-a.yaml", CONFIG.replace("0.0003", "0.1"))

    _blocked_everywhere(repo, gate, change, "worldmodel/experiments/policy-a.yaml: link:")


def test_a_symlink_through_a_chain_into_a_gated_file_is_blocked(repo, gate):
    repo.experiment()
    repo.commit("a config", author=("a", "a@example.org"))

    def chain(r):
        _link(r, "notes/first.yaml", "second.yaml")
        _link(r, "notes/second.yaml", "../worldmodel/experiments/policy-a.yaml")

    _blocked_everywhere(repo, gate, chain, "notes/first.yaml: link:", "notes/second.yaml: link:")


def test_a_config_symlinked_to_itself_is_blocked(repo, gate):
    _blocked_everywhere(
        repo,
        gate,
        lambda r: _link(r, "worldmodel/experiments/policy-a.yaml", "policy-a.yaml"),
        "is a symlink to 'policy-a.yaml', in a loop, and matches the gated glob",
    )


def test_a_symlink_leaving_the_repository_stays_blocked_with_links_allowed(repo, gate, tmp_path):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.commit("links allowed")
    (tmp_path / "outside.yaml").write_text(CONFIG)
    _blocked_everywhere(
        repo,
        gate,
        lambda r: _link(r, "worldmodel/experiments/policy-a.yaml", str(tmp_path / "outside.yaml")),
        "worldmodel/experiments/policy-a.yaml: link: worldmodel/experiments/policy-a.yaml is a "
        f"symlink to '{tmp_path / 'outside.yaml'}', outside the repository, and matches the "
        "gated glob",
    )
    found = json.loads(gate("check", "--all", "--format", "json").out)["findings"]
    assert [(f["path"], f["line"], f["rule"]) for f in found if f["rule"] == "link"] == [
        ("worldmodel/experiments/policy-a.yaml", 0, "link")
    ]


# -- gate check FILES: a symlink is gated as the link, never resolved ----------------------


@pytest.mark.parametrize(
    ("setup", "named", "fragment"),
    [
        (  # a staged config that is a symlink to an ungated file
            lambda r: _link(r, "worldmodel/experiments/policy-a.yaml", "../../notes/a.yaml"),
            "worldmodel/experiments/policy-a.yaml",
            "worldmodel/experiments/policy-a.yaml: link:",
        ),
        (  # a path below a staged symlinked folder
            lambda r: _link(r, "worldmodel/experiments", "../notes"),
            "worldmodel/experiments/a.yaml",
            "worldmodel/experiments: link:",
        ),
        (  # an ungated name for a gated file, through another link
            lambda r: (
                r.experiment(),
                _link(r, "notes/alias.yaml", "b.yaml"),
                _link(r, "notes/b.yaml", "../worldmodel/experiments/policy-a.yaml"),
            ),
            "notes/alias.yaml",
            "notes/alias.yaml: link:",
        ),
    ],
)
def test_check_files_never_resolves_a_symlink_before_matching(repo, gate, setup, named, fragment):
    repo.write("notes/a.yaml", CONFIG)
    repo.commit("notes")
    setup(repo)
    repo.git("add", "-A")
    result = gate("check", named)
    assert result.code == 1, result
    assert fragment in result.out


def test_check_files_through_a_symlinked_path_to_the_repository(repo, gate, tmp_path):
    repo.experiment()
    repo.git("add", "-A")
    (tmp_path / "elsewhere").symlink_to(repo.root)
    result = gate("check", str(tmp_path / "elsewhere/worldmodel/experiments/policy-a.yaml"))
    assert result.code == 1
    assert "worldmodel/experiments/policy-a.yaml: coverage: no run card covers" in result.out


def test_check_files_outside_the_repository_matches_nothing(repo, gate, tmp_path):
    (tmp_path / "outside.yaml").write_text(CONFIG, encoding="utf-8")
    for named in ("../outside.yaml", str(tmp_path / "outside.yaml")):
        result = gate("check", named)
        assert result.code == 0, (named, result)
        assert result.out == "gate: passed (files): 0 gated file(s), 0 card(s)\n", named
    config = repo.experiment()
    repo.add(config)
    both = gate("check", "../outside.yaml", config)  # the paths after it are checked
    assert both.code == 1
    assert both.out.splitlines()[-1].endswith("in 1 gated file(s), 0 card(s)")
    assert f"{config}: coverage: no run card covers this gated file" in both.out


def test_check_files_from_outside_the_work_tree_reads_paths_from_the_current_folder(
    repo, gate, tmp_path, monkeypatch
):
    # (GIT_DIR and GIT_WORK_TREE name the repository; the shell is in the folder above.)
    config = repo.experiment()
    repo.add(config)
    monkeypatch.setenv("GIT_DIR", str(repo.root / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(repo.root))
    monkeypatch.chdir(tmp_path)
    here = gate("check", config)  # tmp_path/worldmodel/...: not the repository's file
    assert here.code == 0, here
    assert here.out == "gate: passed (files): 0 gated file(s), 0 card(s)\n"
    there = gate("check", str(repo.root / config))
    assert there.code == 1
    assert f"{config}: coverage: no run card covers this gated file" in there.out


# -- names that differ only in case -------------------------------------------------------


@pytest.mark.parametrize("ignorecase", ["false", "true"])
@pytest.mark.parametrize(
    "path", ["WorldModel/Experiments/policy-b.yaml", "worldmodel/experiments/POLICY-B.YAML"]
)
def test_a_case_variant_of_a_gated_path_is_gated(repo, gate, ignorecase, path):
    """(With core.ignorecase, git itself files the new name under the folder's existing
    spelling: the name it stores is gated either way.)"""
    repo.git("config", "core.ignorecase", ignorecase)
    _blocked_everywhere(
        repo,
        gate,
        lambda r: r.write(path, CONFIG),
        f"{path.rsplit('/', 1)[1]}: coverage: no run card covers this gated file",
    )


@pytest.mark.parametrize(
    ("existing", "variant"),
    [
        ("worldmodel/experiments/policy-a.yaml", "worldmodel/experiments/Policy-A.yaml"),
        ("worldmodel/experiments/policy-a.yaml", "WORLDMODEL/experiments/policy-a.yaml"),
        ("worldmodel/docs/run-cards/policy-a.md", "worldmodel/docs/run-cards/Policy-A.md"),
    ],
)
def test_two_paths_differing_only_in_case_are_blocked(repo, gate, existing, variant):
    """One file on macOS and Windows disks: a checkout there keeps either, so the gated
    or carded one cannot be what the other says."""
    repo.write(existing, CONFIG)
    repo.commit("the original")
    _blocked_everywhere(
        repo,
        gate,
        lambda r: r.write(variant, CONFIG.replace("0.0003", "0.1")),
        f"{variant}: case: {variant} and {existing} differ only in case: on macOS and Windows "
        "disks they are one file, and a checkout there keeps only one of them; rename or "
        "remove one\n",
    )


def test_a_case_variant_of_the_cards_folder_is_checked_as_a_card(repo, gate):
    _blocked_everywhere(
        repo,
        gate,
        lambda r: r.write("WorldModel/Docs/Run-Cards/policy-a.md", "no front matter\n"),
        "WorldModel/Docs/Run-Cards/policy-a.md:",
    )


# -- the globs: edge cases the hand-written translator got wrong --------------------------


@pytest.mark.parametrize(
    ("glob", "path"),
    [
        ("worldmodel/experiments/", "worldmodel/experiments/nested/x.json"),  # trailing /
        ("worldmodel/launch", "worldmodel/launch/train.sh"),  # a folder, no wildcard
        ("worldmodel/experiments/[[:alnum:]]*.yaml", "worldmodel/experiments/x.yaml"),
        ("worldmodel/experiments/[]a-c]*.yaml", "worldmodel/experiments/]x.yaml"),
        ("worldmodel/**/train.py", "worldmodel/train.py"),  # ** spanning no folder
        ("worldmodel/**/train.py", "worldmodel/a/b/train.py"),
        ("worldmodel/experiments/\\[draft\\]*.yaml", "worldmodel/experiments/[draft]-x.yaml"),
        ("./worldmodel//experiments/../launch/*.sh", "worldmodel/launch/go.sh"),
        ("worldmodel/run**", "worldmodel/runs/a/b.yaml"),  # git: ** after the literal head
    ],
)
def test_glob_edge_cases_gate_in_every_scope(repo, gate, glob, path):
    escaped = glob.replace("\\", "\\\\")
    repo.write("pyproject.toml", PYPROJECT.replace("worldmodel/launch/*.sh", escaped))
    repo.commit("the team's globs")
    _blocked_everywhere(
        repo,
        gate,
        lambda r: r.write(path, CONFIG),
        f"{path}: coverage: no run card covers this gated file",
    )


def test_a_glob_that_leaves_the_repository_is_a_config_error(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("worldmodel/launch/*.sh", "../x/*.yaml"))
    repo.experiment()
    repo.git("add", "-A")
    result = gate("check")
    assert result.code == 2
    assert "'../x/*.yaml' leaves the repository" in result.err


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("a/*.yaml", "a/b/c.yaml", False),
        ("a/[!_].yaml", "a/_.yaml", False),
        ("a/[!b].yaml", "a/b.yaml", True),  # a/B.yaml is matched: one file with a/b.yaml
        ("a/[!b]x", "a//x", False),  # a class never matches /
        ("a/*/", "a/b/c", True),  # gate: a trailing / is everything below
        ("a/b", "a/b/c/d", True),
        ("a/b", "a/bc", False),
        ("a/[b].yaml", "a/[b].yaml", True),  # git: the literal spelling matches too
        ("a/b\\", "a/b\\", True),
        ("a/b\\", "a/bx", False),  # a trailing backslash matches nothing by wildcard
        ("a/[", "a/[", True),
        ("a/[x", "a/x", False),  # an unclosed class matches nothing by wildcard
        ("??.yaml", "é.yaml", True),  # ? is one byte, as in git
        ("[[:upper:]].yaml", "a.yaml", True),  # ignoring case
        ("[!B].yaml", "B.yaml", True),  # b.yaml is matched, and B.yaml is one file with it
        ("[!Bb].yaml", "B.yaml", False),
    ],
)
def test_glob_table(glob, path, expected):
    assert compile_globs((glob,)).match(path) is expected


def test_case_folding_is_unicode_and_whole_path():
    globs = compile_globs(("données/expériences/*.yaml",))
    assert globs.match("DONNÉES/EXPÉRIENCES/X.YAML")
    assert globs.contains("Données") and globs.contains("DONNÉES/Expériences")
    assert not globs.contains("données/autres")


@pytest.mark.parametrize("how", ["loose", "packed", "detached", "worktree"])
def test_head_is_read_without_running_git_as_git_reads_it(repo, how, monkeypatch):
    from gate.git import git_dir, head_links
    from gate.git.process import head_commit

    _link(repo, "notes/link", "../README.md")
    repo.commit("a link")
    if how == "packed":
        repo.git("pack-refs", "--all")
    elif how == "detached":
        repo.git("checkout", "-q", "--detach")
    elif how == "worktree":
        repo.git("worktree", "add", "-q", "-b", "side", str(repo.root.parent / "side"))
        monkeypatch.chdir(repo.root.parent / "side")
    folder = git_dir()
    assert folder is not None
    assert head_commit(folder) == repo.git("rev-parse", "HEAD").strip()
    assert head_links() == ["notes/link"]
    assert head_links() == ["notes/link"]  # from the cache this time


def test_normal_rejects_climbing_out():
    with pytest.raises(GateError, match="leaves the repository"):
        normal("a/../../b")
    assert normal("/a/./b/") == "a/b/**"
    assert normal(".") == "**"


# -- the globs against git's own matching (property-based) --------------------------------

FOLDERS = ["a", "B", "é", "[a]", "*", "\\", "a.b"]
FILES = ["ab", "A", "b", "-", "!x", "x:y", "]", "é.yaml", "a?"]
CORPUS = sorted(
    "/".join([*folders, leaf])
    for depth in (0, 1, 2)
    for folders in product(FOLDERS, repeat=depth)
    for leaf in FILES
)
PIECES = [
    *("a", "b", "B", "é", "x", ".", "-", "!", "^", ":", "]", "/", "//", "./", "../"),
    *("*", "**", "**/", "/**", "?", "[", "[!", "[^", "\\", "\\*", "[:alpha:]", "[:upper:]"),
]
PATTERNS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=7).map("".join)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """An index holding the paths of CORPUS (no files on disk, so names any disk takes),
    and those paths as git lists them."""
    root = tmp_path_factory.mktemp("corpus")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    blob = (
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=root,
            input=b"x\n",
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    info = "".join(f"100644 {blob}\t{p}\n" for p in CORPUS).encode()
    subprocess.run(["git", "update-index", "--index-info"], cwd=root, input=info, check=True)
    return root, sorted(_git_lists(root, "literal", "."))


def _git_lists(root: Path, magic: str, pattern: str) -> set[str]:
    out = subprocess.run(
        ["git", "-c", "core.quotepath=off", "ls-files", "-z", "--", f":({magic}){pattern}"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}


# GATE_PROPERTY_EXAMPLES (tests/test_properties.py) sets the count: higher for a long run
# by hand, lower in each mutant's run (.ci/mutation).
@settings(
    max_examples=int(os.environ.get("GATE_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(pattern=PATTERNS)
def test_globs_match_exactly_what_git_lists(corpus, pattern):
    root, paths = corpus
    try:
        gate_form = normal(pattern)
    except GateError:
        assume(False)
    globs = compile_globs((pattern,))
    assert {p for p in paths if globs.exact(p)} == _git_lists(root, "glob", gate_form)
    matched = {p for p in paths if globs.match(p)}
    assert matched >= _git_lists(root, "glob,icase", gate_form)
    # fail closed: a folder holding a matched path is a folder gated files live below
    for path in matched:
        parts = path.split("/")
        for cut in range(1, len(parts)):
            assert globs.contains("/".join(parts[:cut])), (pattern, path)


# -- opted in: links are followed, and what they point to is gated ------------------------


def test_with_links_allowed_a_symlinked_config_is_covered_and_its_target_gated(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.write("notes/policy-a.yaml", CONFIG)
    _link(repo, "worldmodel/experiments/policy-a.yaml", "../../notes/policy-a.yaml")
    card = repo.card(card_data())
    repo.commit("a linked config and its card")
    sign_all(gate, card)
    repo.commit("signed")
    assert gate("check", "--all").code == 0

    repo.write("notes/policy-a.yaml", CONFIG.replace("0.0003", "0.1"))
    repo.add("notes/policy-a.yaml")
    staged = gate("check")  # the hook's fast path must not wave this through
    assert staged.code == 1, staged
    assert "approval by Scav is stale" in staged.out
    assert "notes/policy-a.yaml: coverage: not covered by a passing card" in staged.out
    # beside a new gated link in the same commit, the edit is still seen
    repo.write("notes/policy-b.yaml", CONFIG)
    _link(repo, "worldmodel/experiments/policy-b.yaml", "../../notes/policy-b.yaml")
    repo.add("notes/policy-b.yaml", "worldmodel/experiments/policy-b.yaml")
    both = gate("check")
    assert both.code == 1, both
    assert "notes/policy-a.yaml: coverage: not covered by a passing card" in both.out
    assert "worldmodel/experiments/policy-b.yaml: coverage: no run card covers" in both.out


def test_with_links_allowed_retargeting_a_link_on_the_way_makes_approvals_stale(repo, gate):
    """A gated symlink reaches its file through a second symlink outside the gated
    folders. Pointing that second link elsewhere changes what the approved config
    says: the hook and a pull request judge it as the edit it is (as `--all` does)."""
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.write("notes/policy-a.yaml", CONFIG)
    repo.write("notes/faster.yaml", CONFIG.replace("0.0003", "0.1"))
    _link(repo, "common/policy-a.yaml", "../notes/policy-a.yaml")
    _link(repo, "worldmodel/experiments/policy-a.yaml", "../../common/policy-a.yaml")
    card = repo.card(card_data())
    repo.commit("a config reached through two links, and its card")
    sign_all(gate, card)
    repo.commit("signed")
    assert gate("check", "--all").code == 0
    repo.git("checkout", "-q", "-b", "feature")
    (repo.root / "common/policy-a.yaml").unlink()
    _link(repo, "common/policy-a.yaml", "../notes/faster.yaml")
    repo.add("common/policy-a.yaml")
    uncovered = f"notes/faster.yaml: coverage: not covered by a passing card: {card} must pass"
    staged = gate("check")
    repo.commit("a faster learning rate, by a link")
    pr = gate("check", "--base", "main")
    for result in (staged, pr):
        assert result.code == 1, result
        assert "approval by Scav is stale" in result.out
        assert uncovered in result.out
        assert f"{card}:31: config: training.lr: card says 0.0003 but" in result.out


def test_with_links_allowed_a_submodule_is_gated_as_its_commit(repo, gate, tmp_path):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.commit("links allowed")
    upstream = _upstream(tmp_path)
    _blocked_everywhere(
        repo,
        gate,
        lambda r: _submodule(r, upstream, "worldmodel/experiments"),
        "worldmodel/experiments: coverage: no run card covers this gated file",
    )


def test_with_links_allowed_an_unrelated_commit_still_passes(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.write("notes/policy-a.yaml", CONFIG)
    _link(repo, "worldmodel/experiments/policy-a.yaml", "../../notes/policy-a.yaml")
    repo.commit("a linked config, before the gate")
    repo.write("src/model.py", "x = 1\n")
    repo.add("src/model.py")
    result = gate("check")
    assert result.code == 0, result


def test_with_links_allowed_a_card_approves_a_submodules_commit(repo, gate, tmp_path):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.commit("links allowed")
    upstream = _upstream(tmp_path)
    _submodule(repo, upstream, "worldmodel/experiments")
    card = repo.card(card_data(covers=["worldmodel/experiments"]))
    repo.commit("vendored configs and their card")
    sign_all(gate, card)
    repo.commit("signed")
    assert gate("check", "--all").code == 0

    inside = repo.root / "worldmodel/experiments"
    (inside / "policy-a.yaml").write_text(CONFIG.replace("0.0003", "0.1"))
    subprocess.run(["git", "commit", "-qam", "lr"], cwd=inside, check=True, capture_output=True)
    repo.add("worldmodel/experiments")
    moved = gate("check")
    assert moved.code == 1, moved
    assert "approval by Scav is stale" in moved.out


# -- the hook's fast path stays light -----------------------------------------------------


def test_the_fast_path_reads_heads_links_without_git_or_heavy_imports(repo):
    import sys

    repo.write("notes/policy-a.yaml", CONFIG)
    _link(repo, "notes/alias.yaml", "policy-a.yaml")  # a link, but not where gated files live
    repo.commit("a harmless link")
    repo.write("src/model.py", "x = 1\n")
    repo.add("src/model.py")

    def run(*args: str) -> tuple[str, set[str]]:
        result = subprocess.run(
            [sys.executable, "-X", "importtime", *(args or ("-m", "gate", "check"))],
            cwd=repo.root,
            capture_output=True,
            text=True,
            check=False,
        )
        found = {
            line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "|" in line
        }
        return result.stdout, found

    run()  # fills the caches in the git folder
    out, modules = run()
    assert out.startswith("gate: passed (staged): nothing gated")
    assert (repo.root / ".git/gate/links").read_text().splitlines()[1:] == ["notes/alias.yaml"]
    started = run("-c", "pass")[1]  # (a development install's finder imports pathlib)
    assert not (modules - started) & {"pathlib", "subprocess", "gate.config", "tomllib"}


def test_with_links_allowed_files_behind_a_symlinked_folder_are_gated(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.write("shared/experiments/policy-a.yaml", CONFIG)
    repo.write("shared/experiments/notes.txt", "not a config\n")
    repo.commit("configs kept outside the gated folder")
    _blocked_everywhere(
        repo,
        gate,
        lambda r: _link(r, "worldmodel/experiments", "../shared/experiments"),
        "shared/experiments/policy-a.yaml: coverage: no run card covers this gated file",
    )
    assert "notes.txt" not in gate("check", "--all").out


def test_with_links_allowed_a_card_for_the_real_file_covers_it(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.write("shared/experiments/policy-a.yaml", CONFIG)
    _link(repo, "worldmodel/experiments", "../shared/experiments")
    card = repo.card(card_data(covers=["shared/experiments/policy-a.yaml"]))
    repo.commit("configs behind a symlinked folder, and a card")
    sign_all(gate, card)
    repo.commit("signed")
    assert gate("check", "--all").code == 0
    repo.write("shared/experiments/policy-a.yaml", CONFIG.replace("0.0003", "0.1"))
    repo.add("shared/experiments/policy-a.yaml")
    stale = gate("check")
    assert stale.code == 1 and "approval by Scav is stale" in stale.out


# -- how a symlink's target is walked (from the mutation run) -------------------------------


def test_a_link_target_with_empty_and_dot_parts_is_walked_like_the_file_system(repo, gate):
    repo.experiment()
    repo.commit("a config", author=("a", "a@example.org"))
    _blocked_everywhere(
        repo,
        gate,
        lambda r: _link(r, "notes/alias.yaml", ".//../worldmodel/experiments/./policy-a.yaml"),
        "notes/alias.yaml: link: notes/alias.yaml is a symlink to "
        "'.//../worldmodel/experiments/./policy-a.yaml' and points to "
        "'worldmodel/experiments/policy-a.yaml', which matches the gated glob "
        "'worldmodel/experiments/*.yaml': ",
    )


def test_a_relative_link_climbing_out_of_the_repository_leaves_it(repo, gate):
    _blocked_everywhere(
        repo,
        gate,
        lambda r: _link(r, "worldmodel/experiments/policy-a.yaml", "../../../policy-a.yaml"),
        "worldmodel/experiments/policy-a.yaml: link: worldmodel/experiments/policy-a.yaml is a "
        "symlink to '../../../policy-a.yaml', outside the repository, and matches the gated "
        "glob 'worldmodel/experiments/*.yaml': gate cannot check what it points to; "
        "commit the real file (or folder) at this path instead",
    )


def test_a_link_target_that_is_not_utf8_is_reported_not_a_crash(repo, gate):
    import os

    def change(r):
        (r.root / "worldmodel/experiments").mkdir(parents=True, exist_ok=True)
        os.symlink(b"caf\xe9.yaml", bytes(r.root / "worldmodel/experiments/policy-a.yaml"))  # noqa: PTH211 - a bytes target

    _blocked_everywhere(
        repo,
        gate,
        change,
        "worldmodel/experiments/policy-a.yaml: link: worldmodel/experiments/policy-a.yaml is a "
        "symlink to 'caf\\udce9.yaml' and matches the gated glob",
    )


def test_with_links_allowed_a_folder_linking_to_itself_ends_the_alias_search(repo, gate):
    """`worldmodel/experiments/again -> .` gives every config endless names
    (again/again/...); gate follows a bounded number of them and still reports the
    edit to the config, through any name, as stale."""
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    config = repo.experiment()
    card = repo.card(card_data())
    _link(repo, "worldmodel/experiments/again", ".")
    repo.commit("a card, its config and a folder link")
    sign_all(gate, card)
    repo.commit("signed")
    assert gate("check", "--all").code == 0
    repo.write(config, CONFIG.replace("lr: 0.0003", "lr: 0.1"))
    repo.add(config)
    stale = gate("check")
    assert stale.code == 1, stale
    assert "approval by Scav is stale" in stale.out
    assert "Traceback" not in stale.out + stale.err


def test_a_link_through_a_gated_link_to_an_ungated_file_names_the_gated_hop(repo, gate):
    """notes/a.yaml -> worldmodel/experiments/policy-a.yaml -> notes/real.yaml: the
    first link passes through where configs live, though it ends outside."""
    repo.write("notes/real.yaml", CONFIG)
    repo.commit("notes")

    def chain(r):
        _link(r, "notes/a.yaml", "../worldmodel/experiments/policy-a.yaml")
        _link(r, "worldmodel/experiments/policy-a.yaml", "../../notes/real.yaml")

    _blocked_everywhere(
        repo,
        gate,
        chain,
        "notes/a.yaml: link: notes/a.yaml is a symlink to "
        "'../worldmodel/experiments/policy-a.yaml' and points to "
        "'worldmodel/experiments/policy-a.yaml', which matches the gated glob",
    )


def test_an_ungated_link_leaving_the_repository_is_none_of_gates_business(repo, gate, tmp_path):
    _link(repo, "notes/elsewhere.yaml", str(tmp_path / "outside.yaml"))
    repo.add("notes/elsewhere.yaml")
    result = gate("check")
    assert (result.code, result.err) == (0, ""), result
    assert result.out.startswith("gate: passed (staged)")


def test_a_chain_of_forty_links_that_leaves_is_outside_not_a_loop(repo, gate, tmp_path):
    """The kernel follows 40 symlinks on one path: 40 hops that end outside the
    repository leave it; one more would be a loop."""

    def chain(r):
        _link(r, "worldmodel/experiments/policy-a.yaml", "../../notes/l1")
        for n in range(1, 39):
            _link(r, f"notes/l{n}", f"l{n + 1}")
        _link(r, "notes/l39", str(tmp_path / "outside.yaml"))  # the 40th hop

    _blocked_everywhere(
        repo,
        gate,
        chain,
        "worldmodel/experiments/policy-a.yaml is a symlink to '../../notes/l1', outside the "
        "repository, and matches the gated glob",
    )


def test_with_links_allowed_retargeting_a_gated_link_gates_its_new_target(repo, gate):
    """Only the link changes; the file it now points to is what would be read, and it is
    named as a gated file no card covers."""
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.write("shared/policy-a.yaml", CONFIG)
    repo.write("shared/policy-z.yaml", CONFIG.replace("0.0003", "0.1"))
    _link(repo, "worldmodel/experiments/policy-a.yaml", "../../shared/policy-a.yaml")
    card = repo.card(card_data(covers=["worldmodel/experiments/policy-a.yaml"]))
    repo.commit("a config behind a symlink, and a card")
    sign_all(gate, card)
    repo.commit("signed")
    assert gate("check", "--all").code == 0
    (repo.root / "worldmodel/experiments/policy-a.yaml").unlink()
    _link(repo, "worldmodel/experiments/policy-a.yaml", "../../shared/policy-z.yaml")
    repo.add("worldmodel/experiments/policy-a.yaml")
    moved = gate("check")
    assert moved.code == 1, moved
    assert rows_starting(moved.out, "shared/policy-z.yaml: coverage: "), moved.out


def rows_starting(out: str, prefix: str) -> list[str]:
    return [row for row in out.splitlines() if row.startswith(prefix)]


def test_with_links_allowed_a_top_level_link_gates_the_folder_it_points_to(repo, gate):
    """`worldmodel -> wm`: an edit to wm/experiments/policy-a.yaml is an edit to a
    gated config, reached through the link at the top of the repository."""
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    shutil.move(repo.root / "worldmodel", repo.root / "wm")
    repo.write("wm/experiments/policy-b.yaml", CONFIG)
    _link(repo, "worldmodel", "wm")
    repo.commit("the world-model folder under another name")
    repo.write("wm/experiments/policy-b.yaml", CONFIG.replace("0.0003", "0.1"))
    repo.add("wm/experiments/policy-b.yaml")
    edited = gate("check")
    assert edited.code == 1, edited
    assert rows_starting(edited.out, "wm/experiments/policy-b.yaml: coverage: "), edited.out


@pytest.mark.parametrize("allow", [False, True], ids=["links refused", "links allowed"])
def test_deleting_what_a_gated_link_reads_is_judged_as_deleting_the_config(repo, gate, allow):
    """Deleting a gated config needs no card (nothing is left to run); deleting the file
    a gated symlink reads is the same event, in the hook and in a pull request. (The
    link itself, left dangling, is what `--all` keeps reporting.)"""
    if allow:
        repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "allow_links = true"))
    repo.write("notes/policy-a.yaml", CONFIG)
    _link(repo, "worldmodel/experiments/policy-a.yaml", "../../notes/policy-a.yaml")
    repo.commit("a linked config, from before the gate")
    repo.git("checkout", "-q", "-b", "feature")
    repo.git("rm", "-q", "notes/policy-a.yaml")
    staged = gate("check")
    assert (staged.code, staged.out) == (0, "gate: passed (staged): 0 gated file(s), 0 card(s)\n")
    repo.commit("the old config goes")
    pr = gate("check", "--base", "main")
    assert (pr.code, pr.out) == (0, "gate: passed (base): 0 gated file(s), 0 card(s)\n")
