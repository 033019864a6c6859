"""The gate's story end to end, through the real CLI on real git repositories."""

from __future__ import annotations

import json

import pytest
from cards import reviewer_entry
from conftest import (
    AUTHOR,
    CONFIG,
    MANIFEST_PATH,
    MATTIE,
    PYPROJECT,
    SCAV,
    card_data,
    manifest_json,
)

from gate.card.document import END, parse


def test_staged_config_without_card_is_blocked_naming_it(repo, gate):
    path = repo.experiment()
    repo.add(path)
    result = gate("check")
    assert result.code == 1
    assert f"{path}: coverage: no run card covers this gated file" in result.out
    assert "worldmodel/docs/run-cards/policy-a.md" in result.out
    assert result.out.splitlines()[-1].startswith("gate: BLOCKED (staged)")


def test_the_suggested_card_is_named_past_every_card_that_exists(repo, gate):
    """evaluate.md and launch-evaluate.md are taken (notes, not cards: they cover
    nothing): the card to write for launch/evaluate.sh is launch-evaluate-2.md."""
    for name in ("evaluate", "launch-evaluate"):
        repo.write(f"worldmodel/docs/run-cards/{name}.md", "# Notes\n\nNo front matter.\n")
    repo.commit("two pages of notes")
    repo.write("worldmodel/launch/evaluate.sh", "#!/bin/sh\necho evaluate\n")
    repo.add("worldmodel/launch/evaluate.sh")
    result = gate("check")
    assert result.code == 1
    assert (
        "worldmodel/launch/evaluate.sh: coverage: no run card covers this gated file: write "
        "worldmodel/docs/run-cards/launch-evaluate-2.md with `gate generate "
        "worldmodel/launch/evaluate.sh --run-name launch-evaluate-2`, or list it in a card's "
        "`covers`\n"
    ) in result.out, result.out


def test_nothing_gated_passes(repo, gate):
    repo.write("src/model.py", "x = 1\n")
    repo.add("src/model.py")
    result = gate("check")
    assert result.code == 0
    assert result.out.startswith("gate: passed (staged)")


def test_sign_in_turn_then_stale_then_resign(repo, gate):
    config = repo.experiment()
    card = repo.card(card_data())
    repo.add(config, card)
    pending = gate("check")
    assert pending.code == 1
    assert "awaiting sign-off from Scav" in pending.out
    assert "awaiting sign-off from Mattie" in pending.out

    assert gate("sign", card, "--reviewer", "Scav", as_=SCAV).code == 0
    repo.add(card)
    half = gate("check", as_=SCAV)
    assert half.code == 1
    assert "awaiting sign-off from Mattie" in half.out
    assert "Scav" not in half.out.replace("gate sign", "")
    repo.commit("card signed by Scav", author=SCAV)

    assert gate("sign", card, "--reviewer", "Mattie", as_=MATTIE).code == 0
    repo.add(card)
    assert gate("check", as_=MATTIE).code == 0
    repo.commit("card signed by Mattie", author=MATTIE)
    assert gate("check", "--all").code == 0

    repo.experiment(text=CONFIG.replace("lr: 0.0003", "lr: 0.001"))
    repo.add(config)
    stale = gate("check")
    assert stale.code == 1
    assert "approval by Scav is stale" in stale.out
    assert "approval by Mattie is stale" in stale.out

    assert gate("sign", card, "--reviewer", "Scav", as_=SCAV).code == 0
    repo.add(card)
    repo.commit("re-signed by Scav", author=SCAV)
    assert gate("sign", card, "--reviewer", "Mattie", as_=MATTIE).code == 0
    repo.add(card)
    resigned = gate("check", as_=MATTIE)
    # Fresh approvals, but the card says lr 0.0003 and the config now 0.001.
    assert resigned.code == 1
    assert "is stale" not in resigned.out
    assert (
        "training.lr: card says 0.0003 but worldmodel/experiments/policy-a.yaml says 0.001"
    ) in resigned.out


