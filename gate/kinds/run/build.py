"""A world-model run card's data from gathered facts (the summary is `summary.py`). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.kinds.base import Flag
from gate.kinds.run import estimate as ge
from gate.kinds.run.compare import Prior, differences, flatten, prior_rows, targets
from gate.kinds.values import UNKNOWN, architecture, section

if TYPE_CHECKING:
    from gate.kinds.calibration import Calibrated, LoadRate
    from gate.kinds.gpus import Gpu

LOCAL_TRAIN = ".venv/bin/python -m worldmodel.scripts.train"
MODEL_DIMENSIONS = ("d_model", "n_layers", "d_state", "context_len", "chunk_size", "headdim")
# an MLP world model's dimensions: on the card when the config gives them
MLP_DIMENSIONS = ("hidden_dim", "trunk_dim")
# training: the config's flat scheduled-sampling keys -> the card's
SCHEDULED_SAMPLING = (
    ("rate", "scheduled_sampling"),
    ("noise", "ss_noise_scale"),
    ("anneal_epochs", "ss_anneal_epochs"),
    ("corrupt_frames", "ss_corrupt_frames"),
)


class Inputs(NamedTuple):
    run_name: str
    created: str
    goal: str
    config_path: str  # repository-relative
    config: Mapping[str, Any]  # the world-model config YAML
    encoded_file: str | None
    games: int
    frames: int | None  # None: games x 9,400
    size_gb: float | None  # None: estimated from the frames
    epochs: int
    batch_size: int
    lr: float
    log_interval: int | None
    gpu: Gpu
    gpu_count: int
    measured_batch_seconds: float | None
    timeout_s: int | None  # None: the recommended timeout
    launch_script: str | None  # repository-relative
    launch_function: str | None
    ram_gb: float | None
    wandb_project: str | None
    priors: Sequence[Prior]
    overrides: Mapping[str, str]  # launch flags beyond the config, e.g. --lr
    max_timeout_s: int | None = None  # the platform's ([tool.gate.kinds.run] max_timeout)
    calibrated: Calibrated | None = None  # the speed comparable finished runs measured
    load_rate: LoadRate | None = None  # the data-load rate they measured


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def unread(config: Mapping[str, Any]) -> list[str]:
    """What the card cannot say about the config's model, for `gate generate`'s notes."""
    model = section(config, "model")
    found = []
    if architecture(model) == UNKNOWN:
        given = [k for k in (*MODEL_DIMENSIONS, *MLP_DIMENSIONS) if model.get(k) is not None]
        found.append(
            "the config's model: names no arch: the card's architecture is unknown (it "
            f"records {', '.join(given) or 'no dimension'}); set model.arch, e.g. mlp"
        )
    return found


def optimizer_text(training: Mapping[str, Any]) -> str:
    name = str(training.get("optimizer", "adamw"))
    pretty = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}.get(name.lower(), name)
    return name if "+" in name else f"{pretty} + {training.get('lr_schedule') or 'cosine'} LR"


def scheduled_sampling(training: Mapping[str, Any]) -> dict[str, Any] | None:
    """The config's scheduled sampling, or None when it is off (rate 0 or unset)."""
    if not training.get("scheduled_sampling"):
        return None
    return {card: training.get(key) for card, key in SCHEDULED_SAMPLING}


def launch_command(inputs: Inputs, *, resume: bool = False) -> str:
    if inputs.launch_script and inputs.launch_function:
        head = f".venv/bin/modal run --detach {inputs.launch_script}::{inputs.launch_function} \\"
    else:
        head = f"{LOCAL_TRAIN} \\"
    lines = [head, f"    --config {inputs.config_path} \\"]
    data = f"--encoded-file {inputs.encoded_file} " if inputs.encoded_file else ""
    lines.append(f"    {data}--epochs {inputs.epochs} \\")
    extra = " ".join(f"{flag} {value}" for flag, value in inputs.overrides.items())
    if extra:
        lines.append(f"    {extra} \\")
    tail = f" \\\n    --resume {inputs.run_name}/latest.pt" if resume else ""
    return "\n".join(lines) + f"\n    --run-name {inputs.run_name}{tail}"


def _parameters(inputs: Inputs) -> tuple[int | None, str]:
    return parameters_of(inputs.config, inputs.priors)


