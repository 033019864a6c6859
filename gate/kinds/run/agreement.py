"""Values a run card copied from its covered config still agree with it (rule 8,
`config`): model dimensions, epochs, batch size, lr, weight decay, log_interval, train
split, num_workers, scheduled sampling and loss weights; a launch-command flag wins. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate.card.findings import Finding
from gate.kinds.covered import unreadable
from gate.kinds.run.build import MLP_DIMENSIONS, MODEL_DIMENSIONS, scheduled_sampling
from gate.kinds.values import launch_flags, section

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.kinds.run.facts import RunFacts

# card field -> the launch flag that overrides the config's value
FLAGS = {
    "training.epochs": "--epochs",
    "training.batch_size": "--batch-size",
    "training.lr": "--lr",
    "logging.log_interval": "--log-interval",
}


def _finding(card: Card, where: tuple[str, ...], message: str) -> Finding:
    return Finding(card.path, card.line_of(*where), "config", message, card=card.path)


def copied(data: Mapping[str, Any], *, from_config: bool) -> dict[str, Any]:
    """The values a card copies from its config, by card field; from the config itself
    (`from_config`) or from the card."""
    if from_config:
        model, training = section(data, "model"), section(data, "training")
        values = {f"model.{k}": model.get(k) for k in (*MODEL_DIMENSIONS, *MLP_DIMENSIONS)}
        values |= {
            "training.epochs": training.get("num_epochs", training.get("epochs")),
            "training.batch_size": training.get("batch_size"),
            "training.lr": training.get("lr"),
            "training.weight_decay": training.get("weight_decay", 0.0),
            "logging.log_interval": training.get("log_interval"),
            "data.train_split": training.get("train_split", 0.9),
            "infrastructure.num_workers": training.get("num_workers"),
        }
        sampling = scheduled_sampling(training) or {}
        weights = section(data, "loss_weights")
    else:
        values = {}
        for key in (
            *(f"model.{k}" for k in (*MODEL_DIMENSIONS, *MLP_DIMENSIONS)),
            "training.epochs",
            "training.batch_size",
            "training.lr",
            "training.weight_decay",
            "logging.log_interval",
            "data.train_split",
            "infrastructure.num_workers",
        ):
            part, name = key.split(".")
            values[key] = section(data, part).get(name)
        training = section(data, "training")
        sampling = dict(section(training, "scheduled_sampling"))
        weights = section(training, "loss_weights")
    for key in ("rate", "noise", "anneal_epochs", "corrupt_frames"):
        values[f"training.scheduled_sampling.{key}"] = sampling.get(key)
    values |= {f"training.loss_weights.{k}": v for k, v in weights.items()}
    return values


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return float(a) == float(b)
    except (TypeError, ValueError, OverflowError):  # an int too large for a float
        return str(a) == str(b)


def config_agreement(card: Card, facts: RunFacts) -> list[Finding]:
    found = unreadable(card, facts.covered)
    path = section(card.data, "model").get("config")
    config = facts.covered.configs.get(path) if isinstance(path, str) else None
    if not isinstance(config, Mapping):
        return found
    given = launch_flags(str(section(card.data, "launch").get("command", "")))
    on_card, in_config = copied(card.data, from_config=False), copied(config, from_config=True)
    # an MLP's dimensions are compared when the card records them (older cards do not)
    model = section(card.data, "model")
    skip = {f"model.{k}" for k in MLP_DIMENSIONS if k not in model}
    for key in sorted((set(on_card) | set(in_config)) - skip):
        mine, theirs = on_card.get(key), in_config.get(key)
        flag = FLAGS.get(key)
        if flag is not None and flag in given:
            if not _same(mine, given[flag]):
                found.append(
                    _finding(
                        card,
                        tuple(key.split(".")),
                        f"{key}: card says {mine!r} but the launch command "
                        f"passes {flag} {given[flag]}",
                    )
                )
        elif not _same(mine, theirs):
            override = f" (and the launch command does not pass {flag})" if flag else ""
            found.append(
                _finding(
                    card,
                    tuple(key.split(".")),
                    f"{key}: card says {mine!r} but {path} says "
                    f"{'nothing' if theirs is None else repr(theirs)}{override}",
                )
            )
    return found
