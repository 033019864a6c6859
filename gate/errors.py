"""The one error type gate raises for anything a user must fix (exit code 2)."""

from __future__ import annotations


class GateError(Exception):
    """A usage, configuration or input error; its message says what to do."""


EXIT_PASS = 0
EXIT_BLOCKED = 1
EXIT_ERROR = 2
