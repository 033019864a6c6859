"""`[tool.gate]` in the repository's pyproject.toml: parsed, checked, given defaults.

Every key has a default that fits the layout of DESIGN.md; an unknown key or a value
of the wrong type is a `GateError` naming the key (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from gate.errors import GateError

DEFAULT_CARDS_DIR = "worldmodel/docs/run-cards"
DEFAULT_GATED = (
    "worldmodel/experiments/*.yaml",
    "worldmodel/experiments/*.yml",
    "worldmodel/launch/*.sh",
    "worldmodel/launch/*.py",
)
DEFAULT_MANIFESTS = ("worldmodel/checkpoints/*/manifest.json",)
# The seed's sign-off: Scav and Mattie. With no emails their approvals cannot be
# attributed, so signer identity blocks until [tool.gate.reviewers] names them.
DEFAULT_REVIEWERS: Mapping[str, tuple[str, ...]] = MappingProxyType({"Scav": (), "Mattie": ()})


class KindConfig(NamedTuple):
    """Per-kind settings, `[tool.gate.kinds.<name>]`."""

    reviewers: tuple[str, ...] | None = None


class Config(NamedTuple):
    cards_dir: str = DEFAULT_CARDS_DIR
    gated: tuple[str, ...] = DEFAULT_GATED
    strict: bool = False
    reviewers: Mapping[str, tuple[str, ...]] = DEFAULT_REVIEWERS
    manifests: tuple[str, ...] = DEFAULT_MANIFESTS
    dataset: str | None = None
    wandb: str | None = None
    hardware: Mapping[str, Mapping[str, Any]] = MappingProxyType({})
    kinds: Mapping[str, KindConfig] = MappingProxyType({})
    extra_kinds: tuple[str, ...] = ()
    # the run kind: [tool.gate.gpus.<name>] rows over its GPU table, and the thresholds
    # over which a world-model config needs a card
    gpus: Mapping[str, Mapping[str, Any]] = MappingProxyType({})
    run_card_cost_usd: float = 5.0
    run_card_hours: float = 2.0
    source: str = "defaults"

    def reviewers_for(self, kind: str) -> tuple[str, ...]:
        """Required reviewers of a card of `kind`: the kind's list, else every reviewer."""
        kind_config = self.kinds.get(kind)
        if kind_config is not None and kind_config.reviewers is not None:
            return kind_config.reviewers
        return tuple(self.reviewers)

    def emails_of(self, reviewer: str) -> tuple[str, ...]:
        return self.reviewers.get(reviewer, ())


def _fail(source: str, key: str, expected: str, value: object) -> GateError:
    return GateError(
        f"{source}: [tool.gate] {key}: expected {expected}, got {type(value).__name__} {value!r}"
    )


