"""gate.kinds.policy.estimate: the seed's derived values, hand-computed, and its flags."""

from __future__ import annotations

import math
import tomllib

import pytest

from gate.errors import GateError
from gate.kinds.policy import estimate
from gate.kinds.policy.estimate import (
    DEFAULT_HARDWARE,
    BatchSpeed,
    Flag,
    Hardware,
    batch_speed,
    batches_per_epoch,
    data_load_s,
    epoch_time_s,
    estimate_run,
    format_hours_minutes,
    format_minutes,
    hardware_for,
    hardware_table,
    policy_mlp_parameters,
    recommended_epochs,
    seed_flags,
    total_frames,
    train_examples,
    training_time_s,
    val_examples,
    wall_time_s,
)

# (games, device, batch_size, epochs,
#  frames, train, val, batches, s/batch, basis, epoch s, training s, load s, wall s)
# fmt: off
SCALES = [
    # <1K on MPS, bs 512: 500 * 9400 = 4,700,000; * 9 // 10 = 4,230,000;
    # 4,230,000 // 512 = 8,261 (512 * 8,261 = 4,229,632); 8,261 * 0.02 = 165.22 s;
    # * 30 epochs = 4,956.6 s; load 500 * 0.04 + 500 * 0.002 = 20 + 1 = 21 s
    (500, "mps", 512, 30,
     4_700_000, 4_230_000, 470_000, 8_261, 0.02, "table: bs=512",
     165.22, 4_956.6, 21.0, 4_977.6),
    # 1-5K on CPU, bs 1024: 2,000 * 9,400 = 18,800,000; 16,920,000 train;
    # // 1024 = 16,523 (1024 * 16,523 = 16,919,552); * 0.15 = 2,478.45 s; * 12 = 29,741.4 s;
    # load 80 + 4 = 84 s
    (2000, "cpu", 1024, 12,
     18_800_000, 16_920_000, 1_880_000, 16_523, 0.15, "table: bs=1024",
     2_478.45, 29_741.4, 84.0, 29_825.4),
    # >10K on MPS, bs 1024: 22,000 * 9,400 = 206,800,000; 186,120,000 train;
    # // 1024 = 181,757 (1024 * 181,757 = 186,119,168); * 0.04 = 7,270.28 s; * 6 = 43,621.68 s;
    # load 880 + 44 = 924 s (the seed's "22K games in ~15 min")
    (22000, "mps", 1024, 6,
     206_800_000, 186_120_000, 20_680_000, 181_757, 0.04, "table: bs=1024",
     7_270.28, 43_621.68, 924.0, 44_545.68),
    # >10K on CPU, bs 512: 12,000 * 9,400 = 112,800,000; 101,520,000 train;
    # // 512 = 198,281 (512 * 198,281 = 101,519,872); * 0.08 = 15,862.48 s; * 5 = 79,312.4 s;
    # load 480 + 24 = 504 s
    (12000, "cpu", 512, 5,
     112_800_000, 101_520_000, 11_280_000, 198_281, 0.08, "table: bs=512",
     15_862.48, 79_312.4, 504.0, 79_816.4),
    # scaled batch size, 1-5K on MPS, bs 256: 0.02 * 256 / 512 = 0.01 s/batch;
    # 1,000 * 9,400 = 9,400,000; 8,460,000 train; // 256 = 33,046 (256 * 33,046 = 8,459,776);
    # * 0.01 = 330.46 s; * 10 = 3,304.6 s; load 40 + 2 = 42 s
    (1000, "mps", 256, 10,
     9_400_000, 8_460_000, 940_000, 33_046, 0.01, "scaled per example from bs=512",
     330.46, 3_304.6, 42.0, 3_346.6),
]
# fmt: on