def _signed_card(repo, gate, data=None):
    """Config + card committed, signed by each reviewer in their own commit."""
    data = data or card_data()
    config = repo.experiment(data["run_name"])
    card = repo.card(data)
    repo.commit("card and config")
    for who in (SCAV, MATTIE):
        assert gate("sign", card, "--reviewer", who[0], as_=who).code == 0
        repo.commit(f"signed by {who[0]}", author=who)
    return config, card


def test_resigning_after_a_config_change_passes(repo, gate):
    config, card = _signed_card(repo, gate)
    repo.experiment(text=CONFIG.replace("lr: 0.0003", "lr: 0.0003\n  warmup: 100"))
    repo.add(config)
    stale = gate("check")
    assert stale.code == 1 and "is stale" in stale.out
    for who in (SCAV, MATTIE):
        assert gate("sign", card, "--reviewer", who[0], as_=who).code == 0
        repo.add(card)
        result = gate("check", as_=who)
        repo.commit(f"re-signed by {who[0]}", author=who)
    assert result.code == 0, result
    assert gate("check", "--all").code == 0


def test_card_claiming_more_than_its_approvals_is_an_error(repo, gate):
    data = card_data()
    data["status"] = "APPROVED"
    repo.experiment()
    card = repo.card(data)
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert result.code == 1
    line = repo.read(card).split("\n").index("status: APPROVED") + 1
    assert (
        f"{card}:{line}: status: status says APPROVED but the approvals make it PENDING "
        "REVIEW; status is derived from sign-off (`gate render` sets it)"
    ) in result.out.splitlines()


def test_fewer_policy_games_than_world_model_names_both_numbers(repo, gate):
    data = card_data(games=50)
    repo.experiment()
    card = repo.card(data)
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert result.code == 1
    assert (
        "policy trains on 50 games but its world model 'wm-2k' was trained on 2,000" in result.out
    )


def test_card_recording_another_world_model_scale_is_blocked(repo, gate):
    data = card_data(games=3000, wm_games=3000)
    repo.experiment()
    card = repo.card(data)
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert result.code == 1
    assert (
        f"card records the world model at 3,000 games but its manifest '{MANIFEST_PATH}' says 2,000"
    ) in result.out


def test_approvals_committed_by_anyone_pass_the_pull_request_check(repo, gate):
    """The signature, not the commit, says who approved: the author commits both."""
    repo.git("branch", "base")
    config = repo.experiment()
    card = repo.card(card_data())
    repo.commit("card")
    assert gate("sign", card, "--reviewer", "Scav", as_=SCAV).code == 0
    assert gate("sign", card, "--reviewer", "Mattie", as_=MATTIE).code == 0
    repo.commit("Scav's and Mattie's approvals, committed by the author")
    result = gate("check", "--base", "base")
    assert result.code == 0, result
    assert gate("check", "--all").code == 0
    assert config not in result.out


def test_base_scope_passes_an_honest_pull_request(repo, gate):
    repo.git("branch", "base")
    _signed_card(repo, gate)
    result = gate("check", "--base", "base", "--format", "json")
    assert result.code == 0, result
    report = json.loads(result.out)
    assert report["status"] == "passed"
    assert report["gated"] == ["worldmodel/experiments/policy-a.yaml"]
    assert [c["path"] for c in report["cards"]] == ["worldmodel/docs/run-cards/policy-a.md"]


def test_a_reviewer_cannot_sign_with_someone_elses_key(repo, gate):
    """`gate sign --reviewer Mattie` with the author's key writes nothing."""
    config, card = _signed_card(repo, gate)
    text = repo.read(card)
    repo.experiment(text=CONFIG.replace("dropout: 0.1", "dropout: 0.2"))
    result = gate("sign", card, "--reviewer", "Mattie", as_=AUTHOR)
    assert result.code == 2
    assert "was made with another key" in result.err and "nothing was written" in result.err
    assert repo.read(card) == text
    assert config


def test_files_scope_checks_the_paths_given(repo, gate):
    config = repo.experiment()
    repo.add(config)
    result = gate("check", config)
    assert result.code == 1 and "no run card covers this gated file" in result.out
    assert gate("check", "README.md").code == 0