def _str(source: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(source, key, "a non-empty string", value)
    return value


def _str_list(source: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(source, key, "a list of non-empty strings", value)
    return tuple(value)


def _reviewers(source: str, value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise _fail(source, "reviewers", "a table of name = [emails]", value)
    reviewers: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for name, emails in value.items():
        addresses = _str_list(source, f"reviewers.{name}", emails)
        for address in addresses:
            other = owner.setdefault(address.lower(), name)
            if other != name:
                raise GateError(
                    f"{source}: [tool.gate] reviewers: {other} and {name} share the email "
                    f"{address}; their approvals could not be told apart"
                )
        reviewers[name] = addresses
    return reviewers


def _kinds(source: str, value: object, reviewers: Mapping[str, object]) -> dict[str, KindConfig]:
    if not isinstance(value, dict):
        raise _fail(source, "kinds", "a table of kind tables", value)
    kinds: dict[str, KindConfig] = {}
    for kind, table in value.items():
        if not isinstance(table, dict):
            raise _fail(source, f"kinds.{kind}", "a table", table)
        unknown = set(table) - {"reviewers"}
        if unknown:
            raise GateError(
                f"{source}: [tool.gate.kinds.{kind}] unknown key {sorted(unknown)[0]!r}"
            )
        names = None
        if "reviewers" in table:
            names = _str_list(source, f"kinds.{kind}.reviewers", table["reviewers"])
            for name in names:
                if name not in reviewers:
                    raise GateError(
                        f"{source}: [tool.gate.kinds.{kind}] reviewers: {name!r} is not in "
                        "[tool.gate.reviewers]"
                    )
        kinds[kind] = KindConfig(reviewers=names)
    return kinds


def _table_of_tables(
    source: str, key: str, expected: str, value: object
) -> dict[str, dict[str, Any]]:
    """Shallow shape only: the module that uses the rows checks them and names a bad key."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise _fail(source, key, expected, value)
    return {name: dict(row) for name, row in value.items()}


def _hardware(source: str, value: object) -> dict[str, dict[str, Any]]:
    """Shallow shape only: `gate.kinds.policy.estimate` checks the rows and names a bad key."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise _fail(source, "hardware", "a table of hardware tables", value)
    return {name: dict(row) for name, row in value.items()}


def _amount(source: str, key: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0 <= value < float("inf"))
    ):
        raise _fail(source, key, "a finite number >= 0", value)
    return float(value)


_KEYS = frozenset(
    {
        "cards_dir",
        "gated",
        "strict",
        "reviewers",
        "manifests",
        "dataset",
        "wandb",
        "hardware",
        "kinds",
        "extra_kinds",
        "gpus",
        "run_card_cost_usd",
        "run_card_hours",
    }
)


def from_table(table: Mapping[str, Any], *, source: str) -> Config:  # noqa: PLR0912
    """Build a `Config` from the `[tool.gate]` table (already parsed)."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise GateError(
            f"{source}: [tool.gate] unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    values: dict[str, Any] = {"source": source}
    if "cards_dir" in table:
        values["cards_dir"] = _str(source, "cards_dir", table["cards_dir"]).strip("/")
    if "gated" in table:
        values["gated"] = _str_list(source, "gated", table["gated"])
    if "strict" in table:
        if not isinstance(table["strict"], bool):
            raise _fail(source, "strict", "true or false", table["strict"])
        values["strict"] = table["strict"]
    reviewers: Mapping[str, tuple[str, ...]] = DEFAULT_REVIEWERS
    if "reviewers" in table:
        reviewers = _reviewers(source, table["reviewers"])
        if not reviewers:
            raise GateError(f"{source}: [tool.gate] reviewers: name at least one reviewer")
        values["reviewers"] = reviewers
    if "manifests" in table:
        values["manifests"] = _str_list(source, "manifests", table["manifests"])
    for key in ("dataset", "wandb"):
        if key in table:
            values[key] = _str(source, key, table[key])
    if "hardware" in table:
        values["hardware"] = _hardware(source, table["hardware"])
    if "gpus" in table:
        values["gpus"] = _table_of_tables(source, "gpus", "a table of GPU tables", table["gpus"])
    for key in ("run_card_cost_usd", "run_card_hours"):
        if key in table:
            values[key] = _amount(source, key, table[key])
    if "kinds" in table:
        values["kinds"] = _kinds(source, table["kinds"], reviewers)
    if "extra_kinds" in table:
        values["extra_kinds"] = _str_list(source, "extra_kinds", table["extra_kinds"])
    return Config(**values)


def parse(text: str | None, *, source: str) -> Config:
    """Parse pyproject.toml text; `None` (no file) or no `[tool.gate]` means defaults."""
    if text is None:
        return Config()
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GateError(f"{source}: not valid TOML: {exc}") from None
    tool = document.get("tool", {})
    table = tool.get("gate") if isinstance(tool, dict) else None
    if table is None:
        return Config(source=source)
    if not isinstance(table, dict):
        raise _fail(source, "", "a table", table)
    return from_table(table, source=source)


def gate_table_text(text: str | None) -> str:
    """A canonical rendering of `[tool.gate]` for telling whether a change touched it."""
    if text is None:
        return ""
    import json
    import tomllib

    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return "<invalid TOML>"
    return json.dumps(tool.get("gate"), sort_keys=True, default=str)
