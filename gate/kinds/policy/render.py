"""The generated region of a policy card, laid out like the seed's template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gate.kinds import results, scorecard
from gate.kinds.cloud import duration, usd
from gate.kinds.markdown import cell, concerns, join, signoff, table
from gate.kinds.policy.estimate import format_hours_minutes as hours_minutes
from gate.kinds.policy.estimate import format_minutes as minutes
from gate.kinds.values import number, section


def _metric(value: Any, *, percent: bool = False) -> str:
    if value is None or isinstance(value, bool):
        return "?"
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:.4g}"


def _distribution(data: Mapping[str, Any]) -> list[str]:
    wm, d = section(data, "world_model"), section(data, "data")
    wm_games, games = wm.get("games"), d.get("games")
    if isinstance(wm_games, int) and isinstance(games, int):
        relation = "same" if games == wm_games else ("superset" if games > wm_games else "SUBSET")
    else:
        relation = "?"
    fingerprint = f", fingerprint `{wm['fingerprint']}`" if wm.get("fingerprint") else ""
    lines = [
        "## Distribution Match",
        "",
        "| Component | Data scale | Notes |",
        "|-----------|-----------|-------|",
        f"| World model | {cell(wm_games)} games | checkpoint: {wm.get('checkpoint', '?')}"
        f" (`{wm.get('manifest', '?')}`{fingerprint}) |",
        f"| This policy | {cell(games)} games | {relation} |",
    ]
    if relation == "SUBSET":
        lines += [
            "",
            f"**Mismatch:** the policy trains on {cell(games)} games but the world model "
            f"was trained on {cell(wm_games)}. A policy on less data than its world model "
            "produces near-random inputs relative to it.",
        ]
    return lines


def _baselines(data: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Prior Baselines",
        "",
        "| Run | Games | Player | stick_mae | btn_pressed_acc | val_loss |",
        "|-----|-------|--------|-----------|-----------------|----------|",
    ]
    rows = data.get("baselines") or []
    for row in rows:
        player = row.get("player")
        lines.append(
            f"| {row.get('run')} | {cell(row.get('games'))} | "
            f"{'p' + str(player) if player is not None else '?'} | {_metric(row.get('stick_mae'))} "
            f"| {_metric(row.get('btn_pressed_acc'), percent=True)} | "
            f"{_metric(row.get('val_loss'))} |"
        )
    if not rows:
        lines.append("| (none found) | | | | | |")
    lines += [f"\n> **Warning:** {w}" for w in data.get("baseline_warnings") or []]
    return lines


def _targets(data: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Target Metrics",
        "",
        "| Metric | Baseline | Target | Notes |",
        "|--------|----------|--------|-------|",
    ]
    for row in data.get("targets") or []:
        percent = "acc" in str(row.get("metric", ""))
        lines.append(
            f"| {row.get('metric')} | {_metric(row.get('baseline'), percent=percent)} | "
            f"{row.get('target')} | {row.get('notes', '')} |"
        )
    return lines


def _launch(data: Mapping[str, Any]) -> list[str]:
    commands = data.get("launch") or []
    lines = ["## Launch Commands", "", "```bash"]
    for i, entry in enumerate(commands):
        if i:
            lines.append("")
        lines += [f"# Player {entry.get('player')}", str(entry.get("command", ""))]
    lines.append("```")
    if len(commands) > 1:
        lines += ["", "The players train in separate processes: the commands can run in parallel."]
    return lines


def render(data: Mapping[str, Any], required: tuple[str, ...]) -> str:
    d, m, t, tm = (section(data, s) for s in ("data", "model", "training", "timing"))
    games = d.get("games")
    player = d.get("predict_player")
    load = tm.get("data_load_s")
    parts: list[list[str]] = [
        [
            f"# Policy Run Card: {data.get('run_name')}",
            "",
            f"**Created**: {cell(data.get('created'))}",
            f"**Status**: {data.get('status')}",
        ],
        ["## Goal", "", str(data.get("goal", ""))],
        _distribution(data),
        [
            "## Data",
            "",
            *table(
                [
                    ("Dataset path", f"`{cell(d.get('dataset'))}`"),
                    ("Games", cell(games)),
                    ("Est. total frames", f"~{cell(d.get('est_total_frames'))}"),
                    ("Train examples", f"~{cell(d.get('train_examples'))} (90%)"),
                    ("Val examples", f"~{cell(d.get('val_examples'))} (10%)"),
                    ("Predict player", cell(player)),
                ]
            ),
        ],
        [
            "## Model",
            "",
            *table(
                [
                    ("Architecture", cell(m.get("architecture"))),
                    ("Parameters", f"~{cell(m.get('parameters'))}"),
                    ("Context len (K)", cell(m.get("context_len"))),
                    ("Hidden dim", cell(m.get("hidden_dim"))),
                    ("Trunk dim", cell(m.get("trunk_dim"))),
                    ("Dropout", cell(m.get("dropout"))),
                ]
            ),
        ],
        [
            "## Training",
            "",
            *table(
                [
                    ("Epochs", cell(t.get("epochs"))),
                    ("Batch size", cell(t.get("batch_size"))),
                    ("Learning rate", cell(t.get("lr"))),
                    ("Weight decay", cell(t.get("weight_decay"))),
                    ("Optimizer", cell(t.get("optimizer"))),
                    ("Device", cell(t.get("device"))),
                ]
            ),
        ],
        [
            "## Timing",
            "",
            *table(
                [
                    (
                        "Hardware",
                        f"{cell(tm.get('hardware'))} ({cell(tm.get('batch_seconds'))} s/batch, "
                        f"{cell(tm.get('batch_basis'))})",
                    ),
                    (
                        "Est. data load",
                        f"{minutes(load)} (parse + encode)"
                        if isinstance(load, int | float)
                        else "?",
                    ),
                    ("Est. batches/epoch", f"~{cell(tm.get('batches_per_epoch'))}"),
                    ("Est. epoch time", _duration(tm.get("epoch_s"), minutes)),
                    ("Est. total training", _duration(tm.get("training_s"), hours_minutes)),
                    (
                        "Est. total wall time",
                        _duration(tm.get("wall_s"), hours_minutes) + " (incl. data load)",
                    ),
                ]
            ),
        ],
        _cloud(data),
        _baselines(data),
        _targets(data),
        _launch(data),
        [
            "## After Training",
            "",
            *(f"{i}. {step}" for i, step in enumerate(data.get("after_training") or [], start=1)),
        ],
    ]
    flags = data.get("flags") or []
    if flags:
        parts.append(concerns(flags))
    if results.finished(data):
        parts.append(scorecard.scorecard(data))
    parts.append(signoff(data.get("signoff") or [], required))
    return join(parts)


def _cloud(data: Mapping[str, Any]) -> list[str]:
    """A rented GPU's cost, timeout and logging cadence (nothing for a local device)."""
    c, tm = section(data, "cloud"), section(data, "timing")
    if not c:
        return []
    count = c.get("gpu_count")
    several = isinstance(count, int) and count > 1
    gpu = f"{c.get('gpu_label')}" + (f" x{count}" if several else "")
    rows = [("GPU", f"{gpu} (`{c.get('gpu')}` in the GPU table; device cuda)")]
    if several:
        speed = tm.get("batch_seconds")
        factor, efficiency = c.get("parallel_speedup"), c.get("parallel_efficiency")
        per_batch = (
            f"; ~{speed / factor * 1000:.3g} ms/batch on {count} GPUs"
            if isinstance(speed, int | float) and isinstance(factor, int | float) and factor
            else ""
        )
        rows.append(
            (
                "Data-parallel",
                f"{count} GPUs at {cell(factor)}x one GPU's speed: 1 + ({count} - 1) x "
                f"{cell(efficiency)} efficiency per extra GPU{per_batch}",
            )
        )
    price = f"{usd(c['usd_per_hour'])}/h" if isinstance(c.get("usd_per_hour"), int | float) else "?"
    cost = c.get("cost_usd")
    rows.append(
        (
            "**Est. cost**",
            f"**~{usd(cost) if isinstance(cost, int | float) else '?'}** ({price}"
            + (f" x {count} GPUs)" if several else ")"),
        )
    )
    required, limit = c.get("required_timeout_s"), c.get("max_timeout_s")
    recommended = c.get("recommended_timeout_s")
    over = isinstance(required, int) and isinstance(limit, int) and required > limit
    timeout = f"{cell(recommended)}s ({_duration(recommended, duration)}; " + (
        f"needs {cell(required)}s, over the platform's maximum {cell(limit)}s: checkpoint "
        "and resume)"
        if over
        else "(training + data load) x 3, at least 4 h"
        + (f"; platform maximum {cell(limit)}s)" if isinstance(limit, int) else ")")
    )
    interval, gap = c.get("log_interval"), c.get("time_between_logs_s")
    rows += [
        ("Recommended timeout", timeout),
        ("log_interval", f"{cell(interval)} batches" if interval else "not set"),
        ("Time between logs", f"~{cell(gap)}s" if interval else "?"),
        ("Logs per epoch", f"~{cell(c.get('logs_per_epoch'))}" if interval else "?"),
    ]
    return ["## Cost & Timeout (rented GPU)", "", *table(rows)]


def _duration(value: Any, fmt: Any) -> str:
    seconds = number(value)  # the schema reports a negative one; rendered, it is "?"
    return str(fmt(seconds)) if seconds is not None and seconds >= 0 else "?"