def test_files_scope_names_a_card_deleted_from_the_index(repo, gate):
    config = repo.experiment()
    card = repo.card(card_data())
    repo.commit("card and config")
    repo.git("rm", "-q", card)
    result = gate("check", card)
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{config}: coverage: no run card covers this gated file (its card {card} is deleted "
        f"in this change): write {card} with `gate generate --kind policy {config}` (a "
        "policy's training config), or list it in a card's `covers`",
        "gate: BLOCKED (files): 1 error(s), 0 warning(s) in 1 gated file(s), 0 card(s)",
    ]


def test_files_scope_reads_the_staged_config_or_the_one_given(repo, gate):
    config = repo.experiment()
    card = repo.card(card_data())
    repo.add(config, card)
    repo.write("ci/gate.toml", PYPROJECT.replace(reviewer_entry(MATTIE), ""))
    given = gate("check", card, "--config", "ci/gate.toml")
    assert given.code == 1
    assert "awaiting sign-off from Scav" in given.out
    assert "Mattie" not in given.out
    repo.write("pyproject.toml", PYPROJECT + "\n[tool.gate.bogus]\n")
    repo.add("pyproject.toml")
    staged = gate("check", card)
    assert staged.code == 2
    assert staged.err == (
        "gate: error: pyproject.toml (the index): [tool.gate] unknown key 'bogus'; "
        "did you mean 'gpus'?\n"
    )


def test_all_scope_finds_uncovered_configs_already_committed(repo, gate):
    repo.experiment("orphan")
    repo.commit("no card", author=SCAV)
    result = gate("check", "--all")
    assert result.code == 1
    assert "worldmodel/experiments/orphan.yaml: coverage: no run card covers" in result.out


def test_manifest_only_in_the_working_tree_is_reported(repo, gate):
    repo.git("rm", "-q", "--cached", MANIFEST_PATH)
    repo.experiment()
    card = repo.card(card_data())
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert result.code == 1
    line = repo.read(card).splitlines().index(f"  manifest: {MANIFEST_PATH}") + 1
    assert (
        f"{card}:{line}: distribution: world-model manifest '{MANIFEST_PATH}' exists only in "
        "the working tree, not in the index: `git add` it (the gate checks what is committed). "
        "The distribution match cannot be checked: commit the manifest (or a copy of it) where "
        "CI can read it"
    ) in result.out.splitlines(), result.out


def test_checks_what_is_staged_not_the_working_tree(repo, gate):
    config = repo.experiment()
    repo.add(config)
    repo.card(card_data())  # written but not staged
    result = gate("check")
    assert result.code == 1
    assert "no run card covers this gated file" in result.out


def test_another_passing_card_covers_a_shared_launch_script(repo, gate):
    script = "worldmodel/launch/train.sh"
    repo.write(script, "#!/bin/sh\necho train\n")
    old = card_data("policy-old", covers=["worldmodel/experiments/policy-old.yaml", script])
    _signed_card(repo, gate, old)
    new = card_data("policy-new", covers=["worldmodel/experiments/policy-new.yaml", script])
    _signed_card(repo, gate, new)
    repo.git("branch", "base")
    repo.write(script, "#!/bin/sh\necho train --fast\n")
    repo.commit("edit the launch script")
    # Both cards are now stale; re-sign only the new one.
    card = "worldmodel/docs/run-cards/policy-new.md"
    for who in (SCAV, MATTIE):
        assert gate("sign", card, "--reviewer", who[0], as_=who).code == 0
        repo.commit(f"re-signed by {who[0]}", author=who)
    result = gate("check", "--base", "base")
    assert result.code == 0, result
    assert "policy-old" not in result.out


def _assert_orphaned(result, card: str) -> None:
    """Blocked: policy-a.yaml stays, and its only card goes in this change."""
    assert result.code == 1
    assert (
        "worldmodel/experiments/policy-a.yaml: coverage: no run card covers this gated file "
        f"(its card {card} is deleted in this change)"
    ) in result.out, result.out


def test_deleting_the_only_card_of_a_config_is_reported(repo, gate):
    _, card = _signed_card(repo, gate)
    repo.git("rm", "-q", card)
    result = gate("check")
    assert result.code == 1
    assert "its card worldmodel/docs/run-cards/policy-a.md is deleted in this change" in result.out


