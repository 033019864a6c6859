"""Finished cards are records: `gate results` writes the scorecard; check no longer
re-judges the card against today's files; it covers nothing changed after it ran; its
approvals are checked against the digest recorded at launch; it launches nothing again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Repo, example_repo, prepared
from test_run_kind import (  # noqa: F401 - the fixture, imported
    CARD,
    CONFIG,
    GENERATE,
    LAUNCH,
    REVIEWERS,
    data_of,
    sign_all,
    worldmodel,
)

MANIFEST = "worldmodel/checkpoints/mamba2-22k-ss/manifest.json"
SMOKE = "worldmodel/experiments/mamba2-2k-smoke.yaml"
SMOKE_CARD = "worldmodel/docs/run-cards/mamba2-2k-smoke.md"


def run_manifest(epoch_s: float = 2768.0, epochs: int = 3, load_s: float = 164.0) -> str:
    """What the training code writes at the end of a run: 17,300 batches of 1,024 per epoch."""
    return json.dumps(
        {
            "run_name": "mamba2-22k-ss",
            "config": {
                "model": {"arch": "mamba2", "d_model": 384},
                "training": {"batch_size": 1024, "num_epochs": 3},
                "data": {"num_games_loaded": 22000, "train_examples": 17300 * 1024},
            },
            "data_load_s": load_s,
            "results": {
                "epoch": epochs,
                "val_metric/action_change_acc": 0.83,
                "val_metric/position_mae": 0.61,
                "val_loss/total": 0.2,
            },
            "all_epochs": [{"epoch": n + 1, "time": epoch_s} for n in range(epochs)],
        }
    )


@pytest.fixture
def finished(tmp_path, monkeypatch, gate) -> Repo:
    """The run card approved by all three, launched with `gate launch`, then its run's
    results recorded from the checkpoint manifest, committed."""

    def steps(repo: Repo) -> None:
        assert gate(*GENERATE).code == 0
        repo.commit("card")
        sign_all(gate, repo)
        launched = gate("launch", CARD)  # modal is not installed here: the command fails
        assert "gate: launching" in launched.err, launched
        launch_digest = data_of(repo)["launches"][-1]["digest"]
        repo.commit("launched")
        repo.write(MANIFEST, run_manifest())
        recorded = gate("results", CARD, "--from", MANIFEST, "--date", "2026-11-25T08:00:00+00:00")
        assert recorded.code == 0, recorded
        assert data_of(repo)["results"][-1]["digest"] == launch_digest
        repo.commit("results")

    def start(folder: Path) -> Repo:
        return example_repo(tmp_path, "worldmodel", without=(CARD,), into=folder)

    return prepared(tmp_path, monkeypatch, "finished", start, steps, name="worldmodel")


def test_results_from_a_manifest_fill_the_scorecard(finished, gate):
    (entry,) = data_of(finished)["results"]
    assert entry["source"] == MANIFEST
    assert entry["batch_seconds"] == pytest.approx(0.16, abs=1e-4)  # 2,768 s / 17,300
    assert (entry["epochs"], entry["epoch_s"], entry["data_load_s"]) == (3, 2768.0, 164.0)
    assert entry["wall_s"] == 3 * 2768.0 + 164.0
    assert entry["cost_usd"] == round((3 * 2768 + 164) / 3600 * 2.78, 2)  # A100 $2.78/h
    assert entry["exit_reason"] == "completed"
    card = finished.read(CARD)
    assert "| Seconds per batch | 0.06 s | 0.16 s | 2.67x |" in card
    assert "| Data load | 3h 43m (13,392 s) | 0h 3m (164 s) | 0.01x |" in card
    assert "| val_pos_mae | <0.505 | 0.61 | MISSED |" in card
    assert "| val_change_acc | >82.0% | 83.0% | met |" in card
    assert gate("check", "--all").code == 0


def test_results_recorded_again_keep_history_and_the_last_wins(finished, gate):
    finished.write(MANIFEST, run_manifest(epoch_s=3460.0, epochs=3))
    assert (
        gate("results", CARD, "--from", MANIFEST, "--date", "2026-11-26T08:00:00+00:00").code == 0
    )
    first, last = data_of(finished)["results"]
    assert first["batch_seconds"] == pytest.approx(0.16, abs=1e-4)
    assert last["batch_seconds"] == pytest.approx(0.2, abs=1e-4)
    card = finished.read(CARD)
    assert "| Seconds per batch | 0.06 s | 0.2 s | 3.33x |" in card
    assert "Earlier results (1, kept as history): 2026-11-25T08:00:00+00:00." in card
    assert "\n## Notes" not in card or card.count("## Notes") == 1


def test_a_finished_card_stays_passing_after_the_shared_function_changes(finished, gate):
    text = finished.read(LAUNCH)
    finished.write(
        LAUNCH, text.replace("    timeout=86400,\n    secrets", "    timeout=43200,\n    secrets")
    )
    # the edit comes with a new run's card, which covers the launched function
    new = gate(
        "generate", "--kind", "run", SMOKE, "--launch-script", LAUNCH, "--encoded-games", "2000"
    )
    assert new.code == 0, new
    finished.commit("a new run: shorter timeout")
    for who in REVIEWERS:
        assert gate("sign", SMOKE_CARD, "--reviewer", who[0], as_=who).code == 0
    finished.commit("signed")
    for scope in (["--all"], ["--base", "HEAD~2"], [CARD]):
        result = gate("check", *scope)
        assert result.code == 0, (scope, result)
        assert f"{CARD}:" not in result.out  # no finding about the finished card
    # the same edit, were the card not finished, makes its approvals stale
    data = finished.read(CARD)
    unfinished = data[: data.index("results:\n")] + data[data.index("---\n", 4) :]
    finished.write(CARD, unfinished)
    finished.add(CARD)
    assert "freshness: approval by Scav is stale" in gate("check", CARD).out


def test_a_config_covered_only_by_the_finished_card_needs_a_new_card(finished, gate, monkeypatch):
    finished.write(CONFIG, finished.read(CONFIG).replace("batch_size: 1024", "batch_size: 4096"))
    finished.add(CONFIG)
    staged = gate("check")
    assert staged.code == 1
    (line,) = [x for x in staged.out.splitlines() if x.startswith(f"{CONFIG}: coverage:")]
    assert (
        f"only finished cards cover this file: {CARD} (finished 2026-11-25T08:00:00+00:00); "
        "a finished card is the record of a run that ended and covers no change made after "
        "it ran: a new run needs a new card: write "
        "worldmodel/docs/run-cards/experiments-mamba2-22k-ss.md with `gate generate --kind run "
        f"{CONFIG} --run-name experiments-mamba2-22k-ss`"
    ) in line
    assert f"{CARD}:" not in staged.out  # the card itself is fine: it is a record
    report = json.loads(gate("check", "--format", "json").out)
    assert [(f["path"], f["line"]) for f in report["findings"]] == [(CONFIG, 0)]
    finished.commit("batch size 4096")
    for scope in (["--all"], ["--base", "HEAD~1"], [CONFIG]):
        result = gate("check", *scope)
        assert result.code == 1, scope
        assert f"{CONFIG}: coverage: only finished cards cover this file" in result.out
    # pre-push: the pushed range
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", finished.git("rev-parse", "HEAD~1").strip())
    monkeypatch.setenv("PRE_COMMIT_TO_REF", finished.git("rev-parse", "HEAD").strip())
    pushed = gate("check")
    assert pushed.code == 1, pushed
    assert f"{CONFIG}: coverage: only finished cards cover this file" in pushed.out


FINISHED = (
    f"{CARD}:0: results: the card is finished (results recorded 2026-11-25T08:00:00+00:00): "
    "it is the record of a run that ended and launches nothing again; a new run needs a new "
    "card (`gate generate`)\n"
)


def test_a_finished_card_launches_nothing_again(finished, gate):
    for argv in (("launch", CARD), ("verify", CARD), ("verify", CONFIG)):
        result = gate(*argv)
        assert result.code == 1, argv
        assert FINISHED in result.out, argv
    assert gate("verify", CARD).out == (
        f"{FINISHED}{CARD}: NOT APPROVED to run (reviewers' keys from main)\n"
    )
    import gate as gate_package

    with pytest.raises(gate_package.NotApproved) as refused:
        gate_package.verify(finished.root / CONFIG)
    ((where, line, rule, card),) = [
        (f.path, f.line, f.rule, f.card) for f in refused.value.findings
    ]
    assert (where, line, rule, card) == (CARD, 0, "results", CARD)
    assert len(data_of(finished)["launches"]) == 1
    signed = gate("sign", CARD, "--reviewer", REVIEWERS[0][0], as_=REVIEWERS[0])
    assert signed.code == 2
    assert "the card is finished (it has results)" in signed.err


def test_a_new_card_beside_the_finished_one_is_judged_on_its_own_findings(finished, gate):
    """A config changed since its run, covered by the finished card and by a new one not
    yet signed: launch names what the new card lacks, not that the old one is finished."""
    finished.write(CONFIG, finished.read(CONFIG).replace("batch_size: 1024", "batch_size: 4096"))
    new = "worldmodel/docs/run-cards/mamba2-22k-ss-2.md"
    assert gate("generate", "--kind", "run", CONFIG, "--run-name", "mamba2-22k-ss-2").code == 0
    finished.add(CONFIG, new)
    result = gate("verify", CONFIG)
    assert result.code == 1, result
    assert f"{new}:5: sign-off: awaiting sign-off from Mattie" in result.out, result.out
    assert "is finished" not in result.out


def test_approvals_are_checked_against_the_launch_digest(finished, gate):
    data = finished.read(CARD)
    recorded = data_of(finished)["results"][0]["digest"]
    forged = recorded[:-4] + ("0000" if not recorded.endswith("0000") else "1111")
    at = data.rindex(f'digest: "{recorded}"')  # the results entry's, the last one
    finished.write(CARD, data[:at] + data[at:].replace(recorded, forged, 1))
    finished.add(CARD)
    result = gate("check", CARD)
    assert result.code == 1
    assert result.out.count("freshness: approval by") == 3


def _last_results_line(text: str) -> int:
    """The line of the card's last `results` entry (its `- date:` line)."""
    start = text.index("\nresults:\n")
    return text.count("\n", 0, text.rindex("\n  - date:", start) + 1) + 1


