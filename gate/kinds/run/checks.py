"""A run card's own arithmetic, from its data (its flags are `concerns`). Pure.

The derived numbers must follow from the card's inputs (frames, split, batch size,
batch speed, GPU count and data-parallel efficiency, epochs, size, price, timeout, the
platform's maximum, log_interval), so an approved card keeps describing the run: batch
size 1024 -> 4096 changes them all. The batch speed, the price and the efficiency must be
the GPU table's unless the author measured the speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate.card.findings import Finding
from gate.errors import GateError
from gate.kinds import gpus
from gate.kinds.run import estimate as ge
from gate.kinds.values import number, section, whole

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.config import Config

TOLERANCE = 0.1  # seconds and GB are written to one decimal
CENT = 0.01


class _Expect:
    """Collects a finding for each derived number that does not follow from the inputs."""

    def __init__(self, card: Card) -> None:
        self.card = card
        self.found: list[Finding] = []

    def __call__(
        self,
        part: str,
        key: str,
        want: float | None,
        *,
        within: float = 0.0,
        why: str = "the checklist's formula gives",
    ) -> None:
        got = number(section(self.card.data, part).get(key))
        if want is None or got is None or abs(got - want) <= within + 1e-9 * abs(want):
            return
        shown = f"{want:,}" if within == 0 else f"{want:,.2f}"
        written = f"{int(got):,}" if got == int(got) else f"{got:,}"  # as the card has it
        self.found.append(
            Finding(
                self.card.path,
                self.card.line_of(part, key),
                "estimate",
                f"{part}.{key} is {written} but {why} {shown} from the card's inputs: "
                "regenerate the card (`gate generate --kind run --force`) or fix the number",
                card=self.card.path,
            )
        )


def _table_speed(card: Card, config: Config, expect: _Expect, batch: int) -> None:
    """The batch speed and price are the GPU table's (unless the speed was measured)."""
    infra, timing = section(card.data, "infrastructure"), section(card.data, "timing")
    name = infra.get("gpu")
    row = gpus.find(name, gpus.gpu_table(config.gpus)) if isinstance(name, str) else None
    if row is None:
        expect.found.append(
            Finding(
                card.path,
                card.line_of("infrastructure", "gpu"),
                "estimate",
                f"infrastructure.gpu {name!r} is not in the GPU table: add [tool.gate.gpus.{name}] "
                "with usd_per_hour and batch_seconds to pyproject.toml",
                card=card.path,
            )
        )
        return
    expect(
        "timing",
        "usd_per_hour",
        row.usd_per_hour,
        within=1e-9,
        why=f"the GPU table prices {row.name} at",
    )
    if (whole(infra.get("gpu_count")) or 1) > 1:
        expect(
            "timing",
            "parallel_efficiency",
            row.parallel_efficiency,
            within=1e-9,
            why=f"the GPU table's data-parallel efficiency of {row.name} is",
        )
    if str(timing.get("batch_basis", "")).startswith(("measured", "calibrated")):
        return
    try:
        speed = ge.batch_speed(row, batch)
    except GateError:
        return  # no table speed: only a measured one could have produced the card
    expect(
        "timing",
        "batch_seconds",
        speed.seconds,
        within=1e-9,
        why=f"the GPU table ({speed.basis}) gives",
    )


def _speedup(card: Card, expect: _Expect) -> float | None:
    """The data-parallel speed-up the card's times must use (1 for one GPU); None, with a
    finding, when a multi-GPU card records no efficiency (never a silent 1x)."""
    infra, timing = section(card.data, "infrastructure"), section(card.data, "timing")
    count = whole(infra.get("gpu_count")) or 1
    if count == 1:
        return 1.0
    efficiency = number(timing.get("parallel_efficiency"))
    if efficiency is None or not 0 < efficiency <= 1:
        expect.found.append(
            Finding(
                card.path,
                card.line_of("timing"),
                "estimate",
                f"timing.parallel_efficiency: a {count}-GPU run needs the data-parallel "
                "efficiency its speed-up comes from (the GPU table's, default "
                f"{gpus.DEFAULT_PARALLEL_EFFICIENCY}): regenerate the card "
                "(`gate generate --kind run --force`)",
                card=card.path,
            )
        )
        return None
    factor = gpus.speedup(count, efficiency)
    expect(
        "timing",
        "parallel_speedup",
        round(factor, 4),
        within=1e-4,
        why="1 + (GPUs - 1) x efficiency gives",
    )
    return factor


