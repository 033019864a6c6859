"""Values read off a card or a config the kinds share: sections, numbers, launch flags. Pure.

Card and config data is YAML the schema may not have checked yet: each helper gives
the value only when it has the expected shape, else `{}` or None, so a rule reports
what it can and leaves the shape to the schema.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping
from typing import Any


def section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """`data[name]` when it is a mapping, else an empty one."""
    value = data.get(name)
    return value if isinstance(value, Mapping) else {}


def number(value: Any) -> float | None:
    """A finite int or float (not a bool) as a float, else None (also for an int too
    large for a float: YAML reads `1` followed by 400 zeros as an int)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def entries(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    """The mappings of the list `data[name]` (e.g. a card's `launch`); [] for anything
    else."""
    value = data.get(name)
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def integer(value: Any) -> int | None:
    """An int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def whole(value: Any) -> int | None:
    """A positive int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


# Text that `shlex.split` splits at its whitespace alone (no quotes, escapes or other
# whitespace): there, `str.split(SHELL_SPACE)` gives the very same words, faster.
_PLAIN = re.compile(r"[A-Za-z0-9_./:=@%+,\- \t\r\n-]*")


def shell_words(command: str) -> list[str]:
    """The words of a shell command, as `shlex.split` gives them (ValueError for an
    unclosed quote)."""
    if _PLAIN.fullmatch(command):
        return command.split()
    return shlex.split(command)


def launch_flags(command: str) -> dict[str, str]:
    """`--flag value` / `--flag=value` pairs of a launch command."""
    try:
        words = shell_words(command.replace("\\\n", " "))
    except ValueError:
        return {}
    flags: dict[str, str] = {}
    for i, word in enumerate(words):
        if word.startswith("--") and "=" in word:
            flag, value = word.split("=", 1)
            flags[flag] = value
        elif word.startswith("--") and i + 1 < len(words) and not words[i + 1].startswith("--"):
            flags[word] = words[i + 1]
    return flags


# a model section's `arch` as cards show it
ARCHITECTURES = {"mamba2": "Mamba-2", "mlp": "MLP", "transformer": "Transformer"}
UNKNOWN = "unknown"  # the architecture of a config whose `model:` names none


def architecture(model: Mapping[str, Any]) -> str:
    """`mamba2` -> `Mamba-2`, as the card shows the config's `model.arch`; `unknown` when
    the config names none (never guessed from its dimensions)."""
    arch = model.get("arch", model.get("architecture"))
    if not isinstance(arch, str) or not arch.strip():
        return UNKNOWN
    return ARCHITECTURES.get(arch.lower(), arch)