def test_moving_the_only_card_of_a_config_out_of_the_cards_folder_is_reported(repo, gate):
    _, card = _signed_card(repo, gate)
    (repo.root / "notes").mkdir()
    repo.git("mv", card, "notes/policy-a.md")
    _assert_orphaned(gate("check"), card)


def test_a_card_that_stops_covering_a_file_is_judged_on_the_card_alone(repo, gate):
    """The file left uncovered has not changed: it needs a card when it next changes (and
    `--all` names it now), not in the commit that edits the card."""
    repo.experiment("policy-b")
    data = card_data(
        covers=["worldmodel/experiments/policy-a.yaml", "worldmodel/experiments/policy-b.yaml"]
    )
    _, card = _signed_card(repo, gate, data)
    text = repo.read(card)
    repo.write(card, text.replace("- worldmodel/experiments/policy-b.yaml\n", "", 1))
    assert gate("render", card).code == 0
    repo.add(card)
    result = gate("check")
    assert result.code == 1  # the edit makes both approvals stale
    assert "policy-b.yaml" not in result.out, result.out
    assert f"{card}:" in result.out


def test_deleting_a_gated_file_needs_no_card_but_its_card_goes_with_it(repo, gate):
    config, card = _signed_card(repo, gate)
    repo.git("rm", "-q", config)
    result = gate("check")
    # The card still covers the file: it could never launch, and `--all` on the
    # protected branch would block after the merge. So it is named now.
    assert result.code == 1
    assert (
        f"{config}: coverage: deleted here, but {card} covers it and no longer passes"
    ) in result.out
    assert f"{card}:7: covers: covered file '{config}' is not in the" in result.out
    repo.git("rm", "-q", card)
    result = gate("check")
    assert result.code == 0, result.out
    assert result.out == "gate: passed (staged): 0 gated file(s), 0 card(s)\n"


def test_render_rewrites_region_and_keeps_prose(repo, gate):
    data = card_data()
    card = repo.card(data, prose="\n## Review notes\n\nLooks fine. -- Scav\n")
    text = repo.read(card).replace(
        "Pair a policy with the 2K world model.",
        "Pair a policy with the 2K world model, take two.",
        1,
    )
    repo.write(card, text)
    repo.experiment()
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    stale = gate("check")
    assert "the generated region no longer matches the card's data" in stale.out
    assert gate("render", card).code == 0
    rendered = repo.read(card)
    assert "Pair a policy with the 2K world model, take two." in rendered.split("---", 2)[2]
    assert rendered.endswith("## Review notes\n\nLooks fine. -- Scav\n")
    repo.add(card)
    assert "generated region" not in gate("check").out


def test_sign_refuses_an_unknown_reviewer(repo, gate):
    card = repo.card(card_data())
    result = gate("sign", card, "--reviewer", "Mallory")
    assert result.code == 2
    assert "'Mallory' is not a configured reviewer" in result.err


def test_sign_leaves_other_reviewers_entries_alone(repo, gate):
    _, card = _signed_card(repo, gate)
    mattie_line = [line for line in repo.read(card).splitlines() if '"Mattie"' in line]
    assert gate("sign", card, "--reviewer", "Scav", "--block", "lr too high", as_=SCAV).code == 0
    text = repo.read(card)
    assert [line for line in text.splitlines() if '"Mattie"' in line] == mattie_line
    assert "status: BLOCKED" in text
    assert "- [ ] Scav reviewed: BLOCKED on" in text
    repo.commit("Scav blocks", author=SCAV)
    result = gate("check", "--all")
    assert result.code == 1
    assert "Scav blocked this card: lr too high" in result.out


@pytest.mark.parametrize("reason", ["lr too high\nsee the sweep", "  warmup: none\nlr: 3e-3\n"])
def test_a_block_reason_on_several_lines_is_kept_as_written(repo, gate, reason):
    """A reason typed over two lines (or starting indented) is stored as the reviewer
    wrote it, and the card still reads: the block reads back word for word, its lines
    after the first indented under the finding."""
    _, card = _signed_card(repo, gate)
    assert gate("sign", card, "--reviewer", "Scav", "--block", reason, as_=SCAV).code == 0
    repo.commit("Scav blocks", author=SCAV)
    result = gate("check", "--all")
    assert result.code == 1
    first, rest = reason.rstrip("\n").split("\n")
    assert f"sign-off: Scav blocked this card: {first}\n    {rest}\n" in result.out
    (entry,) = [e for e in parse(card, (repo.root / card).read_bytes()).data["signoff"]
                if e["reviewer"] == "Scav"]  # fmt: skip
    assert entry["reason"] == reason