def _results_finding(finished: Repo, result, message: str) -> dict:
    """The `results` finding about the card, as `--format json` reports it: on the line
    of the card's last results entry."""
    line = _last_results_line(finished.read(CARD))
    finding = {
        "path": CARD,
        "line": line,
        "rule": "results",
        "severity": "error",
        "message": message,
        "card": CARD,
    }
    assert finding in json.loads(result.out)["findings"], result.out
    return finding


def test_editing_a_finished_cards_data_is_refused(finished, gate):
    data = finished.read(CARD).replace("  epochs: 3\n", "  epochs: 4\n", 1)
    finished.write(CARD, data)
    assert gate("render", CARD).code == 0
    finished.add(CARD)
    result = gate("check", CARD, "--format", "json")
    assert result.code == 1
    _results_finding(
        finished,
        result,
        "the card's data changed after its run finished: a finished card is a record of "
        "what ran; put the change in a new card",
    )


def test_editing_a_finished_cards_data_is_refused_beside_a_new_card(finished, gate):
    """A new card (a-smoke.md, judged first) in the same commit does not hide the edit."""
    new = "worldmodel/docs/run-cards/a-smoke.md"
    assert gate("generate", "--kind", "run", SMOKE, "--run-name", "a-smoke").code == 0
    finished.write(CARD, finished.read(CARD).replace("  epochs: 3\n", "  epochs: 4\n", 1))
    assert gate("render", CARD).code == 0
    finished.add(CARD, new)
    result = gate("check")
    assert result.code == 1
    assert (
        "results: the card's data changed after its run finished: a finished card is a "
        "record of what ran; put the change in a new card"
    ) in result.out, result.out
    assert "results are recorded in this change" not in result.out  # they were not


