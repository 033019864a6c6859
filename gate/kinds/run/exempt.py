"""When a world-model config needs no card: a run estimated at or under both thresholds.

`gate check` asks this for a gated file no card covers. It reads the config from the
snapshot, finds the GPU (the config's `training.device` for mps/cpu, else a launch
script found by convention), estimates the training time and cost, and gives the
reason when both are within `[tool.gate] run_card_cost_usd` / `run_card_hours`.
Anything it cannot estimate needs a card (fail closed).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import GateError
from gate.kinds.covered import CONFIG_SUFFIXES, load_yaml
from gate.kinds.run import estimate as ge
from gate.kinds.run import gpus
from gate.kinds.run.compare import is_world_model_config
from gate.kinds.values import section, whole

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git.snapshot import Snapshot
    from gate.sources.launch_script import ModalFunction

LOCAL_DEVICES = {"mps": "MPS", "cpu": "CPU"}


class Launch(NamedTuple):
    script: str
    function: ModalFunction


def _scripts(snapshot: Snapshot, config: Config) -> dict[str, list[ModalFunction]]:
    """Gated Python launch scripts of the snapshot and their Modal functions (memoized)."""
    key = ("run-launch-scripts", config.gated)
    if key in snapshot.memo:
        found: dict[str, list[ModalFunction]] = snapshot.memo[key]
        return found
    from gate.git.globs import compile_globs
    from gate.sources import launch_script

    gated = compile_globs(config.gated)
    found = {}
    for path in snapshot.paths():
        if not path.endswith(".py") or not gated.match(path):
            continue
        try:
            text = (snapshot.read(path) or b"").decode("utf-8")
            found[path] = launch_script.modal_functions(text)
        except (UnicodeDecodeError, launch_script.LaunchProblem):
            continue
    snapshot.memo[key] = found
    return found


def convention_launch(config_path: str, snapshot: Snapshot, config: Config) -> Launch | None:
    """The launch script of a config by convention: a gated `.py` with the config's stem;
    else the repository's gated launch scripts, when exactly one of their functions
    asks for a GPU."""
    from gate.sources import launch_script

    scripts = _scripts(snapshot, config)
    stem = posixpath.splitext(posixpath.basename(config_path))[0]
    same_stem = [p for p in scripts if posixpath.splitext(posixpath.basename(p))[0] == stem]
    candidates = same_stem or list(scripts)
    with_gpu = [Launch(p, f) for p in candidates for f in scripts[p] if launch_script.is_set(f.gpu)]
    if len(with_gpu) == 1:
        return with_gpu[0]
    return None


def _gpu(
    path: str,
    loaded: Mapping[str, Any],
    snapshot: Snapshot,
    config: Config,
    table: Mapping[str, gpus.Gpu],
) -> tuple[gpus.Gpu, int, str] | None:
    device = section(loaded, "training").get("device")
    if isinstance(device, str) and device.lower() in LOCAL_DEVICES:
        return table[LOCAL_DEVICES[device.lower()]], 1, "training.device"
    launch = convention_launch(path, snapshot, config)
    if launch is None:
        return None
    name, count = gpus.split_spec(launch.function.gpu.value)
    row = gpus.find(name, table)
    return (row, count, f"{launch.script} @{launch.function.name}") if row else None


def exempt(path: str, snapshot: Snapshot, config: Config) -> str | None:
    if not path.endswith(CONFIG_SUFFIXES):
        return None
    raw = snapshot.read(path)
    loaded, problem = load_yaml(raw) if raw is not None else (None, "unreadable")
    if problem is not None or not isinstance(loaded, dict) or not is_world_model_config(loaded):
        return None
    training, data = section(loaded, "training"), section(loaded, "data")
    games, batch = whole(data.get("max_games")), whole(training.get("batch_size"))
    epochs = whole(training.get("num_epochs", training.get("epochs")))
    if games is None or batch is None or epochs is None:
        return None
    table = gpus.gpu_table(config.gpus, source=config.source)
    try:
        found = _gpu(path, loaded, snapshot, config, table)
        if found is None:
            return None
        gpu, count, where = found
        speed = ge.batch_speed(gpu, batch)
        train = ge.train_examples(ge.total_frames(games), training.get("train_split", 0.9))
    except GateError:
        return None  # cannot estimate: a card is needed
    batches = ge.batches_per_epoch(train, batch)
    training_s = ge.training_time_s(ge.epoch_time_s(batches, speed.seconds), epochs)
    cost = ge.cost_usd(training_s, gpu.usd_per_hour, count)
    # as shown (cents, tenths of a second): a run of exactly 2 h is not over 2 h
    if round(cost, 2) > config.run_card_cost_usd or round(training_s, 1) > (
        config.run_card_hours * 3600
    ):
        return None
    return (
        f"estimated {ge.usd(cost)} and {ge.duration(training_s)}, below the "
        f"{ge.threshold(config.run_card_cost_usd, '$')} / "
        f"{ge.threshold(config.run_card_hours, 'h')} thresholds ({games:,} games x 9,400 "
        f"frames, {epochs} epoch{'s' if epochs > 1 else ''} at bs={batch} on {gpu.name}"
        f"{' x' + str(count) if count > 1 else ''} from {where}; [tool.gate] "
        "run_card_cost_usd / run_card_hours)"
    )
