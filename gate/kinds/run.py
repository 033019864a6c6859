"""The `run` kind: the world-model GPU run card, with cost, timeout and logging checks.

Its rules: the covered launch script's GPU and timeout agree with the card, values
copied from the covered config still agree, What's New names every change from the
comparable prior run, the card's own arithmetic, and the checklist's flags. A gated
world-model config whose run is estimated within the thresholds needs no card.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate import schema as schemas
from gate.kinds import Facts, Kind, register

if TYPE_CHECKING:
    import argparse

    from gate.cardfile import Card
    from gate.config import Config
    from gate.findings import Finding
    from gate.git import Repository
    from gate.snapshot import Snapshot


def _schema() -> Mapping[str, Any]:
    return schemas.packaged("run.schema.json")


def _render(data: Mapping[str, Any], required: tuple[str, ...]) -> str:
    from gate.kinds.run_render import render

    return render(data, required)


def _reads(data: Mapping[str, Any]) -> list[str]:
    comparable = data.get("comparable")
    manifest = comparable.get("manifest") if isinstance(comparable, Mapping) else None
    return [manifest] if isinstance(manifest, str) else []


def _collect(card: Card, snapshot: Snapshot, config: Config) -> Facts:
    from gate.kinds.run_facts import collect

    return collect(card, snapshot, config)


def _rules(card: Card, facts: Facts, config: Config) -> list[Finding]:
    from gate.kinds.run_rules import rules

    return rules(card, facts, config)


def _describe(card: Card, facts: Facts) -> str:
    def part(name: str) -> Mapping[str, Any]:
        value = card.data.get(name)
        return value if isinstance(value, Mapping) else {}

    games = part("data").get("games")
    gpu, cost = part("infrastructure").get("gpu", "?"), part("timing").get("cost_usd")
    seconds = part("timing").get("wall_s")
    from gate.gpu_estimate import duration, usd

    shown = f"{games:,} games" if isinstance(games, int) else "? games"
    price = usd(cost) if isinstance(cost, int | float) else "$?"
    took = duration(seconds) if isinstance(seconds, int | float) and seconds >= 0 else "?"
    return f"{shown} on {gpu}, ~{price}, ~{took}"


def _exempt(path: str, snapshot: Snapshot, config: Config) -> str | None:
    if not path.endswith((".yaml", ".yml")):
        return None
    from gate.kinds.run_exempt import exempt

    return exempt(path, snapshot, config)


def _generate(args: argparse.Namespace, repo: Repository, config: Config) -> int:
    from gate.kinds.run_generate import generate

    return generate(args, repo, config)


KIND = register(
    Kind(
        name="run",
        title="Run Card",
        schema=_schema,
        render=_render,
        collect=_collect,
        rules=_rules,
        reads=_reads,
        describe=_describe,
        exempt=_exempt,
        generate=_generate,
    )
)
