"""The scorecard of a finished card: each estimate beside what its run measured (the
last `results` entry) with the ratio, each target met or missed; as the Markdown section
both kinds render and as the summary `gate status` shows. Pure."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple, TypedDict

from gate.kinds.results import entries, hardware, latest
from gate.kinds.values import section

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


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


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


def _metric(value: float | None, target: str) -> str:
    if value is None:
        return "not logged"
    return f"{value * 100:.1f}%" if "%" in target else f"{value:.4g}"


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
            lines.append(f"| {t.metric} | {t.target} | {_metric(t.actual, t.target)} | {met} |")
    if len(history) > 1:
        earlier = ", ".join(str(e.get("date")) for e in history[:-1])
        lines += ["", f"Earlier results ({len(history) - 1}, kept as history): {earlier}."]
    return lines


class Compared(TypedDict):
    estimate: float | None
    actual: float | None
    ratio: float | None  # actual / estimate


class TargetRow(TypedDict):
    metric: str
    target: str
    actual: float | None
    met: bool | None


class Finished(TypedDict):
    """A finished card in `gate status --format json` (schemas/status.schema.json)."""

    date: str
    source: str
    exit_reason: str | None
    results: int  # entries recorded (the last wins)
    wall_s: Compared
    cost_usd: Compared
    batch_seconds: Compared
    targets: list[TargetRow]


def finished_summary(data: Mapping[str, Any]) -> Finished | None:
    """Estimate vs actual (time, cost, speed) and targets met, for `gate status`."""
    result = latest(data)
    if result is None:
        return None
    rows = {c.what: c for c in comparisons(data)}

    def compared(what: str) -> Compared:
        row = rows[what]
        ratio = row.ratio
        return {
            "estimate": row.estimate,
            "actual": row.actual,
            "ratio": None if ratio is None else round(ratio, 4),
        }

    reason = result.get("exit_reason")
    return {
        "date": str(result.get("date", "")),
        "source": str(result.get("source", "")),
        "exit_reason": reason if isinstance(reason, str) else None,
        "results": len(entries(data)),
        "wall_s": compared("Wall time"),
        "cost_usd": compared("Cost"),
        "batch_seconds": compared("Seconds per batch"),
        "targets": [
            {"metric": o.metric, "target": o.target, "actual": o.actual, "met": o.met}
            for o in outcomes(data)
        ],
    }