@pytest.mark.parametrize("digest", [None, '""'], ids=["no digest", "an empty one"])
def test_a_results_entry_without_its_launch_digest_is_refused(finished, gate, digest):
    text = finished.read(CARD)
    at = text.index("\n    digest: ", text.index("\nresults:\n"))
    end = text.index("\n", at + 1)
    written = "" if digest is None else f"\n    digest: {digest}"
    finished.write(CARD, text[:at] + written + text[end:])
    finished.add(CARD)
    result = gate("check", CARD, "--format", "json")
    assert result.code == 1
    _results_finding(
        finished,
        result,
        "the last results entry has no launch digest: record them with `gate results`",
    )


def _without(text: str, field: str) -> str:
    """The card without its last results entry's `field` line."""
    at = text.index(f"\n    {field}: ", text.index("\nresults:\n"))
    return text[:at] + text[text.index("\n", at + 1) :]


def test_with_no_launch_digest_recorded_no_approval_is_fresh(finished, gate):
    # An approval whose digest is empty approves nothing: not a missing launch digest either.
    text = _without(finished.read(CARD), "digest")
    first = text.index("    digest: ", text.index("\nsignoff:\n"))
    text = text[:first] + '    digest: ""' + text[text.index("\n", first) :]
    finished.write(CARD, text)
    finished.add(CARD)
    result = gate("check", CARD)
    assert result.code == 1
    for name, _ in REVIEWERS:
        assert f"freshness: approval by {name} is stale" in result.out, name


