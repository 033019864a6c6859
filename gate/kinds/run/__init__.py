"""The `run` kind: the world-model GPU run card, with cost, timeout and logging checks.

Its rules: the covered launch script's GPU and timeout agree with the card, values
copied from the covered config still agree, What's New names every change from the
comparable prior run, the card's own arithmetic, and the checklist's flags. A gated
world-model config whose run is estimated within the thresholds needs no card.
Its modules: `facts`, `rules`, `checks`, `compare`, `exempt`, `render`, `build`,
`generate`, `estimate` with its `gpus` table. This `__init__` only registers the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from gate.card import schema as schemas
from gate.kinds import Generator, Kind, lazy, register

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.card.findings import Finding
    from gate.config import Config
    from gate.git.snapshot import Snapshot
    from gate.kinds.base import Summary
    from gate.kinds.run.facts import RunFacts


def _schema() -> Mapping[str, Any]:
    return schemas.packaged("run.schema.json")


def _reads(data: Mapping[str, Any]) -> list[str]:
    comparable = data.get("comparable")
    manifest = comparable.get("manifest") if isinstance(comparable, Mapping) else None
    return [manifest] if isinstance(manifest, str) else []


def _describe(card: Card, facts: RunFacts) -> str:
    def part(name: str) -> Mapping[str, Any]:
        value = card.data.get(name)
        return value if isinstance(value, Mapping) else {}

    games = part("data").get("games")
    gpu, cost = part("infrastructure").get("gpu", "?"), part("timing").get("cost_usd")
    seconds = part("timing").get("wall_s")
    from gate.kinds.run.estimate import duration, usd

    shown = f"{games:,} games" if isinstance(games, int) else "? games"
    price = usd(cost) if isinstance(cost, int | float) else "$?"
    took = duration(seconds) if isinstance(seconds, int | float) and seconds >= 0 else "?"
    return f"{shown} on {gpu}, ~{price}, ~{took}"


def _claims(path: str, snapshot: Snapshot, config: Config) -> str | None:
    if not path.endswith((".yaml", ".yml")):
        return None
    from gate.kinds.run.exempt import claims

    return claims(path, snapshot, config)


def _exempt(path: str, snapshot: Snapshot, config: Config) -> str | None:
    if not path.endswith((".yaml", ".yml")):
        return None
    from gate.kinds.run.exempt import exempt

    return exempt(path, snapshot, config)


def _commands(data: Mapping[str, Any]) -> list[str]:
    """The run's one command (`launch: {command}`)."""
    launch = data.get("launch")
    command = launch.get("command") if isinstance(launch, Mapping) else None
    return [command] if isinstance(command, str) else []


def _summary(data: Mapping[str, Any]) -> Summary:
    """Games, GPU, epochs and batch size, as the card's data has them."""
    from gate.kinds.values import integer, section

    gpu = section(data, "infrastructure").get("gpu")
    return {
        "games": integer(section(data, "data").get("games")),
        "gpu": gpu if isinstance(gpu, str) else None,
        "epochs": integer(section(data, "training").get("epochs")),
        "batch_size": integer(section(data, "training").get("batch_size")),
    }


_collect: Callable[[Card, Snapshot, Config], RunFacts] = lazy("gate.kinds.run.facts", "collect")
_rules: Callable[[Card, RunFacts, Config], list[Finding]] = lazy("gate.kinds.run.rules", "rules")

KIND: Kind[RunFacts] = register(
    Kind(
        name="run",
        title="Run Card",
        schema=_schema,
        render=lazy("gate.kinds.run.render", "render"),
        collect=_collect,
        rules=_rules,
        reads=_reads,
        describe=_describe,
        commands=_commands,
        adopt=lazy("gate.kinds.run.adopt", "adopt"),
        summary=_summary,
        exempt=_exempt,
        claims=_claims,
        generate=Generator(
            add_arguments=lazy("gate.kinds.run.generate", "add_arguments"),
            run=lazy("gate.kinds.run.generate", "run"),
        ),
    )
)
