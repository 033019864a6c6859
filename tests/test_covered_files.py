"""A file a card covers is gated by that card, whatever the globs say.

Here the team gates only its configs; the shared launch script sits outside every
glob, and the world-model card covers `modal_train.py::train`. Editing that function
after approval makes the card stale, so the hook (its fast path too), the pull request
check and the launch gate block; editing another function, or any other file, passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PYPROJECT, Repo, card_data, card_text, example_repo, prepared
from test_run_kind import CARD, CONFIG, GENERATE, LAUNCH, SMOKE, sign_all

ONLY_CONFIGS = 'gated = ["worldmodel/experiments/*.yaml"]'
TRAIN_BODY = ("        log_interval=log_interval or None,", "        log_interval=10,")
OTHER_BODY = ('    """List the volume\'s encoded files (CPU only)."""', '    """List them."""')
STALE = "freshness: approval by Scav is stale"
QUIET = "gate: passed (staged): nothing gated or carded in this change\n"


@pytest.fixture
def team(tmp_path, monkeypatch, gate) -> Repo:
    def steps(r: Repo) -> None:
        text = r.read("pyproject.toml")
        both = 'gated = ["worldmodel/experiments/*.yaml", "worldmodel/scripts/modal_*.py"]'
        assert both in text
        r.write("pyproject.toml", text.replace(both, ONLY_CONFIGS))
        r.commit("gate only the configs")
        assert gate(*GENERATE).code == 0
        assert f"- {LAUNCH}::train\n" in r.read(CARD)
        r.commit("card")
        sign_all(gate, r)
        result = gate("check", "--all")
        assert result.code == 0, result.out

    def start(folder: Path) -> Repo:
        # (The smoke config goes: with no gated launch script, the run kind cannot price it.)
        return example_repo(tmp_path, "worldmodel", without=(CARD, SMOKE), into=folder)

    return prepared(tmp_path, monkeypatch, "covered-team", start, steps, name="worldmodel")


def edit(repo: Repo, change: tuple[str, str]) -> None:
    text = repo.read(LAUNCH)
    assert change[0] in text
    repo.write(LAUNCH, text.replace(*change, 1))
    repo.add(LAUNCH)


def test_an_unrelated_change_passes_on_the_fast_path(team, gate):
    team.write("notes.txt", "hello\n")
    team.add("notes.txt")
    result = gate("check")
    assert result.code == 0
    assert result.out == "gate: passed (staged): nothing gated or carded in this change\n"


@pytest.mark.parametrize("warm", [True, False], ids=["cache built before", "cold cache"])
def test_editing_the_covered_function_blocks_the_commit(team, gate, warm):
    if warm:  # the hook has already answered once on this HEAD
        team.write("notes.txt", "hello\n")
        team.add("notes.txt")
        assert gate("check").code == 0
    edit(team, TRAIN_BODY)
    result = gate("check")
    assert result.code == 1, result
    assert f"{LAUNCH}: coverage: not covered by a passing card: {CARD}" in result.out
    assert f"{CARD}:" in result.out and STALE in result.out


def test_editing_another_function_of_the_covered_file_passes(team, gate):
    edit(team, OTHER_BODY)
    result = gate("check")
    assert result.code == 0, result
    # the covered file was checked against its card, which is still fresh
    assert result.out.splitlines()[-1] == "gate: passed (staged): 1 gated file(s), 1 card(s)"


def test_the_pull_request_and_the_launch_block_a_stale_covered_function(team, gate):
    team.git("checkout", "-q", "-b", "tweak")
    edit(team, TRAIN_BODY)
    team.commit("tweak the training loop")
    result = gate("check", "--base", "main")
    assert result.code == 1
    assert f"{LAUNCH}: coverage: not covered by a passing card: {CARD}" in result.out
    assert STALE in result.out
    launched = gate("verify", CONFIG)
    assert launched.code == 1
    assert "stale" in launched.out + launched.err


@pytest.mark.parametrize("how", ["deleted", "renamed"])
def test_deleting_a_covered_file_blocks_until_its_card_goes_too(team, gate, how):
    """A rename takes the file from the path the card covers: the same as a deletion."""
    if how == "deleted":
        team.git("rm", "-q", LAUNCH)
    else:
        team.git("mv", LAUNCH, LAUNCH.replace("modal_train", "modal_train_old"))
    result = gate("check")
    assert result.code == 1
    assert (
        f"{LAUNCH}: coverage: deleted here, but {CARD} covers it and no longer passes"
    ) in result.out
    # Retiring the run: the card, its config and the script go together.
    team.git("rm", "-q", CARD, CONFIG)
    if how == "renamed":
        team.git("rm", "-q", "-f", LAUNCH.replace("modal_train", "modal_train_old"))
    result = gate("check")
    assert result.code == 0, result


def test_a_covers_entry_spelt_with_escapes_is_refused(team, gate):
    # gate finds the cards covering a changed file by the file's path in their text, so
    # a `covers` entry must hold the path as written, not YAML escapes of it.
    helper = "worldmodel/scripts/helper.py"
    team.write(helper, "def f():\n    return 1\n")
    text = team.read(CARD)
    escaped = helper.replace("p", "\\x70")
    team.write(CARD, text.replace(f"- {LAUNCH}::train", f'- {LAUNCH}::train\n- "{escaped}"'))
    team.add(CARD, helper)
    result = gate("check")
    assert result.code == 1, result.out
    line = team.read(CARD).split("\n").index("covers:") + 1
    assert (f"{CARD}:{line}: covers: '{helper}' is not written out as plain text") in result.out


