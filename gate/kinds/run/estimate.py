"""A world-model GPU run's derived values and flags: time, cost, timeout, logging. Pure.

The team's run-card checklist (the world-model sibling of the seed's policy card):

    batches_per_epoch  = train_examples // batch_size
    epoch_time         = batches_per_epoch x batch_speed / data-parallel speed-up
    total              = epoch_time x epochs
    cost               = total hours x GPU $/hour x GPUs
    time_between_logs  = log_interval x batch_speed / speed-up
    data_load          = 3 min per GB of encoded data
    recommended timeout = (total + data load) x 3, at least 4 hours, at most the
                          platform's maximum

Cost, timeout and logging are `gate.kinds.cloud`'s (the policy kind shares them); the GPU
table is `gate.kinds.gpus`. Their names stay importable from here.
No I/O: numbers in, numbers (or `Flag`s) out; bad input is a `GateError`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

from gate.errors import GateError
from gate.kinds import cloud
from gate.kinds.base import Flag
from gate.kinds.cloud import (
    COST,
    COST_LIMIT_USD,
    LOG_GAP,
    LOG_GAP_LIMIT_S,
    LOG_GAP_TARGET_S,
    MIN_TIMEOUT_S,
    TIGHT_TIMEOUT,
    TIMEOUT_MINIMUM,
    TIMEOUT_OVER_PLATFORM,
    TIMEOUT_SAFETY,
    TIMEOUT_TIGHT,
    cost_usd,
    duration,
    logs_per_epoch,
    recommended_log_interval,
    recommended_timeout_s,
    required_timeout_s,
    threshold,
    time_between_logs_s,
    usd,
)
from gate.kinds.gpus import DEFAULT_PARALLEL_EFFICIENCY, FIXED, Gpu, speedup
from gate.kinds.validate import count

FRAMES_PER_GAME = 9400  # unknown encoded files: ~9,400 frames per game
DATA_LOAD_S_PER_GB = 180  # 3 min per GB of encoded data
# An encoded file of unknown size: the 22K file's density, 74.4 GB for 206,754,081 frames.
KNOWN_GB, KNOWN_FRAMES = 74.4, 206_754_081
LARGE_EPOCH_BATCHES = 100_000
# where the platform's maximum timeout is configured, for the flag's message
MAX_TIMEOUT_KEY = "[tool.gate.kinds.run] max_timeout"

# Flag codes (the cost, timeout and logging ones are cloud's).
LARGE_EPOCH = "large-epoch"
CONFIG_DIFF = "config-diff"


def total_frames(games: int) -> int:
    """An encoded file of unknown frame count: `games x 9,400`."""
    return count("games", games) * FRAMES_PER_GAME


def estimated_gb(frames: int) -> float:
    """An encoded file of unknown size, at the 22K file's bytes per frame (0.1 GB steps)."""
    return round(count("frames", frames) * KNOWN_GB / KNOWN_FRAMES, 1)


def _split(train_split: float) -> Fraction:
    if (
        isinstance(train_split, bool)
        or not isinstance(train_split, int | float)
        or not (0 < train_split < 1)
    ):
        raise GateError(f"train_split: expected a fraction between 0 and 1, got {train_split!r}")
    return Fraction(str(train_split))


def train_examples(frames: int, train_split: float) -> int:
    """`frames x train_split`, rounded down, in exact arithmetic (0.9 -> frames x 9 // 10)."""
    split = _split(train_split)
    return count("frames", frames, minimum=0) * split.numerator // split.denominator


def val_examples(frames: int, train_split: float) -> int:
    return frames - train_examples(frames, train_split)


def batches_per_epoch(train: int, batch_size: int) -> int:
    """`train_examples // batch_size` (a last partial batch is not counted)."""
    return count("train examples", train, minimum=0) // count("batch_size", batch_size)


class BatchSpeed(NamedTuple):
    seconds: float
    basis: str  # for the card: "table: bs=1024", "scaled per example from bs=1024", ...


