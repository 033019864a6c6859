# ruff: noqa: F811 - `team`, a fixture imported from test_covered_files
"""Attacks on what this round added: finished cards (whose results nobody signs), files a
card covers outside the gated globs, the covered-files index of the hook's fast path,
and the one-pass YAML reader. Each was found by an adversarial review; each is blocked
or handled, and the honest flow next to it still passes."""

from __future__ import annotations

import json
import os

import pytest
from conftest import Repo
from test_covered_files import team  # noqa: F401 - the fixture
from test_run_kind import CARD, CONFIG, LAUNCH, sign_all

from gate.card import document, frontmatter, paths
from gate.card.digest import card_digest, content_hash
from gate.check.evaluate import Context, covered_paths
from gate.check.scope import config_from
from gate.git import Repository
from gate.review import signoff
from gate.sources import yamlio

HELPER = "worldmodel/scripts/helper.py"


def _forge_results(team: Repo) -> None:
    """A results entry written by hand: the old approved digest, hashes of the files as
    they are now: everything `gate results` would write, and nothing signed."""
    card = document.parse(CARD, (team.root / CARD).read_bytes())
    repo = Repository(team.root)
    config = config_from((team.root / "pyproject.toml").read_bytes(), "x", None)
    tree = repo.worktree()
    ctx = Context(tree, config, signoff.policy_for(config, enforce=False))
    covered = {
        p: content_hash(paths.read_covered(tree, p).content) for p in covered_paths(card, ctx)
    }
    entry = {
        "date": "2026-11-25",
        "source": "manifest.json",
        "digest": card.data["signoff"][0]["digest"],
        "data_digest": card_digest(card.data, ()),
        "batch_seconds": 0.1,
        "epoch_s": 1.0,
        "training_s": 1.0,
        "wall_s": 1.0,
        "covered": covered,
    }
    front = frontmatter.append_item(document.front_text(card), "results", entry)
    raw = (team.root / CARD).read_text(encoding="utf-8")
    team.write(CARD, raw.replace(document.front_text(card), front, 1))
    repo.close()


def test_a_hand_written_results_entry_does_not_pass_an_unreviewed_config_edit(team, gate):
    team.git("checkout", "-q", "-b", "tweak")
    team.write(CONFIG, team.read(CONFIG).replace("batch_size: 1024", "batch_size: 4096"))
    _forge_results(team)
    assert gate("render", CARD).code == 0
    team.add(CONFIG, CARD)
    staged = gate("check")
    assert staged.code == 1
    assert f"{CONFIG}: coverage: only finished cards cover this file: {CARD}" in staged.out
    team.commit("batch 4096, no review")
    pr = gate("check", "--base", "main")
    assert pr.code == 1
    assert f"{CONFIG}: coverage: only finished cards cover this file: {CARD}" in pr.out


@pytest.mark.parametrize("beside", [False, True], ids=["alone", "beside a new card"])
def test_results_recorded_with_an_edit_of_the_approved_data_are_refused(
    team, gate, beside, monkeypatch
):
    team.git("checkout", "-q", "-b", "rewrite-history")
    text = team.read(CARD)
    assert "  epochs: 3\n" in text
    team.write(CARD, text.replace("  epochs: 3\n", "  epochs: 9\n", 1))
    _forge_results(team)
    assert gate("render", CARD).code == 0
    if beside:  # a-smoke.md: judged before the finished card
        generated = gate(
            "generate", "--kind", "run", CONFIG, "--run-name", "a-smoke", "--gpu", "A100-40GB"
        )
        assert generated.code == 0, generated
    team.commit("a record that says something else")
    pr = gate("check", "--base", "main")
    assert pr.code == 1
    refused = (
        f"{CARD}: results: results are recorded in this change, and the card's approved "
        "data changed with them"
    )
    assert refused in pr.out
    # pre-push of the branch: the pushed range is judged the same way
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", team.git("rev-parse", "main").strip())
    monkeypatch.setenv("PRE_COMMIT_TO_REF", team.git("rev-parse", "HEAD").strip())
    pushed = gate("check")
    assert pushed.code == 1
    assert refused in pushed.out, pushed.out