def test_a_results_entry_without_its_data_digest_is_not_said_to_have_changed(finished, gate):
    # (The schema requires the data digest and says so; without one there is nothing to compare.)
    finished.write(CARD, _without(finished.read(CARD), "data_digest"))
    finished.add(CARD)
    result = gate("check", CARD)
    assert result.code == 1
    assert "'data_digest' is a required property" in result.out
    assert "data changed after its run finished" not in result.out


def test_results_keep_a_crlf_cards_endings_and_prose(worldmodel, gate):  # noqa: F811
    assert gate(*GENERATE).code == 0
    lf = worldmodel.read(CARD) + "\nMy notes on this run.\n"
    (worldmodel.root / CARD).write_bytes(lf.replace("\n", "\r\n").encode())
    worldmodel.write(MANIFEST, run_manifest())
    assert gate("results", CARD, "--from", MANIFEST).code == 0
    raw = (worldmodel.root / CARD).read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n")  # every line still ends CRLF
    text = raw.decode().replace("\r\n", "\n")
    assert text.endswith("<!-- gate:generated:end -->\n\n## Review notes\n\n(Free prose: gate "
                         "leaves this part alone.)\n\nMy notes on this run.\n")  # fmt: skip
    assert "## Scorecard" in text and "results:\n  - date:" in text
    assert gate("render", CARD).err.endswith("already up to date\n")


def test_files_changed_between_launch_and_results_are_not_covered(worldmodel, gate):  # noqa: F811
    assert gate(*GENERATE).code == 0
    worldmodel.commit("card")
    sign_all(gate, worldmodel)
    gate("launch", CARD)
    worldmodel.write(
        CONFIG, worldmodel.read(CONFIG).replace("batch_size: 1024", "batch_size: 2048")
    )
    worldmodel.write(MANIFEST, run_manifest())
    recorded = gate("results", CARD, "--from", MANIFEST)
    assert recorded.code == 0
    assert "its covered files changed since it launched: the finished card will cover none" in (
        recorded.err
    )
    assert data_of(worldmodel)["results"][0]["covered"] == {}
    worldmodel.add(CARD, CONFIG)
    staged = gate("check")
    assert staged.code == 1
    assert f"{CONFIG}: coverage: only finished cards cover this file: {CARD}" in staged.out
    # The launch script is covered by its function (`::train`): the file is not either.
    worldmodel.commit("results, batch size 2048")
    everything = gate("check", "--all")
    for path in (CONFIG, LAUNCH):
        assert f"{path}: coverage: only finished cards cover this file: {CARD}" in everything.out
    assert f"{CARD}:" not in staged.out  # the record itself passes


