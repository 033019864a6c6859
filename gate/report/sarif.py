"""`--format sarif`: SARIF 2.1.0, one run, so the findings can go to code scanning."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from gate import __version__

if TYPE_CHECKING:
    from gate.card.findings import Finding
    from gate.check.outcome import Outcome

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
# Where a reader learns what gate is; the project has no published home yet.
INFORMATION_URI = "https://gate.invalid/"

LEVELS = {"error": "error", "warning": "warning", "notice": "note"}

# What each rule checks (docs/rules.md); unknown ids get a generic line.
DESCRIPTIONS = {
    "card": "The card file can be read: front matter between --- lines, YAML, a known kind.",
    "coverage": "Every gated config or launch script in the change is covered by a passing card.",
    "covers": "Every path a card covers exists in the repository.",
    "schema": "The card's data validates against the JSON Schema of its kind.",
    "sign-off": "Every required reviewer approved the card and none blocked it.",
    "freshness": "No approval is stale: the card's data and covered files are what was approved.",
    "signature": "Each approval is an SSH signature by a key of the reviewer it names.",
    "launch": "The launch script's GPU and timeout agree with the card.",
    "distribution": "The policy's data matches the world model's manifest (distribution match).",
    "flag": "One of the seed's flags (epochs, games, device, wandb); a warning unless strict.",
    "config": "The values the card copied from its covered config still agree with it.",
    "render": "The card's generated body matches its data (run `gate render`).",
    "status": "The card's status is what its approvals hold.",
    "estimate": "The card's derived numbers are what the seed's formulas give.",
}


def _rule(rule_id: str) -> dict[str, Any]:
    family = rule_id.split(":", 1)[0]  # `flag:<code>` rules share a description
    text = DESCRIPTIONS.get(family, f"gate rule `{rule_id}`.")
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": text},
        "helpUri": INFORMATION_URI,
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    # the file name's own bytes, percent-encoded (git's bytes: not always UTF-8)
    uri = quote(finding.path.encode("utf-8", "surrogateescape"), safe="/")
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if finding.line > 0:
        physical["region"] = {"startLine": finding.line}
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
    }
    if finding.card:
        result["properties"] = {"card": finding.card}
    return result


def to_sarif(outcome: Outcome) -> dict[str, Any]:
    findings = outcome.sorted_findings()
    rule_ids = sorted({f.rule for f in findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    return {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gate",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule_id) for rule_id in rule_ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "exitCode": outcome.exit_code,
                    }
                ],
                "results": [_result(f, index[f.rule]) for f in findings],
                "properties": {"status": outcome.status, "verdict": outcome.verdict()},
            }
        ],
    }


def report(outcome: Outcome, stream: TextIO) -> None:
    json.dump(to_sarif(outcome), stream, indent=2)
    stream.write("\n")
