"""A finished run's `results`: the entry `gate results` records, and the scorecard (each
estimate beside its actual, each target met or missed). Pure: card data and a
`Measured` record in, plain values out; shared by every kind (both kinds' cards carry
`timing`, `targets`, `model` and a GPU in `infrastructure` or `cloud`).

`results` is a list (outside the approval digest); the last entry is the run's result,
earlier ones (a run resumed and recorded again) stay as its history. A card with results
is finished.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import GateError
from gate.kinds.values import section

if TYPE_CHECKING:
    from gate.sources.measured import Measured

# card metric -> the keys a run's source logs it under (first found wins); any other
# metric is looked up by its own name
METRIC_KEYS: dict[str, tuple[str, ...]] = {
    "val_change_acc": ("val_metric/action_change_acc", "metric/action_change_acc"),
    "val_pos_mae": ("val_metric/position_mae", "metric/position_mae"),
    "val_stick_mae": ("val_metric/stick_mae", "metric/stick_mae"),
    "val_button_pressed_acc": ("val_metric/button_pressed_acc", "metric/button_pressed_acc"),
    "val_loss/total": ("val_loss/total", "loss/total"),
}
_TARGET = re.compile(r"^\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(%?)")


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


class Comparison(NamedTuple):
    what: str  # "Seconds per batch"
    unit: str  # "s", "$"
    estimate: float | None
    actual: float | None

    @property
    def ratio(self) -> float | None:
        if self.estimate is None or self.actual is None or self.estimate <= 0:
            return None
        return self.actual / self.estimate


def comparisons(data: Mapping[str, Any]) -> list[Comparison]:
    """Each estimate of the card beside what its run measured (the last result)."""
    result = latest(data)
    if result is None:
        return []
    timing, cloud = section(data, "timing"), section(data, "cloud")
    _, _, speedup, _ = hardware(data)
    per_batch = _num(timing.get("batch_seconds"))
    cost = _num(timing.get("cost_usd"))
    if cost is None:
        cost = _num(cloud.get("cost_usd"))
    return [
        Comparison(
            "Seconds per batch",
            "s",
            None if per_batch is None else per_batch / speedup,
            _num(result.get("batch_seconds")),
        ),
        Comparison("Epoch time", "s", _num(timing.get("epoch_s")), _num(result.get("epoch_s"))),
        Comparison(
            "Data load", "s", _num(timing.get("data_load_s")), _num(result.get("data_load_s"))
        ),
        Comparison(
            "Training time", "s", _num(timing.get("training_s")), _num(result.get("training_s"))
        ),
        Comparison("Wall time", "s", _num(timing.get("wall_s")), _num(result.get("wall_s"))),
        Comparison("Cost", "$", cost, _num(result.get("cost_usd"))),
    ]


class Outcome(NamedTuple):
    metric: str
    target: str
    actual: float | None  # None: the run did not log it
    met: bool | None  # None: no actual, or a target gate cannot read ("set in review")


def actual_metric(metric: str, metrics: Mapping[str, Any]) -> float | None:
    for key in (metric, *METRIC_KEYS.get(metric, ())):
        value = _num(metrics.get(key))
        if value is not None:
            return value
    return None


def target_met(target: str, value: float) -> bool | None:
    """`<0.05`, `>75.0%` (a percentage of a fraction), `<=`, `>=`; None: not a bound."""
    match = _TARGET.match(target)
    if match is None:
        return None
    op, number, percent = match.groups()
    bound = float(number) / (100 if percent else 1)
    return {
        "<": value < bound,
        ">": value > bound,
        "<=": value <= bound,
        ">=": value >= bound,
    }[op]


def outcomes(data: Mapping[str, Any]) -> list[Outcome]:
    """Each target of the card, met or missed by the run's final metrics."""
    result = latest(data)
    if result is None:
        return []
    metrics = result.get("metrics")
    metrics = metrics if isinstance(metrics, Mapping) else {}
    rows = data.get("targets")
    found: list[Outcome] = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping):
            continue
        metric, target = str(row.get("metric", "?")), str(row.get("target", ""))
        value = actual_metric(metric, metrics)
        found.append(
            Outcome(metric, target, value, None if value is None else target_met(target, value))
        )
    return found


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "?"
    if unit == "$":
        return f"${value:,.2f}"
    if value < 10:
        return f"{value:.3g} s"
    from gate.kinds.cloud import duration

    return f"{duration(value)} ({value:,.0f} s)"


def _metric(value: float | None) -> str:
    return "not logged" if value is None else f"{value:.4g}"


def scorecard(data: Mapping[str, Any]) -> list[str]:
    """The Scorecard section of a finished card (nothing for an unfinished one)."""
    result = latest(data)
    if result is None:
        return []
    history = entries(data)
    lines = [
        "## Scorecard",
        "",
        f"Results recorded {result.get('date')} from `{result.get('source')}`"
        + (f" (exit: {result['exit_reason']})" if result.get("exit_reason") else "")
        + ".",
        "",
        "| Estimate | Card | Actual | Actual / card |",
        "|----------|------|--------|---------------|",
    ]
    for row in comparisons(data):
        ratio = row.ratio
        shown = "?" if ratio is None else f"{ratio:.2f}x"
        lines.append(
            f"| {row.what} | {_shown(row.estimate, row.unit)} | "
            f"{_shown(row.actual, row.unit)} | {shown} |"
        )
    targets = outcomes(data)
    if targets:
        lines += ["", "| Target | Wanted | Actual | Met |", "|--------|--------|--------|-----|"]
        for t in targets:
            met = {True: "met", False: "MISSED", None: "?"}[t.met]
            lines.append(f"| {t.metric} | {t.target} | {_metric(t.actual)} | {met} |")
    if len(history) > 1:
        earlier = ", ".join(str(e.get("date")) for e in history[:-1])
        lines += ["", f"Earlier results ({len(history) - 1}, kept as history): {earlier}."]
    return lines
