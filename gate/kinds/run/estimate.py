"""A world-model GPU run's derived values and flags: time, cost, timeout, logging. Pure.

The team's run-card checklist (the world-model sibling of the seed's policy card):

    batches_per_epoch  = train_examples // batch_size
    epoch_time         = batches_per_epoch x batch_speed
    total              = epoch_time x epochs
    cost               = total hours x GPU $/hour (x GPUs)
    time_between_logs  = log_interval x batch_speed
    data_load          = 3 min per GB of encoded data
    recommended timeout = (total + data load) x 3, at least 4 hours

No I/O: numbers in, numbers (or `Flag`s) out; bad input is a `GateError`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

from gate.errors import GateError
from gate.kinds.base import Flag
from gate.kinds.run.gpus import FIXED, Gpu
from gate.kinds.validate import count

FRAMES_PER_GAME = 9400  # unknown encoded files: ~9,400 frames per game
DATA_LOAD_S_PER_GB = 180  # 3 min per GB of encoded data
# An encoded file of unknown size: the 22K file's density, 74.4 GB for 206,754,081 frames.
KNOWN_GB, KNOWN_FRAMES = 74.4, 206_754_081
TIMEOUT_SAFETY = 3
MIN_TIMEOUT_S = 4 * 3600
TIGHT_TIMEOUT = 2  # a timeout under 2x the estimate is too tight
LOG_GAP_LIMIT_S = 300  # over 5 min between log lines
LOG_GAP_TARGET_S = 60  # recommend a log_interval that gives about a minute
COST_LIMIT_USD = 50.0
LARGE_EPOCH_BATCHES = 100_000

# Flag codes.
LOG_GAP = "log-interval"
TIMEOUT_TIGHT = "timeout-tight"
TIMEOUT_MINIMUM = "timeout-minimum"
COST = "cost"
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


def cost_usd(training_s: float, usd_per_hour: float, gpus: int = 1) -> float:
    """`total hours x $/hour`, for each GPU the run holds."""
    return training_s / 3600 * usd_per_hour * count("GPU count", gpus)


def data_load_s(size_gb: float) -> float:
    """3 minutes per GB of encoded data."""
    if not math.isfinite(size_gb) or size_gb < 0:
        raise GateError(f"encoded size: expected GB >= 0, got {size_gb!r}")
    return size_gb * DATA_LOAD_S_PER_GB


def recommended_timeout_s(training_s: float, load_s: float) -> int:
    """`(total + data load) x 3`, at least 4 hours, in whole seconds (rounded up)."""
    return max(MIN_TIMEOUT_S, math.ceil(round((training_s + load_s) * TIMEOUT_SAFETY, 6)))


def time_between_logs_s(log_interval: int, seconds_per_batch: float) -> float:
    return count("log_interval", log_interval) * seconds_per_batch


def logs_per_epoch(batches: int, log_interval: int) -> int:
    return batches // count("log_interval", log_interval)


def recommended_log_interval(seconds_per_batch: float) -> int:
    """The log_interval that puts about a minute between log lines (0.06 s -> 1,000)."""
    return max(1, round(LOG_GAP_TARGET_S / seconds_per_batch))


class RunEstimate(NamedTuple):
    train_examples: int
    val_examples: int
    batches_per_epoch: int
    batch_seconds: float
    basis: str
    epoch_s: float
    training_s: float
    data_load_s: float
    wall_s: float
    cost_usd: float
    recommended_timeout_s: int
    time_between_logs_s: float | None  # None: no log_interval
    logs_per_epoch: int | None


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
) -> RunEstimate:
    """Every derived value of one run."""
    train = train_examples(frames, train_split)
    batches = batches_per_epoch(train, batch_size)
    epoch_s = epoch_time_s(batches, speed.seconds)
    training_s = training_time_s(epoch_s, epochs)
    load_s = data_load_s(size_gb)
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
        recommended_timeout_s=recommended_timeout_s(training_s, load_s),
        time_between_logs_s=(
            time_between_logs_s(log_interval, speed.seconds) if log_interval else None
        ),
        logs_per_epoch=logs_per_epoch(batches, log_interval) if log_interval else None,
    )


def flags(est: RunEstimate, *, timeout_s: int, log_interval: int | None) -> list[Flag]:
    """The checklist's "Flag if" list for one run (the config-diff flag is the
    generator's: it needs the prior run)."""
    found: list[Flag] = []
    advice = recommended_log_interval(est.batch_seconds)
    if log_interval is None:
        found.append(
            Flag(
                LOG_GAP,
                "no log_interval: the trainer's default may log rarely; "
                f"set log_interval: {advice:,} (~1 min between logs)",
            )
        )
    elif est.time_between_logs_s is not None and est.time_between_logs_s > LOG_GAP_LIMIT_S:
        found.append(
            Flag(
                LOG_GAP,
                f"{duration(est.time_between_logs_s)} between logs "
                f"(log_interval {log_interval:,}), over 5 min: set "
                f"log_interval: {advice:,} (~1 min)",
            )
        )
    if timeout_s < TIGHT_TIMEOUT * est.wall_s:
        found.append(
            Flag(
                TIMEOUT_TIGHT,
                f"timeout {timeout_s:,} s ({duration(timeout_s)}) is "
                f"under 2x the estimated {duration(est.wall_s)} "
                f"(training + data load): recommended at least "
                f"{est.recommended_timeout_s:,} s",
            )
        )
    elif timeout_s < est.recommended_timeout_s:
        found.append(
            Flag(
                TIMEOUT_MINIMUM,
                f"timeout {timeout_s:,} s is below the recommended "
                f"minimum {est.recommended_timeout_s:,} s "
                "((training + data load) x 3, at least 4 h)",
            )
        )
    if est.cost_usd > COST_LIMIT_USD:
        found.append(
            Flag(COST, f"estimated cost {usd(est.cost_usd)} is over $50: confirm it is intentional")
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


def duration(seconds: float) -> str:
    """`{h}h {m}m` to the nearest whole minute, e.g. 3,600 s -> "1h 0m"."""
    if not math.isfinite(seconds) or seconds < 0:
        raise GateError(f"duration: expected seconds >= 0, got {seconds!r}")
    hours, minutes = divmod(math.floor(seconds / 60 + 0.5), 60)
    return f"{hours}h {minutes}m"


def usd(amount: float) -> str:
    """`$25.26`; whole amounts of a threshold read `$5`."""
    return f"${amount:,.2f}"


def threshold(amount: float, unit: str) -> str:
    """A threshold as people write it: `$5`, `$7.50`, `2h`, `1.5h`."""
    text = f"{amount:g}" if unit == "h" or amount == int(amount) else f"{amount:.2f}"
    return f"${text}" if unit == "$" else f"{text}{unit}"
