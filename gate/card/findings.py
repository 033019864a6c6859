"""What a rule reports: one `Finding` per problem, collected before anything is printed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

Severity = Literal["error", "warning", "notice"]


class Finding(NamedTuple):
    """One problem (or note) about one file.

    `path` is repository-relative with `/` separators; `line` is 1-based, 0 when the
    problem has no line (a missing file). `rule` is a short stable name such as
    `schema`, `coverage`, `sign-off`, `freshness`; `card` names the card the finding
    belongs to when there is one (reports group by it).
    """

    path: str
    line: int
    rule: str
    message: str
    severity: Severity = "error"
    card: str = ""


def promote_warnings(findings: Iterable[Finding]) -> list[Finding]:
    """Under `strict`, every warning blocks, but for a sign-off still awaited on a feature
    branch (blocking it would block every honest commit before review)."""
    return [
        f._replace(severity="error") if f.severity == "warning" and f.rule != "sign-off" else f
        for f in findings
    ]


def sort_key(finding: Finding) -> tuple[str, int, str, str]:
    return (finding.path, finding.line, finding.rule, finding.message)
