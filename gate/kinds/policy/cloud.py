"""A policy trained on a rented GPU: the card's `cloud` section, built and checked. Pure.

`gate generate --kind policy --gpu H100[:COUNT]` trains on `device: cuda` at the policy's
own measured speed (`[tool.gate.hardware.cuda]`: the GPU table's speeds are the world
model's); the GPU table (`gate.kinds.gpus`) gives the price, the label and the
data-parallel efficiency; `gate.kinds.cloud` gives the cost, the recommended timeout
(capped at `[tool.gate.kinds.policy] max_timeout`) and the logging cadence, the way a run
card has them. `gate check` recomputes them from the card, and raises the same flags.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.kinds import cloud, gpus
from gate.kinds.base import finding_at as _finding
from gate.kinds.policy import estimate
from gate.kinds.values import number, section, whole

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.card.findings import Finding
    from gate.config import Config
    from gate.kinds.base import Flag

MAX_TIMEOUT_KEY = "[tool.gate.kinds.policy] max_timeout"
TOLERANCE = 0.1  # seconds are written to one decimal
CENT = 0.01
# flag code -> where on the card it points
WHERE: Mapping[str, tuple[str, ...]] = {
    cloud.LOG_GAP: ("cloud", "log_interval"),
    cloud.TIMEOUT_OVER_PLATFORM: ("cloud", "recommended_timeout_s"),
    cloud.COST: ("cloud", "cost_usd"),
}


class Rented(NamedTuple):
    """The GPU(s) a policy trains on, and what the repository says about the platform."""

    gpu: gpus.Gpu
    gpu_count: int
    max_timeout_s: int | None  # [tool.gate.kinds.policy] max_timeout
    log_interval: int | None  # the config's training.log_interval

    def speedup(self) -> float:
        return gpus.speedup(self.gpu_count, self.gpu.parallel_efficiency)


def section_for(
    rented: Rented, *, seconds_per_batch: float, batches: int, training_s: float, load_s: float
) -> tuple[dict[str, Any], list[Flag]]:
    """The card's `cloud` section and its flags; `seconds_per_batch` is one GPU's."""
    seconds = seconds_per_batch / rented.speedup()
    interval = rented.log_interval
    gap = cloud.time_between_logs_s(interval, seconds) if interval else None
    required = cloud.required_timeout_s(training_s, load_s)
    recommended = cloud.recommended_timeout_s(training_s, load_s, rented.max_timeout_s)
    cost = cloud.cost_usd(training_s, rented.gpu.usd_per_hour, rented.gpu_count)
    data: dict[str, Any] = {
        "gpu": rented.gpu.name,
        "gpu_count": rented.gpu_count,
        "gpu_label": rented.gpu.label,
        "usd_per_hour": rented.gpu.usd_per_hour,
    }
    if rented.gpu_count > 1:
        data["parallel_efficiency"] = rented.gpu.parallel_efficiency
        data["parallel_speedup"] = round(rented.speedup(), 4)
    data |= {
        "cost_usd": round(cost, 2),
        "max_timeout_s": rented.max_timeout_s,
        "required_timeout_s": required,
        "recommended_timeout_s": recommended,
        "log_interval": interval,
        "time_between_logs_s": None if gap is None else round(gap, 1),
        "logs_per_epoch": cloud.logs_per_epoch(batches, interval) if interval else None,
    }
    budget = cloud.Budget(
        seconds, training_s + load_s, cost, required, recommended, rented.max_timeout_s, gap
    )
    return data, cloud.flags(budget, timeout_s=None, log_interval=interval, key=MAX_TIMEOUT_KEY)


def speedup_of(data: Mapping[str, Any]) -> float | None:
    """The data-parallel speed-up a card's times use: 1 without a `cloud` section or with
    one GPU; None when a multi-GPU card records no usable efficiency."""
    rented = section(data, "cloud")
    count = whole(rented.get("gpu_count")) or 1
    if count == 1:
        return 1.0
    efficiency = number(rented.get("parallel_efficiency"))
    return (
        gpus.speedup(count, efficiency) if efficiency is not None and 0 < efficiency <= 1 else None
    )


def _plain(value: float) -> str:
    """A number in full, with thousands separators: a whole one without `.0`."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def check(card: Card, config: Config) -> list[Finding]:
    """The `cloud` section still follows from the card's inputs and the GPU table, and its
    flags (recomputed, with the platform maximum in force)."""
    rented = section(card.data, "cloud")
    if not rented:
        return []
    timing = section(card.data, "timing")
    found: list[Finding] = []

    def expect(
        key: str,
        want: float | None,
        within: float,
        why: str = "the formula gives",
        places: int | None = None,
    ) -> None:
        """A finding unless the card's `key` is `want` (within `within`); the number is
        named as `gate generate` writes it (rounded to `places`), the card's as written."""
        got = number(rented.get(key))
        if want is None or got is None or abs(got - want) <= within + 1e-9 * abs(want):
            return
        shown = want if places is None else round(want, places)
        found.append(
            _finding(
                card,
                ("cloud", key),
                "estimate",
                f"cloud.{key} is {_plain(got)} but {why} {_plain(shown)} from the card's inputs: "
                "regenerate the card (`gate generate --force`) or fix the number",
            )
        )

    name, count = rented.get("gpu"), whole(rented.get("gpu_count")) or 1
    row = gpus.find(name, gpus.gpu_table(config.gpus)) if isinstance(name, str) else None
    if row is None:
        return [
            _finding(
                card,
                ("cloud", "gpu"),
                "estimate",
                f"cloud.gpu {name!r} is not in the GPU table: add [tool.gate.gpus.{name}] "
                "with usd_per_hour to pyproject.toml",
            )
        ]
    expect("usd_per_hour", row.usd_per_hour, 1e-9, f"the GPU table prices {row.name} at")
    factor = speedup_of(card.data)
    if factor is None:
        found.append(
            _finding(
                card,
                ("cloud", "gpu_count"),
                "estimate",
                f"cloud.parallel_efficiency: a {count}-GPU policy needs the data-parallel "
                "efficiency its speed-up comes from: regenerate the card",
            )
        )
        return found
    if count > 1:
        expect(
            "parallel_efficiency",
            row.parallel_efficiency,
            1e-9,
            f"the GPU table's efficiency of {row.name} is",
        )
        expect("parallel_speedup", round(factor, 4), 1e-4, "1 + (GPUs - 1) x efficiency gives")
    games = whole(section(card.data, "data").get("games"))
    batch = whole(section(card.data, "training").get("batch_size"))
    epochs = whole(section(card.data, "training").get("epochs"))
    seconds, price = number(timing.get("batch_seconds")), number(rented.get("usd_per_hour"))
    if (
        games is None
        or batch is None
        or epochs is None
        or seconds is None
        or seconds <= 0
        or price is None
    ):
        return found
    # from the inputs, unrounded, as `gate generate` computed them
    batches = estimate.batches_per_epoch(
        estimate.train_examples(estimate.total_frames(games)), batch
    )
    training_s = estimate.training_time_s(estimate.epoch_time_s(batches, seconds / factor), epochs)
    load_s = estimate.data_load_s(games)
    if not math.isfinite((training_s + load_s) * cloud.TIMEOUT_SAFETY):
        return found
    limit = whole(rented.get("max_timeout_s"))
    expect("cost_usd", cloud.cost_usd(training_s, price, count), CENT, places=2)
    expect("required_timeout_s", cloud.required_timeout_s(training_s, load_s), 0)
    expect("recommended_timeout_s", cloud.recommended_timeout_s(training_s, load_s, limit), 0)
    interval = whole(rented.get("log_interval"))
    gap = cloud.time_between_logs_s(interval, seconds / factor) if interval else None
    if interval is not None:
        expect("time_between_logs_s", gap, TOLERANCE, places=1)
        expect("logs_per_epoch", cloud.logs_per_epoch(batches, interval), 0)
    configured = config.kind("policy").max_timeout
    if configured is not None and limit is not None and configured != limit:
        found.append(
            _finding(
                card,
                ("cloud", "max_timeout_s"),
                "estimate",
                f"cloud.max_timeout_s is {limit:,} but {MAX_TIMEOUT_KEY} is {configured:,}: "
                "regenerate the card",
            )
        )
    in_force = configured if configured is not None else limit
    budget = cloud.Budget(
        seconds / factor,
        training_s + load_s,
        number(rented.get("cost_usd")) or 0.0,
        whole(rented.get("required_timeout_s")) or cloud.required_timeout_s(training_s, load_s),
        cloud.recommended_timeout_s(training_s, load_s, in_force),
        in_force,
        gap,
    )
    flags = cloud.flags(budget, timeout_s=None, log_interval=interval, key=MAX_TIMEOUT_KEY)
    return found + [
        _finding(card, WHERE.get(f.code, ("cloud",)), f"flag:{f.code}", f.message, "warning")
        for f in flags
    ]