# -- the hook's fast path: HEAD's covered files, indexed in .git/gate ---------------------
# A commit that touches no gated file and no card is answered from an index of the files
# HEAD's cards cover (kept per HEAD, with what each card blob covers). These use the
# melee layout, whose globs gate no launch script: only the card gates `covered`.


def _unrelated(repo: Repo, gate, text: str, *, fast: bool = True) -> None:
    """Stage an unrelated file: the hook passes it (`fast`: on the fast path)."""
    repo.write("notes.txt", text)
    repo.add("notes.txt")
    result = gate("check")
    assert result.code == 0, result
    assert result.out == QUIET if fast else result.out.startswith("gate: passed (staged)")


def _card_covering(repo: Repo, covered: str) -> str:
    """Commit a card (awaiting sign-off) that covers `covered` besides its config."""
    repo.write(covered, "print(1)\n")
    repo.experiment()
    card = repo.card(card_data(covers=["worldmodel/experiments/policy-a.yaml", covered]))
    # The YAML writer quotes a tab as `\t`; the `covers` rule wants the path as written.
    quoted = '"' + covered.replace("\t", "\\t") + '"'
    repo.write(card, repo.read(card).replace(quoted, covered))
    repo.commit("card")
    return card


def _shown(path: str) -> str:
    """A path as the text report shows it where a finding starts: a tab or line break
    as its escape."""
    return path.replace("\t", "\\t").replace("\n", "\\n")


def _told(path: str) -> str:
    """A path as the text report shows it in a message: a tab as its escape, the part
    after a line break on the next line, indented."""
    return path.replace("\t", "\\t").replace("\n", "\n    ")


def _edit_blocks(repo: Repo, gate, covered: str, card: str) -> None:
    repo.write(covered, "print(2)\n")
    repo.add(covered)
    result = gate("check")
    assert result.code == 1, result
    assert (
        f"{_shown(covered)}: coverage: not covered by a passing card: {_told(card)} must "
        "pass every rule\n"
    ) in result.out


@pytest.mark.parametrize(
    "covered",
    ["worldmodel/launch/train policy.py", "worldmodel/launch/train\tpolicy.py"],
    ids=["space in the name", "tab in the name"],
)
def test_the_fast_path_never_passes_an_edit_to_a_covered_file_after_new_commits(
    repo, gate, covered
):
    _unrelated(repo, gate, "one\n")
    _unrelated(repo, gate, "two\n")  # the same HEAD again: answered from the index
    repo.commit("notes")
    card = _card_covering(repo, covered)
    # The card's blob is read once and what it covers remembered (a tab in a covered
    # name: not remembered, and the full check answers).
    _unrelated(repo, gate, "three\n", fast="\t" not in covered)
    repo.commit("notes")
    # A new HEAD: its index is built from what was remembered of the same card blob.
    _edit_blocks(repo, gate, covered, card)


@pytest.mark.parametrize(
    "cards_dir",
    ["worldmodel/run\tcards", "worldmodel/run\ncards", 'worldmodel/"run" cards'],
    ids=["tab", "newline", "quotes"],
)
def test_a_cards_folder_whose_name_git_quotes_still_gates_what_its_cards_cover(
    repo, gate, cards_dir
):
    # git prints such a name quoted (`"worldmodel/run\tcards/..."`) unless asked for
    # NUL-terminated names; the hook's index keeps the folder's name whole (a name with a
    # newline is never stored, so the index is rebuilt each time).
    text = PYPROJECT.replace('"worldmodel/docs/run-cards"', json.dumps(cards_dir))
    assert text != PYPROJECT
    repo.write("pyproject.toml", text)
    covered = "worldmodel/launch/train.py"
    repo.write(covered, "print(1)\n")
    card = f"{cards_dir}/policy-a.md"
    repo.write(card, card_text(card_data(covers=[covered])))
    repo.commit("card")
    _unrelated(repo, gate, "one\n")
    _edit_blocks(repo, gate, covered, card)
    repo.commit("edit the covered file")
    result = gate("check", "--base", "HEAD~1")
    assert result.code == 1, result
    assert (
        f"{covered}: coverage: not covered by a passing card: {_told(card)} must pass every rule\n"
    ) in result.out


def test_a_head_gate_cannot_read_without_git_is_never_answered_from_an_old_index(repo, gate):
    # The branch checked out is a symbolic ref to `main`, so HEAD's commit is known only
    # by asking git (git's reftable refs are the same): nothing keys an index by it, and
    # each commit is judged by the full check.
    repo.git("symbolic-ref", "refs/heads/current", "refs/heads/main")
    repo.git("symbolic-ref", "HEAD", "refs/heads/current")
    _unrelated(repo, gate, "one\n", fast=False)
    repo.commit("notes")
    covered = "worldmodel/launch/train.py"
    card = _card_covering(repo, covered)
    _edit_blocks(repo, gate, covered, card)


def test_a_card_that_names_no_covers_does_not_stop_the_fast_path(repo, gate):
    # (A card committed with --no-verify, or from before its kind listed `covers`.)
    data = card_data()
    del data["covers"]
    repo.experiment()
    repo.card(data)
    repo.commit("card without covers")
    _unrelated(repo, gate, "one\n")
