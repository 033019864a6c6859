"""The run kind's rules: pure functions of (card, facts, config) -> findings.

- launch: the covered launch script's decorator still sets the card's GPU and timeout;
- config: values the card copied from its covered config still agree, launch flags win
  (`agreement`);
- What's New names every key that differs from the comparable prior run;
- the card's own arithmetic (`checks`) and the checklist's flags (`concerns`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gate.kinds import gpus
from gate.kinds.base import finding_at as _finding
from gate.kinds.run.agreement import config_agreement
from gate.kinds.run.compare import differences
from gate.kinds.values import section
from gate.sources import launch_script

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.card.findings import Finding
    from gate.config import Config
    from gate.kinds.run.facts import RunFacts


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
    """The launch script's `@app.function(gpu=..., timeout=...)` agrees with the card.
    A setting (or function) gate cannot read, or that is bound more than once, blocks:
    the card's value could not be checked."""
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
                "the card's GPU cannot be checked: "
                f"{at.format(line=setting.line)}: {launch_script.unreadable(setting)}",
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
                "the card's timeout cannot be checked: "
                f"{at.format(line=function.timeout.line)}: "
                f"{launch_script.unreadable(function.timeout)}",
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
    from gate.kinds.run.checks import arithmetic
    from gate.kinds.run.concerns import flags

    return [
        *covers(card),
        *launch(card, facts, config),
        *config_agreement(card, facts),
        *whats_new(card, facts),
        *arithmetic(card, config),
        *flags(card, config),
    ]
