"""Rule 5, signer identity: each approval was written by the reviewer it names.

Pure functions over what the git layer found: who added each approval line (a range
or the whole history), or who is authoring the commit being made (staged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from gate.card.findings import Finding

if TYPE_CHECKING:
    from gate.card.document import Card
    from gate.git import Blame
    from gate.review.signoff import Approval

MARKER = "sha256:"


class Signed(NamedTuple):
    approval: Approval
    line: int
    text: str  # the card's line holding the approval's digest, stripped


def signed_lines(card: Card, entries: Sequence[Approval]) -> list[Signed]:
    lines = card.text.split("\n")
    found: list[Signed] = []
    for entry in entries:
        line = card.line_of("signoff", entry.position, "digest")
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        found.append(Signed(entry, line, text))
    return found


def _mismatch(
    card: Card, signed: Signed, who: str, emails: Sequence[str], where: str = ""
) -> Finding | None:
    name = signed.approval.reviewer
    if not emails:
        return Finding(
            card.path,
            signed.line,
            "identity",
            f"cannot verify the approval by {name}: no email is configured for "
            f"{name} in [tool.gate.reviewers]",
            card=card.path,
        )
    if who.lower() in (e.lower() for e in emails):
        return None
    return Finding(
        card.path,
        signed.line,
        "identity",
        f"approval by {name} was written by {who or 'an unknown author'}{where}, not by "
        f"{name} ({', '.join(emails)}): a reviewer signs their own approval",
        card=card.path,
    )


def check_new(
    card: Card,
    signed: Sequence[Signed],
    previous: set[tuple[str, str, str]],
    author: str,
    emails: Mapping[str, Sequence[str]],
) -> list[Finding]:
    """Staged scope: approvals not in the committed card are being added by `author`."""
    found: list[Finding] = []
    for s in signed:
        key = (s.approval.reviewer, s.approval.verdict, s.approval.digest)
        if key in previous:
            continue
        problem = _mismatch(card, s, author, emails.get(s.approval.reviewer, ()))
        if problem:
            found.append(problem)
    return found


def check_history(
    card: Card,
    signed: Sequence[Signed],
    added: Mapping[str, Blame],
    emails: Mapping[str, Sequence[str]],
    *,
    whole: bool,
) -> list[Finding]:
    """Range/whole-history scope: the commit that added each approval line is the
    reviewer's. Outside a range (`whole` false) an approval no commit added predates it."""
    found: list[Finding] = []
    for s in signed:
        blame = added.get(s.text)
        if blame is None:
            if whole:
                found.append(
                    Finding(
                        card.path,
                        s.line,
                        "identity",
                        f"cannot find the commit that added the approval by "
                        f"{s.approval.reviewer}; is the history complete?",
                        card=card.path,
                    )
                )
            continue
        problem = _mismatch(
            card,
            s,
            blame.email,
            emails.get(s.approval.reviewer, ()),
            f" (commit {blame.commit[:10]})",
        )
        if problem:
            found.append(problem)
    return found
