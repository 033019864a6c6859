"""The generated region of a world-model run card, laid out like the team's template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gate.kinds import results, scorecard
from gate.kinds.markdown import concerns, join, signoff, table
from gate.kinds.run.render_cost import cell_of as _n
from gate.kinds.run.render_cost import infrastructure, logging, timing
from gate.kinds.run.render_cost import number_like as _num
from gate.kinds.values import section


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


# the Model table's dimension rows: a Mamba-2 / Transformer card's, an MLP's
SSM_ROWS = (
    ("d_model", "d_model"),
    ("n_layers", "n_layers"),
    ("d_state", "d_state"),
    ("context_len (K)", "context_len"),
    ("chunk_size (SSD)", "chunk_size"),
)
MLP_ROWS = (
    ("context_len (K)", "context_len"),
    ("hidden_dim", "hidden_dim"),
    ("trunk_dim", "trunk_dim"),
    ("n_layers", "n_layers"),
)


def _model(data: Mapping[str, Any]) -> list[str]:
    m = section(data, "model")
    params = _n(m.get("parameters")) + (
        f" ({m['parameters_source']})" if m.get("parameters_source") else ""
    )
    arch = _n(m.get("architecture"))
    if arch == "unknown":
        arch = "unknown (the config's model: names no arch)"
    # an MLP's dimensions (no d_model): its own rows; a dimension the config leaves out
    # reads "not set", never a number gate made up
    mlp = m.get("d_model") is None and any(
        m.get(k) is not None for k in ("hidden_dim", "trunk_dim")
    )
    rows = MLP_ROWS if mlp else SSM_ROWS
    unset = "not set" if mlp else "?"
    return [
        "## Model",
        "",
        *table(
            [
                ("Architecture", arch),
                ("Config", f"`{_n(m.get('config'))}`"),
                ("Parameters", params),
                *((name, _n(m[k]) if m.get(k) is not None else unset) for name, k in rows),
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
            f"**Created**: {_n(data.get('created'))}",
            f"**Config**: `{_n(model.get('config'))}`",
            f"**Status**: {data.get('status')}",
        ],
        ["## Goal", "", str(data.get("goal", ""))],
        _targets(data),
        _data(data),
        _model(data),
        _training(data),
        infrastructure(data),
        logging(data),
        timing(data),
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
    if results.finished(data):
        parts.append(scorecard.scorecard(data))
    parts.append(signoff(_rows(data, "signoff"), required))
    return join(parts)