def test_a_covered_file_absent_when_the_run_finished_is_recorded_missing(worldmodel, gate):  # noqa: F811
    """A run launched without `gate launch` while a covered file was gone: `gate results`
    records that entry as `missing` (the one word the schema allows besides a hash), and
    the record passes the schema; only the absent file itself is reported."""
    assert gate(*GENERATE).code == 0
    (worldmodel.root / CONFIG).unlink()
    worldmodel.write(MANIFEST, run_manifest())
    recorded = gate("results", CARD, "--from", MANIFEST)
    assert recorded.code == 0, recorded
    covered = data_of(worldmodel)["results"][0]["covered"]
    assert covered[CONFIG] == "missing"
    assert covered[f"{LAUNCH}::train"].startswith("sha256:")
    worldmodel.commit("the run's results; the config is gone")
    checked = gate("check", CARD)
    assert f"{CARD}:7: covers: covered file '{CONFIG}' is not in the index" in checked.out
    assert ": schema: " not in checked.out


def test_a_config_covered_only_by_finished_cards_names_each_of_them(finished, gate):
    # A second record of the same run (the card kept under another name) covers the config too.
    again = "worldmodel/docs/run-cards/mamba2-22k-ss-again.md"
    finished.write(again, finished.read(CARD))
    finished.write(CONFIG, finished.read(CONFIG).replace("batch_size: 1024", "batch_size: 4096"))
    finished.add(again, CONFIG)
    staged = gate("check")
    assert staged.code == 1, staged
    when = "(finished 2026-11-25T08:00:00+00:00)"
    assert (
        f"{CONFIG}: coverage: only finished cards cover this file: {again} {when}, {CARD} {when}; "
        "a finished card is the record of a run that ended"
    ) in staged.out


def test_a_results_entry_that_records_no_covered_files_covers_none(finished, gate):
    # (An entry written before `gate results` recorded them, or by hand without them.)
    text = finished.read(CARD)
    covered = text.index("\n    covered: ", text.index("\nresults:\n"))
    finished.write(CARD, text[:covered] + text[text.index("\n", covered + 1) :])
    finished.commit("results without the covered files")
    result = gate("check", "--all")
    assert result.code == 1, result
    assert f"{CARD}:" not in result.out  # the record itself stands
    for path in (CONFIG, LAUNCH):
        assert f"{path}: coverage: only finished cards cover this file: {CARD}" in result.out


@pytest.mark.parametrize(
    "first", ["prose edited", "results recorded again"], ids=["prose", "results"]
)
def test_an_edit_hidden_behind_a_finished_card_judged_first_is_refused(finished, gate, first):
    """Two finished cards in one change: the first (a-record.md) passes the results rule
    (its results unchanged, or recorded honestly); the second still gets judged."""
    record = "worldmodel/docs/run-cards/a-record.md"
    finished.write(record, finished.read(CARD))
    finished.commit("the record kept under a second name")
    if first == "prose edited":
        finished.write(record, finished.read(record) + "\nRe-read on 2026-11-26.\n")
    else:
        finished.write(MANIFEST, run_manifest(epoch_s=3460.0))
        again = gate("results", record, "--from", MANIFEST, "--date", "2026-11-26T08:00:00+00:00")
        assert again.code == 0, again
    recorded = gate("results", CARD, "--from", MANIFEST, "--date", "2026-11-26T09:00:00+00:00")
    assert recorded.code == 0, recorded
    finished.write(CARD, finished.read(CARD).replace("  epochs: 3\n", "  epochs: 4\n", 1))
    assert gate("render", CARD).code == 0
    finished.add(record, CARD, MANIFEST)
    result = gate("check")
    assert result.code == 1
    assert (
        f"{CARD}: results: results are recorded in this change, and the card's approved "
        "data changed with them: record results alone, and put other changes in a new card"
    ) in result.out, result.out
    assert f"{record}: results" not in result.out, result.out
