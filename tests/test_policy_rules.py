"""The policy kind's rules 6 (distribution match) and 8 (config agreement), through their
pure functions: a card as gate writes it, the facts gate read (the real manifest parser
on a manifest as training writes it, the covered config's mapping), and the findings a
person sees: file, line, rule and message."""

from __future__ import annotations

from typing import Any

import pytest
from cards import card_data, card_text, manifest_json

from gate.card.document import Card, parse
from gate.card.findings import Finding
from gate.config import from_table
from gate.kinds.covered import CoveredConfigs
from gate.kinds.policy.checks import seed_flags
from gate.kinds.policy.facts import ManifestFacts, PolicyFacts
from gate.kinds.policy.rules import config_agreement, distribution
from gate.sources import manifest

CARD = "worldmodel/docs/run-cards/policy-a.md"
CONFIG = "worldmodel/experiments/policy-a.yaml"
MANIFEST = "worldmodel/checkpoints/wm-2k/manifest.json"
AGREES = {
    "model": {"context_len": 10, "hidden_dim": 512, "trunk_dim": 256, "dropout": 0.1},
    "training": {
        "num_epochs": 10,
        "batch_size": 512,
        "lr": 3.0e-4,
        "weight_decay": 0.01,
        "device": "mps",
    },
}


def card(data: dict[str, Any]) -> Card:
    return parse(CARD, card_text(data).encode())


def line(c: Card, text: str) -> int:
    """The 1-based line of the first front-matter line that is `text` (stripped)."""
    return next(i for i, row in enumerate(c.text.split("\n"), 1) if row.strip() == text)


def facts(config: dict[str, Any] | None = None, *, games: int = 2000, **kw: Any) -> PolicyFacts:
    model = manifest.parse(manifest_json(games))
    found = ManifestFacts(MANIFEST, model, None, tuple(manifest.consistency(model)))
    return PolicyFacts(
        ManifestFacts(**{**found._asdict(), **kw}),
        CoveredConfigs({CONFIG: config if config is not None else AGREES}),
    )


def config_with(part: str, key: str, value: Any) -> dict[str, Any]:
    return {**AGREES, part: {**AGREES[part], key: value}}


def launching(data: dict[str, Any], *commands: str) -> dict[str, Any]:
    data["launch"] = [{"player": str(p), "command": c} for p, c in enumerate(commands)]
    return data


def error(c: Card, at: int, rule: str, message: str) -> Finding:
    return Finding(CARD, at, rule, message, card=CARD)


# -- rule 8: the card's copied values agree with the covered config ----------------------


def test_a_card_that_agrees_with_its_config_has_no_finding():
    """3.0e-4 in the config is the card's 0.0003; `num_epochs` is the card's `epochs`."""
    assert config_agreement(card(card_data()), facts()) == []


def test_a_config_value_the_launch_command_does_not_override_is_named():
    c = card(card_data())
    assert config_agreement(c, facts(config_with("training", "lr", 0.001))) == [
        error(
            c,
            line(c, "lr: 0.0003"),
            "config",
            f"training.lr: card says 0.0003 but {CONFIG} says 0.001 (and the launch command "
            "for player 0 does not override --lr)",
        )
    ]


def test_a_model_value_no_flag_can_override_is_named_without_the_launch_command():
    c = card(card_data())
    assert config_agreement(c, facts(config_with("model", "hidden_dim", 1024))) == [
        error(
            c,
            line(c, "hidden_dim: 512"),
            "config",
            f"model.hidden_dim: card says 512 but {CONFIG} says 1024",
        )
    ]


def test_the_configs_num_epochs_is_the_cards_epochs():
    data = launching(card_data(), "python -m train --batch-size 512")
    c = card(data)
    assert config_agreement(c, facts(config_with("training", "num_epochs", 12))) == [
        error(
            c,
            line(c, "epochs: 10"),
            "config",
            f"training.epochs: card says 10 but {CONFIG} says 12 (and the launch command for "
            "player 0 does not override --epochs)",
        )
    ]


