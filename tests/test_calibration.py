"""Estimates that learn: finished runs' measured speeds replace the seed's constants in
the next card, named as its source, with a range whose top sets the timeout."""

from __future__ import annotations

import json
import math

import pytest
from test_generate import melee  # noqa: F401 - the fixture
from test_run_kind import CARD, CONFIG, GENERATE, data_of, worldmodel  # noqa: F401

from gate.kinds import calibration
from gate.kinds.calibration import Sample
from gate.kinds.cloud import required_timeout_s

SMOKE = "worldmodel/experiments/mamba2-2k-smoke.yaml"
SMOKE_CARD = "worldmodel/docs/run-cards/mamba2-2k-smoke.md"
NEW = "worldmodel/experiments/mamba2-22k-lr.yaml"
NEW_CARD = "worldmodel/docs/run-cards/mamba2-22k-lr.md"
BATCHES_22K = 181_717  # 206,754,081 frames x 0.9 // 1,024


def manifest(run: str, *, train: int, epochs: int, seconds: float, load: float | None) -> str:
    """A checkpoint manifest as the training code writes it, with each epoch's time."""
    document = {
        "run_name": run,
        "config": {
            "model": {"arch": "mamba2"},
            "training": {"batch_size": 1024, "num_epochs": epochs},
            "data": {"train_examples": train},
        },
        "results": {"epoch": epochs, "val_loss/total": 0.2},
        "all_epochs": [
            {"epoch": n + 1, "time": round(train // 1024 * seconds, 1)} for n in range(epochs)
        ],
    }
    if load is not None:
        document["data_load_s"] = load
    return json.dumps(document)


def finish(repo, gate, card: str, run: str, text: str) -> None:
    path = f"worldmodel/checkpoints/{run}/manifest.json"
    repo.write(path, text)
    result = gate("results", card, "--from", path, "--date", "2026-11-25T08:00:00+00:00")
    assert result.code == 0, result


def test_two_finished_a100_runs_calibrate_the_next_card(worldmodel, gate):  # noqa: F811
    # a run estimated at the seed's 0.06 s/batch: measured 0.155 s/batch, 164 s data load
    assert gate(*GENERATE).code == 0
    assert data_of(worldmodel)["timing"]["batch_seconds"] == 0.06
    finish(
        worldmodel, gate, CARD, "mamba2-22k-ss",
        manifest("mamba2-22k-ss", train=186_078_672, epochs=3, seconds=0.155, load=164.0),
    )  # fmt: skip
    # the smoke run, the same GPU and batch size: 0.165 s/batch
    smoke = gate("generate", "--kind", "run", SMOKE, "--gpu", "A100")
    assert smoke.code == 0, smoke
    finish(
        worldmodel, gate, SMOKE_CARD, "mamba2-2k-smoke",
        manifest("mamba2-2k-smoke", train=16_920_000, epochs=1, seconds=0.165, load=None),
    )  # fmt: skip
    worldmodel.commit("two finished runs")

    # a new A100 card at batch size 1,024
    worldmodel.write(NEW, worldmodel.read(CONFIG).replace("lr: 0.0005", "lr: 0.0003"))
    result = gate(*(a if a != CONFIG else NEW for a in GENERATE[:4]), "mamba2-22k-lr",
                  *(a if a != CONFIG else NEW for a in GENERATE[5:]))  # fmt: skip
    assert result.code == 0, result
    timing = data_of(worldmodel, NEW_CARD)["timing"]
    assert timing["batch_seconds"] == 0.16  # the median of 0.155 and 0.165, not 0.06
    assert timing["batch_basis"] == (
        "calibrated: median of 2 finished runs: mamba2-22k-ss, mamba2-2k-smoke"
    )
    assert timing["batch_seconds_range"] == [0.155, 0.165]
    assert timing["epoch_s"] == round(BATCHES_22K * 0.16, 1)
    training = BATCHES_22K * 0.16 * 3
    assert timing["training_s"] == round(training, 1)
    assert timing["cost_usd"] == round(training / 3600 * 2.78, 2)  # A100 at $2.78/h
    # data load: 164 s for 74.4 GB, measured once
    assert timing["data_load_s_per_gb"] == round(164 / 74.4, 2)
    assert timing["data_load_basis"] == "calibrated: 1 finished run: mamba2-22k-ss"
    load = 74.4 * round(164 / 74.4, 2)
    assert timing["data_load_s"] == round(load, 1)
    # the recommended timeout at the top of the range: (3 epochs at 0.165 + load) x 3
    assert timing["recommended_timeout_s"] == required_timeout_s(BATCHES_22K * 0.165 * 3, load)
    assert timing["recommended_timeout_s"] == math.ceil((BATCHES_22K * 0.165 * 3 + load) * 3)
    text = worldmodel.read(NEW_CARD)
    assert (
        "| Est. batch speed | ~160 ms/batch on A100-SXM4-40GB (Modal) (calibrated: median of "
        "2 finished runs: mamba2-22k-ss, mamba2-2k-smoke) |"
    ) in text
    assert (
        "| Batch speed range | 0.155-0.165 s/batch (the recommended timeout uses 0.165) |" in text
    )
    assert "(2.2 s per GB, calibrated: 1 finished run: mamba2-22k-ss)" in text
    assert "Timing: ~24h 14m training, ~$67.36 (A100-40GB)" in result.out
    worldmodel.commit("new card")
    out = gate("check", "--all").out
    assert "estimate:" not in out  # check re-derives every number from the calibrated speed

    table = gate("calibrate")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].split() == [
        "GPU",
        "MODEL",
        "PARAMS",
        "BATCH",
        "RUNS",
        "S/BATCH",
        "RANGE",
        "FROM",
    ]
    assert lines[1].split() == [
        "A100-40GB", "Mamba-2", "4,318,046", "1024", "2", "0.16", "0.155-0.165", "mamba2-22k-ss,",
        "mamba2-2k-smoke",
    ]  # fmt: skip
    assert len(lines) == 3  # the new card is not finished: it calibrates nothing
    assert "data load on A100-40GB: 2.2 s per GB (calibrated: 1 finished run: mamba2-22k-ss)" in (
        table.out
    )


def test_without_finished_runs_the_card_says_it_is_uncalibrated(worldmodel, gate):  # noqa: F811
    assert gate(*GENERATE).code == 0
    timing = data_of(worldmodel)["timing"]
    assert (timing["batch_seconds"], timing["batch_basis"]) == (0.06, "table: bs=1024")
    assert "batch_seconds_range" not in timing and "data_load_s_per_gb" not in timing
    text = worldmodel.read(CARD)
    assert "(table: bs=1024; seed constant, uncalibrated)" in text
    assert "(3 min per GB; seed constant, uncalibrated)" in text
    assert gate("calibrate").out.startswith("no finished runs to calibrate from")


def sample(run: str, batch: int, seconds: float, **kw) -> Sample:
    values = {"gpu": "A100-40GB", "architecture": "Mamba-2", "parameters": 4_000_000} | kw
    return Sample(run, f"{run}.md", batch_size=batch, batch_seconds=seconds, **values)


@pytest.mark.parametrize(
    ("samples", "asked", "expected"),
    [
        # exact batch size wins over a scaled one
        ([sample("a", 1024, 0.16), sample("b", 2048, 0.5)], 1024, (0.16, ("a",))),
        # scaled per example within the band (2x either way)
        ([sample("a", 2048, 0.32)], 1024, (0.16, ("a",))),
        ([sample("a", 4096, 0.64)], 1024, None),  # outside the band: the seed's
        ([sample("a", 1024, 0.16, gpu="H100")], 1024, None),  # another GPU
        # the same architecture, when any run has it
        ([sample("a", 1024, 0.1, architecture="MLP"), sample("b", 1024, 0.2)], 1024, (0.2, ("b",))),
        # the closest parameter count (within 2x of the nearest)
        (
            [sample("a", 1024, 0.1, parameters=40_000_000), sample("b", 1024, 0.2)],
            1024,
            (0.2, ("b",)),
        ),
        # the median of three, and their spread
        (
            [sample("a", 1024, 0.1), sample("b", 1024, 0.4), sample("c", 1024, 0.2)],
            1024,
            (0.2, ("a", "b", "c")),
        ),
    ],
)
def test_comparable_runs(samples, asked, expected):
    got = calibration.calibrate(
        samples, gpu="A100-40GB", batch_size=asked, architecture="Mamba-2", parameters=4_100_000
    )
    if expected is None:
        assert got is None
    else:
        assert (got.seconds, got.runs) == expected
        assert got.low <= got.seconds <= got.high


def test_a_scaled_speed_says_so():
    got = calibration.calibrate([sample("a", 2048, 0.32), sample("b", 512, 0.08)], gpu="A100-40GB",
                                batch_size=1024)  # fmt: skip
    assert got is not None
    assert got.basis == (
        "calibrated: median of 2 finished runs: a, b, scaled per example from bs=512/2048"
    )


def test_a_finished_policy_calibrates_the_next_policy_card(melee, gate):  # noqa: F811
    from test_generate import BASE
    from test_generate import CARD as POLICY_CARD
    from test_generate import data_of as policy_data

    assert gate(*BASE, "--games", "match").code == 0
    first = policy_data(melee)
    assert first["timing"]["batch_basis"] == "table: bs=512"  # the seed's MPS row
    batches = first["timing"]["batches_per_epoch"]
    run = {
        "run_name": "policy-match",
        "config": {
            "model": {"type": "policy_mlp"},
            "training": {"batch_size": 512, "num_epochs": 10},
            "data": {"train_examples": first["data"]["train_examples"]},
        },
        "results": {"epoch": 10, "val_metric/stick_mae": 0.03},
        "all_epochs": [{"epoch": n + 1, "time": round(batches * 0.05, 1)} for n in range(10)],
    }
    melee.write("worldmodel/checkpoints/policy-match-p0/manifest.json", json.dumps(run))
    recorded = gate(
        "results", POLICY_CARD, "--from", "worldmodel/checkpoints/policy-match-p0/manifest.json"
    )
    assert recorded.code == 0, recorded
    assert policy_data(melee)["results"][0]["gpu"] == "mps"  # the device (the table's MPS)
    melee.commit("a finished policy")

    again = gate(
        *(a if a != "policy-match" else "policy-match-2" for a in BASE), "--games", "match"
    )
    assert again.code == 0, again
    timing = policy_data(melee, "worldmodel/docs/run-cards/policy-match-2.md")["timing"]
    assert timing["batch_seconds"] == 0.05
    assert timing["batch_basis"] == "calibrated: 1 finished run: policy-match"
    assert timing["epoch_s"] == round(batches * 0.05, 1)
    melee.commit("second card")
    assert "estimate:" not in gate("check", "--all").out


def test_a_local_wandb_run_calibrates_too(worldmodel, gate):  # noqa: F811
    """A real wandb offline run folder in the repository, logging its timing."""
    wandb = pytest.importorskip("wandb")
    settings = wandb.Settings(
        x_disable_stats=True, x_disable_meta=True, x_disable_machine_info=True,
        console="off", save_code=False, disable_git=True,
    )  # fmt: skip
    config = {"gpu": "A100", "model": {"arch": "mamba2"}, "training": {"batch_size": 1024}}
    run = wandb.init(
        mode="offline", dir=worldmodel.root / "runs", project="melee-worldmodel",
        name="wm-cloud-run", config=config, settings=settings,
    )  # fmt: skip
    for epoch in (1, 2):
        run.log({"epoch": epoch, "global_step": epoch * 17_300, "epoch_time_s": 17_300 * 0.17})
    run.finish()
    result = gate(*GENERATE)
    assert result.code == 0, result
    timing = data_of(worldmodel)["timing"]
    assert timing["batch_seconds"] == 0.17
    assert timing["batch_basis"] == "calibrated: 1 finished run: wm-cloud-run"
    listed = gate("calibrate").out.splitlines()
    assert listed[1].split()[:6] == ["A100-40GB", "Mamba-2", "?", "1024", "1", "0.17"]


def test_calibrate_as_json(worldmodel, gate):  # noqa: F811
    assert gate(*GENERATE).code == 0
    finish(
        worldmodel, gate, CARD, "mamba2-22k-ss",
        manifest("mamba2-22k-ss", train=186_078_672, epochs=3, seconds=0.155, load=164.0),
    )  # fmt: skip
    document = json.loads(gate("calibrate", "--format", "json").out)
    (row,) = document["speeds"]
    assert (row["gpu"], row["batch_size"], row["seconds"], row["runs"]) == (
        "A100-40GB", 1024, 0.155, ["mamba2-22k-ss"],
    )  # fmt: skip
    (run,) = document["runs"]
    assert run["source"] == CARD and run["load_s_per_gb"] == pytest.approx(164 / 74.4)