@pytest.mark.parametrize(
    "spelt",
    [
        f"./{HELPER}",
        HELPER.replace("/scripts/", "//scripts/"),
        HELPER.replace("/scripts/", "/./scripts/"),
    ],
    ids=["dot-slash", "double-slash", "dot-segment"],
)
def test_a_covers_entry_not_in_normal_form_is_refused(team, gate, spelt):
    # gate compares paths as git lists them: `./x` would cover x but never gate it
    team.write(HELPER, "def f():\n    return 1\n")
    text = team.read(CARD)
    team.write(CARD, text.replace(f"- {LAUNCH}::train\n", f"- {LAUNCH}::train\n- {spelt}\n"))
    team.add(HELPER, CARD)
    result = gate("check")
    assert result.code == 1
    line = team.read(CARD).split("\n").index("covers:") + 1
    assert (
        f"{CARD}:{line}: covers: {spelt!r} is not in normal form: write it as {HELPER!r}"
    ) in result.out


@pytest.mark.parametrize("allow_links", [False, True], ids=["links refused", "links allowed"])
def test_a_covered_symlink_is_refused_for_the_file_it_points_to(team, gate, allow_links):
    """`allow_links` follows gated links only: an ungated link a card covers is still
    refused."""
    if allow_links:
        text = team.read("pyproject.toml")
        team.write(
            "pyproject.toml", text.replace("[tool.gate]\n", "[tool.gate]\nallow_links = true\n", 1)
        )
        team.commit("links allowed")
    impl = "lib/helper_impl.py"
    team.write(impl, "def f():\n    return 1\n")
    (team.root / HELPER).symlink_to("../../lib/helper_impl.py")
    text = team.read(CARD)
    team.write(CARD, text.replace(f"- {LAUNCH}::train\n", f"- {LAUNCH}::train\n- {HELPER}\n"))
    team.add(impl, HELPER, CARD)
    result = gate("check")
    assert result.code == 1
    assert (
        f"covers: '{HELPER}' is a symlink (to '../../lib/helper_impl.py'): cover the file "
        "it points to"
    ) in result.out
    # The honest way: cover the file itself; an edit of it is then judged.
    team.write(CARD, text.replace(f"- {LAUNCH}::train\n", f"- {LAUNCH}::train\n- {impl}\n"))
    assert gate("render", CARD).code == 0
    team.commit("cover the helper's file")
    sign_all(gate, team)
    assert gate("check", "--all").code == 0
    team.write(impl, "def f():\n    return 2\n")
    team.add(impl)
    staged = gate("check")
    assert staged.code == 1
    assert f"{impl}: coverage: not covered by a passing card: {CARD}" in staged.out


def test_a_cards_dir_spelt_in_another_case_still_finds_the_covering_card(team, gate):
    text = team.read("pyproject.toml")
    spelt = 'cards_dir = "worldmodel/docs/run-cards"'
    assert spelt in text
    team.write("pyproject.toml", text.replace(spelt, spelt.replace("worldmodel", "WorldModel")))
    team.write(HELPER, "def f():\n    return 1\n")
    text = team.read(CARD)
    team.write(CARD, text.replace(f"- {LAUNCH}::train\n", f"- {LAUNCH}::train\n- {HELPER}\n"))
    assert gate("render", CARD).code == 0
    team.commit("cover the helper")
    sign_all(gate, team)
    assert gate("check", "--all").code == 0
    team.git("checkout", "-q", "-b", "tweak")
    team.write(HELPER, "def f():\n    return 2\n")
    team.add(HELPER)
    staged = gate("check")  # the fast path must not call this "nothing gated"
    assert staged.code == 1
    assert f"{HELPER}: coverage: not covered by a passing card: {CARD}" in staged.out
    team.commit("tweak")
    pr = gate("check", "--base", "main")
    assert pr.code == 1
    assert f"{HELPER}: coverage: not covered by a passing card: {CARD}" in pr.out


