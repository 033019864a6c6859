"""`path:line: rule: message` per finding, then one verdict line; colour only on a TTY.

A finding starts one line whatever its file is called: a control character in a path
(a tab, a line break, a terminal escape in a file name a change adds) is shown as its
escape, `\t` or `\x1b`, and so is one in a message or note, but for a line break: a
reviewer's reason typed over several lines goes on, indented, on the lines below. A name
or a reason cannot start a line of its own, move the cursor back over a finding or
recolour the verdict.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from gate.check.outcome import Outcome

# C0 controls, DEL and the C1 controls (ESC's one-byte forms): each as its escape.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})
# A byte of a file name that is not UTF-8 (git's bytes, read with `surrogateescape`): as
# the byte's escape, `\\xe9`.
_ESCAPES.update({c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)})
_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "notice": "\033[36m"}
_RESET = "\033[0m"


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_CONTINUED = "\n    "  # a message's next line, under its finding


def visible(text: str) -> str:
    """`text` with every control character shown as its escape."""
    return text.translate(_ESCAPES)


def readable(text: str) -> str:
    """A message or note: each of its lines made `visible`, the lines after the first
    indented under it."""
    return _CONTINUED.join(visible(line) for line in text.rstrip("\n").split("\n"))


def report(outcome: Outcome, stream: TextIO) -> None:
    colour = use_colour(stream)
    for note in outcome.notes:
        stream.write(f"{readable(note)}\n")
    for finding in outcome.sorted_findings():
        path = visible(finding.path)
        where = f"{path}:{finding.line}" if finding.line else path
        label = (
            finding.rule if finding.severity == "error" else f"{finding.rule} ({finding.severity})"
        )
        if colour:
            label = f"{_COLOURS[finding.severity]}{label}{_RESET}"
        stream.write(f"{where}: {label}: {readable(finding.message)}\n")
    verdict = outcome.verdict()
    if colour:
        verdict = f"{_COLOURS['error'] if outcome.errors else chr(27) + '[32m'}{verdict}{_RESET}"
    stream.write(f"{verdict}\n")