@pytest.mark.parametrize(
    (
        "games",
        "device",
        "batch_size",
        "epochs",
        "frames",
        "train",
        "val",
        "batches",
        "per_batch",
        "basis",
        "epoch_s",
        "training_s",
        "load_s",
        "wall_s",
    ),
    SCALES,
)
def test_derived_values_by_hand(
    games,
    device,
    batch_size,
    epochs,
    frames,
    train,
    val,
    batches,
    per_batch,
    basis,
    epoch_s,
    training_s,
    load_s,
    wall_s,
):
    assert total_frames(games) == frames
    assert train_examples(frames) == train
    assert val_examples(frames) == val
    assert batches_per_epoch(train, batch_size) == batches
    speed = batch_speed(DEFAULT_HARDWARE[device], batch_size)
    assert speed.seconds == pytest.approx(per_batch)
    assert speed.basis == basis
    assert epoch_time_s(batches, speed.seconds) == pytest.approx(epoch_s)
    assert training_time_s(epoch_s, epochs) == pytest.approx(training_s)
    assert data_load_s(games) == pytest.approx(load_s)
    assert wall_time_s(training_s, load_s) == pytest.approx(wall_s)

    run = estimate_run(
        games=games,
        batch_size=batch_size,
        epochs=epochs,
        device=device,
        hardware=DEFAULT_HARDWARE,
    )
    assert (run.total_frames, run.train_examples, run.val_examples, run.batches_per_epoch) == (
        frames,
        train,
        val,
        batches,
    )
    assert run.basis == basis
    assert run.hardware_label == DEFAULT_HARDWARE[device].label
    assert (run.epoch_s, run.training_s, run.data_load_s, run.wall_s) == pytest.approx(
        (epoch_s, training_s, load_s, wall_s)
    )


def test_train_split_rounds_down_in_integers():
    # 11 frames: 11 * 9 // 10 = 9 train (9.9 rounded down), 2 val.
    assert (train_examples(11), val_examples(11)) == (9, 2)
    # Large counts stay exact where float 0.9 would not: 10**17 + 1 frames.
    assert train_examples(10**17 + 1) == 90_000_000_000_000_000


@pytest.mark.parametrize(
    ("device", "batch_size", "seconds", "basis"),
    [
        ("mps", 512, 0.02, "table: bs=512"),
        ("mps", 1024, 0.04, "table: bs=1024"),
        ("cpu", 512, 0.08, "table: bs=512"),
        ("cpu", 1024, 0.15, "table: bs=1024"),
        ("mps", 256, 0.01, "scaled per example from bs=512"),  # 0.02 * 256 / 512
        ("mps", 700, 0.02734375, "scaled per example from bs=512"),  # 0.02 * 700 / 512
        ("mps", 900, 0.03515625, "scaled per example from bs=1024"),  # 0.04 * 900 / 1024
        ("cpu", 2048, 0.30, "scaled per example from bs=1024"),  # 0.15 * 2048 / 1024
        # 768 is as near 512 as 1024: the smaller, dearer per example (0.08/512 > 0.15/1024)
        ("cpu", 768, 0.12, "scaled per example from bs=512"),  # 0.08 * 768 / 512
    ],
)
def test_batch_speed(device, batch_size, seconds, basis):
    speed = batch_speed(DEFAULT_HARDWARE[device], batch_size)
    assert speed == BatchSpeed(pytest.approx(seconds), basis)


@pytest.mark.parametrize(
    ("games", "expected"),
    [
        (1, (25, 50)),
        (999, (25, 50)),
        (1000, (10, 15)),
        (5000, (10, 15)),
        (5001, (8, 10)),
        (10000, (8, 10)),
        (10001, (5, 8)),
        (22000, (5, 8)),
    ],
)
def test_recommended_epochs_boundaries(games, expected):
    assert recommended_epochs(games) == expected


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: total_frames(0), "games: expected a whole number >= 1, got 0"),
        (lambda: total_frames(True), "games: expected a whole number"),
        (lambda: recommended_epochs(-3), "games: expected a whole number >= 1"),
        (lambda: data_load_s(0), "games: expected a whole number >= 1"),
        (lambda: train_examples(-1), "total frames: expected a whole number >= 0"),
        (lambda: batches_per_epoch(100, 0), "batch_size: expected a whole number >= 1"),
        (lambda: batch_speed(DEFAULT_HARDWARE["mps"], 0), "batch_size: expected"),
        (lambda: training_time_s(10.0, 0), "epochs: expected a whole number >= 1"),
    ],
)
def test_bad_counts(call, fragment):
    with pytest.raises(GateError, match=fragment):
        call()