def batch_speed(gpu: Gpu, batch_size: int, measured: float | None = None) -> BatchSpeed:
    """Seconds per batch of `batch_size` on `gpu`, and how it was found.

    `measured` (the author's own timing) wins. A batch size in the table is read as is;
    any other scales per example from the nearest table size (on a tie the smaller,
    the cautious one), unless the row's `scale` is `fixed`.
    """
    count("batch_size", batch_size)
    note = f"; {gpu.note}" if gpu.note else ""
    if measured is not None:
        if not math.isfinite(measured) or measured <= 0:
            raise GateError(f"--batch-seconds: expected a positive number, got {measured!r}")
        return BatchSpeed(measured, "measured (--batch-seconds)")
    if not gpu.batch_seconds:
        raise GateError(
            f"no measured batch speed for {gpu.name}: time a few batches and add "
            f'[tool.gate.gpus.{gpu.name}] batch_seconds = {{ "{batch_size}" = <seconds> }} to '
            "pyproject.toml, or pass --batch-seconds"
        )
    if batch_size in gpu.batch_seconds:
        return BatchSpeed(gpu.batch_seconds[batch_size], f"table: bs={batch_size}{note}")
    nearest = min(gpu.batch_seconds, key=lambda size: (abs(size - batch_size), size))
    if gpu.scale == FIXED:
        return BatchSpeed(gpu.batch_seconds[nearest], f"table: bs={nearest}, fixed{note}")
    seconds = gpu.batch_seconds[nearest] * batch_size / nearest
    return BatchSpeed(seconds, f"scaled per example from bs={nearest}{note}")


def epoch_time_s(batches: int, seconds_per_batch: float) -> float:
    return batches * seconds_per_batch


def training_time_s(epoch_s: float, epochs: int) -> float:
    return epoch_s * count("epochs", epochs)


def data_load_s(size_gb: float, s_per_gb: float = DATA_LOAD_S_PER_GB) -> float:
    """3 minutes per GB of encoded data (or the rate finished runs measured)."""
    if not math.isfinite(size_gb) or size_gb < 0:
        raise GateError(f"encoded size: expected GB >= 0, got {size_gb!r}")
    return size_gb * s_per_gb


class RunEstimate(NamedTuple):
    train_examples: int
    val_examples: int
    batches_per_epoch: int
    batch_seconds: float  # one GPU's
    basis: str
    epoch_s: float
    training_s: float
    data_load_s: float
    wall_s: float
    cost_usd: float
    recommended_timeout_s: int  # capped at the platform's maximum
    time_between_logs_s: float | None  # None: no log_interval
    logs_per_epoch: int | None
    parallel_speedup: float = 1.0  # data-parallel: 1 + (GPUs - 1) x efficiency
    required_timeout_s: int | None = None  # uncapped; None: the recommended one
    max_timeout_s: int | None = None  # the platform's; None: not configured

    def budget(self) -> cloud.Budget:
        """What the cost, timeout and logging flags judge."""
        required = self.required_timeout_s or self.recommended_timeout_s
        return cloud.Budget(
            seconds_per_batch=self.batch_seconds / self.parallel_speedup,
            wall_s=self.wall_s,
            cost_usd=self.cost_usd,
            required_timeout_s=required,
            recommended_timeout_s=self.recommended_timeout_s,
            max_timeout_s=self.max_timeout_s,
            time_between_logs_s=self.time_between_logs_s,
        )


