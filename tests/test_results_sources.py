"""`gate results` from each source: a real wandb offline run folder (made by wandb), the
wandb cloud API (a fake behind the same `run(path)` interface: there is no network
here), and what it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cards import quiet_wandb_settings
from test_run_kind import CARD, GENERATE, data_of, worldmodel  # noqa: F401

from gate.sources import measured


@pytest.fixture
def card(worldmodel, gate):  # noqa: F811 - the fixture, imported
    assert gate(*GENERATE).code == 0
    worldmodel.commit("card")
    return worldmodel


def offline_run(wandb: Any, root: Path) -> Path:
    """What the training script logs: the data load, each epoch's time, global step and
    validation metrics, as a real wandb offline run."""
    settings = quiet_wandb_settings(wandb)
    run = wandb.init(
        mode="offline",
        dir=root,
        project="melee-worldmodel",
        name="mamba2-22k-ss",
        config={"training": {"batch_size": 1024}},
        settings=settings,
    )
    run.log({"data_load_s": 164.0})
    for epoch in (1, 2, 3):
        run.log(
            {
                "epoch": epoch,
                "global_step": epoch * 181_717,
                "epoch_time_s": 29_074.7,
                "val_metric/action_change_acc": 0.80 + epoch / 100,
                "val_metric/position_mae": 0.6,
                "val_loss/total": 0.25,
            }
        )
    run.finish()
    return Path(run.dir).parent


def test_results_from_a_real_wandb_offline_run_fill_the_scorecard(card, gate, tmp_path):
    wandb = pytest.importorskip("wandb")
    folder = offline_run(wandb, tmp_path / "runs")
    result = gate("results", CARD, "--from", str(folder), "--date", "2026-11-25T08:00:00+00:00")
    assert result.code == 0, result
    (entry,) = data_of(card)["results"]
    assert entry["source"] == str(folder)
    assert entry["run"] == "mamba2-22k-ss"
    assert entry["batch_seconds"] == pytest.approx(0.16, abs=1e-4)  # 29,074.7 s / 181,717
    assert (entry["epochs"], entry["epoch_s"], entry["data_load_s"]) == (3, 29074.7, 164.0)
    assert entry["wall_s"] == pytest.approx(3 * 29074.7 + 164.0)
    assert entry["exit_reason"] == "finished, exit code 0"
    assert entry["metrics"]["val_metric/action_change_acc"] == pytest.approx(0.83)
    text = card.read(CARD)
    for row in (
        "| Seconds per batch | 0.06 s | 0.16 s | 2.67x |",
        "| Epoch time | 3h 2m (10,903 s) | 8h 5m (29,075 s) | 2.67x |",
        "| Data load | 3h 43m (13,392 s) | 0h 3m (164 s) | 0.01x |",
        "| val_change_acc | >82.0% | 83.0% | met |",
        "| val_pos_mae | <0.505 | 0.6 | MISSED |",
    ):
        assert row in text, row
    assert f"from `{folder}` (exit: finished, exit code 0)" in text
    assert result.out.startswith("## Scorecard")
    assert gate("check", "--all").code == 1  # unsigned: finished, but never approved
    assert "freshness" not in gate("check", "--all").out


class FakeRun:
    """What gate reads of a `wandb.apis.public.Run`."""

    def __init__(self) -> None:
        self.name = "mamba2-22k-ss"
        self.config = {"training": {"batch_size": 1024}}
        self.summary = {"_runtime": 90_000.0, "epoch": 3, "global_step": 545_151}
        self.summary["data_load_s"] = 164.0
        self.state = "finished"


class FakeApi:
    """`wandb.Api()`'s `run(path)`: the cloud cannot be reached from here."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def run(self, path: str) -> FakeRun:
        self.asked.append(path)
        if path != "shinewave/melee-worldmodel/abc123":
            raise ValueError(f"Could not find run {path}")
        return FakeRun()


def test_results_from_a_wandb_run_path(card, gate, monkeypatch):
    api = FakeApi()
    monkeypatch.setattr(measured, "wandb_api", lambda: api)
    result = gate("results", CARD, "--from", "wandb:shinewave/melee-worldmodel/abc123")
    assert result.code == 0, result
    (entry,) = data_of(card)["results"]
    assert api.asked == ["shinewave/melee-worldmodel/abc123"]
    # no epoch times logged: the runtime less the data load, over the batches run
    assert entry["training_s"] == 90_000.0 - 164.0
    assert entry["batch_seconds"] == pytest.approx((90_000 - 164) / 545_151, abs=1e-4)
    assert entry["exit_reason"] == "finished"
    missing = gate("results", CARD, "--from", "shinewave/melee-worldmodel/nope")
    assert missing.code == 2
    assert "wandb:shinewave/melee-worldmodel/nope: could not read the run" in missing.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"all_epochs": [{"epoch": 1, "time": -3}]}', "all_epochs[0]: the epoch's time"),
        ('{"results": {"epoch": 2}}', "no timing to record"),
    ],
)
def test_an_unusable_manifest_is_named(card, gate, content, message):
    card.write("m.json", content)
    before = card.read(CARD)
    result = gate("results", CARD, "--from", "m.json")
    assert result.code == 2
    assert result.err.startswith("gate: error: m.json: ") and message in result.err
    assert card.read(CARD) == before  # nothing written


def test_a_source_that_is_nothing_is_named(card, gate):
    result = gate("results", CARD, "--from", "./no/such/manifest.json")
    assert result.code == 2
    assert "--from ./no/such/manifest.json: no such file or folder" in result.err