def test_a_launch_flag_overrides_the_config_and_must_agree_with_the_card():
    """`--lr 0.001` on the command: the config's lr no longer matters, the card's must be
    the flag's; each player's command is checked."""
    data = launching(card_data(), "train --lr 0.0003", "train --lr=0.001")
    c = card(data)
    assert config_agreement(c, facts(config_with("training", "lr", 0.5))) == [
        error(
            c,
            line(c, "lr: 0.0003"),
            "config",
            "training.lr: card says 0.0003 but the launch command for player 1 passes --lr 0.001",
        )
    ]


def test_a_config_disagreement_is_named_once_for_several_launch_commands():
    data = launching(card_data(), "train", "train")
    c = card(data)
    found = config_agreement(c, facts(config_with("training", "batch_size", 1024)))
    assert [f.message for f in found] == [
        f"training.batch_size: card says 512 but {CONFIG} says 1024 (and the launch command "
        "for player 0 does not override --batch-size)"
    ]


def test_a_launch_flag_that_disagrees_is_named_once_for_several_covered_configs():
    data = launching(card_data(), "train --lr 0.001")
    two = PolicyFacts(facts().manifest, CoveredConfigs({CONFIG: AGREES, "other.yaml": AGREES}))
    assert [f.message for f in config_agreement(card(data), two)] == [
        "training.lr: card says 0.0003 but the launch command for player 0 passes --lr 0.001"
    ]


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("512", False),  # a YAML string of the same number
        (512.0, False),
        ([512], True),  # no number at all: a disagreement, not a crash
        ("many", True),
    ],
)
def test_numbers_compare_by_value_and_anything_else_disagrees(value, names):
    data = launching(card_data(), "train")  # no --batch-size: the config's is the one
    found = config_agreement(card(data), facts(config_with("training", "batch_size", value)))
    assert [f.message.split(":")[0] for f in found] == (["training.batch_size"] if names else [])


def test_a_config_number_too_large_for_a_float_disagrees_without_failing():
    c = card(card_data())
    found = config_agreement(c, facts(config_with("model", "hidden_dim", 10**400)))
    assert [(f.line, f.message.split(" but ")[0]) for f in found] == [
        (line(c, "hidden_dim: 512"), "model.hidden_dim: card says 512")
    ]


def test_a_config_without_the_value_or_a_card_without_it_is_not_compared():
    data = card_data()
    del data["model"]["dropout"]
    config = {**AGREES, "model": {"context_len": 10, "hidden_dim": 512, "dropout": 0.5}}
    assert config_agreement(card(data), facts(config)) == []


def test_a_covered_config_that_cannot_be_read_is_named_on_covers():
    c = card(card_data())
    unread = PolicyFacts(facts().manifest, CoveredConfigs({}, {CONFIG: "not valid YAML"}))
    assert config_agreement(c, unread) == [
        error(
            c,
            line(c, "covers:"),
            "config",
            f"covered config {CONFIG!r} cannot be read: not valid YAML",
        )
    ]


# -- rule 6: the world model's manifest and the policy's data ----------------------------


def test_a_card_that_matches_its_world_model_has_no_finding():
    assert distribution(card(card_data()), facts()) == []


def test_a_manifest_gate_cannot_read_is_named_on_the_manifest_line():
    c = card(card_data())
    assert distribution(c, facts(problem="it is not in the commit")) == [
        error(c, line(c, f"manifest: {MANIFEST}"), "distribution", "it is not in the commit")
    ]


def test_without_a_manifest_nothing_is_compared():
    assert distribution(card(card_data(games=5)), facts(model=None)) == []


def test_a_manifest_that_disagrees_with_itself_is_named():
    c = card(card_data())
    found = distribution(c, facts(consistency=("lists 3 game_md5s but it says 2,000",)))
    assert found == [
        error(
            c,
            line(c, f"manifest: {MANIFEST}"),
            "distribution",
            f"world-model manifest {MANIFEST!r} lists 3 game_md5s but it says 2,000",
        )
    ]


