"""Prior policy baselines for a card's "Prior Baselines" table, newest first.

Three sources, as the seed gathers them by hand:

1. the wandb cloud API (`ENTITY/PROJECT`, runs tagged `policy`, newest first);
2. local wandb run folders (`wandb/run-*`, `wandb/offline-run-*`) under the workspace;
3. local policy checkpoint manifests (`**/checkpoints/policy-*/manifest.json`).

A run seen by several sources is listed once, preferring the cloud, then the local
wandb folder, then the manifest. A source that fails (no network, no wandb, an
unreadable file) becomes a warning for the card and the summary, never a crash.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Literal, NamedTuple

from gate.errors import GateError
from gate.sources.wandb_runs import (
    RunFacts,
    RunSource,
    SupportsGet,
    WandbApiSource,
    facts_of,
    local_run_dirs,
    read_local_run,
)

Source = Literal["wandb", "wandb-local", "manifest"]
PREFERENCE: dict[Source, int] = {"wandb": 0, "wandb-local": 1, "manifest": 2}

# (summary key, fallback) as the seed reads them: s.get(key, s.get(fallback))
STICK_MAE = ("val_metric/stick_mae", "metric/stick_mae")
BTN_PRESSED_ACC = ("val_metric/button_pressed_acc", "metric/button_pressed_acc")
VAL_LOSS = ("val_loss/total", "loss/total")

WANDB_DIR_NAMES = ("wandb", ".wandb")
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", "site-packages"})
_PROJECT = re.compile(r"[^/\s]+/[^/\s]+")


class Baseline(NamedTuple):
    run: str
    games: int | None
    player: str | None
    stick_mae: float | None
    btn_pressed_acc: float | None
    val_loss: float | None
    created: str  # ISO 8601 in UTC ("" when unknown: sorts last)
    source: Source


class BaselineReport(NamedTuple):
    baselines: list[Baseline]  # newest first, one per run name, at most `limit`
    warnings: list[str]


# -- reading one run's facts (pure) -----------------------------------------------------


def _unwrap(value: Any) -> Any:
    """wandb's config.yaml wraps each top-level key as `{value: ..., desc: ...}`."""
    if isinstance(value, dict) and "value" in value and set(value) <= {"value", "desc"}:
        return value["value"]
    return value


def config_value(config: SupportsGet, section: str, key: str) -> Any:
    """`config[section][key]`, accepting config.yaml's wrapping and flat `section.key`."""
    data = _unwrap(config.get(section))
    if isinstance(data, dict) and key in data:
        return _unwrap(data[key])
    return _unwrap(config.get(f"{section}.{key}"))


