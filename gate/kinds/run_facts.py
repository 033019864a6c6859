"""The run kind's I/O edge: covered config, launch script and comparable manifest, as staged."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate import paths
from gate.kinds import Facts

if TYPE_CHECKING:
    from gate.cardfile import Card
    from gate.config import Config
    from gate.git import Snapshot

CONFIG_SUFFIXES = (".yaml", ".yml")


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    return value if isinstance(value, Mapping) else {}


def load_yaml(raw: bytes) -> tuple[Any, str | None]:
    """(data, None) or (None, problem) for a config's bytes."""
    from gate import yamlio

    try:
        return yamlio.load_plain(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "not UTF-8"
    except yamlio.YamlProblem as exc:
        return None, f"line {exc.line}: {exc.message}"
    except Exception as exc:
        import yaml

        if not isinstance(exc, yaml.YAMLError):
            raise
        problem = yamlio.problem_of(exc)
        return None, f"line {problem.line}: {problem.message}"


def _configs(card: Card, snapshot: Snapshot) -> dict[str, Any]:
    configs: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for path in card.data.get("covers") or []:
        if not isinstance(path, str) or not path.endswith(CONFIG_SUFFIXES):
            continue
        got = paths.read(snapshot, path, what="covered config")
        if got.content is None:
            continue  # the engine reports unreadable covered files
        loaded, problem = load_yaml(got.content)
        if problem is None and not isinstance(loaded, dict):
            problem = "not a mapping"
        if problem is not None:
            problems[path] = problem
        else:
            configs[path] = loaded
    return {"configs": configs, "config_problems": problems}


def _launch(card: Card, snapshot: Snapshot) -> dict[str, Any]:
    from gate.kinds import run_launch

    script = _section(card.data, "infrastructure").get("launch_script")
    if not isinstance(script, str) or paths.escapes(script):
        return {}
    got = paths.read(snapshot, script, what="launch script")
    if got.content is None:
        return {}  # the engine reports a covered file it cannot read
    try:
        functions = run_launch.modal_functions(got.content.decode("utf-8"))
    except UnicodeDecodeError:
        return {"launch_problem": f"launch script {script!r} is not UTF-8"}
    except run_launch.LaunchProblem as exc:
        return {"launch_problem": f"launch script {script}:{exc.line}: {exc.message}"}
    return {"launch_functions": functions}


def _comparable(card: Card, snapshot: Snapshot) -> dict[str, Any]:
    path = _section(card.data, "comparable").get("manifest")
    if not isinstance(path, str):
        return {}
    got = paths.read(snapshot, path, what="the comparable run's manifest")
    if got.content is None:
        return {"comparable_problem": str(got.problem)}
    try:
        document = json.loads(got.content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {"comparable_problem": f"the comparable run's manifest {path!r} is not valid "
                                      f"JSON ({exc})"}
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        return {"comparable_problem": f"the comparable run's manifest {path!r} has no config"}
    return {"comparable_config": config}


def collect(card: Card, snapshot: Snapshot, config: Config) -> Facts:
    return Facts({**_configs(card, snapshot), **_launch(card, snapshot),
                  **_comparable(card, snapshot)})