@pytest.mark.parametrize(
    ("dims", "expected"),
    [
        # The defaults: 15,080 embeddings + (10 * 196) * 512 + 512 = 1,004,032
        # + 512 * 256 + 256 = 131,328 + 256 * 5 + 5 = 1,285 + 256 * 8 + 8 = 2,056
        ({"context_len": 10, "hidden_dim": 512, "trunk_dim": 256}, 1_153_781),
        # A wider frame (284): (10 * 284) * 512 + 512 = 1,454,592; + 15,080 + 131,328 + 3,341
        ({"context_len": 10, "hidden_dim": 512, "trunk_dim": 256, "frame_dim": 284}, 1_604_341),
        # Every term by hand: (2 * 5) * 3 + 3 = 33; 3 * 4 + 4 = 16; 4 * 1 + 1 = 5; 4 * 2 + 2 = 10
        (
            {
                "context_len": 2,
                "hidden_dim": 3,
                "trunk_dim": 4,
                "frame_dim": 5,
                "embedding_params": 0,
                "analog_dim": 1,
                "button_dim": 2,
            },
            64,
        ),
        (
            {
                "context_len": 2,
                "hidden_dim": 3,
                "trunk_dim": 4,
                "frame_dim": 5,
                "embedding_params": 100,
                "analog_dim": 1,
                "button_dim": 2,
            },
            164,
        ),
    ],
)
def test_policy_mlp_parameters(dims, expected):
    assert policy_mlp_parameters(**dims) == expected


def test_policy_mlp_dimensions_are_the_keyword_names():
    import inspect

    names = tuple(inspect.signature(policy_mlp_parameters).parameters)
    assert names == estimate.POLICY_MLP_DIMENSIONS


@pytest.mark.parametrize(
    ("dims", "fragment"),
    [
        ({"context_len": 0, "hidden_dim": 512, "trunk_dim": 256}, "model.context_len"),
        ({"context_len": 10, "hidden_dim": 512.0, "trunk_dim": 256}, "model.hidden_dim"),
        ({"context_len": 10, "hidden_dim": 512, "trunk_dim": -1}, "model.trunk_dim"),
        (
            {"context_len": 10, "hidden_dim": 512, "trunk_dim": 256, "embedding_params": -1},
            "model.embedding_params: expected a whole number >= 0",
        ),
    ],
)
def test_policy_mlp_parameters_bad_dims(dims, fragment):
    with pytest.raises(GateError, match=fragment):
        policy_mlp_parameters(**dims)


BASE = {
    "policy_games": 2000,
    "world_model_games": 2000,
    "epochs": 10,
    "device": "mps",
    "wandb": True,
}


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({}, []),
        # distribution: policy games < world-model games
        ({"policy_games": 1999}, ["distribution"]),
        ({"policy_games": 2001}, []),
        ({"policy_games": 50, "world_model_games": None}, []),
        # overfit: > 50 epochs on > 5K games
        ({"policy_games": 5001, "world_model_games": 5001, "epochs": 51}, ["overfit"]),
        ({"policy_games": 5001, "world_model_games": 5001, "epochs": 50}, []),
        ({"policy_games": 5000, "world_model_games": 5000, "epochs": 51}, []),
        # cpu-large: CPU for > 5K games
        ({"policy_games": 5001, "world_model_games": 5001, "device": "cpu"}, ["cpu-large"]),
        ({"policy_games": 5000, "world_model_games": 5000, "device": "cpu"}, []),
        ({"policy_games": 22000, "world_model_games": 22000, "device": "mps"}, []),
        # no-wandb
        ({"wandb": False}, ["no-wandb"]),
        # all four, in the seed's order
        (
            {
                "policy_games": 6000,
                "world_model_games": 22000,
                "epochs": 60,
                "device": "cpu",
                "wandb": False,
            },
            ["distribution", "overfit", "cpu-large", "no-wandb"],
        ),
    ],
)
def test_seed_flags(changes, codes):
    flags = seed_flags(**{**BASE, **changes})
    assert [flag.code for flag in flags] == codes
    assert all(isinstance(flag, Flag) and flag.message for flag in flags)


