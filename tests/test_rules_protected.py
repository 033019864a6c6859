"""Each rule protected by a test that fails when the rule is broken.

Written from the mutation run (.ci/mutation) and from bugs planted by hand in the rule
code: each test names the behaviour, and asserts what the user sees, the finding's
file, line, rule and message, through the real CLI on a real repository.
"""

from __future__ import annotations

import json

from conftest import MATTIE, SCAV, card_data
from test_run_kind import errors

from gate.card.digest import card_digest

EXPERIMENT = "worldmodel/experiments/policy-a.yaml"


def line_of(text: str, needle: str, *, after: str = "") -> int:
    """The 1-based line of the first line holding `needle` (after the line holding
    `after`, when given)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start) if needle in line) + 1


def rows(out: str, prefix: str) -> list[str]:
    return [row for row in out.splitlines() if row.startswith(prefix)]


def signed(repo, gate, data=None) -> str:
    """Config and card committed and signed by both reviewers; `check --all` passes."""
    data = data or card_data()
    repo.experiment(data["run_name"])
    card = repo.card(data)
    repo.commit("card and config")
    for who in (SCAV, MATTIE):
        assert gate("sign", card, "--reviewer", who[0], as_=who).code == 0
        repo.commit(f"signed by {who[0]}", author=who)
    passed = gate("check", "--all")
    assert passed.code == 0, passed
    return card


def assert_stale(result, card: str, text: str) -> None:
    """Both approvals reported stale, each on its own sign-off entry's line."""
    assert result.code == 1, result
    for name in ("Scav", "Mattie"):
        line = line_of(text, f'reviewer: "{name}"', after="signoff:")
        row = f"{card}:{line}: freshness: approval by {name} is stale: the card's data or a "
        assert any(r.startswith(row) for r in result.out.splitlines()), (row, result.out)
    assert result.out.splitlines()[-1].startswith("gate: BLOCKED")


# -- the digest: what an approval approves ------------------------------------------------


def test_moving_a_covered_file_makes_the_approvals_stale(repo, gate):
    """A card approves each covered file by path and content. A card covering by its
    stem (no `covers` list) covers whichever gated file has that stem: the same bytes
    moved from the experiments folder to the launch folder are not what was read."""
    card = signed(repo, gate, card_data(covers=[]))
    (repo.root / "worldmodel/launch").mkdir()
    repo.git("mv", EXPERIMENT, "worldmodel/launch/policy-a.sh")
    assert_stale(gate("check"), card, repo.read(card))


def test_a_card_covering_by_its_stem_covers_that_stem_only(repo, gate):
    """policy-a.md with no `covers` list covers policy-a.yaml, not policy-a-v2.yaml,
    whose name holds the stem."""
    signed(repo, gate, card_data(covers=[]))
    repo.experiment("policy-a-v2")
    repo.commit("a second config, no card yet")
    result = gate("check", "--all")
    assert result.code == 1
    assert errors(result.out) == [
        "worldmodel/experiments/policy-a-v2.yaml: coverage: no run card covers this gated "
        "file: write worldmodel/docs/run-cards/policy-a-v2.md with `gate generate --kind "
        "policy worldmodel/experiments/policy-a-v2.yaml` (a policy's training config), or "
        "list it in a card's `covers`"
    ]


def test_the_digest_covers_each_files_path_as_well_as_its_content():
    data = card_data()
    one = card_digest(data, [("a.yaml", b"x: 1\n")])
    assert one == card_digest(data, [("a.yaml", b"x: 1\n")])
    assert one != card_digest(data, [("b.yaml", b"x: 1\n")])
    assert one != card_digest(data, [("a.yaml", None)])


