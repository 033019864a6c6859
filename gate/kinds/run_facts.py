"""The run kind's I/O edge: covered config, launch script and comparable manifest, as staged."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gate import paths
from gate.kinds import Facts
from gate.kinds.covered import covered_configs
from gate.kinds.values import section

if TYPE_CHECKING:
    from gate.cardfile import Card
    from gate.config import Config
    from gate.snapshot import Snapshot


def _launch(card: Card, snapshot: Snapshot) -> dict[str, Any]:
    from gate.kinds import run_launch

    script = section(card.data, "infrastructure").get("launch_script")
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
    path = section(card.data, "comparable").get("manifest")
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
    return Facts({**covered_configs(card, snapshot), **_launch(card, snapshot),
                  **_comparable(card, snapshot)})