def test_a_change_of_more_paths_than_a_command_line_holds_is_searched(team):
    # 30,000 long paths are over 3 MB: too many for git's argument list
    many = [
        f"data/vendor/assets/asset_file_with_a_fairly_long_name_{i:06d}.txt" for i in range(30_000)
    ]
    repo = Repository(team.root)
    try:
        found = repo.grep(repo.tree("HEAD"), [*many, LAUNCH], "worldmodel/docs/run-cards")
    finally:
        repo.close()
    assert found == {CARD}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: a\n1.0: b\n", "duplicate key '1.0' (also on line 1)"),
        ("true: a\n1: b\n", "duplicate key '1' (also on line 1)"),
    ],
)
def test_keys_that_build_to_the_same_value_are_duplicates(text, message):
    with pytest.raises(yamlio.YamlProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        yamlio.load(text)


def test_an_integer_too_long_to_print_is_refused_with_its_line():
    with pytest.raises(yamlio.YamlProblem, match="integer of about 4,8") as refused:
        yamlio.load("a: 1\ngames: 0x" + "f" * 4000 + "\n", json=True)
    assert refused.value.line == 2


def test_the_first_commit_of_a_sha256_repository_is_checked(tmp_path, monkeypatch, gate):
    root = tmp_path / "sha256"
    root.mkdir()
    r = Repo(root)
    r.git("init", "-q", "-b", "main", "--object-format=sha256")
    r.write("notes.txt", "hello\n")
    r.add("notes.txt")
    monkeypatch.chdir(root)
    result = gate("check")
    assert result.code == 0, result
    assert result.out.startswith("gate: passed (staged)")


def test_results_on_a_card_that_did_not_parse_before_are_refused_as_arriving(team, gate):
    """The card as committed before could not be read (committed with --no-verify);
    the change mends it and adds results: they are judged as arriving with the card."""
    team.git("checkout", "-q", "-b", "mend-and-record")
    text = team.read(CARD)
    team.write(CARD, text.replace("kind: run\n", "kind: [run\n", 1))
    team.commit("a card that does not parse")
    team.write(CARD, text)
    _forge_results(team)
    team.commit("mended, with results")
    pr = gate("check", "--base", "HEAD~1", "--format", "json")
    assert pr.code == 1
    assert {
        "path": CARD,
        "line": 0,
        "rule": "results",
        "severity": "error",
        "message": "a card cannot arrive with results: commit it, launch it, then record "
        "what happened with `gate results`",
        "card": CARD,
    } in json.loads(pr.out)["findings"], pr.out


def test_a_covered_symlink_to_a_name_that_is_not_utf8_is_refused_naming_it(team, gate):
    (team.root / HELPER).symlink_to(os.fsdecode(b"../../lib/h\xe9lper.py"))  # not UTF-8
    text = team.read(CARD)
    team.write(CARD, text.replace(f"- {LAUNCH}::train\n", f"- {LAUNCH}::train\n- {HELPER}\n"))
    team.add(HELPER, CARD)
    result = gate("check")
    assert result.code == 1
    assert (
        f"covers: '{HELPER}' is a symlink (to '../../lib/h\ufffdlper.py'): cover the file it "
        "points to, whose changes the card must see"
    ) in result.out, result.out


def test_covers_findings_name_the_card_they_belong_to(team, gate):
    """`--format json`: an entry that cannot stand (a symlink) and one that cannot be
    read (not in the index) are findings on the card's `covers` line, of that card."""
    impl = "lib/helper_impl.py"
    team.write(impl, "def f():\n    return 1\n")
    (team.root / HELPER).symlink_to("../../lib/helper_impl.py")
    text = team.read(CARD)
    more = f"- {LAUNCH}::train\n- {HELPER}\n- lib/missing.py\n"
    team.write(CARD, text.replace(f"- {LAUNCH}::train\n", more))
    team.add(impl, HELPER, CARD)
    result = gate("check", "--format", "json")
    assert result.code == 1
    line = team.read(CARD).split("\n").index("covers:") + 1
    covers = [f for f in json.loads(result.out)["findings"] if f["rule"] == "covers"]
    assert covers == [
        {
            "path": CARD,
            "line": line,
            "rule": "covers",
            "severity": "error",
            "message": f"'{HELPER}' is a symlink (to '../../lib/helper_impl.py'): cover the "
            "file it points to, whose changes the card must see",
            "card": CARD,
        },
        {
            "path": CARD,
            "line": line,
            "rule": "covers",
            "severity": "error",
            "message": "covered file 'lib/missing.py' is not in the index",
            "card": CARD,
        },
    ]
