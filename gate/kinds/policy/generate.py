"""`gate generate` for policy cards: gather the facts (I/O), build the card, summarise."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import GateError
from gate.kinds import gpus
from gate.kinds.options import Common, typed
from gate.kinds.policy.build import Inputs, build, summary
from gate.kinds.policy.cloud import Rented
from gate.kinds.policy.hardware import hardware_table
from gate.kinds.write import relative, write_card
from gate.sources import manifest, yamlio

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gate.config import Config
    from gate.git import Repository

PLAYERS = ("0", "1", "both")


def add_arguments(gen: argparse.ArgumentParser) -> None:
    """`gate generate --kind policy`'s own flags."""
    group = gen.add_argument_group("--kind policy (an imitation-learning policy)")
    group.add_argument(
        "--games",
        metavar="N|match",
        help="games to train on, or 'match' for the world model's (default)",
    )
    group.add_argument("--player", default="both", help="player to predict: 0, 1 or both")
    group.add_argument("--device", choices=("mps", "cpu", "cuda"), help="where training runs")
    gpus.add_gpu_argument(group)
    group.add_argument(
        "--world-model", metavar="PATH", help="world-model manifest.json, or its checkpoint folder"
    )
    group.add_argument("--dataset", metavar="DIR", help="parsed dataset (meta.json + games/)")


@dataclasses.dataclass(frozen=True)
class Options(Common):
    """`gate generate --kind policy`, typed."""

    games: str | None
    player: str
    device: str | None
    world_model: str | None
    dataset: str | None
    gpu: str | None


def run(args: argparse.Namespace, repo: Repository, config: Config) -> int:
    return generate(typed(Options, args), repo, config)


class WorldModelFacts(NamedTuple):
    path: Path
    checkpoint: str
    model: manifest.WorldModel