def estimate_run(
    *,
    frames: int,
    train_split: float,
    batch_size: int,
    epochs: int,
    speed: BatchSpeed,
    usd_per_hour: float,
    gpus: int,
    size_gb: float,
    log_interval: int | None,
    parallel_efficiency: float = DEFAULT_PARALLEL_EFFICIENCY,
    max_timeout_s: int | None = None,
    load_s_per_gb: float = DATA_LOAD_S_PER_GB,
    slowest_batch_seconds: float | None = None,
) -> RunEstimate:
    """Every derived value of one run; `gpus` GPUs train data-parallel at
    `speedup(gpus, parallel_efficiency)` times one GPU's speed, and each is paid for.
    A calibrated speed's range: the timeout is recommended at its top,
    `slowest_batch_seconds` (one GPU's)."""
    train = train_examples(frames, train_split)
    batches = batches_per_epoch(train, batch_size)
    factor = speedup(gpus, parallel_efficiency)
    seconds = speed.seconds / factor
    epoch_s = epoch_time_s(batches, seconds)
    training_s = training_time_s(epoch_s, epochs)
    load_s = data_load_s(size_gb, load_s_per_gb)
    slowest_s = training_s
    if slowest_batch_seconds is not None:
        slowest_s = training_time_s(epoch_time_s(batches, slowest_batch_seconds / factor), epochs)
    return RunEstimate(
        train_examples=train,
        val_examples=frames - train,
        batches_per_epoch=batches,
        batch_seconds=speed.seconds,
        basis=speed.basis,
        epoch_s=epoch_s,
        training_s=training_s,
        data_load_s=load_s,
        wall_s=training_s + load_s,
        cost_usd=cost_usd(training_s, usd_per_hour, gpus),
        recommended_timeout_s=recommended_timeout_s(slowest_s, load_s, max_timeout_s),
        time_between_logs_s=time_between_logs_s(log_interval, seconds) if log_interval else None,
        logs_per_epoch=logs_per_epoch(batches, log_interval) if log_interval else None,
        parallel_speedup=factor,
        required_timeout_s=required_timeout_s(slowest_s, load_s),
        max_timeout_s=max_timeout_s,
    )


def resume_hint(run_name: object) -> str:
    """How a run card's run resumes: its Escape Hatches' resume command."""
    return f"`--resume {run_name}/latest.pt` (the resume command under Escape Hatches)"


def flags(
    est: RunEstimate, *, timeout_s: int, log_interval: int | None, run_name: str = "RUN"
) -> list[Flag]:
    """The checklist's "Flag if" list for one run (the config-diff flag is the
    generator's: it needs the prior run)."""
    found = cloud.flags(
        est.budget(),
        timeout_s=timeout_s,
        log_interval=log_interval,
        key=MAX_TIMEOUT_KEY,
        resume=resume_hint(run_name),
    )
    if est.batches_per_epoch > LARGE_EPOCH_BATCHES:
        found.append(
            Flag(
                LARGE_EPOCH,
                f"{est.batches_per_epoch:,} batches per epoch (over "
                "100K): a large epoch, verify logging",
            )
        )
    return found


__all__ = [
    "CONFIG_DIFF",
    "COST",
    "COST_LIMIT_USD",
    "DATA_LOAD_S_PER_GB",
    "FRAMES_PER_GAME",
    "LARGE_EPOCH",
    "LARGE_EPOCH_BATCHES",
    "LOG_GAP",
    "LOG_GAP_LIMIT_S",
    "LOG_GAP_TARGET_S",
    "MAX_TIMEOUT_KEY",
    "MIN_TIMEOUT_S",
    "TIGHT_TIMEOUT",
    "TIMEOUT_MINIMUM",
    "TIMEOUT_OVER_PLATFORM",
    "TIMEOUT_SAFETY",
    "TIMEOUT_TIGHT",
    "BatchSpeed",
    "RunEstimate",
    "batch_speed",
    "batches_per_epoch",
    "cost_usd",
    "data_load_s",
    "duration",
    "epoch_time_s",
    "estimate_run",
    "estimated_gb",
    "flags",
    "logs_per_epoch",
    "recommended_log_interval",
    "recommended_timeout_s",
    "required_timeout_s",
    "resume_hint",
    "threshold",
    "time_between_logs_s",
    "total_frames",
    "train_examples",
    "training_time_s",
    "usd",
    "val_examples",
]
