"""`path:line: rule: message` per finding, then one verdict line; colour only on a TTY."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from gate.check.outcome import Outcome

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "notice": "\033[36m"}
_RESET = "\033[0m"


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def report(outcome: Outcome, stream: TextIO) -> None:
    colour = use_colour(stream)
    for note in outcome.notes:
        stream.write(f"{note}\n")
    for finding in outcome.sorted_findings():
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        label = (
            finding.rule if finding.severity == "error" else f"{finding.rule} ({finding.severity})"
        )
        if colour:
            label = f"{_COLOURS[finding.severity]}{label}{_RESET}"
        stream.write(f"{where}: {label}: {finding.message}\n")
    verdict = outcome.verdict()
    if colour:
        verdict = f"{_COLOURS['error'] if outcome.errors else chr(27) + '[32m'}{verdict}{_RESET}"
    stream.write(f"{verdict}\n")
