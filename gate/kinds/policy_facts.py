"""The policy kind's I/O edge: the world-model manifest and covered configs, as staged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate import paths
from gate.kinds import Facts

if TYPE_CHECKING:
    from gate.cardfile import Card
    from gate.config import Config
    from gate.git import Snapshot

CONFIG_SUFFIXES = (".yaml", ".yml")


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


def _configs(card: Card, snapshot: Snapshot) -> dict[str, Any]:
    from gate import yamlio

    configs: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for path in card.data.get("covers") or []:
        if not isinstance(path, str) or not path.endswith(CONFIG_SUFFIXES):
            continue
        got = paths.read(snapshot, path, what="covered config")
        if got.content is None:
            continue  # the engine reports unreadable covered files
        try:
            loaded = yamlio.load_plain(got.content.decode("utf-8"))
        except (UnicodeDecodeError, yamlio.YamlProblem) as exc:
            problems[path] = str(exc)
            continue
        except Exception as exc:
            import yaml

            if not isinstance(exc, yaml.YAMLError):
                raise
            problem = yamlio.problem_of(exc)
            problems[path] = f"line {problem.line}: {problem.message}"
            continue
        if isinstance(loaded, dict):
            configs[path] = loaded
        else:
            problems[path] = "not a mapping"
    return {"configs": configs, "config_problems": problems}


def collect(card: Card, snapshot: Snapshot, config: Config) -> Facts:
    return Facts({**_manifest(card, snapshot), **_configs(card, snapshot)})
