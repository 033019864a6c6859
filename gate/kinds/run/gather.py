"""What `gate generate --kind run` reads besides its flags: the world-model config (and
its game count), and prior runs from the manifests under `[tool.gate] manifests`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gate.errors import GateError
from gate.kinds.covered import load_yaml
from gate.kinds.run.compare import Prior, is_world_model_config
from gate.kinds.run.compare import prior_from_manifest as as_prior

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Repository


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
            "`arch` or `d_model`, or gives an MLP's dimensions (hidden_dim, trunk_dim, "
            "n_layers, context_len) beside `encoding:` or `loss_weights:` (and a "
            "`training:` section)"
        )
    if not isinstance(loaded.get("training"), dict):
        raise GateError(f"{path}: missing the `training:` section")
    return loaded


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
        except RecursionError:
            notes.append(f"skipped {where}: nested too deeply to read")
            continue
        if prior is not None:
            priors.append(prior)
            if not tracked.has(where):
                notes.append(
                    f"the prior run's manifest {where} is not tracked by git: CI "
                    "cannot check What's New against it; commit it"
                )
    return priors, notes


def games_of(given: int | None, data: Mapping[str, Any], config_path: str) -> tuple[int, list[str]]:
    """The games in the run: `--encoded-games`, else the config's `data.max_games` (0 means
    every game of the dataset, which only the encoded file's facts can count)."""
    raw = data.get("max_games")
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or raw < 0):
        raise GateError(
            f"{config_path}: data.max_games: expected a whole number of games (0: every "
            f"game), got {raw!r}; or pass --encoded-games N"
        )
    if given is not None:
        if raw == 0:
            return given, [
                f"data.max_games is 0 (every game): the card's {given:,} games are the "
                "encoded file's, from --encoded-games"
            ]
        if raw is not None and raw != given:
            return given, [
                f"--encoded-games {given:,} but the config's data.max_games is {raw:,}: the "
                f"card says {given:,} games; make them agree if the trainer reads max_games"
            ]
        return given, []
    if raw == 0:
        raise GateError(
            f"{config_path}: data.max_games is 0 (every game of the dataset), so the config "
            "does not say how many games the run trains on: pass --encoded-games N, the "
            "games in the encoded file"
        )
    if raw is None:
        raise GateError(
            f"{config_path}: no game count: set data.max_games in the config or pass "
            "--encoded-games N (the games in the encoded file)"
        )
    return raw, []
