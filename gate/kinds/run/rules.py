"""The run kind's rules: pure functions of (card, facts, config) -> findings.

- launch: the covered launch script's decorator still sets the card's GPU and timeout;
- config: values the card copied from its covered config still agree (launch flags win);
- What's New names every key that differs from the comparable prior run;
- the card's own arithmetic and the checklist's flags (`run_checks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gate.card.findings import Finding
from gate.kinds.covered import unreadable
from gate.kinds.run import gpus
from gate.kinds.run.build import MODEL_DIMENSIONS, scheduled_sampling
from gate.kinds.run.compare import differences
from gate.kinds.values import launch_flags, section
from gate.sources import launch_script

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.config import Config
    from gate.kinds.run.facts import RunFacts

# card field -> the launch flag that overrides the config's value
FLAGS = {
    "training.epochs": "--epochs",
    "training.batch_size": "--batch-size",
    "training.lr": "--lr",
    "logging.log_interval": "--log-interval",
}


def _finding(
    card: Card, where: tuple[str, ...], rule: str, message: str, severity: str = "error"
) -> Finding:
    return Finding(
        card.path,
        card.line_of(*where),
        rule,
        message,
        severity="warning" if severity == "warning" else "error",
        card=card.path,
    )


def covers(card: Card) -> list[Finding]:
    """The config and launch script the card describes are in `covers` (so a later edit
    to either makes the approvals stale)."""
    covered = card.data.get("covers")
    listed = [p for p in covered if isinstance(p, str)] if isinstance(covered, list) else []
    found = []
    function = section(card.data, "infrastructure").get("launch_function")
    places: tuple[tuple[str, str], ...] = (("model", "config"), ("infrastructure", "launch_script"))
    for where in places:
        path = section(card.data, where[0]).get(where[1])
        if not isinstance(path, str):
            continue
        accepted = {path}
        if where[1] == "launch_script" and isinstance(function, str):
            accepted.add(f"{path}::{function}")  # the launched function of a shared script
        if not accepted & set(listed):
            shown = " or ".join(repr(a) for a in sorted(accepted, key=len, reverse=True))
            found.append(
                _finding(
                    card,
                    where,
                    "covers",
                    f"{'.'.join(where)} {path!r} is not in covers: add {shown}, so an "
                    "edit to it makes the approvals stale",
                )
            )
    return found


def launch(card: Card, facts: RunFacts, config: Config) -> list[Finding]:
    """The launch script's `@app.function(gpu=..., timeout=...)` agrees with the card."""
    infra = section(card.data, "infrastructure")
    script = infra.get("launch_script")
    problem = facts.launch.problem
    if problem:
        return [_finding(card, ("infrastructure", "launch_script"), "launch", problem)]
    functions = facts.launch.functions
    if not isinstance(script, str) or functions is None:
        return []
    name = infra.get("launch_function")
    try:
        function = launch_script.pick(functions, name if isinstance(name, str) else None)
    except launch_script.LaunchProblem as exc:
        return [
            _finding(
                card,
                ("infrastructure", "launch_function"),
                "launch",
                f"launch script {script!r} {exc.message}",
            )
        ]
    at = f"{script}:{{line}} (@{function.name})"
    found: list[Finding] = []
    table = gpus.gpu_table(config.gpus)
    card_gpu, count = infra.get("gpu"), infra.get("gpu_count", 1)
    setting = function.gpu
    if not launch_script.readable(setting):
        found.append(
            _finding(
                card,
                ("infrastructure", "gpu"),
                "launch",
                f"cannot read {setting.text} in {at.format(line=setting.line)} "
                "without running it: write the GPU as a string literal so the "
                "gate can check it",
                "warning",
            )
        )
    elif isinstance(card_gpu, str):
        new_name, new_count = (
            gpus.split_spec(setting.value) if launch_script.is_set(setting) else ("CPU", 1)
        )
        old = f"{gpus.canonical(card_gpu, table)}" + (f":{count}" if count != 1 else "")
        new = f"{gpus.canonical(new_name, table)}" + (f":{new_count}" if new_count != 1 else "")
        if old != new:
            said = setting.text if launch_script.is_set(setting) else "no gpu= (CPU only)"
            found.append(
                _finding(
                    card,
                    ("infrastructure", "gpu"),
                    "launch",
                    f"GPU changed: the card says {old} but the launch script "
                    f"{at.format(line=setting.line)} now says {said} ({new}): "
                    "regenerate the card (`gate generate --kind run --force`) "
                    "and ask for review again",
                )
            )
    timeout = launch_script.effective_timeout(function)
    card_timeout = infra.get("timeout_s")
    if timeout is None:
        found.append(
            _finding(
                card,
                ("infrastructure", "timeout_s"),
                "launch",
                f"cannot read {function.timeout.text} in "
                f"{at.format(line=function.timeout.line)} without running it: "
                "write the timeout as a number of seconds",
                "warning",
            )
        )
    elif isinstance(card_timeout, int) and card_timeout != timeout:
        said = (
            function.timeout.text
            if launch_script.is_set(function.timeout)
            else f"no timeout= (Modal's default, {timeout} s)"
        )
        found.append(
            _finding(
                card,
                ("infrastructure", "timeout_s"),
                "launch",
                f"timeout changed: the card says {card_timeout:,} s but the "
                f"launch script {at.format(line=function.timeout.line)} now says "
                f"{said}: regenerate the card and ask for review again",
            )
        )
    return found


