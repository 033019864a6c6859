"""Sign-off: approvals parsed from the data, status derived from them, and the rules
that tie them to the configured reviewers and their keys. Pure functions; no I/O
(signatures are verified in-process by `gate.review.signature`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.card.adopted import masked
from gate.card.findings import Finding, Severity

if TYPE_CHECKING:
    from gate.config import Config
    from gate.review.verified import Store

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
    signature: str = ""  # armored SSH signature over `signature.approval_text(...)`


def approvals(data: Mapping[str, Any]) -> list[Approval]:
    """The sign-off entries that have the shape of an approval (the schema checks the rest)."""
    entries = data.get("signoff") or []
    found: list[Approval] = []
    if not isinstance(entries, list):
        return found
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("reviewer"), str):
            signature = entry.get("signature")
            found.append(
                Approval(
                    reviewer=entry["reviewer"],
                    verdict=str(entry.get("verdict", "")),
                    date=str(entry.get("date", "")),
                    digest=str(entry.get("digest", "")),
                    reason=str(entry.get("reason", "")),
                    position=index,
                    signature=signature if isinstance(signature, str) else "",
                )
            )
    return found


class Policy(NamedTuple):
    """How sign-off is judged in this scope."""

    # a missing approval blocks (protected branch, pull request, launch); else it is a
    # warning saying what the branch cannot do yet
    enforce: bool = True
    where: str = ""  # e.g. "branch 'feature-x'", for the warning
    # "ssh": verify each signature against the reviewer's keys; "none": report unverified
    identity: str = "ssh"
    keys: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # reviewer -> key lines
    store: Store | None = None  # signatures this repository already verified


def policy_for(
    config: Config, *, enforce: bool, where: str = "", store: Store | None = None
) -> Policy:
    """The sign-off policy of a scope: the configured identity mode and reviewers' keys."""
    keys = {name: reviewer.keys for name, reviewer in config.reviewers.items()}
    return Policy(enforce, where, config.identity, keys, store)


def verdicts(entries: Iterable[Approval], configured: Iterable[str]) -> dict[str, Approval]:
    """The entry that counts for each configured reviewer: their last. Entries by anyone
    else count for nothing (the sign-off rule reports them)."""
    names = set(configured)
    return {a.reviewer: a for a in entries if a.reviewer in names}


def proven(entry: Approval, policy: Policy | None) -> bool:
    """The approval's signature proves it (or identity = "none", or no policy given:
    tests of the status arithmetic alone)."""
    if policy is None or policy.identity == "none":
        return True
    from gate.review import signature

    keys = policy.keys.get(entry.reviewer, ())
    return (
        signature.problem(
            entry.reviewer, entry.verdict, entry.digest, entry.signature, keys, store=policy.store
        )
        is None
    )


def derive_status(
    required: Sequence[str],
    entries: Iterable[Approval],
    *,
    configured: Iterable[str],
    policy: Policy | None = None,
) -> str:
    """The one derivation of a card's status, for `check`, `render`, `sign` and `status`:
    BLOCKED if a configured reviewer's entry blocks; APPROVED when every required
    reviewer's entry approves; else PENDING REVIEW. With a `policy`, an entry whose
    signature does not verify counts for nothing (a forged approval approves nothing)."""
    counted = [a for a in verdicts(entries, configured).values() if proven(a, policy)]
    if any(a.verdict == "blocked" for a in counted):
        return BLOCKED
    approved = {a.reviewer for a in counted if a.verdict == "approved"}
    return APPROVED if all(name in approved for name in required) else PENDING


def ticked_names(body: str) -> list[tuple[str, int]]:
    """(name, line within the body) of every `- [x] NAME reviewed` checkbox, outside the
    block `gate adopt` keeps a hand-written card's text in (its ticks are that card's
    old claims, which `gate adopt` reported: the text stays byte for byte)."""
    body = masked(body)
    # the line of the name: `^\s*` may begin on a blank line before the checkbox
    return [(m["name"], body.count("\n", 0, m.start("name")) + 1) for m in _TICKED.finditer(body)]


def _signature(entry: Approval, policy: Policy) -> tuple[str, Severity] | None:
    """Rule 5 for one approval: (message, severity), or None when it is proven."""
    from gate.review import signature

    if policy.identity == "none":
        note = f'approval by {entry.reviewer} is unverified ([tool.gate] identity = "none")'
        return note, "notice"
    problem = signature.problem(
        entry.reviewer,
        entry.verdict,
        entry.digest,
        entry.signature,
        policy.keys.get(entry.reviewer, ()),
        store=policy.store,
    )
    return (problem, "error") if problem else None


def _awaiting(path: str, name: str, policy: Policy) -> tuple[str, Severity]:
    """A required approval that is not there: blocks where sign-off is enforced, else a
    warning saying what the branch cannot do yet."""
    sign = f"`gate sign {path} --reviewer {name}`"
    if policy.enforce:
        return f"awaiting sign-off from {name} ({sign})", "error"
    where = policy.where or "this branch"
    return (
        f"awaiting sign-off from {name}: {where} cannot merge or launch until {name} "
        f"approves ({sign})",
        "warning",
    )


def signoff_findings(
    *,
    path: str,
    data: Mapping[str, Any],
    required: Sequence[str],
    configured: Iterable[str],
    current_digest: str,
    line_of: Mapping[int, int],
    status_line: int,
    body: str,
    body_line: int,
    policy: Policy,
) -> list[Finding]:
    """Rules 3, 4 and 5 (sign-off, freshness, signature) and the status claim, for one
    card. `line_of` maps a sign-off entry's index to its line; `body_line` is the line
    the body starts on, for ticked checkboxes."""
    configured = tuple(configured)
    entries = approvals(data)
    found: list[Finding] = []

    def add(rule: str, line: int, message: str, severity: Severity = "error") -> None:
        found.append(Finding(path, line, rule, message, severity=severity, card=path))

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
        proof = _signature(entry, policy)
        if proof is not None:
            add("signature", line, *proof)
        if entry.verdict == "blocked":
            reason = f": {entry.reason}" if entry.reason else ""
            add("sign-off", line, f"{entry.reviewer} blocked this card{reason}")
        elif not entry.digest or entry.digest != current_digest:  # none approves nothing
            add(
                "freshness",
                line,
                f"approval by {entry.reviewer} is stale: the card's data or a "
                "covered file changed since it was signed; ask for a new review and "
                f"`gate sign {path} --reviewer {entry.reviewer}` (or remove the stale "
                "entry: the card then awaits that sign-off)",
            )
    for name in required:
        if name not in seen:
            add("sign-off", status_line, *_awaiting(path, name, policy))
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
    derived = derive_status(required, entries, configured=configured, policy=policy)
    if isinstance(claimed, str) and claimed in STATUSES and claimed != derived:
        add(
            "status",
            status_line,
            f"status says {claimed} but the approvals make it {derived}; "
            "status is derived from sign-off (`gate render` sets it)",
        )
    return found
