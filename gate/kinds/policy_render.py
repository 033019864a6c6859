"""The generated region of a policy card, laid out like the seed's template."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gate.digest import short
from gate.estimate import format_hours_minutes as hours_minutes
from gate.estimate import format_minutes as minutes


def _n(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "?" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _metric(value: Any, *, percent: bool = False) -> str:
    if value is None or isinstance(value, bool):
        return "?"
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:.4g}"


def _table(rows: Sequence[tuple[str, str]]) -> list[str]:
    return ["| Field | Value |", "|-------|-------|", *(f"| {k} | {v} |" for k, v in rows)]


def _get(data: Mapping[str, Any], section: str) -> Mapping[str, Any]:
    value = data.get(section)
    return value if isinstance(value, Mapping) else {}


def _distribution(data: Mapping[str, Any]) -> list[str]:
    wm, d = _get(data, "world_model"), _get(data, "data")
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
        f"| World model | {_n(wm_games)} games | checkpoint: {wm.get('checkpoint', '?')}"
        f" (`{wm.get('manifest', '?')}`{fingerprint}) |",
        f"| This policy | {_n(games)} games | {relation} |",
    ]
    if relation == "SUBSET":
        lines += [
            "",
            f"**Mismatch:** the policy trains on {_n(games)} games but the world model "
            f"was trained on {_n(wm_games)}. A policy on less data than its world model "
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
            f"| {row.get('run')} | {_n(row.get('games'))} | "
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


def _signoff(data: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    by_name: dict[str, Mapping[str, Any]] = {}
    for entry in data.get("signoff") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("reviewer"), str):
            by_name[entry["reviewer"]] = entry
    lines = ["## Sign-off", ""]
    for name in [*required, *(n for n in by_name if n not in required)]:
        entry = by_name.get(name)
        if entry is None:
            lines.append(f"- [ ] {name} reviewed")
        elif entry.get("verdict") == "approved":
            lines.append(
                f"- [x] {name} reviewed ({entry.get('date')}, "
                f"digest {short(str(entry.get('digest', '')))})"
            )
        else:
            lines.append(
                f"- [ ] {name} reviewed: BLOCKED on {entry.get('date')}: {entry.get('reason', '')}"
            )
    return lines


def render(data: Mapping[str, Any], required: tuple[str, ...]) -> str:
    d, m, t, tm = (_get(data, s) for s in ("data", "model", "training", "timing"))
    games = d.get("games")
    player = d.get("predict_player")
    load = tm.get("data_load_s")
    parts: list[list[str]] = [
        [
            f"# Policy Run Card: {data.get('run_name')}",
            "",
            f"**Created**: {data.get('created')}",
            f"**Status**: {data.get('status')}",
        ],
        ["## Goal", "", str(data.get("goal", ""))],
        _distribution(data),
        [
            "## Data",
            "",
            *_table(
                [
                    ("Dataset path", f"`{d.get('dataset')}`"),
                    ("Games", _n(games)),
                    ("Est. total frames", f"~{_n(d.get('est_total_frames'))}"),
                    ("Train examples", f"~{_n(d.get('train_examples'))} (90%)"),
                    ("Val examples", f"~{_n(d.get('val_examples'))} (10%)"),
                    ("Predict player", _n(player)),
                ]
            ),
        ],
        [
            "## Model",
            "",
            *_table(
                [
                    ("Architecture", _n(m.get("architecture"))),
                    ("Parameters", f"~{_n(m.get('parameters'))}"),
                    ("Context len (K)", _n(m.get("context_len"))),
                    ("Hidden dim", _n(m.get("hidden_dim"))),
                    ("Trunk dim", _n(m.get("trunk_dim"))),
                    ("Dropout", _n(m.get("dropout"))),
                ]
            ),
        ],
        [
            "## Training",
            "",
            *_table(
                [
                    ("Epochs", _n(t.get("epochs"))),
                    ("Batch size", _n(t.get("batch_size"))),
                    ("Learning rate", _n(t.get("lr"))),
                    ("Weight decay", _n(t.get("weight_decay"))),
                    ("Optimizer", _n(t.get("optimizer"))),
                    ("Device", _n(t.get("device"))),
                ]
            ),
        ],
        [
            "## Timing",
            "",
            *_table(
                [
                    (
                        "Hardware",
                        f"{tm.get('hardware')} ({_n(tm.get('batch_seconds'))} s/batch, "
                        f"{tm.get('batch_basis')})",
                    ),
                    (
                        "Est. data load",
                        f"{minutes(load)} (parse + encode)"
                        if isinstance(load, int | float)
                        else "?",
                    ),
                    ("Est. batches/epoch", f"~{_n(tm.get('batches_per_epoch'))}"),
                    ("Est. epoch time", _duration(tm.get("epoch_s"), minutes)),
                    ("Est. total training", _duration(tm.get("training_s"), hours_minutes)),
                    (
                        "Est. total wall time",
                        _duration(tm.get("wall_s"), hours_minutes) + " (incl. data load)",
                    ),
                ]
            ),
        ],
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
        parts.append(
            ["## Concerns", "", *(f"- **{f.get('code')}**: {f.get('message')}" for f in flags)]
        )
    parts.append(_signoff(data, required))
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def _duration(value: Any, fmt: Any) -> str:
    return (
        str(fmt(value)) if isinstance(value, int | float) and not isinstance(value, bool) else "?"
    )
