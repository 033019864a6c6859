"""The cost sections of a run card's generated region: Infrastructure, Logging &
Monitoring, Timing & Cost (with the data-parallel speed-up and the platform's maximum
timeout when the card has them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from gate.kinds.calibration import UNCALIBRATED
from gate.kinds.cloud import duration, usd
from gate.kinds.gpus import DEFAULT_PARALLEL_EFFICIENCY
from gate.kinds.markdown import cell, table
from gate.kinds.values import section


def cell_of(value: Any) -> str:
    """A cell, booleans in lower case as the config writes them."""
    return cell(str(value).lower() if isinstance(value, bool) else value)


def number_like(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def when(value: Any, fmt: Callable[[Any], str]) -> str:
    """`fmt(value)` for a finite number >= 0 (what the schema allows), else "?"."""
    return fmt(value) if number_like(value) and 0 <= value < float("inf") else "?"


def infrastructure(data: Mapping[str, Any]) -> list[str]:
    i = section(data, "infrastructure")
    count = i.get("gpu_count")
    gpu = f"{cell_of(i.get('gpu'))}" + (f" x{count}" if number_like(count) and count > 1 else "")
    script = i.get("launch_script")
    launch = (
        (f"`{script}`" + (f" :: `{i['launch_function']}`" if i.get("launch_function") else ""))
        if script
        else "(none)"
    )
    timeout = i.get("timeout_s")
    wandb = (
        f"`{i.get('wandb_project')}` / `{i.get('wandb_run')}`" if i.get("wandb_project") else "none"
    )
    ram = f"{cell_of(i.get('ram_gb'))} GB" if i.get("ram_gb") is not None else "platform default"
    workers = (
        cell_of(i.get("num_workers")) if i.get("num_workers") is not None else "trainer default"
    )
    return [
        "## Infrastructure",
        "",
        *table(
            [
                ("GPU", gpu),
                ("Launch script", launch),
                ("System RAM", ram),
                ("num_workers", workers),
                ("Timeout", f"**{cell_of(timeout)}s ({when(timeout, duration)})**"),
                ("wandb", wandb),
            ]
        ),
    ]


def logging(data: Mapping[str, Any]) -> list[str]:
    lg, tm = section(data, "logging"), section(data, "timing")
    interval = lg.get("log_interval")
    gap = lg.get("time_between_logs_s")
    return [
        "## Logging & Monitoring",
        "",
        *table(
            [
                ("Batches per epoch", cell_of(tm.get("batches_per_epoch"))),
                ("log_interval", f"{cell_of(interval)} batches" if interval else "not set"),
                ("Time between logs", f"~{cell_of(gap)}s ({when(gap, duration)})"),
                ("Logs per epoch", f"~{cell_of(lg.get('logs_per_epoch'))}" if interval else "?"),
            ]
        ),
    ]


def parallel_row(count: Any, timing: Mapping[str, Any], gpu: Any) -> list[tuple[str, str]]:
    """Several GPUs: the data-parallel speed-up the estimate used, and where it came from."""
    if not number_like(count) or count <= 1:
        return []
    efficiency, factor = timing.get("parallel_efficiency"), timing.get("parallel_speedup")
    if not number_like(efficiency) or not number_like(factor):
        return [("Data-parallel", f"{count} GPUs: no efficiency recorded (regenerate the card)")]
    speed = timing.get("batch_seconds")
    ms = f"~{speed / factor * 1000:.3g} ms/batch on {count} GPUs" if number_like(speed) else "?"
    source = (
        "the GPU table's default"
        if efficiency == DEFAULT_PARALLEL_EFFICIENCY
        else f"[tool.gate.gpus.{gpu}] parallel_efficiency"
    )
    return [
        (
            "Data-parallel",
            f"{count} GPUs at {factor:g}x one GPU's speed: 1 + ({count} - 1) x {efficiency:g} "
            f"efficiency per extra GPU ({source}); {ms}",
        )
    ]


def timeout_row(timing: Mapping[str, Any], timeout: Any) -> tuple[str, str]:
    """The timeout, its margin and the recommendation (capped at the platform's maximum)."""
    recommended = timing.get("recommended_timeout_s")
    required, limit = timing.get("required_timeout_s"), timing.get("max_timeout_s")
    advice = f"recommended at least {cell_of(recommended)}s"
    if number_like(required) and number_like(limit) and required > limit:
        advice = (
            f"needs {cell_of(required)}s, over the platform's maximum {cell_of(limit)}s: "
            "checkpoint and resume"
        )
    elif number_like(limit):
        advice += f"; platform maximum {cell_of(limit)}s"
    return (
        "Timeout",
        f"{cell_of(timeout)}s = {when(timeout, duration)} (safety margin: "
        f"{cell_of(timing.get('timeout_margin'))}x; {advice})",
    )


def _basis(tm: Mapping[str, Any]) -> str:
    """Where the speed came from; the seed's table says it is uncalibrated."""
    basis = cell_of(tm.get("batch_basis"))
    if basis.startswith(("calibrated", "measured")):
        return basis
    return f"{basis}; {UNCALIBRATED}"


def _spread(tm: Mapping[str, Any]) -> list[tuple[str, str]]:
    spread = tm.get("batch_seconds_range")
    if not isinstance(spread, list) or len(spread) != 2:
        return []
    low, high = (cell_of(v) for v in spread)
    return [("Batch speed range", f"{low}-{high} s/batch (the recommended timeout uses {high})")]


def _load_basis(tm: Mapping[str, Any]) -> str:
    rate = tm.get("data_load_s_per_gb")
    if not number_like(rate):
        return f"3 min per GB; {UNCALIBRATED}"
    return f"{rate:g} s per GB, {cell_of(tm.get('data_load_basis'))}"


def timing(data: Mapping[str, Any]) -> list[str]:
    tm, i = section(data, "timing"), section(data, "infrastructure")
    speed = tm.get("batch_seconds")
    ms = f"~{speed * 1000:g} ms/batch" if number_like(speed) else "?"
    price = tm.get("usd_per_hour")
    epoch = tm.get("epoch_s")
    count = i.get("gpu_count")
    per_gpu = f" x {count} GPUs" if number_like(count) and count > 1 else ""
    on = " (one GPU)" if per_gpu else ""
    return [
        "## Timing & Cost",
        "",
        *table(
            [
                (
                    "Est. batch speed",
                    f"{ms}{on} on {cell_of(tm.get('gpu_label'))} ({_basis(tm)})",
                ),
                *_spread(tm),
                *parallel_row(count, tm, i.get("gpu")),
                (
                    "Est. epoch time",
                    f"~{when(epoch, duration)} ({when(epoch, lambda s: f'{s / 60:.0f}')} min)",
                ),
                ("Est. total training", f"~{when(tm.get('training_s'), duration)}"),
                (
                    "Est. data load",
                    f"~{when(tm.get('data_load_s'), lambda s: f'{s / 60:.0f}')} min "
                    f"({_load_basis(tm)})",
                ),
                ("Est. total wall time", f"~{when(tm.get('wall_s'), duration)}"),
                (
                    "**Est. cost**",
                    f"**~{when(tm.get('cost_usd'), usd)}** ({when(price, usd)}/h{per_gpu})",
                ),
                timeout_row(tm, i.get("timeout_s")),
            ]
        ),
    ]
