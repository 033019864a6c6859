"""The checklist's flags, recomputed from a run card's numbers (rule 7): warnings,
blocking under `strict`. The platform's maximum timeout is the one in force, so setting
`[tool.gate.kinds.run] max_timeout` turns an impossible recommendation on an older card
into the checkpoint-and-resume flag. Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gate.card.findings import Finding
from gate.kinds.run import estimate as ge
from gate.kinds.values import number, section, whole

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.config import Config


def max_timeout(card: Card, config: Config) -> int | None:
    """The platform's maximum timeout in force: the configuration's, else the card's."""
    configured = config.kind("run").max_timeout
    return (
        configured
        if configured is not None
        else whole(section(card.data, "timing").get("max_timeout_s"))
    )


# flag code -> where on the card it points
_WHERE: Mapping[str, tuple[str, ...]] = {
    ge.LOG_GAP: ("logging", "log_interval"),
    ge.TIMEOUT_TIGHT: ("infrastructure", "timeout_s"),
    ge.TIMEOUT_MINIMUM: ("infrastructure", "timeout_s"),
    ge.TIMEOUT_OVER_PLATFORM: ("infrastructure", "timeout_s"),
    ge.COST: ("timing", "cost_usd"),
    ge.LARGE_EPOCH: ("timing", "batches_per_epoch"),
}


def flags(card: Card, config: Config) -> list[Finding]:
    """The checklist's flags recomputed from the card's numbers: warnings, blocking under
    `strict` (a timeout below the recommended minimum among them). The platform's maximum
    timeout is the one in force, so configuring it turns an impossible recommendation on
    an older card into the checkpoint-and-resume flag."""
    timing, infra = section(card.data, "timing"), section(card.data, "infrastructure")
    interval = whole(section(card.data, "logging").get("log_interval"))
    seconds, wall = number(timing.get("batch_seconds")), number(timing.get("wall_s"))
    timeout, batches = whole(infra.get("timeout_s")), whole(timing.get("batches_per_epoch"))
    recommended = whole(timing.get("recommended_timeout_s"))
    cost = number(timing.get("cost_usd"))
    factor = number(timing.get("parallel_speedup")) or 1.0
    if (
        factor < 1
        or seconds is None
        or seconds <= 0
        or wall is None
        or wall < 0
        or timeout is None
        or batches is None
        or recommended is None
        or cost is None
    ):
        return []
    gap = interval * seconds / factor if interval else None
    if gap is not None and not math.isfinite(gap):
        return []
    required = whole(timing.get("required_timeout_s")) or recommended
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
        parallel_speedup=factor,
        required_timeout_s=required,
        max_timeout_s=max_timeout(card, config),
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
        for f in ge.flags(
            est, timeout_s=timeout, log_interval=interval, run_name=str(card.data.get("run_name"))
        )
    ]