def _platform(card: Card, config: Config) -> list[Finding]:
    """The card's recorded platform maximum is the one configured."""
    recorded = section(card.data, "timing").get("max_timeout_s")
    configured = config.kind("run").max_timeout
    if recorded is None or configured is None or recorded == configured:
        return []
    shown = f"{recorded:,}" if isinstance(recorded, int) else repr(recorded)
    return [
        Finding(
            card.path,
            card.line_of("timing", "max_timeout_s"),
            "estimate",
            f"timing.max_timeout_s is {shown} but {ge.MAX_TIMEOUT_KEY} is "
            f"{configured:,}: regenerate the card (`gate generate --kind run --force`)",
            card=card.path,
        )
    ]


def _spread(timing: Mapping[str, Any]) -> float | None:
    """The top of a calibrated speed's range (what the timeout is recommended at)."""
    spread = timing.get("batch_seconds_range")
    if isinstance(spread, list) and len(spread) == 2:
        return number(spread[1])
    return None


def arithmetic(card: Card, config: Config) -> list[Finding]:
    data, training = section(card.data, "data"), section(card.data, "training")
    timing, infra = section(card.data, "timing"), section(card.data, "infrastructure")
    logging = section(card.data, "logging")
    expect = _Expect(card)
    games, frames = whole(data.get("games")), whole(data.get("total_frames"))
    if games is not None and data.get("frames_estimated") is True:
        expect("data", "total_frames", ge.total_frames(games), why="games x 9,400 gives")
    if frames is not None and data.get("size_estimated") is True:
        expect(
            "data",
            "size_gb",
            ge.estimated_gb(frames),
            within=TOLERANCE / 2,
            why="the 22K file's GB per frame gives",
        )
    split, batch = number(data.get("train_split")), whole(training.get("batch_size"))
    if frames is None or split is None or not 0 < split < 1 or batch is None:
        return expect.found
    train = ge.train_examples(frames, split)
    expect("data", "train_examples", train)
    expect("data", "val_examples", frames - train)
    batches = ge.batches_per_epoch(train, batch)
    expect("timing", "batches_per_epoch", batches)
    _table_speed(card, config, expect, batch)
    seconds, epochs = number(timing.get("batch_seconds")), whole(training.get("epochs"))
    size, price = number(data.get("size_gb")), number(timing.get("usd_per_hour"))
    count = whole(infra.get("gpu_count")) or 1
    factor = _speedup(card, expect)
    if (
        seconds is None
        or seconds <= 0
        or epochs is None
        or size is None
        or size < 0
        or factor is None
    ):
        return expect.found
    spread = _spread(timing)
    slowest = (spread or seconds) / factor
    seconds /= factor  # all the run's GPUs together
    epoch_s = ge.epoch_time_s(batches, seconds)
    training_s = ge.training_time_s(epoch_s, epochs)
    load_s = ge.data_load_s(size, number(timing.get("data_load_s_per_gb")) or ge.DATA_LOAD_S_PER_GB)
    wall_s = training_s + load_s
    slowest_s = ge.training_time_s(ge.epoch_time_s(batches, slowest), epochs)
    for key, want in (
        ("epoch_s", epoch_s),
        ("training_s", training_s),
        ("data_load_s", load_s),
        ("wall_s", wall_s),
    ):
        expect("timing", key, want, within=TOLERANCE)
    if price is not None and price >= 0:
        expect("timing", "cost_usd", ge.cost_usd(training_s, price, count), within=CENT)
    limit = whole(timing.get("max_timeout_s"))
    if math.isfinite(wall_s * ge.TIMEOUT_SAFETY):
        recommended = ge.recommended_timeout_s(slowest_s, load_s, limit)
        expect(
            "timing",
            "recommended_timeout_s",
            recommended,
            why="the formula, capped at timing.max_timeout_s, gives"
            if limit
            else "the checklist's formula gives",
        )
        if limit is not None:
            expect("timing", "required_timeout_s", ge.required_timeout_s(slowest_s, load_s))
    timeout = whole(infra.get("timeout_s"))
    if timeout is not None and wall_s > 0:
        expect("timing", "timeout_margin", timeout / wall_s, within=CENT)
    interval = whole(logging.get("log_interval"))
    if interval is not None:
        expect(
            "logging",
            "time_between_logs_s",
            ge.time_between_logs_s(interval, seconds),
            within=TOLERANCE,
        )
        expect("logging", "logs_per_epoch", ge.logs_per_epoch(batches, interval))
    return expect.found + _platform(card, config)
