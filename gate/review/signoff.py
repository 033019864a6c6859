"""Sign-off: approvals parsed from the data, status derived from them, and the rules
that tie them to the configured reviewers. Pure functions; no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from gate.card.findings import Finding

PENDING, APPROVED, BLOCKED = "PENDING REVIEW", "APPROVED", "BLOCKED"
STATUSES = (PENDING, APPROVED, BLOCKED)
_TICKED = re.compile(r"^\s*[-*]\s+\[[xX]\]\s+(?P<name>\S+)\s+reviewed\b", re.MULTILINE)


class Approval(NamedTuple):
    reviewer: str
    verdict: str  # "approved" | "blocked"
    date: str
    digest: str
    reason: str
    position: int  # index in `signoff`


def approvals(data: Mapping[str, Any]) -> list[Approval]:
    """The sign-off entries that have the shape of an approval (the schema checks the rest)."""
    entries = data.get("signoff") or []
    found: list[Approval] = []
    if not isinstance(entries, list):
        return found
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("reviewer"), str):
            found.append(
                Approval(
                    reviewer=entry["reviewer"],
                    verdict=str(entry.get("verdict", "")),
                    date=str(entry.get("date", "")),
                    digest=str(entry.get("digest", "")),
                    reason=str(entry.get("reason", "")),
                    position=index,
                )
            )
    return found


def verdicts(entries: Iterable[Approval], configured: Iterable[str]) -> dict[str, Approval]:
    """The entry that counts for each configured reviewer: their last. Entries by anyone
    else count for nothing (the sign-off rule reports them)."""
    names = set(configured)
    return {a.reviewer: a for a in entries if a.reviewer in names}


def derive_status(
    required: Sequence[str], entries: Iterable[Approval], *, configured: Iterable[str]
) -> str:
    """The one derivation of a card's status, for `check`, `render`, `sign` and `status`:
    BLOCKED if a configured reviewer's entry blocks; APPROVED when every required
    reviewer's entry approves; else PENDING REVIEW."""
    counted = verdicts(entries, configured).values()
    if any(a.verdict == "blocked" for a in counted):
        return BLOCKED
    approved = {a.reviewer for a in counted if a.verdict == "approved"}
    return APPROVED if all(name in approved for name in required) else PENDING


def ticked_names(body: str) -> list[tuple[str, int]]:
    """(name, line within the body) of every `- [x] NAME reviewed` checkbox."""
    return [(m["name"], body.count("\n", 0, m.start()) + 1) for m in _TICKED.finditer(body)]


def signoff_findings(
    *,
    path: str,
    data: Mapping[str, Any],
    required: Sequence[str],
    configured: Mapping[str, object],
    current_digest: str,
    line_of: Mapping[int, int],
    status_line: int,
    body: str,
    body_line: int,
) -> list[Finding]:
    """Rules 3 and 4 (sign-off, freshness) and the status claim, for one card.

    `line_of` maps a sign-off entry's index to its line; `body_line` is the line the
    body starts on, for ticked checkboxes.
    """
    entries = approvals(data)
    found: list[Finding] = []

    def add(rule: str, line: int, message: str) -> None:
        found.append(Finding(path, line, rule, message, card=path))

    seen: dict[str, Approval] = {}
    for entry in entries:
        line = line_of.get(entry.position, status_line)
        if entry.reviewer not in configured:
            add(
                "sign-off",
                line,
                f"{entry.reviewer!r} is not a configured reviewer "
                f"(configured: {', '.join(configured)}); only [tool.gate.reviewers] can sign",
            )
            continue
        if entry.reviewer in seen:
            add("sign-off", line, f"{entry.reviewer} has more than one sign-off entry; keep one")
        seen[entry.reviewer] = entry
        if entry.verdict == "blocked":
            reason = f": {entry.reason}" if entry.reason else ""
            add("sign-off", line, f"{entry.reviewer} blocked this card{reason}")
        elif entry.digest != current_digest:
            add(
                "freshness",
                line,
                f"approval by {entry.reviewer} is stale: the card's data or a "
                "covered file changed since it was signed; ask for a new review and "
                f"`gate sign {path} --reviewer {entry.reviewer}`",
            )
    for name in required:
        if name not in seen:
            add(
                "sign-off",
                status_line,
                f"awaiting sign-off from {name} (`gate sign {path} --reviewer {name}`)",
            )
    approved = {name for name, a in seen.items() if a.verdict == "approved"}
    for name, line in ticked_names(body):
        if name not in approved:
            add(
                "sign-off",
                body_line + line - 1,
                f"checkbox for {name} is ticked but the data "
                f"holds no approval by {name}: only `gate sign` records an approval",
            )
    claimed = data.get("status")
    derived = derive_status(required, entries, configured=configured)
    if isinstance(claimed, str) and claimed in STATUSES and claimed != derived:
        add(
            "status",
            status_line,
            f"status says {claimed} but the approvals make it {derived}; "
            "status is derived from sign-off (`gate render` sets it)",
        )
    return found