def test_the_digest_is_the_documented_recipe():
    """docs/card-format.md, "The digest": canonical JSON of the data without the unsigned
    fields, then per covered file in path order `\\0file\\0`, the path, `\\0` and the
    sha256 of its bytes (or `<missing>`); `sha256:` and the hex. Approvals made by one
    version of gate stay fresh under the next only while this holds."""
    import datetime
    import hashlib
    import json

    data = {"z": 1, "goal": "naïve", "created": datetime.date(2026, 11, 24), "a": {"y": 2, "b": 1}}
    unsigned = {
        "signoff": [{"reviewer": "Scav"}],
        "status": "APPROVED",
        "results": {},
        "launches": [],
    }
    h = hashlib.sha256(
        json.dumps(
            {"a": {"b": 1, "y": 2}, "created": "2026-11-24", "goal": "naïve", "z": 1},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    )
    h.update(b"\0file\0a.yaml\0" + hashlib.sha256(b"x: 1\n").digest())
    h.update(b"\0file\0b/c.py::train\0<missing>")
    covered = [("b/c.py::train", None), ("a.yaml", b"x: 1\n")]
    assert card_digest({**data, **unsigned}, covered) == "sha256:" + h.hexdigest()
    # the data's key order is not approved: the same data in any order
    assert card_digest(dict(reversed(list(data.items()))), covered[::-1]) == card_digest(
        data, covered
    )


def test_editing_a_launch_command_after_sign_off_makes_the_approvals_stale(repo, gate):
    """The card's launch commands are approved data: `gate launch` runs them."""
    card = signed(repo, gate)
    text = repo.read(card)
    front = text.index("--run-name policy-a-p0 -v")
    assert front < text.index("\n---", 4), "the command is edited in the front matter"
    edited = text[:front] + text[front:].replace("-v", "-v --lr 1", 1)
    repo.write(card, edited)
    repo.add(card)
    assert_stale(gate("check"), card, edited)


# -- the policy kind: its world model and its arithmetic ----------------------------------


def test_a_recorded_fingerprint_other_than_the_manifests_is_blocked(repo, gate):
    data = card_data()
    real = data["world_model"]["fingerprint"]
    data["world_model"]["fingerprint"] = "0123456789ab"
    repo.experiment()
    card = repo.card(data)
    repo.add(card, EXPERIMENT)
    result = gate("check")
    assert result.code == 1
    line = line_of(repo.read(card), "fingerprint: 0123456789ab")
    assert (
        f"{card}:{line}: distribution: card records data fingerprint 0123456789ab but the "
        f"manifest 'worldmodel/checkpoints/wm-2k/manifest.json' has {real}"
    ) in result.out.splitlines(), result.out


def test_the_manifests_own_fingerprint_passes(repo, gate):
    card = signed(repo, gate)
    assert "fingerprint" in repo.read(card)
    assert "fingerprint" not in gate("check", "--all").out


def test_a_policy_one_game_short_of_its_world_model_is_blocked(repo, gate):
    """1,999 games against a 2,000-game world model: the boundary, not a wide gap."""
    repo.experiment()
    card = repo.card(card_data(games=1999))
    repo.add(card, EXPERIMENT)
    result = gate("check")
    assert result.code == 1
    line = line_of(repo.read(card), "games: 1999", after="data:")
    assert (
        f"{card}:{line}: distribution: policy trains on 1,999 games but its world model "
        "'wm-2k' was trained on 2,000: the policy's data must match or exceed the world "
        "model's"
    ) in result.out.splitlines(), result.out


def test_a_policy_on_exactly_the_world_models_games_passes_distribution(repo, gate):
    signed(repo, gate, card_data(games=2000))


def test_a_derived_number_the_formula_does_not_give_is_blocked(repo, gate):
    """The card's own arithmetic: a train_examples count edited by hand is named, with
    the number the seed's formula gives."""
    data = card_data()
    right = data["data"]["train_examples"]
    data["data"]["train_examples"] = right + 1
    repo.experiment()
    card = repo.card(data)
    repo.add(card, EXPERIMENT)
    result = gate("check")
    assert result.code == 1
    line = line_of(repo.read(card), f"train_examples: {right + 1}")
    assert (
        f"{card}:{line}: estimate: data.train_examples is {right + 1:,} but the seed's "
        f"formula gives {right:,} from the card's inputs: regenerate the card "
        "(`gate generate --force`) or fix the number"
    ) in result.out.splitlines(), result.out


def test_a_derived_time_the_formula_does_not_give_is_named_as_the_card_writes_it(repo, gate):
    """A time in seconds edited by hand keeps its decimal and thousands separator in the
    finding (7,000.5, not 7,000 or 7000.5), beside the formula's value to one decimal."""
    data = card_data()
    right = data["timing"]["training_s"]
    data["timing"]["training_s"] = 7000.5
    repo.experiment()
    card = repo.card(data)
    repo.add(card, EXPERIMENT)
    result = gate("check")
    assert result.code == 1
    line = line_of(repo.read(card), "training_s: 7000.5")
    assert (
        f"{card}:{line}: estimate: timing.training_s is 7,000.5 but the seed's formula gives "
        f"{right:,.1f} from the card's inputs: regenerate the card (`gate generate --force`) "
        "or fix the number"
    ) in result.out.splitlines(), result.out


# -- covering cards -----------------------------------------------------------------------


def test_one_passing_card_is_enough_for_a_file_two_cards_cover(repo, gate):
    """A config two cards cover passes when one of them passes: under --all both cards
    are checked, the second (awaiting sign-off) is reported on its own lines, and the
    config gets no coverage finding."""
    signed(repo, gate)
    other = repo.card(card_data("policy-b", covers=[EXPERIMENT]))
    repo.commit("a second card for the same config")
    result = gate("check", "--all")
    assert result.code == 1
    assert rows(result.out, f"{other}:5: sign-off: awaiting sign-off from Scav"), result.out
    assert not rows(result.out, f"{EXPERIMENT}:"), result.out
    assert not rows(result.out, "worldmodel/docs/run-cards/policy-a.md:"), result.out


def test_the_config_itself_is_blocked_when_no_covering_card_passes(repo, gate):
    config = repo.experiment()
    card = repo.card(card_data())
    repo.add(card, config)
    result = gate("check", config)
    assert result.code == 1
    assert (
        f"{config}: coverage: not covered by a passing card: {card} must pass every rule"
    ) in result.out.splitlines(), result.out


def test_a_path_the_card_reads_outside_the_repository_is_named_on_its_line(repo, gate):
    data = card_data()
    data["world_model"]["manifest"] = "../outside/manifest.json"
    repo.experiment()
    card = repo.card(data)
    repo.add(card, EXPERIMENT)
    result = gate("check")
    assert result.code == 1
    line = line_of(repo.read(card), "manifest: ../outside/manifest.json")
    assert (
        f"{card}:{line}: covers: '../outside/manifest.json' leaves the repository; "
        "name a path inside it"
    ) in result.out.splitlines(), result.out


def test_a_covered_config_that_cannot_be_read_is_named_with_the_reason(repo, gate):
    repo.write(EXPERIMENT, "model:\n  lr: [1\n")
    card = repo.card(card_data())
    repo.add(card, EXPERIMENT)
    broken = gate("check")
    line = line_of(repo.read(card), "covers:")
    prefix = f"{card}:{line}: config: covered config '{EXPERIMENT}' cannot be read: "
    assert rows(broken.out, prefix + "line 3: "), broken.out
    repo.write(EXPERIMENT, b"model:\n  lr: \xff\n")
    repo.add(EXPERIMENT)
    binary = gate("check")
    assert rows(binary.out, prefix + "'utf-8' codec can't decode byte 0xff in position 13"), (
        binary.out
    )
    # a refusal that is no syntax error (anchors) is worded without a line
    repo.write(EXPERIMENT, "model: &m\n  lr: 1\nagain: *m\n")
    repo.add(EXPERIMENT)
    anchored = gate("check")
    assert (
        prefix + "YAML anchors and aliases are not allowed (found &m)" in anchored.out.splitlines()
    ), anchored.out


def test_a_path_written_with_a_yaml_escape_is_named_on_the_front_matters_first_line(repo, gate):
    """The path read is not in the text as written: the finding points at the front
    matter's opening line rather than at no line."""
    data = card_data()
    data["world_model"]["manifest"] = "../outside/manifest.json"
    repo.experiment()
    card = repo.card(data)
    text = repo.read(card).replace(
        "manifest: ../outside/manifest.json", 'manifest: "..\\x2foutside/manifest.json"'
    )
    assert "..\\x2foutside" in text
    repo.write(card, text)
    repo.add(card, EXPERIMENT)
    result = gate("check")
    assert (
        f"{card}:1: covers: '../outside/manifest.json' leaves the repository; name a path inside it"
    ) in result.out.splitlines(), result.out
    found = json.loads(gate("check", "--format", "json").out)["findings"]
    assert {
        "path": card,
        "line": 1,
        "rule": "covers",
        "severity": "error",
        "message": "'../outside/manifest.json' leaves the repository; name a path inside it",
        "card": card,
    } in found
