"""`{"status": ..., "findings": [...]}` for machines; shape in schemas/report.schema.json."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO, TypedDict

if TYPE_CHECKING:
    from gate.check.outcome import Outcome


class FindingJSON(TypedDict):
    path: str
    line: int
    rule: str
    severity: str
    message: str
    card: str


class CardJSON(TypedDict):
    path: str
    kind: str
    status: str
    passed: bool


class ReportJSON(TypedDict):
    status: str
    exit_code: int
    scope: str
    verdict: str
    gated: list[str]
    cards: list[CardJSON]
    findings: list[FindingJSON]


def to_json(outcome: Outcome) -> ReportJSON:
    return {
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "scope": outcome.scope,
        "verdict": outcome.verdict(),
        "gated": list(outcome.gated),
        "cards": [
            {"path": c.path, "kind": c.kind, "status": c.status, "passed": c.passed}
            for c in outcome.cards
        ],
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "card": f.card,
            }
            for f in outcome.sorted_findings()
        ],
    }


def report(outcome: Outcome, stream: TextIO) -> None:
    json.dump(to_json(outcome), stream, indent=2)
    stream.write("\n")
