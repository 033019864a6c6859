"""A policy card's data from gathered facts, and the seed's compact summary. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.kinds.policy import estimate
from gate.kinds.policy import launch as commands
from gate.kinds.policy.checks import tracked
from gate.kinds.policy.cloud import Rented, section_for
from gate.kinds.values import section

if TYPE_CHECKING:
    from gate.kinds.base import Flag
    from gate.kinds.policy.hardware import Hardware

TRAIN_MODULE = commands.TRAIN_MODULE
# How far past the best prior run the generated targets aim (reviewers adjust them).
TARGET_GAIN = 0.05


class Inputs(NamedTuple):
    run_name: str
    created: str
    goal: str
    games: int
    player: str  # "0", "1", "both"
    dataset: str
    config_path: str | None  # repository-relative
    config: Mapping[str, Any]  # the policy config YAML
    epochs: int
    batch_size: int
    lr: float
    device: str
    world_model_checkpoint: str
    world_model_manifest: str  # repository-relative
    world_model_games: int
    world_model_fingerprint: str | None
    baselines: Sequence[Mapping[str, Any]]
    baseline_warnings: Sequence[str]
    hardware: Mapping[str, Hardware]
    overrides: Mapping[str, str]  # launch flags given on the command line, e.g. --lr
    rented: Rented | None = None  # a rented GPU (--gpu): cost, timeout, logging
    launch_template: str | None = None  # [tool.gate.kinds.policy] launch; None: the seed's
    # the speed comparable finished runs measured, and its basis (None: the table's)
    calibrated: tuple[float, str] | None = None


def optimizer_text(training: Mapping[str, Any]) -> str:
    """`AdamW + cosine LR` from the config's optimizer and schedule names."""
    name = str(training.get("optimizer", "adamw"))
    pretty = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}.get(name.lower(), name)
    schedule = training.get("lr_schedule")
    if schedule is None and "+" in name:
        return name
    return f"{pretty} + {schedule or 'cosine'} LR"


def launch_command(inputs: Inputs, player: str) -> str:
    """The command that trains `player`: the repository's template, else the seed's."""
    rented = inputs.rented
    values = {
        "run_name": inputs.run_name,
        "player": player,
        "games": inputs.games,
        "epochs": inputs.epochs,
        "batch_size": inputs.batch_size,
        "lr": inputs.lr,
        "device": inputs.device,
        "config": inputs.config_path,
        "dataset": inputs.dataset,
        "save_dir": f"worldmodel/checkpoints/{inputs.run_name}-p{player}",
        "gpu": rented.gpu.name + (f":{rented.gpu_count}" if rented.gpu_count > 1 else "")
        if rented
        else None,
        "overrides": " ".join(f"{flag} {value}" for flag, value in inputs.overrides.items()),
    }
    if inputs.launch_template is None:
        return commands.seed_command(values)
    return commands.fill(inputs.launch_template, values)


def _best(rows: Sequence[Mapping[str, Any]], key: str, *, low: bool) -> float | None:
    values = [float(r[key]) for r in rows if isinstance(r.get(key), int | float)]
    if not values:
        return None
    return min(values) if low else max(values)


