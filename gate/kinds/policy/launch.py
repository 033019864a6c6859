"""A policy card's launch commands: the seed's local command, or the repository's template.

`[tool.gate.kinds.policy] launch` is a command template with `{placeholder}`s, e.g.

    modal run worldmodel/scripts/modal_train.py::train_policy --config {config}
        --max-games {games} --predict-player {player} --epochs {epochs}
        --batch-size {batch_size} --run-name {run_name}-p{player}

so a team that launches policies on a rented GPU gets its own command on the card (one
per player). An unknown placeholder, or a value the card changes from the config that the
template does not pass, is a `GateError` naming the key. Pure: values in, text out.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from gate.errors import GateError

TRAIN_MODULE = "worldmodel.scripts.train_policy"
KEY = "[tool.gate.kinds.policy] launch"
PLACEHOLDERS = (
    "run_name",
    "player",
    "games",
    "epochs",
    "batch_size",
    "lr",
    "device",
    "config",
    "dataset",
    "save_dir",
    "gpu",
    "overrides",
)
# card value -> the placeholder that passes it, and the flag the seed's command passes
PASSED = (
    ("epochs", "--epochs"),
    ("batch_size", "--batch-size"),
    ("lr", "--lr"),
    ("device", "--device"),
)


def placeholders(template: str) -> list[str]:
    """The `{name}`s of a template, in order; a malformed one is a `GateError`."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise GateError(
            f"{KEY}: not a valid template ({exc}); write placeholders as {{name}}"
        ) from None
    names = []
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + field
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise GateError(
                f"{KEY}: unknown placeholder {shown} (known: "
                f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
            )
        names.append(field)
    return names


def check_passes(
    template: str, *, changed: Mapping[str, Any], overrides: Mapping[str, str]
) -> None:
    """Every value the card changes from the config (`changed`: placeholder -> value) is on
    the command, so the check's config agreement holds: `{epochs}`, `{batch_size}`,
    `{device}`, and `{lr}` (or `{overrides}`, which carries `--lr`)."""
    names = set(placeholders(template))
    for name, flag in PASSED:
        if name not in changed or name in names:
            continue
        if name == "lr" and "overrides" in names and flag in overrides:
            continue
        raise GateError(
            f"{KEY} passes no {{{name}}}: the card's {name} {changed[name]} differs from the "
            f"config's, so the command must pass it (e.g. `{flag} {{{name}}}`)"
        )


def fill(template: str, values: Mapping[str, Any]) -> str:
    """The template with each placeholder replaced by its value."""
    names = placeholders(template)
    missing = [n for n in names if values.get(n) is None]
    if missing:
        raise GateError(f"{KEY}: no value for {{{missing[0]}}} on this card")
    return template.format_map({n: str(values[n]) for n in names})


def seed_command(values: Mapping[str, Any]) -> str:
    """The seed's local command (the default when no template is configured)."""
    lines = [f".venv/bin/python -m {TRAIN_MODULE} \\", f"    --dataset {values['dataset']} \\"]
    if values.get("config"):
        lines.append(f"    --config {values['config']} \\")
    lines += [
        f"    --max-games {values['games']} --predict-player {values['player']} \\",
        f"    --epochs {values['epochs']} --batch-size {values['batch_size']} "
        f"--device {values['device']} \\",
    ]
    if values.get("overrides"):
        lines.append(f"    {values['overrides']} \\")
    lines += [
        f"    --save-dir {values['save_dir']} \\",
        f'    --run-name "{values["run_name"]}-p{values["player"]}" -v',
    ]
    return "\n".join(lines)
