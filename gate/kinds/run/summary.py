"""The compact summary `gate generate --kind run` prints: the checklist's, from the card's
data, then where the card is and whom it awaits. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gate.kinds import cloud
from gate.kinds.run.build import plural
from gate.kinds.values import UNKNOWN


def _gpus(count: int, timing: Mapping[str, Any]) -> str:
    if count == 1:
        return ""
    return (
        f" x{count}, {timing.get('parallel_speedup')}x one GPU's speed at "
        f"{timing.get('parallel_efficiency')} per extra GPU"
    )


def summary(
    data: Mapping[str, Any],
    *,
    path: str,
    reviewers: Sequence[str],
    notes: Sequence[str],
    written: bool,
) -> str:
    """The checklist's compact summary, then where the card is and whom it awaits."""
    d, m, t = data["data"], data["model"], data["training"]
    infra, log, tm = data["infrastructure"], data["logging"], data["timing"]
    params = f"{m['parameters']:,}" if m.get("parameters") is not None else "?"
    arch = "architecture unknown," if m["architecture"] == UNKNOWN else m["architecture"]
    gap = (
        f"every {log['log_interval']:,} batches (~{log['time_between_logs_s']:.0f}s)"
        if log.get("log_interval")
        else "no log_interval set"
    )
    lines = [
        f"Run Card: {data['run_name']}",
        f"  Goal: {data['goal']}",
        f"  Data: {plural(d['games'], 'game')}, {d['total_frames']:,} frames ({d['size_gb']:g} GB)",
        f"  Model: {arch} {params} params",
        f"  Training: {plural(t['epochs'], 'epoch')}, bs={t['batch_size']}, lr={t['lr']:g}",
        f"  Timing: ~{cloud.duration(tm['training_s'])} training, ~{cloud.usd(tm['cost_usd'])} "
        f"({infra['gpu']}{_gpus(infra['gpu_count'], tm)})",
        f"  Logging: {gap}",
        f"  Timeout: {cloud.duration(infra['timeout_s'])} ({tm['timeout_margin']}x safety)",
    ]
    concerns = [f["message"] for f in data.get("flags") or []] + list(notes)
    lines += ["", "  Concerns:", *(f"    - {c}" for c in concerns or ["none"])]
    lines += [
        "",
        f"Card written to: {path}" if written else f"Card for: {path} (not written)",
        f"Awaiting sign-off from: {', '.join(reviewers)}",
    ]
    return "\n".join(lines)
