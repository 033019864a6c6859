"""A run on a rented GPU: what it costs, what timeout it needs, how often it logs. Pure.

Shared by the run kind (world models) and the policy kind (a policy on a rented GPU),
which never import each other:

    speed               = one GPU's seconds per batch / data-parallel speed-up
    cost                = training hours x $/hour x GPUs
    required timeout    = (training + data load) x 3, at least 4 hours, rounded up
    recommended timeout = the required one, capped at the platform's maximum
                          (`[tool.gate.kinds.<kind>] max_timeout`; Modal's is 86,400 s)
    time between logs   = log_interval x seconds per batch

When the required timeout is over the platform's maximum, no timeout can clear it: the
`timeout-over-platform` flag says the run must checkpoint and resume instead.
No I/O: numbers in, numbers (or `Flag`s) out; bad input is a `GateError`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from gate.errors import GateError
from gate.kinds.base import Flag
from gate.kinds.validate import count

TIMEOUT_SAFETY = 3
MIN_TIMEOUT_S = 4 * 3600
TIGHT_TIMEOUT = 2  # a timeout under 2x the estimate is too tight
LOG_GAP_LIMIT_S = 300  # over 5 min between log lines
LOG_GAP_TARGET_S = 60  # recommend a log_interval that gives about a minute
COST_LIMIT_USD = 50.0

# how a run resumes, for the checkpoint-and-resume flag (a kind names its own command)
RESUME = "`--resume` from its last checkpoint"

# Flag codes.
LOG_GAP = "log-interval"
TIMEOUT_TIGHT = "timeout-tight"
TIMEOUT_MINIMUM = "timeout-minimum"
TIMEOUT_OVER_PLATFORM = "timeout-over-platform"
COST = "cost"


def cost_usd(training_s: float, usd_per_hour: float, gpus: int = 1) -> float:
    """`total hours x $/hour`, for each GPU the run holds."""
    return training_s / 3600 * usd_per_hour * count("GPU count", gpus)


def required_timeout_s(training_s: float, load_s: float) -> int:
    """`(total + data load) x 3`, at least 4 hours, in whole seconds (rounded up)."""
    return max(MIN_TIMEOUT_S, math.ceil(round((training_s + load_s) * TIMEOUT_SAFETY, 6)))


def recommended_timeout_s(
    training_s: float, load_s: float, max_timeout_s: int | None = None
) -> int:
    """The required timeout, capped at the platform's maximum when there is one."""
    required = required_timeout_s(training_s, load_s)
    return required if max_timeout_s is None else min(required, max_timeout_s)


def launches(wall_s: float, timeout_s: int) -> int:
    """Launches a run of `wall_s` needs when each is stopped after `timeout_s` (at least 1)."""
    return max(1, math.ceil(round(wall_s / count("timeout", timeout_s), 6)))


def time_between_logs_s(log_interval: int, seconds_per_batch: float) -> float:
    return count("log_interval", log_interval) * seconds_per_batch


def logs_per_epoch(batches: int, log_interval: int) -> int:
    return batches // count("log_interval", log_interval)


def recommended_log_interval(seconds_per_batch: float) -> int:
    """The log_interval that puts about a minute between log lines (0.06 s -> 1,000)."""
    return max(1, round(LOG_GAP_TARGET_S / seconds_per_batch))


class Budget(NamedTuple):
    """What the flags judge: the estimate's times, its cost, and the timeouts."""

    seconds_per_batch: float  # all the run's GPUs together
    wall_s: float  # training + data load
    cost_usd: float
    required_timeout_s: int
    recommended_timeout_s: int
    max_timeout_s: int | None  # the platform's; None: not configured
    time_between_logs_s: float | None  # None: no log_interval


def _log_flags(budget: Budget, log_interval: int | None) -> list[Flag]:
    advice = recommended_log_interval(budget.seconds_per_batch)
    if log_interval is None:
        return [
            Flag(
                LOG_GAP,
                "no log_interval: the trainer's default may log rarely; "
                f"set log_interval: {advice:,} (~1 min between logs)",
            )
        ]
    gap = budget.time_between_logs_s
    if gap is not None and gap > LOG_GAP_LIMIT_S:
        return [
            Flag(
                LOG_GAP,
                f"{duration(gap)} between logs (log_interval {log_interval:,}), over 5 min: "
                f"set log_interval: {advice:,} (~1 min)",
            )
        ]
    return []


def over_platform(
    budget: Budget, timeout_s: int | None, *, key: str, resume: str = RESUME
) -> str | None:
    """Why the platform's maximum timeout is in the way, or None when it is not: the run
    needs more than it allows (checkpoint and resume), or its timeout is over it."""
    limit = budget.max_timeout_s
    if limit is None:
        return None
    at = f"{limit:,} s ({duration(limit)}, {key})"
    if budget.required_timeout_s <= limit:
        if timeout_s is None or timeout_s <= limit:
            return None
        return (
            f"timeout {timeout_s:,} s is over the platform's maximum {at}: the platform "
            f"refuses it; set timeout={budget.recommended_timeout_s}"
        )
    parts = [
        f"the run needs a timeout of {budget.required_timeout_s:,} s "
        f"({duration(budget.required_timeout_s)}: (training + data load) x 3, at least 4 h) "
        f"but the platform stops it at {at}: the run must checkpoint and resume: "
        f"when it is stopped, relaunch it with {resume}"
    ]
    needed = launches(budget.wall_s, limit)
    if needed > 1:
        parts.append(
            f"the estimated {duration(budget.wall_s)} (training + data load) takes at least "
            f"{needed} launches"
        )
    if timeout_s is not None and timeout_s != limit:
        parts.append(f"set timeout={limit} (the longest the platform allows)")
    return "; ".join(parts)


def flags(
    budget: Budget,
    *,
    timeout_s: int | None,
    log_interval: int | None,
    key: str,
    resume: str = RESUME,
) -> list[Flag]:
    """The logging, timeout and cost flags of a run on a rented GPU, in that order.

    `timeout_s` is the run's own (None: the card sets none, only recommends one); `key`
    names where the platform's maximum is configured and `resume` how the run resumes,
    for the messages.
    """
    found = _log_flags(budget, log_interval)
    platform = over_platform(budget, timeout_s, key=key, resume=resume)
    if platform is not None:
        found.append(Flag(TIMEOUT_OVER_PLATFORM, platform))
    elif timeout_s is not None and timeout_s < TIGHT_TIMEOUT * budget.wall_s:
        found.append(
            Flag(
                TIMEOUT_TIGHT,
                f"timeout {timeout_s:,} s ({duration(timeout_s)}) is "
                f"under 2x the estimated {duration(budget.wall_s)} "
                f"(training + data load): recommended at least "
                f"{budget.recommended_timeout_s:,} s",
            )
        )
    elif timeout_s is not None and timeout_s < budget.recommended_timeout_s:
        found.append(
            Flag(
                TIMEOUT_MINIMUM,
                f"timeout {timeout_s:,} s is below the recommended "
                f"minimum {budget.recommended_timeout_s:,} s "
                "((training + data load) x 3, at least 4 h)",
            )
        )
    if budget.cost_usd > COST_LIMIT_USD:
        found.append(
            Flag(
                COST,
                f"estimated cost {usd(budget.cost_usd)} is over $50: confirm it is intentional",
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
