"""The run kind's I/O edge: covered config, launch script and comparable manifest, as staged."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.card import paths
from gate.kinds.covered import CoveredConfigs, covered_configs
from gate.kinds.values import section

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.config import Config
    from gate.git.snapshot import Snapshot
    from gate.sources.launch_script import ModalFunction


class LaunchFacts(NamedTuple):
    """The Modal-style functions of the card's launch script (parsed, never run)."""

    functions: tuple[ModalFunction, ...] | None = None  # None: not read
    problem: str | None = None


class ComparableFacts(NamedTuple):
    """The config of the comparable prior run, from its manifest."""

    config: Mapping[str, Any] | None = None
    problem: str | None = None


class RunFacts(NamedTuple):
    covered: CoveredConfigs
    launch: LaunchFacts
    comparable: ComparableFacts


def _launch(card: Card, snapshot: Snapshot) -> LaunchFacts:
    from gate.sources import launch_script

    script = section(card.data, "infrastructure").get("launch_script")
    if not isinstance(script, str) or paths.escapes(script):
        return LaunchFacts()
    got = paths.read(snapshot, script, what="launch script")
    if got.content is None:
        return LaunchFacts()  # the engine reports a covered file it cannot read
    try:
        functions = launch_script.modal_functions(got.content.decode("utf-8"))
    except UnicodeDecodeError:
        return LaunchFacts(problem=f"launch script {script!r} is not UTF-8")
    except launch_script.LaunchProblem as exc:
        return LaunchFacts(problem=f"launch script {script}:{exc.line}: {exc.message}")
    return LaunchFacts(tuple(functions))


def _comparable(card: Card, snapshot: Snapshot) -> ComparableFacts:
    path = section(card.data, "comparable").get("manifest")
    if not isinstance(path, str):
        return ComparableFacts()
    got = paths.read(snapshot, path, what="the comparable run's manifest")
    if got.content is None:
        return ComparableFacts(problem=str(got.problem))
    try:
        document = json.loads(got.content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ComparableFacts(
            problem=f"the comparable run's manifest {path!r} is not valid JSON ({exc})"
        )
    except RecursionError:
        return ComparableFacts(
            problem=f"the comparable run's manifest {path!r} is nested too deeply to read"
        )
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        return ComparableFacts(problem=f"the comparable run's manifest {path!r} has no config")
    return ComparableFacts(config)


def collect(card: Card, snapshot: Snapshot, config: Config) -> RunFacts:
    return RunFacts(
        covered_configs(card, snapshot), _launch(card, snapshot), _comparable(card, snapshot)
    )
