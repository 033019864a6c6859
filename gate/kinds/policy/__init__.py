"""The `policy` kind: the seed's Policy Run Card for imitation-learning policies.

Its rules: distribution match against the world-model manifest (rule 6), the seed's
flags (rule 7), the card's own arithmetic, and agreement with its covered config (8).
Its modules: `facts` (I/O edge), `rules`, `checks` (arithmetic, flags), `render`,
`build` and `generate`, `estimate` with the seed's `hardware` table, `baselines`.
This `__init__` only registers the kind; the modules load when a policy card is seen.
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
    from gate.kinds.policy.facts import PolicyFacts


def _schema() -> Mapping[str, Any]:
    return schemas.packaged("policy.schema.json")


def _reads(data: Mapping[str, Any]) -> list[str]:
    wm = data.get("world_model")
    manifest = wm.get("manifest") if isinstance(wm, Mapping) else None
    return [manifest] if isinstance(manifest, str) else []


def _describe(card: Card, facts: PolicyFacts) -> str:
    data, wm = card.data.get("data"), card.data.get("world_model")
    games = data.get("games") if isinstance(data, Mapping) else None
    model = facts.manifest.model
    world = f"{model.games:,}" if model is not None else "manifest unreadable"
    mark = "" if model is None or not isinstance(games, int) or games >= model.games else " (!)"
    checkpoint = wm.get("checkpoint", "?") if isinstance(wm, Mapping) else "?"
    shown = f"{games:,}" if isinstance(games, int) else "?"
    return f"{shown} games vs {checkpoint} {world}{mark}"


def _commands(data: Mapping[str, Any]) -> list[str]:
    """One command per player (`launch: [{player, command}]`)."""
    entries = data.get("launch")
    if not isinstance(entries, list):
        return []
    return [
        e["command"]
        for e in entries
        if isinstance(e, Mapping) and isinstance(e.get("command"), str)
    ]


def _summary(data: Mapping[str, Any]) -> Summary:
    """Games, GPU (a rented one's table name, else the device), epochs and batch size."""
    from gate.kinds.values import integer, section

    gpu = section(data, "cloud").get("gpu") or section(data, "training").get("device")
    return {
        "games": integer(section(data, "data").get("games")),
        "gpu": gpu if isinstance(gpu, str) else None,
        "epochs": integer(section(data, "training").get("epochs")),
        "batch_size": integer(section(data, "training").get("batch_size")),
    }


def _claims(path: str, snapshot: Snapshot, config: Config) -> str | None:
    """A policy's config: YAML that predicts a player, or names a policy architecture."""
    if not path.endswith((".yaml", ".yml")):
        return None
    from gate.kinds.covered import load_yaml

    loaded, problem = load_yaml(snapshot.read(path) or b"")
    if problem is not None or not isinstance(loaded, Mapping):
        return None
    data, model = loaded.get("data"), loaded.get("model")
    predicts = isinstance(data, Mapping) and "predict_player" in data
    named = isinstance(model, Mapping) and "policy" in str(model.get("architecture", "")).lower()
    return "a policy's training config" if predicts or named else None


_collect: Callable[[Card, Snapshot, Config], PolicyFacts] = lazy(
    "gate.kinds.policy.facts", "collect"
)
_rules: Callable[[Card, PolicyFacts, Config], list[Finding]] = lazy(
    "gate.kinds.policy.rules", "rules"
)

KIND: Kind[PolicyFacts] = register(
    Kind(
        name="policy",
        title="Policy Run Card",
        schema=_schema,
        render=lazy("gate.kinds.policy.render", "render"),
        collect=_collect,
        rules=_rules,
        reads=_reads,
        describe=_describe,
        claims=_claims,
        commands=_commands,
        adopt=lazy("gate.kinds.policy.adopt", "adopt"),
        summary=_summary,
        generate=Generator(
            add_arguments=lazy("gate.kinds.policy.generate", "add_arguments"),
            run=lazy("gate.kinds.policy.generate", "run"),
        ),
    )
)