def test_each_recorded_world_model_fact_the_manifest_contradicts_is_named_on_its_line():
    """A manifest of 2,500 games: the card's 2,000 games and fingerprint are wrong, and the
    policy's 2,000 games fall short."""
    c = card(card_data())
    real = manifest.parse(manifest_json(2500)).fingerprint
    recorded = c.data["world_model"]["fingerprint"]
    assert distribution(c, facts(games=2500)) == [
        error(
            c,
            line(c, "games: 2000"),
            "distribution",
            f"card records the world model at 2,000 games but its manifest {MANIFEST!r} says "
            "2,500 (config.data.num_games_loaded)",
        ),
        error(
            c,
            line(c, f"fingerprint: {recorded}"),
            "distribution",
            f"card records data fingerprint {recorded} but the manifest {MANIFEST!r} has {real}",
        ),
        error(
            c,
            [i for i, row in enumerate(c.text.split("\n"), 1) if row == "  games: 2000"][1],
            "distribution",
            "policy trains on 2,000 games but its world model 'wm-2k' was trained on 2,500: "
            "the policy's data must match or exceed the world model's",
        ),
    ]


def test_a_manifest_without_a_fingerprint_checks_none():
    model = manifest.parse(manifest_json(2000))._replace(fingerprint=None)
    assert distribution(card(card_data()), facts(model=model)) == []


def test_more_policy_games_than_the_world_models_pass():
    data = card_data(games=2001)
    assert distribution(card(data), facts()) == []


# -- rule 7: the seed's flags, warnings on the line each is about --------------------------


def test_each_seed_flag_is_a_warning_on_the_line_it_is_about():
    data = launching(card_data(games=6000, epochs=60, device="cpu"), "train", "train --no-wandb")
    c = card(data)
    assert seed_flags(c, from_table({}, source="pyproject.toml")) == [
        Finding(
            CARD,
            line(c, "epochs: 60"),
            "flag:overfit",
            "60 epochs on 6,000 games will overfit: convergence happens by epoch 8-10",
            severity="warning",
            card=CARD,
        ),
        Finding(
            CARD,
            line(c, "device: cpu"),
            "flag:cpu-large",
            "CPU for 6,000 games: use MPS if available (--device mps)",
            severity="warning",
            card=CARD,
        ),
        Finding(
            CARD,
            line(c, "launch:"),
            "flag:no-wandb",
            "no wandb: training is fast but tracking matters for comparison",
            severity="warning",
            card=CARD,
        ),
    ]


def test_without_games_epochs_or_a_device_no_seed_flag_is_raised():
    data = launching(card_data(games=6000, epochs=60, device="cpu"), "train --no-wandb")
    del data["training"]["device"]
    assert seed_flags(card(data), from_table({}, source="pyproject.toml")) == []


def test_commands_that_all_log_to_wandb_raise_no_wandb_flag():
    data = launching(card_data(games=6000, epochs=60, device="cpu"), "train", "train -v")
    found = seed_flags(card(data), from_table({}, source="pyproject.toml"))
    assert [f.rule for f in found] == ["flag:overfit", "flag:cpu-large"]


def test_without_games_no_seed_flag_is_raised():
    data = launching(card_data(games=6000, epochs=60, device="cpu"), "train --no-wandb")
    del data["data"]["games"]
    assert seed_flags(card(data), from_table({}, source="pyproject.toml")) == []


def test_a_card_without_launch_commands_names_only_the_config():
    data = launching(card_data())  # no launch command: none to override anything
    c = card(data)
    assert [
        f.message for f in config_agreement(c, facts(config_with("training", "lr", 0.001)))
    ] == [f"training.lr: card says 0.0003 but {CONFIG} says 0.001"]


def test_a_value_the_card_leaves_out_does_not_stop_the_others_being_compared():
    data = card_data()
    del data["model"]["dropout"]
    found = config_agreement(card(data), facts(config_with("training", "lr", 0.001)))
    assert [f.message.split(":")[0] for f in found] == ["training.lr"]


def test_a_world_model_without_a_checkpoint_name_is_named_by_its_manifest():
    data = card_data(games=1999)
    del data["world_model"]["checkpoint"]
    found = distribution(card(data), facts())
    assert [f.message for f in found] == [
        f"policy trains on 1,999 games but its world model {MANIFEST!r} was trained on 2,000: "
        "the policy's data must match or exceed the world model's"
    ]
