"""Reporters by name: each turns an `Outcome` into text on a stream."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from gate.check.outcome import Outcome

Reporter = Callable[["Outcome", TextIO], None]

# name -> module holding `report(outcome, stream)`; imported only when chosen.
REPORTERS: dict[str, str] = {
    "text": "gate.report.text",
    "json": "gate.report.json",
    "github": "gate.report.github",
    "sarif": "gate.report.sarif",
}


def get(name: str) -> Reporter:
    module = importlib.import_module(REPORTERS[name])
    reporter: Reporter = module.report
    return reporter


def closed_pipe(code: int) -> int:
    """The reader went away (`gate check | head -1`): stop quietly with `code`; stdout is
    pointed at /dev/null so the interpreter's final flush cannot fail."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return code
