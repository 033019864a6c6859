"""The policy kind's rules: pure functions of (card, facts, config) -> findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gate.card.findings import Finding
from gate.kinds.covered import unreadable
from gate.kinds.values import entries, integer, launch_flags, section

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.config import Config
    from gate.kinds.policy.facts import PolicyFacts

# card field -> (config section, config key, launch flag overriding it)
COPIED: tuple[tuple[str, str, str | None], ...] = (
    ("model", "context_len", None),
    ("model", "hidden_dim", None),
    ("model", "trunk_dim", None),
    ("model", "dropout", None),
    ("training", "epochs", "--epochs"),
    ("training", "batch_size", "--batch-size"),
    ("training", "lr", "--lr"),
    ("training", "weight_decay", "--weight-decay"),
    ("training", "device", "--device"),
)
# The training code reads `training.num_epochs`; a config may name it either way.
ALIASES = {"epochs": "num_epochs"}


def distribution(card: Card, facts: PolicyFacts) -> list[Finding]:
    """Rule 6: the card's world-model facts equal the manifest's, and the policy's data
    matches or exceeds the world model's."""
    at = card.line_of("world_model", "manifest")

    def finding(line: int, message: str) -> Finding:
        return Finding(card.path, line, "distribution", message, card=card.path)

    problem = facts.manifest.problem
    if problem:
        return [finding(at, problem)]
    model = facts.manifest.model
    if model is None:
        return []
    path = facts.manifest.path
    problems = facts.manifest.consistency
    found = [finding(at, f"world-model manifest {path!r} {p}") for p in problems]
    wm, data = section(card.data, "world_model"), section(card.data, "data")
    recorded = integer(wm.get("games"))
    if recorded is not None and recorded != model.games:
        found.append(
            finding(
                card.line_of("world_model", "games"),
                f"card records the world model at {recorded:,} games but its "
                f"manifest {path!r} says {model.games:,} "
                "(config.data.num_games_loaded)",
            )
        )
    fingerprint = wm.get("fingerprint")
    if isinstance(fingerprint, str) and model.fingerprint and fingerprint != model.fingerprint:
        found.append(
            finding(
                card.line_of("world_model", "fingerprint"),
                f"card records data fingerprint {fingerprint} but the manifest "
                f"{path!r} has {model.fingerprint}",
            )
        )
    games = integer(data.get("games"))
    if games is not None and games < model.games:
        found.append(
            finding(
                card.line_of("data", "games"),
                f"policy trains on {games:,} games but its world model "
                f"{wm.get('checkpoint', path)!r} was trained on {model.games:,}: "
                "the policy's data must match or exceed the world model's",
            )
        )
    return found


def _same(card_value: Any, other: Any) -> bool:
    if isinstance(card_value, int | float) and not isinstance(card_value, bool):
        try:
            return float(other) == float(card_value)
        except (TypeError, ValueError):
            return False
        except OverflowError:  # an int too large for a float: only itself is equal
            return bool(card_value == other)
    return str(card_value) == str(other)


def config_agreement(card: Card, facts: PolicyFacts) -> list[Finding]:
    """Rule 8: values the card copied from its covered config still agree with it."""
    found = unreadable(card, facts.covered)
    launches = entries(card.data, "launch")
    overrides = [(str(e.get("player")), launch_flags(str(e.get("command", "")))) for e in launches]
    for config_path, config in facts.covered.configs.items():
        for part, key, flag in COPIED:
            card_value = section(card.data, part).get(key)
            if card_value is None:
                continue
            line = card.line_of(part, key)
            config_value = section(config, part).get(key)
            if config_value is None and key in ALIASES:
                config_value = section(config, part).get(ALIASES[key])
            for player, given in overrides or [("", {})]:
                if flag is not None and flag in given:
                    if not _same(card_value, given[flag]):
                        found.append(
                            Finding(
                                card.path,
                                line,
                                "config",
                                f"{part}.{key}: card says {card_value!r} but the launch command "
                                f"for player {player} passes {flag} {given[flag]}",
                                card=card.path,
                            )
                        )
                elif config_value is not None and not _same(card_value, config_value):
                    found.append(
                        Finding(
                            card.path,
                            line,
                            "config",
                            f"{part}.{key}: card says {card_value!r} but {config_path} says "
                            f"{config_value!r}"
                            + (
                                f" (and the launch command for player {player} "
                                f"does not override {flag})"
                                if flag and overrides  # no launch command: none to name
                                else ""
                            ),
                            card=card.path,
                        )
                    )
                    break
    return _unique(found)


def _unique(found: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(found))


def rules(card: Card, facts: PolicyFacts, config: Config) -> list[Finding]:
    from gate.kinds.policy import cloud
    from gate.kinds.policy.checks import arithmetic, seed_flags

    return [
        *distribution(card, facts),
        *config_agreement(card, facts),
        *arithmetic(card),
        *seed_flags(card, config),
        *cloud.check(card, config),
    ]