def read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GateError(f"--config {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise GateError(f"--config {path}: not UTF-8") from None
    try:
        loaded = yamlio.load_plain(text)
    except yamlio.YamlProblem as exc:
        raise GateError(f"{path}:{exc.line}: {exc.message}") from None
    if not isinstance(loaded, dict):
        raise GateError(
            f"{path}: a policy config is a YAML mapping with `model:` and `training:` sections"
        )
    for section in ("model", "training"):
        if not isinstance(loaded.get(section), dict):
            raise GateError(f"{path}: missing the `{section}:` section")
    for key in ("context_len", "hidden_dim", "trunk_dim"):
        if not isinstance(loaded["model"].get(key), int):
            raise GateError(f"{path}: model.{key} must be a whole number")
    return loaded


def find_world_model(given: str | None, repo: Repository, config: Config) -> WorldModelFacts:
    """The manifest named, or the newest world-model manifest under [tool.gate] manifests."""
    if given is not None:
        path = Path(given)
        if path.is_dir():
            path = path / "manifest.json"
    else:
        from gate.git.globs import compile_globs

        pattern = compile_globs(config.manifests)
        found = [
            p
            for p in repo.root.rglob("manifest.json")
            if pattern.match(p.relative_to(repo.root).as_posix())
            and not p.parent.name.startswith("policy")
        ]
        if not found:
            raise GateError(
                "no world-model manifest found under [tool.gate] manifests "
                f"{list(config.manifests)}: pass --world-model PATH"
            )
        path = max(found, key=lambda p: p.stat().st_mtime)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GateError(f"--world-model {path}: {exc.strerror}") from None
    try:
        model = manifest.parse(raw)
    except manifest.ManifestProblem as exc:
        raise GateError(f"{path}: {exc}") from None
    return WorldModelFacts(path, path.parent.name, model)


def _games(args: Options, wm: WorldModelFacts | None, available: int) -> int:
    if args.games in (None, "match"):
        if wm is None:
            raise GateError("--games match needs a world model (--world-model PATH)")
        return wm.model.games
    try:
        games = int(args.games)
    except ValueError:
        raise GateError(f"--games: expected a number or 'match', got {args.games!r}") from None
    if games < 1:
        raise GateError("--games must be at least 1")
    return games


def _changed(training: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The card's values that differ from what the config sets (`gate check` compares
    those with the config unless the launch command passes them)."""
    names = {"epochs": ("epochs", "num_epochs")}
    changed = {}
    for key, value in values.items():
        given = [training[k] for k in names.get(key, (key,)) if training.get(k) is not None]
        if given and str(given[0]) != str(value):
            changed[key] = value
    return changed


def _device(args: Options, training: dict[str, Any], config: Config) -> tuple[str, Rented | None]:
    """Where the policy trains: `--device`, else the config's, else mps; `--gpu` rents a
    GPU from the GPU table (device cuda) and adds cost, timeout and logging to the card."""
    if not args.gpu:
        return str(args.device or training.get("device") or "mps"), None
    if args.device not in (None, "cuda"):
        raise GateError(
            f"--gpu {args.gpu} rents a GPU: the device is cuda, not --device {args.device}"
        )
    name, count = gpus.split_spec(args.gpu)
    gpu = gpus.lookup(name, gpus.gpu_table(config.gpus, source=config.source))
    interval = training.get("log_interval")
    if interval is not None and (
        isinstance(interval, bool) or not isinstance(interval, int) or interval < 1
    ):
        raise GateError(
            f"--config: training.log_interval: expected a whole number >= 1, got {interval!r}"
        )
    return "cuda", Rented(gpu, count, config.kind("policy").max_timeout, interval)


def _calibrated(
    repo: Repository,
    config: Config,
    *,
    policy_config: Mapping[str, Any],
    rented: Rented | None,
    device: str,
    batch_size: int,
) -> tuple[float, str] | None:
    """The speed comparable finished policies measured on this GPU (or device), with its
    basis; None: the seed's hardware table."""
    from gate.kinds import calibration
    from gate.kinds.calibration_sources import gather
    from gate.kinds.policy import estimate

    model = policy_config.get("model")
    model = model if isinstance(model, dict) else {}
    dims = {k: model[k] for k in estimate.POLICY_MLP_DIMENSIONS if k in model}
    try:
        parameters: int | None = estimate.policy_mlp_parameters(**dims)
    except (GateError, TypeError):
        parameters = None
    table = gpus.gpu_table(config.gpus, source=config.source)
    found = calibration.calibrate(
        gather(repo.root, config, table),
        gpu=rented.gpu.name if rented is not None else gpus.canonical(device, table),
        batch_size=batch_size,
        architecture=str(model.get("architecture", "PolicyMLP")),
        parameters=parameters,
    )
    return None if found is None else (found.seconds, found.basis)


def generate(args: Options, repo: Repository, config: Config) -> int:
    from gate.kinds.policy.baselines import gather_baselines
    from gate.sources import dataset

    if args.player not in PLAYERS:
        raise GateError(f"--player: expected one of {', '.join(PLAYERS)}")
    if not args.config:
        raise GateError("--config PATH is required: the policy config the card covers")
    config_path = Path(args.config)
    policy_config = read_config(config_path)
    wm = find_world_model(args.world_model, repo, config)
    dataset_dir = args.dataset or config.dataset
    if dataset_dir is None:
        raise GateError("--dataset DIR is required (or set [tool.gate] dataset)")
    facts = dataset.count_training_games(Path(dataset_dir))
    games = _games(args, wm, facts.games)
    training = policy_config["training"]
    epochs = args.epochs or training.get("epochs") or training.get("num_epochs")
    batch_size = args.batch_size or training.get("batch_size")
    lr = args.lr if args.lr is not None else training.get("lr")
    device, rented = _device(args, training, config)
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("lr", lr)):
        if value is None:
            raise GateError(
                f"{args.config}: training.{name} is missing (or pass --{name.replace('_', '-')})"
            )
    overrides = {"--lr": str(args.lr)} if args.lr is not None else {}
    template = config.kind("policy").launch
    if template is not None:
        from gate.kinds.policy import launch

        values = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "device": device}
        launch.check_passes(template, changed=_changed(training, values), overrides=overrides)
    project = None if args.no_wandb else (args.wandb or config.wandb)
    report = gather_baselines(repo.root, wandb_project=project)
    notes: list[str] = list(report.warnings)
    if games > facts.games:
        notes.append(
            f"the dataset {dataset_dir} has only {facts.games:,} training games, "
            f"fewer than the {games:,} the card asks for"
        )
    manifest_path = relative(repo, wm.path, "--world-model")
    if not repo.index().has(manifest_path):
        notes.append(
            f"the world-model manifest {manifest_path} is not tracked by git: CI "
            "reads the commit, so it cannot verify the distribution match; commit it "
            "(see README: keeping manifests where CI can read them)"
        )
    inputs = Inputs(
        run_name=args.run_name,
        created=dt.date.today().isoformat(),
        goal=args.goal
        or (
            f"Train a policy on {games:,} games to pair with the world model "
            f"{wm.checkpoint} ({wm.model.games:,} games)."
        ),
        games=games,
        player=args.player,
        dataset=str(dataset_dir),
        config_path=relative(repo, config_path, "--config"),
        config=policy_config,
        epochs=int(epochs),
        batch_size=int(batch_size),
        lr=float(lr),
        device=device,
        world_model_checkpoint=wm.checkpoint,
        world_model_manifest=manifest_path,
        world_model_games=wm.model.games,
        world_model_fingerprint=wm.model.fingerprint,
        baselines=[b._asdict() for b in report.baselines],
        baseline_warnings=list(report.warnings),
        hardware=hardware_table(config.hardware, source=config.source),
        overrides=overrides,
        rented=rented,
        launch_template=template,
        calibrated=_calibrated(
            repo,
            config,
            policy_config=policy_config,
            rented=rented,
            device=device,
            batch_size=int(batch_size),
        ),
    )
    data, _ = build(inputs)
    return write_card(
        repo, config, data, notes, summary=summary, stdout=args.stdout, force=args.force
    )