def targets(baselines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The seed's three target metrics, aiming TARGET_GAIN past the best prior run."""
    stick = _best(baselines, "stick_mae", low=True)
    button = _best(baselines, "btn_pressed_acc", low=False)
    loss = _best(baselines, "val_loss", low=True)
    unset = "set in review (no prior run)"
    return [
        {
            "metric": "val_stick_mae",
            "baseline": stick,
            "target": f"<{stick * (1 - TARGET_GAIN):.4g}" if stick is not None else unset,
            "notes": "Lower = more precise stick control",
        },
        {
            "metric": "val_button_pressed_acc",
            "baseline": button,
            "target": (
                f">{min(0.999, button + (1 - button) * TARGET_GAIN) * 100:.1f}%"
                if button is not None
                else unset
            ),
            "notes": "Accuracy when buttons are active (the hard signal)",
        },
        {
            "metric": "val_loss/total",
            "baseline": loss,
            "target": f"<{loss * (1 - TARGET_GAIN):.4g}" if loss is not None else unset,
            "notes": "Should improve with data scale",
        },
    ]


def after_training(inputs: Inputs, players: Sequence[str]) -> list[str]:
    p0 = f"worldmodel/checkpoints/{inputs.run_name}-p{players[0]}"
    p1 = f"worldmodel/checkpoints/{inputs.run_name}-p{players[-1]}"
    return [
        "Verify every checkpoint exists and its manifest has results",
        "Wire into play_match.py: `.venv/bin/python -m worldmodel.scripts.play_match "
        f"--world-model worldmodel/checkpoints/{inputs.world_model_checkpoint} "
        f"--seed-game <seed game> --p0 policy:{p0} --p1 policy:{p1} --max-frames 20000 "
        "--output demo-agents.json -v`",
        "Compare agent behavior in the viewer against the autoregressive (replay inputs) baseline",
        "If agents look random or degenerate, check the distribution match and the "
        "convergence curves in wandb",
    ]


def build(inputs: Inputs) -> tuple[dict[str, Any], list[Flag]]:
    """The card's data (front matter) and the seed's flags for it."""
    model_config = section(inputs.config, "model")
    training_config = section(inputs.config, "training")
    dims = {k: model_config[k] for k in estimate.POLICY_MLP_DIMENSIONS if k in model_config}
    parameters = estimate.policy_mlp_parameters(**dims)
    est = estimate.estimate_run(
        games=inputs.games,
        batch_size=inputs.batch_size,
        epochs=inputs.epochs,
        device=inputs.device,
        hardware=inputs.hardware,
        speedup=inputs.rented.speedup() if inputs.rented else 1.0,
        calibrated=inputs.calibrated,
    )
    players = ["0", "1"] if inputs.player == "both" else [inputs.player]
    launch = [
        {
            "player": p,
            "command": launch_command(inputs, p),
            "save_dir": f"worldmodel/checkpoints/{inputs.run_name}-p{p}",
        }
        for p in players
    ]
    world_model: dict[str, Any] = {
        "checkpoint": inputs.world_model_checkpoint,
        "manifest": inputs.world_model_manifest,
        "games": inputs.world_model_games,
    }
    if inputs.world_model_fingerprint:
        world_model["fingerprint"] = inputs.world_model_fingerprint
    data: dict[str, Any] = {
        "kind": "policy",
        "run_name": inputs.run_name,
        "created": inputs.created,
        "status": "PENDING REVIEW",
        "goal": inputs.goal,
        "covers": [inputs.config_path] if inputs.config_path else [],
        "world_model": world_model,
        "data": {
            "dataset": inputs.dataset,
            "games": inputs.games,
            "est_total_frames": est.total_frames,
            "train_examples": est.train_examples,
            "val_examples": est.val_examples,
            "predict_player": inputs.player,
        },
        "model": {
            "architecture": str(model_config.get("architecture", "PolicyMLP")),
            "parameters": parameters,
            "context_len": dims["context_len"],
            "hidden_dim": dims["hidden_dim"],
            "trunk_dim": dims["trunk_dim"],
            "dropout": model_config.get("dropout", 0.0),
        },
        "training": {
            "epochs": inputs.epochs,
            "batch_size": inputs.batch_size,
            "lr": inputs.lr,
            "weight_decay": training_config.get("weight_decay", 0.0),
            "optimizer": optimizer_text(training_config),
            "device": inputs.device,
        },
        "timing": {
            "hardware": est.hardware_label,
            "batch_seconds": est.seconds_per_batch,
            "batch_basis": est.basis,
            "data_load_s": round(est.data_load_s, 1),
            "batches_per_epoch": est.batches_per_epoch,
            "epoch_s": round(est.epoch_s, 1),
            "training_s": round(est.training_s, 1),
            "wall_s": round(est.wall_s, 1),
            "recommended_epochs": list(estimate.recommended_epochs(inputs.games)),
        },
        **_cloud(inputs, est),
        "baselines": [dict(b) for b in inputs.baselines],
        "baseline_warnings": list(inputs.baseline_warnings),
        "targets": targets(inputs.baselines),
        "flags": [],
        "launch": launch,
        "after_training": after_training(inputs, players),
        "signoff": [],
    }
    flags = estimate.seed_flags(
        policy_games=inputs.games,
        world_model_games=inputs.world_model_games,
        epochs=inputs.epochs,
        device=inputs.device,
        wandb=tracked(data),
    )
    if inputs.rented is not None:
        flags += section_for(
            inputs.rented,
            seconds_per_batch=est.seconds_per_batch,
            batches=est.batches_per_epoch,
            training_s=est.training_s,
            load_s=est.data_load_s,
        )[1]
    data["flags"] = [{"code": f.code, "message": f.message} for f in flags]
    return data, flags


def _cloud(inputs: Inputs, est: estimate.Estimate) -> dict[str, Any]:
    """`cloud:`, the rented GPU's cost, timeout and logging (absent for a local device)."""
    if inputs.rented is None:
        return {}
    section_data, _ = section_for(
        inputs.rented,
        seconds_per_batch=est.seconds_per_batch,
        batches=est.batches_per_epoch,
        training_s=est.training_s,
        load_s=est.data_load_s,
    )
    return {"cloud": section_data}


def _rented_line(rented: Any) -> list[str]:
    if not isinstance(rented, Mapping):
        return []
    from gate.kinds.cloud import duration, usd

    count = rented["gpu_count"]
    gpus = rented["gpu"] + (
        f" x{count}, {rented['parallel_speedup']}x one GPU" if count > 1 else ""
    )
    return [
        f"  Cloud: ~{usd(rented['cost_usd'])} on {gpus}; recommended timeout "
        f"{duration(rented['recommended_timeout_s'])}"
    ]


def summary(
    data: Mapping[str, Any],
    *,
    path: str,
    reviewers: Sequence[str],
    notes: Sequence[str],
    written: bool,
) -> str:
    """The seed's compact summary, then where the card is and whom it awaits."""
    d, m, t, tm = (data[k] for k in ("data", "model", "training", "timing"))
    rows = data.get("baselines") or []
    stick = _best(rows, "stick_mae", low=True)
    button = _best(rows, "btn_pressed_acc", low=False)
    lines = [
        f"Policy Card: {data['run_name']}",
        f"  Goal: {data['goal']}",
        f"  Data: {d['games']:,} games (~{d['est_total_frames']:,} frames), player "
        f"{d['predict_player']}",
        f"  Model: {m['architecture']} {m['parameters']:,} params, K={m['context_len']}",
        f"  Training: {t['epochs']} epochs, bs={t['batch_size']}, {t['device']}",
        f"  Timing: {estimate.format_hours_minutes(tm['wall_s'])} (incl. "
        f"{estimate.format_minutes(tm['data_load_s'])} data load)",
        *_rented_line(data.get("cloud")),
        "  Baseline: "
        + (
            f"stick_mae={stick:.4g}, btn_pressed={button * 100:.1f}%"
            if stick is not None and button is not None
            else "no prior runs found"
        ),
    ]
    concerns = [f["message"] for f in data.get("flags") or []] + list(notes)
    lines += ["", "  Concerns:", *(f"    - {c}" for c in concerns or ["none"])]
    lines += [
        "",
        f"Card written to: {path}" if written else f"Card for: {path} (not written)",
        f"Awaiting sign-off from: {', '.join(reviewers)}",
    ]
    return "\n".join(lines)
