"""The `policy` kind: the seed's Policy Run Card for imitation-learning policies.

Its rules: distribution match against the world-model manifest (rule 6), the seed's
flags (rule 7), the card's own arithmetic, and agreement with its covered config (8).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate import schema as schemas
from gate.kinds import Facts, Kind, register
from gate.kinds.policy_render import render

if TYPE_CHECKING:
    import argparse

    from gate.cardfile import Card
    from gate.config import Config
    from gate.findings import Finding
    from gate.git import Repository
    from gate.snapshot import Snapshot


def _schema() -> Mapping[str, Any]:
    return schemas.packaged("policy.schema.json")


def _reads(data: Mapping[str, Any]) -> list[str]:
    wm = data.get("world_model")
    manifest = wm.get("manifest") if isinstance(wm, Mapping) else None
    return [manifest] if isinstance(manifest, str) else []


def _collect(card: Card, snapshot: Snapshot, config: Config) -> Facts:
    from gate.kinds.policy_facts import collect

    return collect(card, snapshot, config)


def _rules(card: Card, facts: Facts, config: Config) -> list[Finding]:
    from gate.kinds.policy_rules import rules

    return rules(card, facts, config)


def _describe(card: Card, facts: Facts) -> str:
    data, wm = card.data.get("data"), card.data.get("world_model")
    games = data.get("games") if isinstance(data, Mapping) else None
    model = facts.values.get("manifest")
    world = f"{model.games:,}" if model is not None else "manifest unreadable"
    mark = "" if model is None or not isinstance(games, int) or games >= model.games else " (!)"
    checkpoint = wm.get("checkpoint", "?") if isinstance(wm, Mapping) else "?"
    shown = f"{games:,}" if isinstance(games, int) else "?"
    return f"{shown} games vs {checkpoint} {world}{mark}"


def _generate(args: argparse.Namespace, repo: Repository, config: Config) -> int:
    from gate.kinds.policy_generate import generate

    return generate(args, repo, config)


KIND = register(
    Kind(
        name="policy",
        title="Policy Run Card",
        schema=_schema,
        render=render,
        collect=_collect,
        rules=_rules,
        reads=_reads,
        generate=_generate,
        describe=_describe,
    )
)
