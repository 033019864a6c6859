"""A run card's own arithmetic and its flags, from its data. Pure.

The derived numbers must follow from the card's inputs (frames, split, batch size,
batch speed, epochs, size, price, timeout, log_interval), so an approved card keeps
describing the run: batch size 1024 -> 4096 changes them all. The batch speed and the
price must be the GPU table's unless the author measured the speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gate.card.findings import Finding
from gate.errors import GateError
from gate.kinds.run import estimate as ge
from gate.kinds.run import gpus
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
        written = f"{int(got):,}" if got == int(got) else f"{got:,g}"
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
    if str(timing.get("batch_basis", "")).startswith("measured"):
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
    if seconds is None or seconds <= 0 or epochs is None or size is None or size < 0:
        return expect.found
    epoch_s = ge.epoch_time_s(batches, seconds)
    training_s = ge.training_time_s(epoch_s, epochs)
    load_s = ge.data_load_s(size)
    wall_s = training_s + load_s
    for key, want in (
        ("epoch_s", epoch_s),
        ("training_s", training_s),
        ("data_load_s", load_s),
        ("wall_s", wall_s),
    ):
        expect("timing", key, want, within=TOLERANCE)
    if price is not None and price >= 0:
        expect("timing", "cost_usd", ge.cost_usd(training_s, price, count), within=CENT)
    if math.isfinite(wall_s * ge.TIMEOUT_SAFETY):
        expect("timing", "recommended_timeout_s", ge.recommended_timeout_s(training_s, load_s))
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
    return expect.found


# flag code -> where on the card it points
_WHERE: Mapping[str, tuple[str, ...]] = {
    ge.LOG_GAP: ("logging", "log_interval"),
    ge.TIMEOUT_TIGHT: ("infrastructure", "timeout_s"),
    ge.TIMEOUT_MINIMUM: ("infrastructure", "timeout_s"),
    ge.COST: ("timing", "cost_usd"),
    ge.LARGE_EPOCH: ("timing", "batches_per_epoch"),
}


def flags(card: Card) -> list[Finding]:
    """The checklist's flags recomputed from the card's numbers: warnings, blocking under
    `strict` (a timeout below the recommended minimum among them)."""
    timing, infra = section(card.data, "timing"), section(card.data, "infrastructure")
    interval = whole(section(card.data, "logging").get("log_interval"))
    seconds, wall = number(timing.get("batch_seconds")), number(timing.get("wall_s"))
    timeout, batches = whole(infra.get("timeout_s")), whole(timing.get("batches_per_epoch"))
    recommended = whole(timing.get("recommended_timeout_s"))
    cost = number(timing.get("cost_usd"))
    if (
        seconds is None
        or seconds <= 0
        or wall is None
        or wall < 0
        or timeout is None
        or batches is None
        or recommended is None
        or cost is None
    ):
        return []
    gap = interval * seconds if interval else None
    if gap is not None and not math.isfinite(gap):
        return []
    est = ge.RunEstimate(
        train_examples=0,
        val_examples=0,
        batches_per_epoch=batches,
        batch_seconds=seconds,
        basis="",
        epoch_s=0.0,
        training_s=0.0,
        data_load_s=0.0,
        wall_s=wall,
        cost_usd=cost,
        recommended_timeout_s=recommended,
        time_between_logs_s=gap,
        logs_per_epoch=None,
    )
    return [
        Finding(
            card.path,
            card.line_of(*_WHERE.get(f.code, ("timing",))),
            f"flag:{f.code}",
            f.message,
            severity="warning",
            card=card.path,
        )
        for f in ge.flags(est, timeout_s=timeout, log_interval=interval)
    ]
