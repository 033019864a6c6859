"""`gate generate --kind run`: gather the facts (I/O), build the card, summarise.

Facts: the world-model config YAML and prior world-model manifests under `[tool.gate]
manifests` (`gather`), the launch script's Modal decorator, parsed, never run (`launch`),
the GPU table (`gate.kinds.gpus`) and the platform's maximum timeout.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gate.errors import GateError
from gate.kinds import gpus
from gate.kinds.options import Common, typed
from gate.kinds.run import launch as launches
from gate.kinds.run.build import (
    Inputs,
    build,
    parameters_of,
    plural,
    unread,
)
from gate.kinds.run.compare import most_comparable
from gate.kinds.run.gather import find_priors, games_of, read_config
from gate.kinds.run.summary import summary
from gate.kinds.values import UNKNOWN, architecture, section
from gate.kinds.write import relative, write_card
from gate.sources import launch_script

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gate.config import Config
    from gate.git import Repository
    from gate.kinds.calibration import Calibrated, LoadRate


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
        help="games in the encoded file (default: the config's data.max_games; required "
        "when it is 0, every game)",
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
    gpus.add_gpu_argument(run)
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
        help="the decorated function to launch (default: [tool.gate.kinds.run] "
        "launch_function, else the one with gpu=)",
    )
    run.add_argument(
        "--batch-seconds",
        type=float,
        metavar="S",
        help="your measured seconds per batch on one GPU (default: the GPU table's; "
        "several GPUs: the card applies the data-parallel efficiency)",
    )


@dataclasses.dataclass(frozen=True)
class Options(Common):
    """`gate generate --kind run`, typed."""

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
    return generate(typed(Options, args), repo, config)


def _positive(name: str, value: Any) -> None:
    if value is not None and value <= 0:
        raise GateError(f"{name} must be positive, got {value}")


def calibrate(
    repo: Repository,
    config: Config,
    table: Mapping[str, gpus.Gpu],
    *,
    gpu: gpus.Gpu,
    batch_size: int,
    architecture: str,
    parameters: int | None,
) -> tuple[Calibrated | None, LoadRate | None]:
    """The speed and data-load rate comparable finished runs measured (none: the seed's)."""
    from gate.kinds import calibration
    from gate.kinds.calibration_sources import gather

    samples = gather(repo.root, config, table)
    return (
        calibration.calibrate(
            samples,
            gpu=gpu.name,
            batch_size=batch_size,
            architecture=architecture,
            parameters=parameters,
        ),
        calibration.load_rate(samples, gpu=gpu.name),
    )


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
    launch, notes = launches.find(
        script=args.launch_script,
        function=args.launch_function,
        repo=repo,
        config=config,
        config_path=config_path,
    )
    table = gpus.gpu_table(config.gpus, source=config.source)
    gpu, count = launches.gpu(args.gpu, launch, table)

    def required(value: Any, flag: str) -> Any:
        if value is None:
            raise GateError(f"{args.config}: no value for {flag}")
        return value

    games, game_notes = games_of(args.encoded_games, data, config_path)
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
    calibrated, rate = calibrate(
        repo,
        config,
        table,
        gpu=gpu,
        batch_size=batch_size,
        architecture=arch,
        parameters=parameters_of(world, priors)[0],
    )
    what = arch if arch != UNKNOWN else "a world model (architecture unknown)"
    inputs = Inputs(
        run_name=args.run_name,
        created=dt.date.today().isoformat(),
        goal=args.goal
        or (
            f"Train {what} on {plural(games, 'game')} for "
            f"{plural(epochs, 'epoch')} on {gpus.spec(gpu.name, count)}"
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
        timeout_s=launches.timeout(args.timeout, launch),
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
        max_timeout_s=config.kind("run").max_timeout,
        calibrated=calibrated,
        load_rate=rate,
    )
    card, _ = build(inputs, comparable)
    if card["model"]["parameters"] is None:
        why = str(card["model"]["parameters_source"]).removeprefix("unknown: ")
        notes.append(f"the parameter count is unknown: {why}")
    return write_card(
        repo,
        config,
        card,
        [*game_notes, *unread(world), *notes, *prior_notes],
        summary=summary,
        stdout=args.stdout,
        force=args.force,
    )