def parameters_of(config: Mapping[str, Any], priors: Sequence[Prior]) -> tuple[int | None, str]:
    """The parameter count of a prior run with the same model section, and its source."""
    model = {k: v for k, v in flatten(config).items() if k.startswith("model.")}
    for prior in priors:
        count = prior.config.get("model_params")
        same = {k: v for k, v in flatten(prior.config).items() if k.startswith("model.")}
        if same == model and isinstance(count, int) and not isinstance(count, bool):
            return count, f"from {prior.run}'s manifest: the same model section"
    return None, "unknown: no prior run has this model section; the training log prints it"


def _whats_new(inputs: Inputs, comparable: Prior | None) -> list[dict[str, Any]]:
    if comparable is None:
        return []
    found = differences(comparable.config, inputs.config)
    if comparable.games is not None and comparable.games != inputs.games:
        found.insert(0, {"key": "data.games", "prior": comparable.games, "now": inputs.games})
    return found


def _launch_covers(inputs: Inputs) -> list[str]:
    """The launched function of the launch script (`path::function`: another function of
    a shared script may change without voiding the approval), else the whole script."""
    if not inputs.launch_script:
        return []
    if inputs.launch_function:
        return [f"{inputs.launch_script}::{inputs.launch_function}"]
    return [inputs.launch_script]