def test_manifest_edit_does_not_fool_distribution_match(repo, gate):
    repo.write(MANIFEST_PATH, manifest_json(5000))
    repo.commit("bigger world model")
    repo.experiment()
    card = repo.card(card_data())
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert (
        "policy trains on 2,000 games but its world model 'wm-2k' was trained on 5,000"
        in result.out
    )


def test_notes_that_quote_the_region_markers_leave_the_region_alone(repo, gate):
    """The region is the first begin marker's: notes below it that quote the markers
    are prose, kept as written, and the region still matches the data."""
    notes = (
        "\n## Review notes\n\ngate writes between `<!-- gate:generated:begin -->` and\n"
        "`<!-- gate:generated:end -->`; edit the data, not that part.\n"
    )
    card = repo.card(card_data(), prose=notes)
    repo.experiment()
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    checked = gate("check")
    assert ": render: " not in checked.out, checked
    assert f"{card}:5: sign-off: awaiting sign-off from Scav" in checked.out
    written = repo.read(card)
    assert gate("render", card).err.endswith("already up to date\n")
    assert repo.read(card) == written and written.endswith(notes)


def test_a_region_below_some_prose_is_read_and_named_by_its_first_line(repo, gate):
    """Prose between the front matter and the region (a hand-written card that gate
    rendered): the region is read from its begin marker, and a stale one is reported
    on the marker's line."""
    card = repo.card(card_data())
    front, region = repo.read(card).split("<!-- gate:generated:begin", 1)
    text = f"{front}\nWritten before gate; it stays.\n\n<!-- gate:generated:begin{region}"
    line = text[: text.index("<!-- gate:generated:begin")].count("\n") + 1
    repo.write(card, text)
    repo.experiment()
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    assert ": render: " not in gate("check").out
    repo.write(card, text.replace("| Epochs | 10 |", "| Epochs | 11 |"))
    repo.add(card)
    stale = gate("check").out
    assert f"{card}:{line}: render: the generated region no longer matches the card's data" in (
        stale
    )
    finding = {
        "path": card,
        "line": line,
        "rule": "render",
        "severity": "error",
        "message": "the generated region no longer matches the card's data: run "
        f"`gate render {card}`",
        "card": card,
    }
    assert finding in json.loads(gate("check", "--format", "json").out)["findings"]


def test_a_card_without_a_region_is_named_on_its_closing_front_matter_line(repo, gate):
    card = repo.card(card_data())
    text = repo.read(card)
    front = text.split("<!-- gate:generated:begin", 1)[0]
    repo.write(card, front + "# Notes by hand\n")
    repo.experiment()
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    closing = front.count("\n")  # the `---` line that ends the front matter
    assert (
        f"{card}:{closing}: render: the card has no generated region: run `gate render {card}`"
    ) in gate("check").out
    finding = {
        "path": card,
        "line": closing,
        "rule": "render",
        "severity": "error",
        "message": f"the card has no generated region: run `gate render {card}` to write it",
        "card": card,
    }
    assert finding in json.loads(gate("check", "--format", "json").out)["findings"]


def test_render_and_check_derive_the_same_status_from_an_unconfigured_block(repo, gate):
    """A `blocked` entry by someone who is not a reviewer counts for nothing in both
    places: `render` writes PENDING REVIEW and `check` agrees (no "run gate render")."""
    config = repo.experiment()
    data = card_data()
    data["signoff"] = [
        {
            "reviewer": "Eve",
            "verdict": "blocked",
            "date": "2026-11-24",
            "digest": "sha256:" + "0" * 64,
            "reason": "no",
        }
    ]
    path = repo.card(data)
    assert gate("render", path).code == 0
    assert "status: PENDING REVIEW" in repo.read(path)
    repo.add(config, path)
    result = gate("check")
    assert result.code == 1
    assert "'Eve' is not a configured reviewer" in result.out
    assert ": status:" not in result.out
    assert ": render:" not in result.out


