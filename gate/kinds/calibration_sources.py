"""Where calibration samples come from (the I/O edge of `gate.kinds.calibration`):
finished cards in the repository (their last `results`), then checkpoint manifests
under `[tool.gate] manifests` whose `all_epochs` record epoch times, then local wandb
run folders under the repository whose summary records their timing (a source a
finished card's results were read from counts once, as that card).

A manifest names its GPU with `gpu` (top level or under `config`) or `config.machine`
(`modal-a100-40gb`); a wandb run with its config's `gpu` (or `infrastructure.gpu`),
else the GPU wandb recorded; each is matched against the GPU table, and a run whose
GPU gate cannot match is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gate.errors import GateError
from gate.kinds import gpus, results
from gate.kinds.calibration import Sample
from gate.kinds.values import architecture, section
from gate.sources import measured

if TYPE_CHECKING:
    from gate.config import Config


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def from_result(
    run: str, where: str, entry: Mapping[str, Any], table: Mapping[str, gpus.Gpu]
) -> Sample | None:
    """A finished card's last results entry as a sample (None: not usable)."""
    named = str(entry.get("gpu") or "").strip()
    row = gpus.find(named, table)
    gpu = row.name if row is not None else named  # a GPU table row, or a device (mps)
    seconds, batch = _number(entry.get("batch_seconds")), entry.get("batch_size")
    if not gpu or seconds is None or not isinstance(batch, int) or batch <= 0:
        return None
    speedup = _number(entry.get("parallel_speedup")) or 1.0
    load, size = _number(entry.get("data_load_s")), _number(entry.get("size_gb"))
    arch, params = entry.get("architecture"), entry.get("parameters")
    return Sample(
        run=run,
        source=where,
        gpu=gpu,
        architecture=arch if isinstance(arch, str) else None,
        parameters=params if isinstance(params, int) and not isinstance(params, bool) else None,
        batch_size=batch,
        batch_seconds=seconds * speedup,  # one GPU's
        load_s_per_gb=load / size if load is not None and size is not None else None,
    )


def finished_cards(
    root: Path, config: Config, table: Mapping[str, gpus.Gpu]
) -> tuple[list[Sample], set[str]]:
    """Samples from finished cards, and every source their results were read from."""
    from gate.card import document

    folder = root / config.cards_dir
    samples: list[Sample] = []
    used: set[str] = set()
    for file in sorted(folder.rglob("*.md")) if folder.is_dir() else []:
        where = file.relative_to(root).as_posix()
        try:
            card = document.parse(where, file.read_bytes())
        except (OSError, document.CardProblem):
            continue  # `gate check` reports a broken card; calibration only skips it
        used.update(str(e.get("source")) for e in results.entries(card.data))
        entry = results.latest(card.data)
        if entry is None:
            continue
        name = card.data.get("run_name")
        sample = from_result(str(name or file.stem), where, entry, table)
        if sample is not None:
            samples.append(sample)
    return samples, used


def _gpu_of(document: Mapping[str, Any], table: Mapping[str, gpus.Gpu]) -> gpus.Gpu | None:
    config = section(document, "config")
    named = (
        document.get("gpu"),
        config.get("gpu"),
        section(config, "infrastructure").get("gpu"),
        config.get("machine"),
    )
    for value in named:
        if not isinstance(value, str):
            continue
        for name in (value, value.removeprefix("modal-"), value.split(":")[0]):
            row = gpus.find(name, table)
            if row is not None:
                return row
    return None


def manifests(
    root: Path,
    config: Config,
    table: Mapping[str, gpus.Gpu],
    skip: set[str],
) -> list[Sample]:
    from gate.git.globs import compile_globs

    pattern = compile_globs(config.manifests)
    samples: list[Sample] = []
    for file in sorted(root.rglob("manifest.json")):
        where = file.relative_to(root).as_posix()
        if where in skip or not pattern.match(where):
            continue
        try:
            raw = file.read_bytes()
            document = json.loads(raw)
            run = measured.from_manifest(where, raw)
        except (OSError, ValueError, RecursionError, GateError):
            continue
        gpu = _gpu_of(document, table) if isinstance(document, dict) else None
        if gpu is None or not run.epoch_times or not run.batch_size:
            continue
        sample = _sample(document, gpu, run, where, table)
        if sample is not None:
            samples.append(sample)
    return samples


def _sample(
    document: Mapping[str, Any],
    gpu: gpus.Gpu,
    run: measured.Measured,
    where: str,
    table: Mapping[str, gpus.Gpu],
) -> Sample | None:
    """A measured run (a manifest's, a wandb run's) as a sample, through the same
    arithmetic as a card's results."""
    config = section(document, "config")
    count = document.get("gpu_count") or config.get("gpu_count")
    count = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
    stub = {
        "infrastructure": {"gpu": gpu.name, "gpu_count": count},
        "timing": {"parallel_speedup": gpus.speedup(count, gpu.parallel_efficiency)},
        "training": {"batch_size": run.batch_size},
        "model": {
            "architecture": architecture(section(config, "model")),
            "parameters": config.get("model_params"),
        },
        "data": {"size_gb": document.get("size_gb") or config.get("size_gb")},
    }
    try:
        entry = results.entry(stub, run, date="", digest="", covered={})
    except GateError:
        return None
    return from_result(run.run or Path(where).parent.name, where, entry, table)


def wandb_folders(root: Path, table: Mapping[str, gpus.Gpu], skip: set[str]) -> list[Sample]:
    """Local wandb run folders that logged their timing (wandb's own reader; none when
    wandb is not installed)."""
    from gate.sources import wandb_runs

    samples: list[Sample] = []
    for folder in wandb_runs.find_run_folders(root):
        where = folder.relative_to(root).as_posix()
        if where in skip or str(folder) in skip:
            continue
        facts = wandb_runs.read_local_run(folder, [])
        if facts is None:
            continue
        config = measured.dict_of(facts.config)
        gpu = _gpu_of({"config": config, "gpu": facts.gpu}, table)
        if gpu is None:
            continue
        run = measured.from_summary(
            where,
            name=facts.name,
            config=config,
            summary=measured.dict_of(facts.summary),
            exit_reason=facts.exit,
        )
        if run.batch_size is None:
            continue
        sample = _sample({"config": config}, gpu, run, where, table)
        if sample is not None:
            samples.append(sample._replace(run=facts.name or folder.name))
    return samples


def gather(root: Path, config: Config, table: Mapping[str, gpus.Gpu]) -> list[Sample]:
    """Every sample the repository holds: finished cards, manifests, wandb runs."""
    cards, used = finished_cards(root, config, table)
    return [*cards, *manifests(root, config, table, used), *wandb_folders(root, table, used)]
