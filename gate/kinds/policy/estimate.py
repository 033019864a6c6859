"""The seed's derived values and flags: data scale, timing, parameter count. Pure arithmetic.

Everything here is the seed's "Calculate Derived Values" and "Flag if" sections
(recorded in docs/estimates.md), with its constants. No I/O: callers pass numbers in
and get numbers (or `Flag`s) out; bad input is a `GateError` that says what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from gate.errors import GateError
from gate.kinds.base import Flag

# The hardware table lives in gate.kinds.policy.hardware; its names stay importable from here.
from gate.kinds.policy.hardware import (  # noqa: F401
    DEFAULT_HARDWARE,
    BatchSpeed,
    Hardware,
    batch_speed,
    hardware_for,
    hardware_table,
)
from gate.kinds.validate import count

# ~9,400 frames per game on average (the seed: 206M frames / 22K games).
FRAMES_PER_GAME = 9400
# Seconds per game to load data: parse, then encode (the seed's 0.04 s + 0.002 s).
PARSE_S_PER_GAME = 0.04
ENCODE_S_PER_GAME = 0.002

# Seed flag thresholds.
OVERFIT_EPOCHS = 50
LARGE_GAMES = 5000

# Flag codes.
DISTRIBUTION = "distribution"
OVERFIT = "overfit"
CPU_LARGE = "cpu-large"
NO_WANDB = "no-wandb"


def total_frames(games: int) -> int:
    """`games * 9400`."""
    return count("games", games) * FRAMES_PER_GAME


def train_examples(frames: int) -> int:
    """90% of the frames, rounded down: `frames * 9 // 10` (integer, no float error).

    The seed's `total_frames * 0.9`; it ignores the K context frames each game loses.
    """
    return count("total frames", frames, minimum=0) * 9 // 10


def val_examples(frames: int) -> int:
    """The rest of the frames: `frames - train_examples(frames)`."""
    return frames - train_examples(frames)


def batches_per_epoch(train: int, batch_size: int) -> int:
    """`train_examples // batch_size` (a last partial batch is not counted)."""
    return count("train examples", train, minimum=0) // count("batch_size", batch_size)


def epoch_time_s(batches: int, seconds_per_batch: float) -> float:
    """`batches_per_epoch * batch_speed`."""
    return batches * seconds_per_batch


def training_time_s(epoch_s: float, epochs: int) -> float:
    """`epoch_time * epochs`."""
    return epoch_s * count("epochs", epochs)


def data_load_s(games: int) -> float:
    """`games * 0.04 + games * 0.002` (parse, then encode).

    The seed's formula has no device term (it gives ~15 min for 22K games, the MPS
    row's parse+encode speed; the seed's CPU row says ~25 min, which the formula does
    not model).
    """
    games = count("games", games)
    return games * PARSE_S_PER_GAME + games * ENCODE_S_PER_GAME


def wall_time_s(training_s: float, load_s: float) -> float:
    """Total wall time: training plus data load."""
    return training_s + load_s


def recommended_epochs(games: int) -> tuple[int, int]:
    """The seed's recommended epoch range (inclusive) for a number of games.

    - fewer than 1,000 games (<1K): 25-50
    - 1,000 to 5,000 games inclusive (1-5K): 10-15
    - 5,001 to 10,000 games inclusive: 8-10. The seed leaves this band open; it says
      convergence happens by epoch 8-10, and 8-10 sits between the 1-5K band's
      10-15 and the >10K band's 5-8, so neither end of the range rises with more data.
    - more than 10,000 games (>10K): 5-8
    """
    games = count("games", games)
    if games < 1000:
        return (25, 50)
    if games <= 5000:
        return (10, 15)
    if games <= 10000:
        return (8, 10)
    return (5, 8)


# Defaults for the dimensions the seed does not name; the config's `model:` section may
# set each under the same name (see `policy_mlp_parameters`).
FRAME_DIM = 196  # per-frame input: 2 players x (28 floats + 68 embedding dims) + 4 stage
EMBEDDING_PARAMS = 15080  # the learned embedding tables, sum of vocab x dim
ANALOG_DIM = 5  # main_x, main_y, c_x, c_y, shoulder
BUTTON_DIM = 8  # A, B, X, Y, Z, L, R, D_UP
# The `model:` keys the formula reads; the first three are required.
POLICY_MLP_DIMENSIONS = (
    "context_len",
    "hidden_dim",
    "trunk_dim",
    "frame_dim",
    "embedding_params",
    "analog_dim",
    "button_dim",
)


def policy_mlp_parameters(
    *,
    context_len: int,
    hidden_dim: int,
    trunk_dim: int,
    frame_dim: int = FRAME_DIM,
    embedding_params: int = EMBEDDING_PARAMS,
    analog_dim: int = ANALOG_DIM,
    button_dim: int = BUTTON_DIM,
) -> int:
    """Parameter count of PolicyMLP (weights and biases), from the config's `model:` section.

        embedding_params
        + (context_len * frame_dim) * hidden_dim + hidden_dim   # trunk Linear 1
        + hidden_dim * trunk_dim + trunk_dim                    # trunk Linear 2
        + trunk_dim * analog_dim + analog_dim                   # analog head (sticks, shoulder)
        + trunk_dim * button_dim + button_dim                   # button head (logits)

    The input is K frames of encoded game state, flattened. `context_len` (K),
    `hidden_dim` and `trunk_dim` are `model.context_len`, `model.hidden_dim`,
    `model.trunk_dim`; `model.frame_dim`, `model.embedding_params`,
    `model.analog_dim` and `model.button_dim` override the defaults, which follow the
    training code's encoding (state age as an embedding; 15,080 = action 400x32 +
    jumps 8x4 + character 33x8 + stage 33x4 + l_cancel 3x2 + hurtbox 3x2 + ground 32x4
    + last_attack 64x8 + state_age 150x8). K=10, 512, 256 gives 1,153,781. Dropout
    has no parameters. An encoding with more per-frame features sets `frame_dim`.
    """
    dims = {
        "context_len": context_len,
        "hidden_dim": hidden_dim,
        "trunk_dim": trunk_dim,
        "frame_dim": frame_dim,
        "analog_dim": analog_dim,
        "button_dim": button_dim,
    }
    for name, value in dims.items():
        count(f"model.{name}", value)
    count("model.embedding_params", embedding_params, minimum=0)
    trunk_in = context_len * frame_dim
    return (
        embedding_params
        + trunk_in * hidden_dim
        + hidden_dim
        + hidden_dim * trunk_dim
        + trunk_dim
        + trunk_dim * analog_dim
        + analog_dim
        + trunk_dim * button_dim
        + button_dim
    )


def seed_flags(
    *, policy_games: int, world_model_games: int | None, epochs: int, device: str, wandb: bool
) -> list[Flag]:
    """The seed's "Flag if" list, in its order. `world_model_games=None` (no manifest
    read) raises no distribution flag: the manifest rule reports that on its own."""
    flags: list[Flag] = []
    if world_model_games is not None and policy_games < world_model_games:
        flags.append(
            Flag(
                DISTRIBUTION,
                f"the policy trains on {policy_games:,} games but the "
                f"world model on {world_model_games:,}: match or exceed its data",
            )
        )
    if epochs > OVERFIT_EPOCHS and policy_games > LARGE_GAMES:
        flags.append(
            Flag(
                OVERFIT,
                f"{epochs} epochs on {policy_games:,} games will overfit: "
                "convergence happens by epoch 8-10",
            )
        )
    if device == "cpu" and policy_games > LARGE_GAMES:
        flags.append(
            Flag(CPU_LARGE, f"CPU for {policy_games:,} games: use MPS if available (--device mps)")
        )
    if not wandb:
        flags.append(
            Flag(NO_WANDB, "no wandb: training is fast but tracking matters for comparison")
        )
    return flags


def _whole_minutes(seconds: float) -> int:
    """Nearest whole minute, halves up; any positive duration is at least 1 minute."""
    if seconds < 0 or not math.isfinite(seconds):
        raise GateError(f"duration: expected a non-negative number of seconds, got {seconds!r}")
    if seconds == 0:
        return 0
    return max(1, math.floor((seconds + 30) / 60))


def format_minutes(seconds: float) -> str:
    """`~{min} min`, e.g. 165.2 s -> "~3 min", 20 s -> "~1 min"."""
    return f"~{_whole_minutes(seconds)} min"


def format_hours_minutes(seconds: float) -> str:
    """`~{h}h {m}m` of the whole minutes, e.g. 8,970 s (149.5 min) -> "~2h 30m"."""
    hours, minutes = divmod(_whole_minutes(seconds), 60)
    return f"~{hours}h {minutes}m"


class Estimate(NamedTuple):
    games: int
    total_frames: int
    train_examples: int
    val_examples: int
    batch_size: int
    batches_per_epoch: int
    device: str
    hardware_label: str
    seconds_per_batch: float
    basis: str  # "table: bs=512" or "scaled per example from bs=512"
    epochs: int
    epoch_s: float
    training_s: float
    data_load_s: float
    wall_s: float


def estimate_run(
    *,
    games: int,
    batch_size: int,
    epochs: int,
    device: str,
    hardware: Mapping[str, Hardware],
    speedup: float = 1.0,
    calibrated: tuple[float, str] | None = None,
) -> Estimate:
    """Every derived value of the seed for one run, on `hardware` (see `hardware_table`);
    `speedup`: several rented GPUs train data-parallel that many times one GPU's speed;
    `calibrated`: (seconds per batch, basis) finished runs measured, in place of the
    table's."""
    frames = total_frames(games)
    train = train_examples(frames)
    batches = batches_per_epoch(train, batch_size)
    row = hardware_for(device, hardware)
    speed = batch_speed(row, batch_size) if calibrated is None else BatchSpeed(*calibrated)
    epoch_s = epoch_time_s(batches, speed.seconds / speedup)
    training_s = training_time_s(epoch_s, epochs)
    load_s = data_load_s(games)
    return Estimate(
        games=games,
        total_frames=frames,
        train_examples=train,
        val_examples=val_examples(frames),
        batch_size=batch_size,
        batches_per_epoch=batches,
        device=device,
        hardware_label=row.label,
        seconds_per_batch=speed.seconds,
        basis=speed.basis,
        epochs=epochs,
        epoch_s=epoch_s,
        training_s=training_s,
        data_load_s=load_s,
        wall_s=wall_time_s(training_s, load_s),
    )
