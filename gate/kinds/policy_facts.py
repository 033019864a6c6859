"""The policy kind's I/O edge: the world-model manifest and covered configs, as staged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate import paths
from gate.kinds import Facts
from gate.kinds.covered import covered_configs

if TYPE_CHECKING:
    from gate.cardfile import Card
    from gate.config import Config
    from gate.snapshot import Snapshot
    from gate.yamlio import YamlProblem


def _manifest(card: Card, snapshot: Snapshot) -> dict[str, Any]:
    wm = card.data.get("world_model")
    path = wm.get("manifest") if isinstance(wm, Mapping) else None
    if not isinstance(path, str):
        return {}
    key = ("policy-manifest", path)
    if key not in snapshot.memo:
        snapshot.memo[key] = _read_manifest(path, snapshot)
    facts: dict[str, Any] = snapshot.memo[key]
    return facts


def _read_manifest(path: str, snapshot: Snapshot) -> dict[str, Any]:
    """The manifest's facts (and its own consistency), read once per snapshot."""
    from gate import manifest

    got = paths.read(snapshot, path, what="world-model manifest")
    if got.content is None:
        return {
            "manifest_problem": f"{got.problem}. The distribution match cannot be checked: "
            "commit the manifest (or a copy of it) where CI can read it"
        }
    try:
        model = manifest.parse(got.content)
    except manifest.ManifestProblem as exc:
        return {"manifest_problem": f"world-model manifest {path!r} {exc}"}
    return {"manifest": model, "manifest_path": path,
            "manifest_consistency": manifest.consistency(model)}


def _why(exc: UnicodeDecodeError | YamlProblem) -> str:
    """This kind's wording: the decoder's own message, a refusal (anchors) without a line."""
    from gate import yamlio

    return f"line {exc.line}: {exc.message}" if isinstance(exc, yamlio.YamlSyntax) else str(exc)


def collect(card: Card, snapshot: Snapshot, config: Config) -> Facts:
    return Facts({**_manifest(card, snapshot), **covered_configs(card, snapshot, _why)})
