"""When a world-model config needs no card: a run estimated at or under both thresholds.

`gate check` asks this for a gated file no card covers. It reads the config from the
snapshot, finds the GPU (the config's `training.device` for mps/cpu, else the launch
script function found by convention, see `launch`), estimates the training time and
cost, and gives the reason when both are within `[tool.gate] run_card_cost_usd` /
`run_card_hours`. Anything it cannot estimate needs a card (fail closed): several
launch functions with `gpu=` and none named (`[tool.gate.kinds.run] launch_function`),
`max_games: 0`, a GPU without a speed. `why_card` says which, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import GateError
from gate.kinds import gpus
from gate.kinds.covered import CONFIG_SUFFIXES, load_yaml
from gate.kinds.run import estimate as ge
from gate.kinds.run.compare import is_world_model_config
from gate.kinds.run.launch import convention
from gate.kinds.values import integer, section, whole

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git.snapshot import Snapshot

LOCAL_DEVICES = {"mps": "MPS", "cpu": "CPU"}
# Counts past this are no run gate can estimate in floating point (YAML reads any number
# of digits as an int): such a config needs a card.
LARGEST_COUNT = 2**53


class _Run(NamedTuple):
    """One way the config's run could go: on which GPU(s), and what it would take."""

    gpu: gpus.Gpu
    n_gpus: int
    where: str  # "training.device", "worldmodel/scripts/modal_train.py @train"
    training_s: float
    cost_usd: float


class Decision(NamedTuple):
    reason: str | None = None  # why no card is needed
    needed: str | None = None  # why a card is needed, when gate can say


def _way(
    path: str, loaded: Mapping[str, Any], snapshot: Snapshot, config: Config
) -> tuple[str, str] | str:
    """(GPU spec, where it comes from) of the run, or why gate cannot tell."""
    device = section(loaded, "training").get("device")
    if isinstance(device, str) and device.lower() in LOCAL_DEVICES:
        return LOCAL_DEVICES[device.lower()], "training.device"
    found = convention(path, snapshot, config)
    if found.launch is None:
        return found.problem or "no gated launch script with gpu= names its GPU"
    gpu, where = found.launch.function.gpu, f"{found.launch.script} @{found.launch.function.name}"
    from gate.sources import launch_script

    if not launch_script.readable(gpu):
        return f"{where}: {launch_script.unreadable(gpu)}"
    if not isinstance(gpu.value, str):
        return f"{where}: {gpu.text}, no GPU to estimate on"
    return gpu.value, where


def _estimate(
    spec: str,
    where: str,
    *,
    games: int,
    batch: int,
    epochs: int,
    loaded: Mapping[str, Any],
    table: Mapping[str, gpus.Gpu],
) -> _Run:
    training = section(loaded, "training")
    name, count = gpus.split_spec(spec)
    gpu = gpus.lookup(name, table)
    speed = ge.batch_speed(gpu, batch)
    train = ge.train_examples(ge.total_frames(games), training.get("train_split", 0.9))
    factor = gpus.speedup(count, gpu.parallel_efficiency)
    batches = ge.batches_per_epoch(train, batch)
    training_s = ge.training_time_s(ge.epoch_time_s(batches, speed.seconds / factor), epochs)
    return _Run(gpu, count, where, training_s, ge.cost_usd(training_s, gpu.usd_per_hour, count))


def decide(path: str, snapshot: Snapshot, config: Config) -> Decision:
    """Whether the config at `path` needs a card, and why (None/None: not a world-model
    config, so not this kind's to answer)."""
    if not path.endswith(CONFIG_SUFFIXES):
        return Decision()
    raw = snapshot.read(path)
    loaded, problem = load_yaml(raw) if raw is not None else (None, "unreadable")
    if problem is not None or not isinstance(loaded, dict) or not is_world_model_config(loaded):
        return Decision()
    training, data = section(loaded, "training"), section(loaded, "data")
    if integer(data.get("max_games")) == 0:
        return Decision(
            needed="data.max_games is 0 (every game): the estimate needs a game count; "
            "a card records it (`gate generate ... --encoded-games N`)"
        )
    games, batch = whole(data.get("max_games")), whole(training.get("batch_size"))
    epochs = whole(training.get("num_epochs", training.get("epochs")))
    if games is None or batch is None or epochs is None:
        return Decision(
            needed="the estimate needs data.max_games, training.batch_size and training.num_epochs"
        )
    if max(games, batch, epochs) > LARGEST_COUNT:
        return Decision(needed="a game, batch or epoch count is too large to estimate")
    way = _way(path, loaded, snapshot, config)
    if isinstance(way, str):
        return Decision(needed=way)
    table = gpus.gpu_table(config.gpus, source=config.source)
    try:
        run = _estimate(*way, games=games, batch=batch, epochs=epochs, loaded=loaded, table=table)
    except GateError as exc:
        return Decision(needed=f"cannot estimate it: {exc}")
    # as shown (cents, tenths of a second): a run of exactly 2 h is not over 2 h
    if round(run.cost_usd, 2) > config.run_card_cost_usd or round(run.training_s, 1) > (
        config.run_card_hours * 3600
    ):
        return Decision(
            needed=f"estimated {ge.usd(run.cost_usd)} and {ge.duration(run.training_s)}, "
            "over the thresholds"
        )
    count = (
        f" x{run.n_gpus} ({gpus.speedup(run.n_gpus, run.gpu.parallel_efficiency):g}x one GPU)"
        if run.n_gpus > 1
        else ""
    )
    return Decision(
        reason=f"estimated {ge.usd(run.cost_usd)} and {ge.duration(run.training_s)}, below "
        f"the {ge.threshold(config.run_card_cost_usd, '$')} / "
        f"{ge.threshold(config.run_card_hours, 'h')} thresholds ({games:,} games x 9,400 "
        f"frames, {epochs} epoch{'s' if epochs > 1 else ''} at bs={batch} on {run.gpu.name}"
        f"{count} from {run.where}; [tool.gate] run_card_cost_usd / run_card_hours)"
    )


def exempt(path: str, snapshot: Snapshot, config: Config) -> str | None:
    """The reason a gated world-model config needs no card, or None (it needs one)."""
    return decide(path, snapshot, config).reason


def claims(path: str, snapshot: Snapshot, config: Config) -> str | None:
    """Whether the config at `path` is this kind's (a world-model config), cheap or
    not: why it needs a card, or what it is; None for a file that is not this kind's."""
    decision = decide(path, snapshot, config)
    if decision.reason is None and decision.needed is None:
        return None
    return decision.needed or "a world-model training config"


def why_card(path: str, snapshot: Snapshot, config: Config) -> str | None:
    """Why a world-model config no card covers needs one: its estimate is over the
    thresholds, or gate cannot estimate it (several launch functions with `gpu=` and none
    named, `max_games: 0`, ...), with what to do; None for a file that is not this kind's."""
    return decide(path, snapshot, config).needed
