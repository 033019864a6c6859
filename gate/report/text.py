"""`path:line: rule: message` per finding, then one verdict line; colour only on a TTY.

A finding is one line whatever its file is called: a control character in a path, a
message or a note (a tab, a line break, a terminal escape in a file name a change adds)
is shown as its escape, `\t` or `\x1b`. A name cannot start a line of its own, move the
cursor back over a finding or recolour the verdict.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from gate.check.outcome import Outcome

# C0 controls, DEL and the C1 controls (ESC's one-byte forms): each as its escape.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})
_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "notice": "\033[36m"}
_RESET = "\033[0m"


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def visible(text: str) -> str:
    """`text` with every control character shown as its escape."""
    return text.translate(_ESCAPES)


def report(outcome: Outcome, stream: TextIO) -> None:
    colour = use_colour(stream)
    for note in outcome.notes:
        stream.write(f"{visible(note)}\n")
    for finding in outcome.sorted_findings():
        path = visible(finding.path)
        where = f"{path}:{finding.line}" if finding.line else path
        label = (
            finding.rule if finding.severity == "error" else f"{finding.rule} ({finding.severity})"
        )
        if colour:
            label = f"{_COLOURS[finding.severity]}{label}{_RESET}"
        stream.write(f"{where}: {label}: {visible(finding.message)}\n")
    verdict = outcome.verdict()
    if colour:
        verdict = f"{_COLOURS['error'] if outcome.errors else chr(27) + '[32m'}{verdict}{_RESET}"
    stream.write(f"{verdict}\n")