def copied(data: Mapping[str, Any], *, from_config: bool) -> dict[str, Any]:
    """The values a card copies from its config, by card field; from the config itself
    (`from_config`) or from the card."""
    if from_config:
        model, training = section(data, "model"), section(data, "training")
        values = {f"model.{k}": model.get(k) for k in MODEL_DIMENSIONS}
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
            *(f"model.{k}" for k in MODEL_DIMENSIONS),
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
    except (TypeError, ValueError):
        return str(a) == str(b)


def config_agreement(card: Card, facts: RunFacts) -> list[Finding]:
    found = unreadable(card, facts.covered)
    path = section(card.data, "model").get("config")
    config = facts.covered.configs.get(path) if isinstance(path, str) else None
    if not isinstance(config, Mapping):
        return found
    given = launch_flags(str(section(card.data, "launch").get("command", "")))
    on_card, in_config = copied(card.data, from_config=False), copied(config, from_config=True)
    for key in sorted(set(on_card) | set(in_config)):
        mine, theirs = on_card.get(key), in_config.get(key)
        flag = FLAGS.get(key)
        if flag is not None and flag in given:
            if not _same(mine, given[flag]):
                found.append(
                    _finding(
                        card,
                        tuple(key.split(".")),
                        "config",
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
                    "config",
                    f"{key}: card says {mine!r} but {path} says "
                    f"{'nothing' if theirs is None else repr(theirs)}{override}",
                )
            )
    return found


def whats_new(card: Card, facts: RunFacts) -> list[Finding]:
    """Every key that differs from the comparable prior run is named in What's New."""
    problem = facts.comparable.problem
    if problem:
        return [
            _finding(
                card,
                ("comparable", "manifest"),
                "flag:config-diff",
                f"{problem}: What's New cannot be checked",
                "warning",
            )
        ]
    prior = facts.comparable.config
    path = section(card.data, "model").get("config")
    config = facts.covered.configs.get(path) if isinstance(path, str) else None
    if not isinstance(prior, Mapping) or not isinstance(config, Mapping):
        return []
    rows = card.data.get("whats_new")
    named = {
        str(row.get("key"))
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, Mapping)
    }
    missing = [d for d in differences(prior, config) if d["key"] not in named]
    if not missing:
        return []
    run = section(card.data, "comparable").get("run")
    listed = ", ".join(f"{d['key']} ({d['prior']!r} -> {d['now']!r})" for d in missing)
    return [
        _finding(
            card,
            ("whats_new",),
            "flag:config-diff",
            f"the config differs from the comparable run {run} in key(s) What's New "
            f"does not name: {listed}; regenerate the card",
            "warning",
        )
    ]


def rules(card: Card, facts: RunFacts, config: Config) -> list[Finding]:
    from gate.kinds.run.checks import arithmetic, flags

    return [
        *covers(card),
        *launch(card, facts, config),
        *config_agreement(card, facts),
        *whats_new(card, facts),
        *arithmetic(card, config),
        *flags(card),
    ]
