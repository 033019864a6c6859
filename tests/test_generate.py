"""`gate generate` on a repository set up like examples/melee."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cards import quiet_wandb_settings
from conftest import MATTIE, SCAV, Repo, example_repo

from gate.card.document import parse

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "melee"
CONFIG = "worldmodel/experiments/policy-match.yaml"
WM = "worldmodel/checkpoints/wm-mamba2-2k"
CARD = "worldmodel/docs/run-cards/policy-match.md"
BASE = (
    "generate",
    "--run-name",
    "policy-match",
    CONFIG,
    "--world-model",
    WM,
    "--dataset",
    "data/parsed-v2",
    "--no-wandb",
)


@pytest.fixture
def melee(tmp_path, monkeypatch) -> Repo:
    r = example_repo(tmp_path, "melee")
    monkeypatch.chdir(r.root)
    return r


def data_of(repo: Repo, path: str = CARD) -> dict:
    return parse(path, (repo.root / path).read_bytes()).data


def test_generated_card_blocks_only_on_sign_off_then_passes(melee, gate):
    result = gate(*BASE, "--games", "match", "--player", "both")
    assert result.code == 0, result
    assert result.out.splitlines()[0] == "Policy Card: policy-match"
    assert f"Card written to: {CARD}" in result.out
    assert result.out.rstrip().endswith("Awaiting sign-off from: Scav, Mattie")
    melee.commit("card")
    check = gate("check", "--all")
    assert check.code == 1
    findings = check.out.splitlines()[:-1]
    assert findings and all(
        ": sign-off: awaiting sign-off from" in f or ": coverage: " in f for f in findings
    ), check.out
    for who in (SCAV, MATTIE):
        assert gate("sign", CARD, "--reviewer", who[0], as_=who).code == 0
        melee.commit(f"{who[0]} signs", author=who)
    assert gate("check", "--all").code == 0


def test_both_players_get_two_commands_that_can_run_in_parallel(melee, gate):
    assert gate(*BASE, "--games", "match", "--player", "both").code == 0
    data = data_of(melee)
    assert [e["player"] for e in data["launch"]] == ["0", "1"]
    assert "--predict-player 1" in data["launch"][1]["command"]
    text = melee.read(CARD)
    assert "The players train in separate processes: the commands can run in parallel." in text
    assert data["covers"] == [CONFIG]
    assert data["status"] == "PENDING REVIEW" and data["signoff"] == []
    assert "- [ ] Scav reviewed" in text and "- [ ] Mattie reviewed" in text


# games, device, batch size -> hand-computed numbers (9,400 frames/game, 90% train,
# batches = train // bs, epoch = batches x s/batch from the seed's table,
# load = games x 0.042 s).
SCALES = [
    # 500 games: 4,700,000 frames; 4,230,000 train; cpu bs512 0.08 s
    (
        500,
        "cpu",
        512,
        10,
        dict(
            frames=4_700_000,
            train=4_230_000,
            val=470_000,
            batches=8_261,
            epoch_s=660.9,
            load_s=21.0,
        ),
    ),
    # 2,000 games: 18,800,000 frames; 16,920,000 train; mps bs1024 0.04 s
    (
        2000,
        "mps",
        1024,
        10,
        dict(
            frames=18_800_000,
            train=16_920_000,
            val=1_880_000,
            batches=16_523,
            epoch_s=660.9,
            load_s=84.0,
        ),
    ),
    # 22,000 games: 206,800,000 frames; 186,120,000 train; mps bs512 0.02 s
    (
        22000,
        "mps",
        512,
        8,
        dict(
            frames=206_800_000,
            train=186_120_000,
            val=20_680_000,
            batches=363_515,
            epoch_s=7270.3,
            load_s=924.0,
        ),
    ),
    # 12,000 games on cpu bs1024 0.15 s: 112,800,000 frames; 101,520,000 train
    (
        12000,
        "cpu",
        1024,
        6,
        dict(
            frames=112_800_000,
            train=101_520_000,
            val=11_280_000,
            batches=99_140,
            epoch_s=14871.0,
            load_s=504.0,
        ),
    ),
]


@pytest.mark.parametrize(("games", "device", "batch", "epochs", "want"), SCALES)
def test_card_numbers_follow_the_seed(melee, gate, games, device, batch, epochs, want):
    result = gate(
        *BASE,
        "--games",
        str(games),
        "--device",
        device,
        "--batch-size",
        str(batch),
        "--epochs",
        str(epochs),
        "--player",
        "0",
    )
    assert result.code == 0, result
    data = data_of(melee)
    assert data["data"]["est_total_frames"] == want["frames"]
    assert data["data"]["train_examples"] == want["train"]
    assert data["data"]["val_examples"] == want["val"]
    assert data["timing"]["batches_per_epoch"] == want["batches"]
    assert data["timing"]["epoch_s"] == want["epoch_s"]
    # training = epoch x epochs, from the unrounded epoch time
    assert abs(data["timing"]["training_s"] - want["epoch_s"] * epochs) <= 0.05 * epochs + 0.05
    assert data["timing"]["data_load_s"] == want["load_s"]
    assert data["training"] == {
        **data["training"],
        "epochs": epochs,
        "batch_size": batch,
        "device": device,
    }
    assert f"--batch-size {batch} --device {device}" in data["launch"][0]["command"]


def test_fifty_games_against_two_thousand_is_flagged_and_blocked(melee, gate):
    result = gate(*BASE, "--games", "50", "--player", "0")
    assert result.code == 0
    assert (
        "- the policy trains on 50 games but the world model on 2,000: match or exceed its data"
    ) in result.out
    data = data_of(melee)
    assert [f["code"] for f in data["flags"]] == ["distribution"]
    melee.add(CARD, CONFIG)
    check = gate("check", CARD)
    assert check.code == 1
    assert (
        "policy trains on 50 games but its world model 'wm-mamba2-2k' was trained on 2,000"
        in check.out
    )


def test_flags_of_the_seed_reach_the_card_and_the_check(melee, gate):
    result = gate(*BASE, "--games", "6000", "--device", "cpu", "--epochs", "60", "--player", "0")
    assert result.code == 0
    codes = [f["code"] for f in data_of(melee)["flags"]]
    assert codes == ["overfit", "cpu-large"]
    assert "60 epochs on 6,000 games will overfit" in result.out
    melee.commit("card")
    check = gate("check", "--all")
    assert "flag:overfit (warning)" in check.out and "flag:cpu-large (warning)" in check.out


def test_untracked_manifest_is_called_out(melee, gate):
    melee.git("rm", "-q", "--cached", f"{WM}/manifest.json")
    result = gate(*BASE, "--games", "match")
    assert result.code == 0
    assert f"the world-model manifest {WM}/manifest.json is not tracked by git" in result.out


def test_baselines_from_local_manifests_newest_first(melee, gate):
    assert gate(*BASE, "--games", "match").code == 0
    rows = data_of(melee)["baselines"]
    assert [r["run"] for r in rows] == ["policy-p1-2k", "policy-p0-1k"]
    text = melee.read(CARD)
    assert "| policy-p1-2k | 2,000 | p1 | 0.0238 | 97.7% | 0.0341 |" in text


def test_stdout_writes_nothing(melee, gate):
    result = gate(*BASE, "--games", "match", "--stdout")
    assert result.code == 0
    assert result.out.startswith("---\nkind: policy\n")
    assert not (melee.root / CARD).exists()


@pytest.mark.parametrize(
    ("mutate", "args", "fragment"),
    [
        (lambda r: r.write(CONFIG, "model: [oops\n"), (), f"{CONFIG}:2: YAML syntax error"),
        (lambda r: (r.root / CONFIG).unlink(), (), f"--config {CONFIG}: No such file or directory"),
        (lambda r: r.write(CONFIG, "training: {epochs: 1}\n"), (), "missing the `model:` section"),
        (
            lambda r: r.write(f"{WM}/manifest.json", '{"config": {"data": {}}}'),
            (),
            "has no game count: config.data.num_games_loaded",
        ),
        (lambda r: shutil.rmtree(r.root / "data/parsed-v2"), (), "data/parsed-v2"),
        (
            lambda r: r.write(f"{r.root}/worldmodel/docs/run-cards/policy-match.md", "exists"),
            (),
            "already exists: pass --force",
        ),
    ],
)
def test_bad_input_is_exit_2_with_a_clear_message(melee, gate, mutate, args, fragment):
    mutate(melee)
    result = gate(*BASE, "--games", "match", *args)
    assert result.code == 2, result
    assert fragment in result.err
    assert "Traceback" not in result.err


def test_dataset_with_neither_meta_nor_games(melee, gate):
    (melee.root / "empty").mkdir()
    result = gate(*BASE[:-3], "--dataset", "empty", "--no-wandb", "--games", "match")
    assert result.code == 2
    assert "empty" in result.err and "meta.json" in result.err


def test_match_without_any_world_model(melee, gate):
    shutil.rmtree(melee.root / WM)
    args = [a for a in BASE if a not in ("--world-model", WM)]
    result = gate(*args, "--games", "match")
    assert result.code == 2
    assert "no world-model manifest found" in result.err


def test_force_overwrites(melee, gate):
    assert gate(*BASE, "--games", "match").code == 0
    assert gate(*BASE, "--games", "1000", "--force").code == 0
    assert data_of(melee)["data"]["games"] == 1000


REVIEWS = """
## Review notes

