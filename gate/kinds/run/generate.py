"""`gate generate --kind run`: gather the facts (I/O), build the card, summarise.

Facts: the world-model config YAML, the launch script's Modal decorator (parsed, never
run), the GPU table, and prior world-model manifests under `[tool.gate] manifests`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import GateError
from gate.kinds.covered import load_yaml
from gate.kinds.run import gpus
from gate.kinds.run.build import Inputs, architecture, build, plural, summary
from gate.kinds.run.compare import Prior, is_world_model_config, most_comparable
from gate.kinds.run.compare import prior_from_manifest as as_prior
from gate.kinds.run.exempt import Launch, convention_launch
from gate.kinds.values import section
from gate.kinds.write import relative, write_card
from gate.sources import launch_script

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Repository


def add_arguments(gen: argparse.ArgumentParser) -> None:
    """`gate generate --kind run`'s own flags: the world-model run's facts."""
    run = gen.add_argument_group("--kind run (a world-model GPU run)")
    run.add_argument(
        "--encoded-file",
        metavar="PATH",
        help="the encoded data file on the training volume, e.g. /encoded-22k.pt",
    )
    run.add_argument(
        "--encoded-games",
        type=int,
        metavar="N",
        help="games in the encoded file (default: the config's data.max_games)",
    )
    run.add_argument(
        "--encoded-frames",
        type=int,
        metavar="N",
        help="frames in the encoded file (default: games x 9,400)",
    )
    run.add_argument(
        "--encoded-gb",
        type=float,
        metavar="GB",
        help="size of the encoded file; data load is 3 min per GB (default: "
        "estimated from the frames)",
    )
    run.add_argument(
        "--gpu",
        metavar="NAME[:COUNT]",
        help="GPU from the GPU table, e.g. A100, H100:2 (default: the launch script's gpu=)",
    )
    run.add_argument(
        "--timeout",
        type=int,
        metavar="SECONDS",
        help="the run's timeout (default: the launch script's timeout=, else the recommended one)",
    )
    run.add_argument(
        "--log-interval",
        type=int,
        metavar="N",
        help="batches between log lines (default: the config's "
        "training.log_interval); passed on the launch command",
    )
    run.add_argument(
        "--launch-script",
        metavar="PATH",
        help="Python launch script with a Modal-style @app.function(gpu=..., "
        "timeout=...) (default: found by convention)",
    )
    run.add_argument(
        "--launch-function",
        metavar="NAME",
        help="the decorated function to launch (default: the one with gpu=)",
    )
    run.add_argument(
        "--batch-seconds",
        type=float,
        metavar="S",
        help="your measured seconds per batch (default: the GPU table's)",
    )


class Options(NamedTuple):
    """`gate generate --kind run`, typed."""

    run_name: str
    config: str | None
    epochs: int | None
    batch_size: int | None
    lr: float | None
    goal: str | None
    wandb: str | None
    no_wandb: bool
    stdout: bool
    force: bool
    encoded_file: str | None
    encoded_games: int | None
    encoded_frames: int | None
    encoded_gb: float | None
    gpu: str | None
    timeout: int | None
    log_interval: int | None
    launch_script: str | None
    launch_function: str | None
    batch_seconds: float | None


def run(args: argparse.Namespace, repo: Repository, config: Config) -> int:
    from gate.kinds.options import values

    return generate(Options._make(values(Options._fields, args)), repo, config)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GateError(f"{what} {path}: {exc.strerror}") from None


def read_config(path: Path) -> dict[str, Any]:
    loaded, problem = load_yaml(_read(path, "--config"))
    if problem is not None:
        raise GateError(f"{path}: {problem}")
    if not isinstance(loaded, dict) or not is_world_model_config(loaded):
        raise GateError(
            f"{path}: a world-model config is a YAML mapping whose `model:` names "
            "`arch` or `d_model` (and a `training:` section)"
        )
    if not isinstance(loaded.get("training"), dict):
        raise GateError(f"{path}: missing the `training:` section")
    return loaded


def find_launch(
    args: Options, repo: Repository, config: Config, config_path: str
) -> tuple[Launch | None, list[str]]:
    """The launch script named, else one found by convention (see `run_exempt`)."""
    if args.launch_script is None:
        found = convention_launch(config_path, repo.worktree(), config)
        note = (
            [
                f"launch script by convention: {found.script} (@{found.function.name}); "
                "pass --launch-script to choose another"
            ]
            if found
            else []
        )
        return found, note
    path = Path(args.launch_script)
    script = relative(repo, path, "--launch-script")
    try:
        functions = launch_script.modal_functions(_read(path, "--launch-script").decode("utf-8"))
        function = launch_script.pick(functions, args.launch_function)
    except UnicodeDecodeError:
        raise GateError(f"--launch-script {path}: not UTF-8") from None
    except launch_script.LaunchProblem as exc:
        raise GateError(
            f"--launch-script {script}:{exc.line}: {exc.message}"
            if exc.line
            else f"--launch-script {script} {exc.message}"
        ) from None
    return Launch(script, function), []


def _gpu(args: Options, launch: Launch | None, table: dict[str, gpus.Gpu]) -> tuple[gpus.Gpu, int]:
    if launch is None:
        if not args.gpu:
            raise GateError(
                "--gpu NAME is required: no launch script names one "
                f"(GPU table: {', '.join(sorted(table))})"
            )
        name, count = gpus.split_spec(args.gpu)
        return gpus.lookup(name, table), count
    setting = launch.function.gpu
    if not launch_script.readable(setting):
        raise GateError(
            f"{launch.script}:{setting.line}: cannot read {setting.text} without "
            "running the script: write the GPU as a string literal"
        )
    spec = setting.value if launch_script.is_set(setting) else "CPU"
    name, count = gpus.split_spec(spec)
    if args.gpu:
        given, given_count = gpus.split_spec(args.gpu)
        if (gpus.canonical(given, table), given_count) != (gpus.canonical(name, table), count):
            raise GateError(
                f"--gpu {args.gpu} but {launch.script}:{setting.line} says "
                f"{setting.text}: the card must describe what launches; edit the "
                "launch script first"
            )
    return gpus.lookup(name, table), count


def _timeout(args: Options, launch: Launch | None) -> int | None:
    if launch is None:
        given: int | None = args.timeout
        return given
    seconds = launch_script.effective_timeout(launch.function)
    setting = launch.function.timeout
    if seconds is None:
        raise GateError(
            f"{launch.script}:{setting.line}: cannot read {setting.text} without "
            "running the script: write the timeout as a number of seconds"
        )
    if args.timeout is not None and args.timeout != seconds:
        said = setting.text if launch_script.is_set(setting) else f"no timeout= ({seconds} s)"
        raise GateError(
            f"--timeout {args.timeout} but {launch.script}:{setting.line} says "
            f"{said}: edit the launch script first"
        )
    return seconds


def find_priors(repo: Repository, config: Config) -> tuple[list[Prior], list[str]]:
    """World-model manifests under [tool.gate] manifests, as prior runs."""
    from gate.git.globs import compile_globs

    pattern = compile_globs(config.manifests)
    priors, notes = [], []
    tracked = repo.index()
    for path in sorted(repo.root.rglob("manifest.json")):
        where = path.relative_to(repo.root).as_posix()
        if not pattern.match(where):
            continue
        try:
            prior = as_prior(where, json.loads(path.read_bytes()))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            notes.append(f"skipped {where}: {exc}")
            continue
        if prior is not None:
            priors.append(prior)
            if not tracked.has(where):
                notes.append(
                    f"the prior run's manifest {where} is not tracked by git: CI "
                    "cannot check What's New against it; commit it"
                )
    return priors, notes


def _positive(name: str, value: Any) -> None:
    if value is not None and value <= 0:
        raise GateError(f"{name} must be positive, got {value}")


def generate(args: Options, repo: Repository, config: Config) -> int:
    if not args.config:
        raise GateError("--config PATH is required: the world-model config the card covers")
    for name in (
        "encoded_games",
        "encoded_frames",
        "encoded_gb",
        "epochs",
        "batch_size",
        "log_interval",
        "timeout",
        "batch_seconds",
    ):
        _positive(f"--{name.replace('_', '-')}", getattr(args, name, None))
    world = read_config(Path(args.config))
    config_path = relative(repo, Path(args.config), "--config")
    training, data = section(world, "training"), section(world, "data")
    launch, notes = find_launch(args, repo, config, config_path)
    table = gpus.gpu_table(config.gpus, source=config.source)
    gpu, count = _gpu(args, launch, table)

    def required(value: Any, flag: str) -> Any:
        if value is None:
            raise GateError(f"{args.config}: no value for {flag}")
        return value

    games = int(
        required(args.encoded_games or data.get("max_games"), "--encoded-games (or data.max_games)")
    )
    epochs = int(
        required(
            args.epochs or training.get("num_epochs") or training.get("epochs"),
            "--epochs (or training.num_epochs)",
        )
    )
    batch_size = int(
        required(
            args.batch_size or training.get("batch_size"), "--batch-size (or training.batch_size)"
        )
    )
    lr = float(
        required(args.lr if args.lr is not None else training.get("lr"), "--lr (or training.lr)")
    )
    log_interval = args.log_interval or training.get("log_interval")
    overrides = {
        flag: str(given)
        for flag, given, key in (
            ("--batch-size", args.batch_size, "batch_size"),
            ("--lr", args.lr, "lr"),
            ("--log-interval", args.log_interval, "log_interval"),
        )
        if given is not None and given != training.get(key)
    }
    priors, prior_notes = find_priors(repo, config)
    comparable = most_comparable(priors, world)
    if launch is not None and not repo.index().has(launch.script):
        notes.append(
            f"the launch script {launch.script} is not tracked by git: commit it "
            "with the card, which covers it"
        )
    memory = launch.function.memory if launch is not None else None
    arch = architecture(section(world, "model"))
    inputs = Inputs(
        run_name=args.run_name,
        created=dt.date.today().isoformat(),
        goal=args.goal
        or (
            f"Train {arch} on {plural(games, 'game')} for "
            f"{plural(epochs, 'epoch')} on {gpu.name}"
            + (f", against {comparable.run}" if comparable else "")
            + "."
        ),
        config_path=config_path,
        config=world,
        encoded_file=args.encoded_file,
        games=games,
        frames=args.encoded_frames,
        size_gb=args.encoded_gb,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        log_interval=int(log_interval) if log_interval else None,
        gpu=gpu,
        gpu_count=count,
        measured_batch_seconds=args.batch_seconds,
        timeout_s=_timeout(args, launch),
        launch_script=launch.script if launch else None,
        launch_function=launch.function.name if launch else None,
        ram_gb=(
            round(memory.value / 1024, 1)
            if memory is not None and launch_script.is_set(memory)
            else None
        ),
        wandb_project=None if args.no_wandb else (args.wandb or config.wandb),
        priors=priors,
        overrides=overrides,
    )
    card, _ = build(inputs, comparable)
    return write_card(
        repo,
        config,
        card,
        notes + prior_notes,
        summary=summary,
        stdout=args.stdout,
        force=args.force,
    )
