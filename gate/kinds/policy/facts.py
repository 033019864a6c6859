"""The policy kind's I/O edge: the world-model manifest and covered configs, as staged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from gate.card import paths
from gate.kinds.covered import CoveredConfigs, covered_configs

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.config import Config
    from gate.git.snapshot import Snapshot
    from gate.sources.manifest import WorldModel
    from gate.sources.yamlio import YamlProblem


class ManifestFacts(NamedTuple):
    """The world-model manifest a policy card pairs with."""

    path: str = ""
    model: WorldModel | None = None
    problem: str | None = None  # why it cannot be read
    consistency: tuple[str, ...] = ()  # where it disagrees with itself


class PolicyFacts(NamedTuple):
    manifest: ManifestFacts
    covered: CoveredConfigs


def _manifest(card: Card, snapshot: Snapshot) -> ManifestFacts:
    wm = card.data.get("world_model")
    path = wm.get("manifest") if isinstance(wm, Mapping) else None
    if not isinstance(path, str):
        return ManifestFacts()
    key = ("policy-manifest", path)
    if key not in snapshot.memo:
        snapshot.memo[key] = _read_manifest(path, snapshot)
    facts: ManifestFacts = snapshot.memo[key]
    return facts


def _read_manifest(path: str, snapshot: Snapshot) -> ManifestFacts:
    """The manifest's facts (and its own consistency), read once per snapshot."""
    from gate.sources import manifest

    got = paths.read(snapshot, path, what="world-model manifest")
    if got.content is None:
        return ManifestFacts(
            path,
            problem=f"{got.problem}. The distribution match cannot be checked: "
            "commit the manifest (or a copy of it) where CI can read it",
        )
    try:
        model = manifest.parse(got.content)
    except manifest.ManifestProblem as exc:
        return ManifestFacts(path, problem=f"world-model manifest {path!r} {exc}")
    return ManifestFacts(path, model, None, tuple(manifest.consistency(model)))


def _why(exc: UnicodeDecodeError | YamlProblem) -> str:
    """This kind's wording: the decoder's own message, a refusal (anchors) without a line."""
    from gate.sources import yamlio

    return f"line {exc.line}: {exc.message}" if isinstance(exc, yamlio.YamlSyntax) else str(exc)


def collect(card: Card, snapshot: Snapshot, config: Config) -> PolicyFacts:
    return PolicyFacts(_manifest(card, snapshot), covered_configs(card, snapshot, _why))
