"""The YAML configs a card covers: read from the snapshot (a kind's facts), and a finding
for each one that cannot be read (its rule)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.card import paths
from gate.card.findings import Finding

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.git.snapshot import Snapshot
    from gate.sources.yamlio import YamlProblem

CONFIG_SUFFIXES = (".yaml", ".yml")

# Why a config cannot be read, from the error that stopped it.
Why = Callable[["UnicodeDecodeError | YamlProblem"], str]


def why(exc: UnicodeDecodeError | YamlProblem) -> str:
    """`not UTF-8`, or the YAML problem with its line."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8"
    return f"line {exc.line}: {exc.message}"


def load_yaml(raw: bytes, describe: Why = why) -> tuple[Any, str | None]:
    """(data, None) or (None, problem) for a config's bytes."""
    from gate.sources import yamlio

    try:
        return yamlio.load_plain(raw.decode("utf-8")), None
    except (UnicodeDecodeError, yamlio.YamlProblem) as exc:
        return None, describe(exc)


class CoveredConfigs(NamedTuple):
    """The YAML configs a card covers, as the snapshot has them."""

    configs: Mapping[str, Any] = MappingProxyType({})  # path -> the config's mapping
    problems: Mapping[str, str] = MappingProxyType({})  # path -> why it cannot be read


def covered_configs(card: Card, snapshot: Snapshot, describe: Why = why) -> CoveredConfigs:
    """The YAML files in the card's `covers`: read, or why they cannot be."""
    configs: dict[str, Any] = {}
    problems: dict[str, str] = {}
    listed = card.data.get("covers")
    for path in listed if isinstance(listed, list) else []:  # the schema reports the rest
        if not isinstance(path, str) or not path.endswith(CONFIG_SUFFIXES):
            continue
        got = paths.read(snapshot, path, what="covered config")
        if got.content is None:
            continue  # the engine reports unreadable covered files
        loaded, problem = load_yaml(got.content, describe)
        if problem is None and not isinstance(loaded, dict):
            problem = "not a mapping"
        if problem is not None:
            problems[path] = problem
        else:
            configs[path] = loaded
    return CoveredConfigs(configs, problems)


def unreadable(card: Card, covered: CoveredConfigs) -> list[Finding]:
    """A `config` finding for each covered config `covered_configs` could not read."""
    return [
        Finding(
            card.path,
            card.line_of("covers"),
            "config",
            f"covered config {path!r} cannot be read: {problem}",
            card=card.path,
        )
        for path, problem in covered.problems.items()
    ]