def metric(summary: SupportsGet, keys: tuple[str, str]) -> float | None:
    """The first of `keys` present in the summary, as a finite float."""
    for key in keys:
        value = summary.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _games(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _player(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def iso_created(value: Any) -> str:
    """An ISO 8601 UTC timestamp from an ISO string or epoch seconds ("" if neither)."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str) and value.strip():
            moment = datetime.fromisoformat(value.strip())
        else:
            return ""
    except (ValueError, OverflowError, OSError):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # wandb's created_at is UTC without a zone
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def baseline_from(
    run: str, config: SupportsGet, summary: SupportsGet, *, created: Any, source: Source
) -> Baseline:
    """One table row from a run's config and summary (or a manifest's `results`)."""
    return Baseline(
        run=run,
        games=_games(config_value(config, "data", "num_games_loaded")),
        player=_player(config_value(config, "data", "predict_player")),
        stick_mae=metric(summary, STICK_MAE),
        btn_pressed_acc=metric(summary, BTN_PRESSED_ACC),
        val_loss=metric(summary, VAL_LOSS),
        created=iso_created(created),
        source=source,
    )


def is_policy_run(facts: RunFacts) -> bool:
    """Tagged `policy` when the tags are known; else a config naming `data.predict_player`."""
    if facts.tags is not None:
        return "policy" in facts.tags
    data = _unwrap(facts.config.get("data"))
    has_nested = isinstance(data, dict) and "predict_player" in data
    return has_nested or facts.config.get("data.predict_player") is not None


def pick(candidates: Iterable[Baseline], limit: int) -> list[Baseline]:
    """One row per run name (cloud > local wandb > manifest, then newest), newest first."""
    best: dict[str, Baseline] = {}
    for row in candidates:
        held = best.get(row.run)
        rank = (-PREFERENCE[row.source], row.created)
        if held is None or rank > (-PREFERENCE[held.source], held.created):
            best[row.run] = row
    rows = sorted(best.values(), key=lambda b: (b.created, b.run), reverse=True)
    return rows[: max(limit, 0)]


# -- sources (I/O) ----------------------------------------------------------------------


def find_run_folders_and_manifests(root: Path) -> tuple[list[Path], list[Path]]:
    """Local wandb run folders and `checkpoints/policy-*/manifest.json` under `root`.

    One walk; hidden folders (except `.wandb`), virtualenvs and caches are skipped,
    and wandb folders are not descended into.
    """
    runs: list[Path] = []
    manifests: list[Path] = []
    for current, dirnames, _files in os.walk(root):
        here = Path(current)
        for name in dirnames:
            if name in WANDB_DIR_NAMES:
                runs.extend(local_run_dirs(here / name))
            elif name == "checkpoints":
                manifests.extend(sorted((here / name).glob("policy-*/manifest.json")))
        dirnames[:] = [
            d for d in dirnames
            if not d.startswith(".") and d not in _SKIP_DIRS and d not in WANDB_DIR_NAMES
            and not (here / d / "pyvenv.cfg").exists()
        ]  # fmt: skip
    return runs, manifests


def _manifest_baseline(path: Path) -> Baseline:
    """A policy checkpoint manifest as a row; ValueError/OSError when it cannot be read."""
    data = json.loads(path.read_bytes())
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, found {type(data).__name__}")
    run_name = data.get("run_name")
    config = data.get("config")
    results = data.get("results")
    return baseline_from(
        run_name if isinstance(run_name, str) and run_name else path.parent.name,
        config if isinstance(config, dict) else {},
        results if isinstance(results, dict) else {},
        created=data.get("created_at"),
        source="manifest",
    )


def manifest_baselines(paths: Iterable[Path], warnings: list[str]) -> Iterator[Baseline]:
    for path in paths:
        try:
            yield _manifest_baseline(path)
        except (OSError, ValueError) as exc:
            warnings.append(f"{path}: unreadable policy manifest ({exc}); left out of baselines")
        except RecursionError:
            warnings.append(f"{path}: policy manifest nested too deeply; left out of baselines")


def local_baselines(run_dirs: Iterable[Path], warnings: list[str]) -> Iterator[Baseline]:
    skipped: list[str] = []
    for run_dir in run_dirs:
        facts = read_local_run(run_dir, skipped)
        if facts is not None and is_policy_run(facts):
            yield baseline_from(
                facts.name, facts.config, facts.summary, created=facts.created, source=facts.source
            )
    warnings.extend(skipped)


def cloud_baselines(
    api: RunSource, project: str, limit: int, warnings: list[str]
) -> list[Baseline]:
    """The newest policy runs of a wandb project; any failure becomes one warning."""
    rows: list[Baseline] = []
    try:
        for run in islice(api.runs(project), 2 * limit):
            facts = facts_of(run)
            if facts.tags is not None and "policy" not in facts.tags:
                continue
            rows.append(
                baseline_from(
                    facts.name, facts.config, facts.summary, created=facts.created, source="wandb"
                )
            )
    except Exception as exc:  # no network, no login, no wandb, a server error: all the same
        detail = str(exc).strip().splitlines()
        reason = f"{type(exc).__name__}: {detail[0]}" if detail else type(exc).__name__
        warnings.append(
            f"wandb: could not read prior runs of {project} ({reason});"
            " the Prior Baselines table lists local runs only"
        )
    return rows


def gather_baselines(
    root: Path, *, wandb_project: str | None, api: RunSource | None = None, limit: int = 5
) -> BaselineReport:
    """Prior policy baselines from wandb and the workspace under `root`, newest first."""
    if wandb_project is not None and not _PROJECT.fullmatch(wandb_project):
        raise GateError(
            f"wandb project {wandb_project!r} is not ENTITY/PROJECT;"
            " pass it as e.g. shinewave/melee-worldmodel"
        )
    warnings: list[str] = []
    rows: list[Baseline] = []
    if wandb_project is not None:
        rows.extend(cloud_baselines(api or WandbApiSource(), wandb_project, limit, warnings))
    run_dirs, manifests = find_run_folders_and_manifests(root)
    rows.extend(local_baselines(run_dirs, warnings))
    rows.extend(manifest_baselines(manifests, warnings))
    return BaselineReport(baselines=pick(rows, limit), warnings=warnings)
