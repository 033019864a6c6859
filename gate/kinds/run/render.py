"""The generated region of a world-model run card, laid out like the team's template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from gate.kinds.markdown import cell, concerns, join, signoff, table
from gate.kinds.run.estimate import duration, usd
from gate.kinds.values import section


def _n(value: Any) -> str:
    """A cell, booleans in lower case as the config writes them."""
    return cell(str(value).lower() if isinstance(value, bool) else value)


def _num(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _when(value: Any, fmt: Callable[[Any], str]) -> str:
    """`fmt(value)` for a finite number >= 0 (what the schema allows), else "?"."""
    return fmt(value) if _num(value) and 0 <= value < float("inf") else "?"


def _rows(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = data.get(name)
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _metric(name: Any, value: Any) -> str:
    if not _num(value):
        return "?"
    return f"{value * 100:.1f}%" if "acc" in str(name) else f"{value:.3g}"


def _targets(data: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Target Metrics",
        "",
        "| Metric | Baseline (source) | Target | Kill threshold |",
        "|--------|-------------------|--------|----------------|",
    ]
    for row in _rows(data, "targets"):
        source = f" ({row.get('source')})" if row.get("source") else ""
        baseline = _metric(row.get("metric"), row.get("baseline"))
        lines.append(
            f"| {row.get('metric')} | {baseline}{source} | {row.get('target')} | "
            f"{row.get('kill')} |"
        )
    return lines


def _data(data: Mapping[str, Any]) -> list[str]:
    d = section(data, "data")
    split = d.get("train_split")
    train_pct = f"{split * 100:g}%" if _num(split) else "?"
    val_pct = f"{(1 - split) * 100:g}%" if _num(split) else "?"
    size = f"{_n(d.get('size_gb'))} GB" + (" (estimated)" if d.get("size_estimated") else "")
    frames = _n(d.get("total_frames")) + (" (~9,400/game)" if d.get("frames_estimated") else "")
    encoded = f"`{d['encoded_file']}`" if d.get("encoded_file") else "(not named)"
    return [
        "## Data",
        "",
        *table(
            [
                ("Encoded file", encoded),
                ("File size", size),
                ("Games", _n(d.get("games"))),
                ("Total frames", frames),
                ("Train examples", f"{_n(d.get('train_examples'))} ({train_pct})"),
                ("Val examples", f"{_n(d.get('val_examples'))} ({val_pct})"),
            ]
        ),
    ]


def _model(data: Mapping[str, Any]) -> list[str]:
    m = section(data, "model")
    params = _n(m.get("parameters")) + (
        f" ({m['parameters_source']})" if m.get("parameters_source") else ""
    )
    return [
        "## Model",
        "",
        *table(
            [
                ("Architecture", _n(m.get("architecture"))),
                ("Config", f"`{m.get('config')}`"),
                ("Parameters", params),
                ("d_model", _n(m.get("d_model"))),
                ("n_layers", _n(m.get("n_layers"))),
                ("d_state", _n(m.get("d_state"))),
                ("context_len (K)", _n(m.get("context_len"))),
                ("chunk_size (SSD)", _n(m.get("chunk_size"))),
            ]
        ),
    ]


def _training(data: Mapping[str, Any]) -> list[str]:
    t = section(data, "training")
    ss = section(t, "scheduled_sampling")
    sampling = (
        f"{_n(ss.get('rate'))} (noise={_n(ss.get('noise'))}, "
        f"anneal={_n(ss.get('anneal_epochs'))} epochs, "
        f"corrupt={_n(ss.get('corrupt_frames'))} frames)"
        if ss
        else "off"
    )
    weights = ", ".join(f"{k}={_n(v)}" for k, v in section(t, "loss_weights").items()) or "defaults"
    return [
        "## Training",
        "",
        *table(
            [
                ("Epochs", _n(t.get("epochs"))),
                ("Batch size", _n(t.get("batch_size"))),
                ("Learning rate", _n(t.get("lr"))),
                ("Weight decay", _n(t.get("weight_decay"))),
                ("Optimizer", _n(t.get("optimizer"))),
                ("Scheduled sampling", sampling),
                ("Loss weights", weights),
            ]
        ),
    ]


def _infrastructure(data: Mapping[str, Any]) -> list[str]:
    i = section(data, "infrastructure")
    count = i.get("gpu_count")
    gpu = f"{i.get('gpu')}" + (f" x{count}" if _num(count) and count > 1 else "")
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
    ram = f"{_n(i.get('ram_gb'))} GB" if i.get("ram_gb") is not None else "platform default"
    workers = _n(i.get("num_workers")) if i.get("num_workers") is not None else "trainer default"
    return [
        "## Infrastructure",
        "",
        *table(
            [
                ("GPU", gpu),
                ("Launch script", launch),
                ("System RAM", ram),
                ("num_workers", workers),
                ("Timeout", f"**{_n(timeout)}s ({_when(timeout, duration)})**"),
                ("wandb", wandb),
            ]
        ),
    ]


def _logging(data: Mapping[str, Any]) -> list[str]:
    lg, tm = section(data, "logging"), section(data, "timing")
    interval = lg.get("log_interval")
    gap = lg.get("time_between_logs_s")
    return [
        "## Logging & Monitoring",
        "",
        *table(
            [
                ("Batches per epoch", _n(tm.get("batches_per_epoch"))),
                ("log_interval", f"{_n(interval)} batches" if interval else "not set"),
                ("Time between logs", f"~{_n(gap)}s ({_when(gap, duration)})"),
                ("Logs per epoch", f"~{_n(lg.get('logs_per_epoch'))}" if interval else "?"),
            ]
        ),
    ]


def _timing(data: Mapping[str, Any]) -> list[str]:
    tm, i = section(data, "timing"), section(data, "infrastructure")
    speed = tm.get("batch_seconds")
    ms = f"~{speed * 1000:g} ms/batch" if _num(speed) else "?"
    price = tm.get("usd_per_hour")
    epoch = tm.get("epoch_s")
    timeout = i.get("timeout_s")
    return [
        "## Timing & Cost",
        "",
        *table(
            [
                ("Est. batch speed", f"{ms} on {tm.get('gpu_label')} ({tm.get('batch_basis')})"),
                (
                    "Est. epoch time",
                    f"~{_when(epoch, duration)} ({_when(epoch, lambda s: f'{s / 60:.0f}')} min)",
                ),
                ("Est. total training", f"~{_when(tm.get('training_s'), duration)}"),
                (
                    "Est. data load",
                    f"~{_when(tm.get('data_load_s'), lambda s: f'{s / 60:.0f}')} min "
                    "(3 min per GB)",
                ),
                ("Est. total wall time", f"~{_when(tm.get('wall_s'), duration)}"),
                ("**Est. cost**", f"**~{_when(tm.get('cost_usd'), usd)}** ({_when(price, usd)}/h)"),
                (
                    "Timeout",
                    f"{_n(timeout)}s = {_when(timeout, duration)} (safety margin: "
                    f"{_n(tm.get('timeout_margin'))}x; recommended at least "
                    f"{_n(tm.get('recommended_timeout_s'))}s)",
                ),
            ]
        ),
    ]


def _escape(data: Mapping[str, Any]) -> list[str]:
    e = section(data, "escape_hatches")
    kill = e.get("kill")
    kills = "; ".join(str(k) for k in kill) if isinstance(kill, list) and kill else "?"
    return [
        "## Escape Hatches",
        "",
        f"- **Kill if**: {kills}",
        f"- **Resume command**:\n\n```bash\n{e.get('resume', '')}\n```\n",
        f"- **Fallback plan**: {e.get('fallback', '')}",
    ]


def _priors(data: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Prior Comparable Runs",
        "",
        "| Run | Data | Epochs | change_acc | pos_mae | val_loss | Notes |",
        "|-----|------|--------|------------|---------|----------|-------|",
    ]
    rows = _rows(data, "prior_runs")
    for r in rows:
        games = f"{_n(r.get('games'))} games"
        lines.append(
            f"| {r.get('run')} | {games} | {_n(r.get('epochs'))} | "
            f"{_metric('acc', r.get('change_acc'))} | {_metric('', r.get('pos_mae'))} "
            f"| {_metric('', r.get('val_loss'))} | {r.get('notes', '')} |"
        )
    if not rows:
        lines.append("| (none found) | | | | | | |")
    return lines


def _whats_new(data: Mapping[str, Any]) -> list[str]:
    comparable = section(data, "comparable")
    changes = _rows(data, "whats_new")
    if not comparable:
        return ["## What's New in This Run", "", "No prior run to compare with."]
    lines = [
        "## What's New in This Run",
        "",
        f"Compared with the most comparable prior run, {comparable.get('run')} "
        f"(`{comparable.get('manifest')}`):",
        "",
    ]
    lines += [f"- `{c.get('key')}`: {_n(c.get('prior'))} -> {_n(c.get('now'))}" for c in changes]
    if not changes:
        lines.append("- nothing: the same config")
    return lines


def render(data: Mapping[str, Any], required: tuple[str, ...]) -> str:
    model = section(data, "model")
    parts: list[list[str]] = [
        [
            f"# Run Card: {data.get('run_name')}",
            "",
            f"**Created**: {data.get('created')}",
            f"**Config**: `{model.get('config')}`",
            f"**Status**: {data.get('status')}",
        ],
        ["## Goal", "", str(data.get("goal", ""))],
        _targets(data),
        _data(data),
        _model(data),
        _training(data),
        _infrastructure(data),
        _logging(data),
        _timing(data),
        _escape(data),
        _priors(data),
        _whats_new(data),
        [
            "## Launch Command",
            "",
            "```bash",
            str(section(data, "launch").get("command", "")),
            "```",
        ],
    ]
    flags = _rows(data, "flags")
    if flags:
        parts.append(concerns(flags))
    parts.append(signoff(_rows(data, "signoff"), required))
    return join(parts)
