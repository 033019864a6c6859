"""The result of a check: every finding, the cards looked at, and the exit code."""

from __future__ import annotations

from typing import NamedTuple

from gate.card.findings import Finding, sort_key
from gate.errors import EXIT_BLOCKED, EXIT_PASS


class CardSummary(NamedTuple):
    """One card as the report shows it."""

    path: str
    kind: str
    status: str
    passed: bool


class Outcome(NamedTuple):
    scope: str
    findings: tuple[Finding, ...]
    cards: tuple[CardSummary, ...] = ()
    gated: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def exit_code(self) -> int:
        return EXIT_BLOCKED if self.errors else EXIT_PASS

    @property
    def status(self) -> str:
        return "blocked" if self.errors else "passed"

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=sort_key)

    def verdict(self) -> str:
        """The one-line verdict a person reads last."""
        errors, warnings = len(self.errors), len(self.warnings)
        what = f"{len(self.gated)} gated file(s), {len(self.cards)} card(s)"
        if errors:
            return (
                f"gate: BLOCKED ({self.scope}): {errors} error(s), {warnings} warning(s) in {what}"
            )
        tail = f", {warnings} warning(s)" if warnings else ""
        return f"gate: passed ({self.scope}): {what}{tail}"
