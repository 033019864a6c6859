"""A finished run's `results`: the entry `gate results` records from a `Measured` run
(the scorecard that compares it with the card is `gate.kinds.scorecard`). Pure; shared
by every kind (both kinds' cards carry `timing`, `model` and a GPU in `infrastructure`
or `cloud`).

`results` is a list (outside the approval digest); the last entry is the run's result,
earlier ones (a run resumed and recorded again) stay as its history. A card with results
is finished.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate.errors import GateError
from gate.kinds.values import section

if TYPE_CHECKING:
    from gate.sources.measured import Measured


def entries(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = data.get("results")
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def latest(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The run's result: the last entry recorded (None: the card is not finished)."""
    found = entries(data)
    return found[-1] if found else None


def finished(data: Mapping[str, Any]) -> bool:
    return bool(data.get("results"))


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def hardware(data: Mapping[str, Any]) -> tuple[str | None, int, float, float | None]:
    """(GPU or device, GPU count, data-parallel speed-up, $ per GPU hour) of a card."""
    infra, cloud, timing = (section(data, k) for k in ("infrastructure", "cloud", "timing"))
    place = infra or cloud
    gpu = place.get("gpu") or section(data, "training").get("device")
    count = place.get("gpu_count")
    count = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
    speedup = _num(timing.get("parallel_speedup")) or _num(cloud.get("parallel_speedup")) or 1.0
    price = _num(timing.get("usd_per_hour"))
    if price is None:
        price = _num(cloud.get("usd_per_hour"))
    return (str(gpu) if gpu else None), count, speedup, price


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def entry(
    data: Mapping[str, Any],
    measured: Measured,
    *,
    date: str,
    digest: str,
    covered: Mapping[str, str],
) -> dict[str, Any]:
    """The `results` entry for a card's run: measured seconds per batch, epoch time,
    data-load time, total wall time, cost at the card's GPU price, exit reason and the
    final metrics; `covered`: each covered entry's content hash as the run ran with it
    (what the finished card goes on covering). `GateError` when the source holds no
    timing gate can use."""
    timing, model = section(data, "timing"), section(data, "model")
    gpu, count, speedup, price = hardware(data)
    per_epoch = measured.batches_per_epoch or _whole(timing.get("batches_per_epoch"))
    epochs = measured.epochs or (len(measured.epoch_times) or None)
    load = measured.data_load_s
    training: float | None = None
    if measured.epoch_times:
        training = sum(measured.epoch_times)
        epochs = len(measured.epoch_times)
    elif measured.epoch_s is not None and epochs:
        training = measured.epoch_s * epochs
    elif measured.wall_s is not None and load is not None and measured.wall_s > load:
        training = measured.wall_s - load
    batches = measured.batches or (per_epoch * epochs if per_epoch and epochs else None)
    seconds = measured.batch_seconds
    if seconds is None and training is not None and batches:
        seconds = training / batches
    if training is None and seconds is not None and batches:
        training = seconds * batches
    if seconds is None or training is None:
        raise GateError(
            f"{measured.source}: no timing to record: gate needs each epoch's time "
            "(a manifest's all_epochs[].time) or, from wandb, epoch_time_s / batch_seconds "
            "with epoch and global_step in the run's summary"
        )
    wall = training + (load or 0.0)
    if measured.wall_s is not None and measured.wall_s > wall:
        wall = measured.wall_s
    architecture = model.get("architecture")
    parameters = model.get("parameters")
    from gate.card.digest import card_digest

    return {
        "date": date,
        "source": measured.source,
        "run": measured.run,
        "digest": digest,
        "data_digest": card_digest(data, ()),
        "gpu": gpu,
        "gpu_count": count,
        "parallel_speedup": speedup,
        "batch_size": _whole(section(data, "training").get("batch_size")),
        "architecture": architecture if isinstance(architecture, str) else None,
        "parameters": _whole(parameters),
        "size_gb": _num(section(data, "data").get("size_gb")),
        "epochs": epochs,
        "batches_per_epoch": per_epoch,
        "batch_seconds": _round(seconds),
        "epoch_s": _round(training / epochs if epochs else None, 1),
        "training_s": _round(training, 1),
        "data_load_s": _round(load, 1),
        "wall_s": _round(wall, 1),
        "cost_usd": None if price is None else round(wall / 3600 * price * count, 2),
        "exit_reason": measured.exit_reason,
        "metrics": {k: measured.metrics[k] for k in sorted(measured.metrics)},
        "covered": dict(covered),
    }


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