def test_an_uncovered_config_is_told_the_exact_generate_command(repo, gate):
    config = repo.experiment()
    repo.add(config)
    result = gate("check")
    assert (
        f"{config}: coverage: no run card covers this gated file: write "
        "worldmodel/docs/run-cards/policy-a.md with `gate generate --kind policy "
        f"{config}` (a policy's training config), or list it in a card's `covers`"
    ) in result.out


def test_the_suggested_card_is_never_one_that_exists_as_another_card(repo, gate):
    """`other/policy-a.yaml` shares its stem with a card that exists (and cannot be
    read), and so do the names tried next: the suggestion names a card of its own."""
    for name in ("policy-a", "other-policy-a", "other-policy-a-2"):
        repo.write(f"worldmodel/docs/run-cards/{name}.md", "not a card\n")
    repo.commit("three unreadable cards")
    path = "worldmodel/experiments/other/policy-a.yaml"
    top = "policy-a.yaml"  # a file at the top is named after no folder: "run"
    repo.write(path, CONFIG)
    repo.write(top, CONFIG)
    repo.write(
        "pyproject.toml",
        repo.read("pyproject.toml").replace(
            'gated = ["worldmodel/experiments/*.yaml"',
            'gated = ["worldmodel/experiments/**/*.yaml", "*.yaml"',
        ),
    )
    repo.add(path, top, "pyproject.toml")
    result = gate("check")
    assert (
        "write worldmodel/docs/run-cards/other-policy-a-3.md with `gate generate --kind policy "
        f"{path} --run-name other-policy-a-3`"
    ) in result.out
    assert (
        "write worldmodel/docs/run-cards/run-policy-a.md with `gate generate --kind policy "
        f"{top} --run-name run-policy-a`"
    ) in result.out


def test_every_sign_off_entry_is_judged_after_one_by_an_unconfigured_reviewer(repo, gate):
    """Entries by someone not in [tool.gate.reviewers] are named and count for nothing,
    and the entries after them are still judged: Scav's stale approval, then Scav's
    second entry. Each finding is on its entry's line and belongs to the card."""
    import json

    config = repo.experiment()
    data = card_data()
    stale = {"verdict": "approved", "date": "2026-11-24", "digest": "sha256:" + "0" * 64}
    data["signoff"] = [{"reviewer": "Eve", **stale}, {"reviewer": "Scav", **stale}]
    data["signoff"].append({"reviewer": "Scav", **stale})
    data["signoff"].append({"reviewer": "Mattie", **stale, "verdict": "blocked"})
    path = repo.card(data, prose="\n## Notes\n\n- [x] Mattie reviewed\n")
    repo.add(config, path)
    lines = repo.read(path).split("\n")
    entries = [i for i, row in enumerate(lines, 1) if row.startswith("- reviewer:")]
    eve, scav, again, mattie = entries
    ticked = lines.index("- [x] Mattie reviewed") + 1
    result = gate("check")
    assert result.code == 1
    rows = result.out.splitlines()
    assert (
        f"{path}:{eve}: sign-off: 'Eve' is not a configured reviewer (configured: Scav, "
        "Mattie); only [tool.gate.reviewers] can sign"
    ) in rows
    assert f"{path}:{again}: sign-off: Scav has more than one sign-off entry; keep one" in rows
    assert (
        f"{path}:{scav}: freshness: approval by Scav is stale: the card's data or a covered "
        "file changed since it was signed; ask for a new review and "
        f"`gate sign {path} --reviewer Scav` (or remove the stale entry: the card then "
        "awaits that sign-off)"
    ) in rows
    assert f"{path}:{mattie}: sign-off: Mattie blocked this card" in rows  # no reason given
    assert (
        f"{path}:{ticked}: sign-off: checkbox for Mattie is ticked but the data holds no "
        "approval by Mattie: only `gate sign` records an approval"
    ) in rows
    report = json.loads(gate("check", "--format", "json").out)
    signoff = [f for f in report["findings"] if f["rule"] == "sign-off"]
    assert {(f["line"], f["card"]) for f in signoff} >= {(eve, path), (again, path)}