def test_seed_flag_messages_carry_the_numbers():
    flags = {
        flag.code: flag.message
        for flag in seed_flags(
            policy_games=6000, world_model_games=22000, epochs=60, device="cpu", wandb=False
        )
    }
    assert "6,000" in flags["distribution"]
    assert "22,000" in flags["distribution"]
    assert "60 epochs" in flags["overfit"]
    assert "MPS" in flags["cpu-large"]
    assert "wandb" in flags["no-wandb"]


@pytest.mark.parametrize(
    ("seconds", "minutes", "hours_minutes"),
    [
        (0, "~0 min", "~0h 0m"),
        (1, "~1 min", "~0h 1m"),  # any positive duration shows at least a minute
        (89.9, "~1 min", "~0h 1m"),
        (90, "~2 min", "~0h 2m"),  # halves round up
        (150, "~3 min", "~0h 3m"),  # 2.5 min: up, not to even
        (165.22, "~3 min", "~0h 3m"),
        (924, "~15 min", "~0h 15m"),
        (3569, "~59 min", "~0h 59m"),  # 59.48 min
        (3570, "~60 min", "~1h 0m"),  # 59.5 min
        (4977.6, "~83 min", "~1h 23m"),
        (44_545.68, "~742 min", "~12h 22m"),  # 742.43 min
    ],
)
def test_duration_formatting(seconds, minutes, hours_minutes):
    assert format_minutes(seconds) == minutes
    assert format_hours_minutes(seconds) == hours_minutes


@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf])
def test_duration_formatting_refuses_nonsense(seconds):
    with pytest.raises(GateError, match="duration"):
        format_minutes(seconds)


def test_default_table_is_the_seeds():
    assert hardware_table({}) == {
        "mps": Hardware("mps", "MPS M3 Pro", {512: 0.02, 1024: 0.04}),
        "cpu": Hardware("cpu", "CPU", {512: 0.08, 1024: 0.15}),
    }


def test_cuda_needs_a_configured_row():
    with pytest.raises(GateError, match=r"add \[tool\.gate\.hardware\.cuda\]"):
        hardware_for("cuda", hardware_table({}))
    with pytest.raises(GateError, match=r"add \[tool\.gate\.hardware\.cuda\]"):
        estimate_run(games=100, batch_size=512, epochs=5, device="cuda", hardware=DEFAULT_HARDWARE)


def test_override_from_pyproject_toml():
    document = tomllib.loads(
        """
[tool.gate.hardware.mps]
label = "MPS M3 Max"
batch_seconds = { "512" = 0.015, "1024" = 0.03 }

[tool.gate.hardware.cuda]
label = "T4"
batch_seconds = { 4096 = 0.05 }
"""
    )
    table = hardware_table(document["tool"]["gate"]["hardware"])
    assert table["mps"] == Hardware("mps", "MPS M3 Max", {512: 0.015, 1024: 0.03})
    assert table["cuda"] == Hardware("cuda", "T4", {4096: 0.05})
    assert table["cpu"] == DEFAULT_HARDWARE["cpu"]
    # bs 2048 on cuda: 0.05 * 2048 / 4096 = 0.025
    assert batch_speed(table["cuda"], 2048) == BatchSpeed(
        pytest.approx(0.025), "scaled per example from bs=4096"
    )
    # the defaults are untouched
    assert DEFAULT_HARDWARE["mps"].label == "MPS M3 Pro"
    assert DEFAULT_HARDWARE["mps"].batch_seconds == {512: 0.02, 1024: 0.04}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # label alone keeps the measured speeds
        ({"mps": {"label": "MPS M3 Max"}}, Hardware("mps", "MPS M3 Max", {512: 0.02, 1024: 0.04})),
        # batch_seconds replaces the row's table as a whole, and keeps the label
        ({"mps": {"batch_seconds": {"512": 0.015}}}, Hardware("mps", "MPS M3 Pro", {512: 0.015})),
        # a whole number of seconds is a number
        ({"cpu": {"batch_seconds": {"512": 1}}}, Hardware("cpu", "CPU", {512: 1.0})),
        # a new device without a label is labelled by its name
        ({"xpu": {"batch_seconds": {"256": 0.03}}}, Hardware("xpu", "xpu", {256: 0.03})),
    ],
)
def test_override_merging(overrides, expected):
    (device,) = overrides
    table = hardware_table(overrides)
    assert table[device] == expected
    assert set(table) == {"mps", "cpu", device}