def build(inputs: Inputs, comparable: Prior | None) -> tuple[dict[str, Any], list[Flag]]:
    """The card's data (front matter) and its flags."""
    model_config, training = section(inputs.config, "model"), section(inputs.config, "training")
    frames = inputs.frames if inputs.frames is not None else ge.total_frames(inputs.games)
    size_gb = inputs.size_gb if inputs.size_gb is not None else ge.estimated_gb(frames)
    split = training.get("train_split", 0.9)
    calibrated = inputs.calibrated if inputs.measured_batch_seconds is None else None
    if calibrated is not None:
        speed = ge.BatchSpeed(calibrated.seconds, calibrated.basis)
    else:
        speed = ge.batch_speed(inputs.gpu, inputs.batch_size, inputs.measured_batch_seconds)
    efficiency = inputs.gpu.parallel_efficiency
    rate = inputs.load_rate
    est = ge.estimate_run(
        frames=frames,
        train_split=split,
        batch_size=inputs.batch_size,
        epochs=inputs.epochs,
        speed=speed,
        usd_per_hour=inputs.gpu.usd_per_hour,
        gpus=inputs.gpu_count,
        size_gb=size_gb,
        log_interval=inputs.log_interval,
        parallel_efficiency=efficiency,
        max_timeout_s=inputs.max_timeout_s,
        load_s_per_gb=rate.s_per_gb if rate is not None else ge.DATA_LOAD_S_PER_GB,
        slowest_batch_seconds=calibrated.high if calibrated is not None else None,
    )
    timeout = inputs.timeout_s if inputs.timeout_s is not None else est.recommended_timeout_s
    parameters, parameters_source = _parameters(inputs)
    goals = targets(inputs.priors)
    whats_new = _whats_new(inputs, comparable)
    fallback = (
        "If it dies, resume from the last checkpoint (resume command). If it diverges, "
        + (f"keep {comparable.run} as the baseline and " if comparable else "")
        + "reproduce the failure on a small encoded file before relaunching."
    )
    data: dict[str, Any] = {
        "kind": "run",
        "run_name": inputs.run_name,
        "created": inputs.created,
        "status": "PENDING REVIEW",
        "goal": inputs.goal,
        "covers": [inputs.config_path, *_launch_covers(inputs)],
        "targets": goals,
        "data": {
            "encoded_file": inputs.encoded_file,
            "size_gb": size_gb,
            "size_estimated": inputs.size_gb is None,
            "games": inputs.games,
            "total_frames": frames,
            "frames_estimated": inputs.frames is None,
            "train_split": split,
            "train_examples": est.train_examples,
            "val_examples": est.val_examples,
        },
        "model": {
            "architecture": architecture(model_config),
            "config": inputs.config_path,
            "parameters": parameters,
            "parameters_source": parameters_source,
            **{k: model_config.get(k) for k in MODEL_DIMENSIONS},
            **{k: model_config[k] for k in MLP_DIMENSIONS if k in model_config},
        },
        "training": {
            "epochs": inputs.epochs,
            "batch_size": inputs.batch_size,
            "lr": inputs.lr,
            "weight_decay": training.get("weight_decay", 0.0),
            "optimizer": optimizer_text(training),
            "scheduled_sampling": scheduled_sampling(training),
            "loss_weights": dict(section(inputs.config, "loss_weights")),
        },
        "infrastructure": {
            "gpu": inputs.gpu.name,
            "gpu_count": inputs.gpu_count,
            "launch_script": inputs.launch_script,
            "launch_function": inputs.launch_function,
            "ram_gb": inputs.ram_gb,
            "num_workers": training.get("num_workers"),
            "timeout_s": timeout,
            "wandb_project": inputs.wandb_project,
            "wandb_run": inputs.run_name if inputs.wandb_project else None,
        },
        "logging": {
            "log_interval": inputs.log_interval,
            "time_between_logs_s": _round(est.time_between_logs_s),
            "logs_per_epoch": est.logs_per_epoch,
        },
        "timing": {
            "gpu_label": inputs.gpu.label,
            "batch_seconds": est.batch_seconds,
            "batch_basis": est.basis,
            "usd_per_hour": inputs.gpu.usd_per_hour,
            "batches_per_epoch": est.batches_per_epoch,
            "epoch_s": _round(est.epoch_s),
            "training_s": _round(est.training_s),
            "data_load_s": _round(est.data_load_s),
            "wall_s": _round(est.wall_s),
            "cost_usd": round(est.cost_usd, 2),
            "recommended_timeout_s": est.recommended_timeout_s,
            "timeout_margin": round(timeout / est.wall_s, 2) if est.wall_s else None,
            **_parallel(inputs.gpu_count, efficiency, est),
            **_platform(inputs.max_timeout_s, est),
            **_calibration(calibrated, rate),
        },
        "escape_hatches": {
            "kill": [f"{row['metric']} {row['kill']}" for row in goals if row["baseline"]]
            + ["loss is NaN or explodes", "out of memory (OOM) or data loader stalls"],
            "resume": launch_command(inputs, resume=True),
            "fallback": fallback,
        },
        "comparable": (
            {"run": comparable.run, "manifest": comparable.manifest} if comparable else None
        ),
        "prior_runs": prior_rows(inputs.priors, inputs.config),
        "whats_new": whats_new,
        "flags": [],
        "launch": {"command": launch_command(inputs)},
        "signoff": [],
    }
    flags = ge.flags(
        est, timeout_s=timeout, log_interval=inputs.log_interval, run_name=inputs.run_name
    )
    changed = [d["key"] for d in whats_new if d["key"] != "data.games"]
    if comparable is not None and changed:
        flags.append(
            Flag(
                ge.CONFIG_DIFF,
                f"{len(changed)} config key(s) differ from the most "
                f"comparable prior run {comparable.run}: "
                f"{', '.join(changed)} (see What's New)",
            )
        )
    data["flags"] = [{"code": f.code, "message": f.message} for f in flags]
    return data, flags


def _parallel(count: int, efficiency: float, est: ge.RunEstimate) -> dict[str, Any]:
    """Several GPUs: the data-parallel efficiency the estimate used, and its speed-up."""
    if count == 1:
        return {}
    return {"parallel_efficiency": efficiency, "parallel_speedup": round(est.parallel_speedup, 4)}


def _platform(limit: int | None, est: ge.RunEstimate) -> dict[str, Any]:
    """A platform maximum: the uncapped timeout the run needs beside the capped one."""
    if limit is None:
        return {}
    return {"max_timeout_s": limit, "required_timeout_s": est.required_timeout_s}


def _calibration(calibrated: Calibrated | None, rate: LoadRate | None) -> dict[str, Any]:
    """A calibrated card: the spread of the runs its speed came from (the recommended
    timeout uses the top), and the data-load rate they measured with its source."""
    found: dict[str, Any] = {}
    if calibrated is not None:
        found["batch_seconds_range"] = [calibrated.low, calibrated.high]
    if rate is not None:
        found["data_load_s_per_gb"] = rate.s_per_gb
        found["data_load_basis"] = rate.basis
    return found


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