def test_a_manifest_that_disagrees_with_itself_is_named_on_the_cards_manifest_line(repo, gate):
    document = json.loads(manifest_json())
    document["game_md5s"] = document["game_md5s"][:-1]
    repo.write(MANIFEST_PATH, json.dumps(document))
    repo.experiment()
    card = repo.card(card_data())
    repo.commit("a manifest one game short of its count")
    result = gate("check", "--all")
    assert result.code == 1
    line = next(n for n, row in enumerate(repo.read(card).splitlines(), 1) if "manifest:" in row)
    assert (
        f"{card}:{line}: distribution: world-model manifest {MANIFEST_PATH!r} lists 1,999 "
        "game_md5s but config.data.num_games_loaded is 2,000\n"
    ) in result.out, result.out


def test_two_cards_are_each_matched_with_their_own_manifest(repo, gate):
    other = "worldmodel/checkpoints/wm-3k/manifest.json"
    repo.write(other, manifest_json(3000))
    repo.experiment()
    repo.card(card_data())
    repo.experiment("policy-b")
    data = card_data("policy-b", games=3000, wm_games=3000)
    data["world_model"] = {**data["world_model"], "checkpoint": "wm-3k", "manifest": other}
    repo.card(data)
    repo.commit("two policies, two world models")
    result = gate("check", "--all")
    assert "distribution:" not in result.out, result.out
    assert "awaiting sign-off from Scav" in result.out  # each card was judged


QUIET = "gate: passed (staged): nothing gated or carded in this change\n"


def test_the_hooks_remembered_configuration_keeps_every_gated_glob(repo, gate):
    """The hook remembers the configuration of each pyproject.toml it read (.git/gate);
    a commit after that one still gates the files of the first glob."""
    repo.write("notes.txt", "one\n")
    repo.add("notes.txt")
    assert gate("check").out == QUIET  # read, and remembered
    repo.commit("notes")
    path = repo.experiment()
    repo.add(path)
    result = gate("check")
    assert result.code == 1, result
    assert f"{path}: coverage: no run card covers this gated file" in result.out


def test_deleting_pyproject_leaves_the_default_globs_in_force(repo, gate):
    repo.git("rm", "-q", "--cached", "pyproject.toml")
    assert gate("check").out == QUIET  # removing the file is no gated change
    path = repo.experiment()
    repo.add(path)
    result = gate("check")
    assert result.code == 2, result  # the default globs gate it, and no reviewer is named
    assert "[tool.gate.reviewers]" in result.err, result