def test_replaced_table_scales_from_what_is_left():
    table = hardware_table({"mps": {"batch_seconds": {"512": 0.015}}})
    # bs 1024 is no longer in the row: 0.015 * 1024 / 512 = 0.03
    assert batch_speed(table["mps"], 1024) == BatchSpeed(
        pytest.approx(0.03), "scaled per example from bs=512"
    )


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"mps": {"batch_seconds": {"512": "0.02"}}},
            "[tool.gate.hardware.mps] batch_seconds.512: expected a positive number, got str",
        ),
        (
            {"mps": {"batch_seconds": {"512": 0}}},
            "[tool.gate.hardware.mps] batch_seconds.512: expected a positive number",
        ),
        (
            {"mps": {"batch_seconds": {"512": -0.02}}},
            "[tool.gate.hardware.mps] batch_seconds.512: expected a positive number",
        ),
        (
            {"mps": {"batch_seconds": {"512": True}}},
            "[tool.gate.hardware.mps] batch_seconds.512: expected a positive number, got bool",
        ),
        (
            {"mps": {"batch_seconds": {"512": math.nan}}},
            "[tool.gate.hardware.mps] batch_seconds.512: expected a positive number",
        ),
        (
            {"mps": {"batch_seconds": {"512": math.inf}}},
            "[tool.gate.hardware.mps] batch_seconds.512: expected a positive number",
        ),
        (
            {"mps": {"batch_seconds": {"fast": 0.02}}},
            "[tool.gate.hardware.mps] batch_seconds.fast: expected a batch size",
        ),
        (
            {"mps": {"batch_seconds": {"0": 0.02}}},
            "[tool.gate.hardware.mps] batch_seconds.0: expected a batch size",
        ),
        (
            {"mps": {"batch_seconds": {"-512": 0.02}}},
            "[tool.gate.hardware.mps] batch_seconds.-512: expected a batch size",
        ),
        (
            {"mps": {"batch_seconds": {"0512": 0.03}}},
            "[tool.gate.hardware.mps] batch_seconds.0512: expected a batch size",
        ),
        (
            {"mps": {"batch_seconds": {"512": 0.02, 512: 0.03}}},
            "[tool.gate.hardware.mps] batch_seconds.512: expected a batch size (a positive whole "
            "number, given once)",
        ),
        (
            {"mps": {"batch_seconds": {"5.12e2": 0.02}}},
            "[tool.gate.hardware.mps] batch_seconds.5.12e2: expected a batch size",
        ),
        (
            {"mps": {"batch_seconds": {}}},
            "[tool.gate.hardware.mps] batch_seconds: expected a table of batch size",
        ),
        (
            {"mps": {"batch_seconds": 0.02}},
            "[tool.gate.hardware.mps] batch_seconds: expected a table of batch size",
        ),
        ({"cpu": {"label": ""}}, "[tool.gate.hardware.cpu] label: expected a non-empty string"),
        ({"cpu": {"label": 3}}, "[tool.gate.hardware.cpu] label: expected a non-empty string"),
        ({"cpu": {"speed": 0.08}}, "[tool.gate.hardware.cpu] unknown key 'speed'"),
        ({"cuda": {"label": "A100"}}, "[tool.gate.hardware.cuda] batch_seconds: missing"),
        ({"cuda": 0.05}, "[tool.gate.hardware.cuda]: expected a table"),
        ({"": {"batch_seconds": {"512": 0.02}}}, "[tool.gate.hardware.]: expected a device name"),
    ],
)
def test_bad_overrides_name_the_key(overrides, fragment):
    with pytest.raises(GateError) as caught:
        hardware_table(overrides)
    assert str(caught.value).startswith(fragment)


def test_bad_override_names_the_file():
    with pytest.raises(GateError) as caught:
        hardware_table({"mps": {"batch_seconds": {"512": -1}}}, source="pyproject.toml")
    assert str(caught.value).startswith(
        "pyproject.toml: [tool.gate.hardware.mps] batch_seconds.512: expected a positive number"
    )