### Round 1 (Scav)
Batch size 1024 OOMs on the laptop: use 512.

### Incident, 2026-11-20
Launched while PENDING REVIEW from a laptop; killed after 10 min.
"""


def test_force_keeps_the_free_prose_byte_for_byte(melee, gate):
    assert gate(*BASE, "--games", "match").code == 0
    text = (melee.root / CARD).read_text(encoding="utf-8")
    end = "<!-- gate:generated:end -->"
    before, _, _ = text.partition(end)
    (melee.root / CARD).write_text(before + end + REVIEWS, encoding="utf-8")
    assert gate(*BASE, "--games", "1000", "--force").code == 0
    after = (melee.root / CARD).read_text(encoding="utf-8")
    assert after.endswith(end + REVIEWS)
    assert data_of(melee)["data"]["games"] == 1000
    assert gate("render", CARD).code == 0  # the region matches the new data
    assert (melee.root / CARD).read_text(encoding="utf-8") == after


def test_force_over_a_hand_written_card_keeps_all_of_it(melee, gate):
    hand = "# Policy Run Card: policy-match\n\n**Status**: PENDING REVIEW\n" + REVIEWS
    (melee.root / CARD).parent.mkdir(parents=True, exist_ok=True)
    (melee.root / CARD).write_text(hand, encoding="utf-8")
    assert gate(*BASE, "--games", "match").code == 2  # never without --force
    assert gate(*BASE, "--games", "match", "--force").code == 0
    after = (melee.root / CARD).read_text(encoding="utf-8")
    assert after.startswith("---\nkind: policy\n")
    assert after.endswith("<!-- gate:generated:end -->\n" + hand)


def test_status_lists_each_card(melee, gate):
    assert gate(*BASE, "--games", "match").code == 0
    result = gate("status", "--format", "json")
    rows = json.loads(result.out)["cards"]
    assert rows[0]["card"] == CARD and rows[0]["missing"] == ["Scav", "Mattie"]
    assert rows[0]["scale"] == "2,000 games vs wm-mamba2-2k 2,000"
    text = gate("status").out
    assert "policy-match.md  policy  PENDING REVIEW" in text
    assert "missing: Scav, Mattie" in text


def test_config_values_disagreeing_with_the_card_are_named(melee, gate):
    assert gate(*BASE, "--games", "match").code == 0
    melee.commit("card")
    text = melee.read(CONFIG).replace("weight_decay: 0.01", "weight_decay: 0.05")
    melee.write(CONFIG, text)
    melee.add(CONFIG)
    result = gate("check")
    assert (
        "training.weight_decay: card says 0.01 but worldmodel/experiments/policy-match.yaml "
        "says 0.05"
    ) in result.out


def test_baselines_from_a_real_wandb_offline_run(melee, gate, monkeypatch):
    """A run made by wandb itself, in the workspace's wandb/ folder, reaches the table."""
    wandb = pytest.importorskip("wandb")
    monkeypatch.chdir(melee.root)
    settings = quiet_wandb_settings(wandb)
    run = wandb.init(
        mode="offline",
        dir=melee.root,
        project="melee",
        name="policy-p0-2k-v3",
        config={"data": {"num_games_loaded": 2000, "predict_player": 0}},
        tags=["policy"],
        settings=settings,
    )
    run.summary["val_metric/stick_mae"] = 0.0219
    run.summary["metric/button_pressed_acc"] = 0.981  # the seed's fallback key
    run.summary["val_loss/total"] = 0.0333
    run.finish()
    assert gate(*BASE, "--games", "match").code == 0
    rows = data_of(melee)["baselines"]
    assert rows[0]["run"] == "policy-p0-2k-v3" and rows[0]["source"] == "wandb-local"
    text = melee.read(CARD)
    assert "| policy-p0-2k-v3 | 2,000 | p0 | 0.0219 | 98.1% | 0.0333 |" in text
    assert "| val_stick_mae | 0.0219 |" in text


def test_unreachable_wandb_is_a_warning_in_card_and_summary(melee, gate):
    pytest.importorskip("wandb")
    args = [a for a in BASE if a != "--no-wandb"]
    result = gate(*args, "--games", "match", "--wandb", "shinewave/melee-worldmodel")
    assert result.code == 0, result
    assert "wandb: could not read prior runs of shinewave/melee-worldmodel" in result.out
    text = melee.read(CARD)
    assert "> **Warning:** wandb: could not read prior runs of shinewave/melee-worldmodel" in text
    assert "| policy-p1-2k |" in text  # local rows are still there