def test_a_staged_configuration_the_hook_cannot_read_is_named_as_the_index(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = 3"))
    repo.add("pyproject.toml")
    result = gate("check")
    assert result.code == 2
    assert result.err == (
        "gate: error: pyproject.toml (the index): [tool.gate] strict: expected true or false, "
        "got int 3\n"
    )


def test_the_hook_with_an_explicit_configuration_reads_that_file(repo, gate, tmp_path):
    other = tmp_path / "gate.toml"
    other.write_text(PYPROJECT.replace("strict = false", "strict = 3"), encoding="utf-8")
    path = repo.experiment()
    repo.add(path)
    result = gate("check", "--config", str(other))
    assert result.code == 2
    assert (
        result.err
        == f"gate: error: {other}: [tool.gate] strict: expected true or false, got int 3\n"
    )


def test_an_empty_commit_passes_on_the_hooks_fast_path(repo, gate):
    # (`git commit --allow-empty`: nothing staged)
    assert gate("check").out == QUIET


def test_a_region_missing_its_end_marker_is_no_region_and_render_mends_it(repo, gate):
    """A deleted end marker leaves a begin marker with nothing it closes: the card has no
    region (named on the begin marker's line), and `gate render` writes a whole one."""
    card = repo.card(card_data())
    text = repo.read(card)
    assert text.count(END) == 1
    repo.write(card, text.replace(END, "", 1))
    repo.experiment()
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    begin = text[: text.index("<!-- gate:generated:begin")].count("\n") + 1
    broken = gate("check")
    assert (
        f"{card}:{begin}: render: the card has no generated region: run `gate render {card}` "
        "to write it\n"
    ) in broken.out
    assert ": render: " not in broken.out.replace(f"{card}:{begin}: render: ", "", 1)
    assert gate("render", card).code == 0
    repo.add(card)
    assert ": render: " not in gate("check").out


def test_an_end_marker_quoted_in_the_prose_above_the_region_is_not_its_end(repo, gate):
    card = repo.card(card_data())
    front, region = repo.read(card).split("<!-- gate:generated:begin", 1)
    note = f"\nThe generated region below ends at `{END}`.\n\n"
    repo.write(card, f"{front}{note}<!-- gate:generated:begin{region}")
    repo.experiment()
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert result.code == 1  # awaiting sign-off
    assert ": render: " not in result.out, result.out
    assert gate("render", card).code == 0
    assert note in repo.read(card)


def test_a_kind_with_its_own_reviewers_needs_only_them(repo, gate):
    """`[tool.gate.kinds.policy] reviewers = ["Scav"]`: a policy card is approved when
    Scav signs; Mattie, a reviewer of the repository, is not asked for."""
    repo.write("pyproject.toml", PYPROJECT + '\n[tool.gate.kinds.policy]\nreviewers = ["Scav"]\n')
    repo.experiment()
    card = repo.card(card_data())
    repo.commit("a policy card, one reviewer for policies")
    waiting = gate("check", "--all")
    assert waiting.code == 1
    assert f"awaiting sign-off from Scav (`gate sign {card} --reviewer Scav`)" in waiting.out
    assert "Mattie" not in waiting.out, waiting.out
    assert gate("sign", card, "--reviewer", "Scav", as_=SCAV).code == 0
    repo.commit("Scav signs", author=SCAV)
    signed = gate("check", "--all")
    assert signed.code == 0, signed
    assert signed.out == "gate: passed (all): 1 gated file(s), 1 card(s)\n"


def test_a_config_two_failing_cards_cover_names_both(repo, gate):
    """Either card passing would cover the config: the finding names each of them."""
    repo.experiment()
    first = repo.card(card_data())
    second = repo.card(card_data("policy-b", covers=["worldmodel/experiments/policy-a.yaml"]))
    repo.add(first, second, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert result.code == 1
    assert (
        "worldmodel/experiments/policy-a.yaml: coverage: not covered by a passing card: "
        f"{first}, {second} must pass every rule\n"
    ) in result.out, result.out


@pytest.mark.parametrize("path", ["README.md", "worldmodel/docs/notes.md"])
def test_markdown_outside_the_cards_folder_is_not_a_card(repo, gate, path):
    repo.write(path, "# Notes\n\nNo front matter: not a card.\n")
    repo.add(path)
    hook = gate("check")
    assert (hook.code, hook.out) == (
        0,
        "gate: passed (staged): nothing gated or carded in this change\n",
    )
    repo.commit("notes")
    everything = gate("check", "--all")
    assert (everything.code, everything.out) == (
        0,
        "gate: passed (all): 0 gated file(s), 0 card(s)\n",
    )


def test_a_config_file_that_is_not_there_is_named_with_why(repo, gate):
    result = gate("check", "--all", "--config", "ci/missing.toml")
    assert result.code == 2
    assert result.err == "gate: error: --config ci/missing.toml: No such file or directory\n"


def test_deleting_a_broken_card_does_not_hide_the_next_deleted_cards_config(repo, gate):
    """Two cards go in one commit: the first never parsed; the second covered a config
    that stays, which is now reported."""
    _, card = _signed_card(repo, gate)
    broken = "worldmodel/docs/run-cards/a-broken.md"
    repo.write(broken, "no front matter\n")
    repo.commit("a broken card (no hook)")
    repo.git("rm", "-q", broken, card)
    _assert_orphaned(gate("check"), card)


def test_a_configuration_that_is_not_utf8_is_named_with_where_it_was_read(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace('"melee"', '"mêlée"').encode("latin-1"))
    repo.commit("a Latin-1 pyproject.toml")
    result = gate("check", "--all")
    assert result.code == 2
    assert result.err == "gate: error: pyproject.toml (HEAD): not UTF-8\n"
