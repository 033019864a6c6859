"""`--format github`: workflow-command annotations, the verdict, and a step summary.

One `::error file=PATH,line=N,title=RULE::message` per blocking finding (`::warning`,
`::notice` for the others), escaped exactly as GitHub's toolkit escapes them
(`@actions/core` `command.ts`). GitHub shows only the first 10 annotations of each kind
per step, so at most 10 of a kind are emitted: the 10th says how many more there are,
and the rest are printed as plain `path:line: rule: message` lines so the log still has
them. When `GITHUB_STEP_SUMMARY` is set, a Markdown summary (verdict, a table of cards,
a table of every finding) is appended to that file.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gate.errors import GateError

if TYPE_CHECKING:
    from gate.card.findings import Finding, Severity
    from gate.check.outcome import Outcome

# GitHub shows this many annotations of one kind (error, warning, notice) per step.
ANNOTATIONS_PER_KIND = 10
# A step summary larger than 1 MiB is rejected whole; stay well below it.
SUMMARY_BUDGET = 1_000_000

_COMMAND: dict[Severity, str] = {"error": "error", "warning": "warning", "notice": "notice"}
_PLURAL: dict[Severity, str] = {"error": "errors", "warning": "warnings", "notice": "notices"}


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, and `:` and `,` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, message: str | None = None) -> str:
    """The workflow command for one finding; `line=` only when the finding has a line."""
    properties = [f"file={escape_property(finding.path)}"]
    if finding.line > 0:
        properties.append(f"line={finding.line}")
    properties.append(f"title={escape_property(finding.rule)}")
    text = finding.message if message is None else message
    return f"::{_COMMAND[finding.severity]} {','.join(properties)}::{escape_data(text)}"


def inert(line: str) -> str:
    """A log line the runner cannot read as a workflow command: one line (CR and LF
    percent-encoded) that does not start with `::` (a file named `::stop-commands::x`
    must not stop the annotations, nor `::add-mask::` hide the log)."""
    line = escape_data(line)
    return f"- {line}" if line.lstrip().startswith("::") else line


def plain(finding: Finding) -> str:
    """The text reporter's line, for findings past the annotation limit (made inert)."""
    where = f"{finding.path}:{finding.line}" if finding.line else finding.path
    label = finding.rule if finding.severity == "error" else f"{finding.rule} ({finding.severity})"
    return inert(f"{where}: {label}: {finding.message}")


def _more(severity: Severity, total: int, *, summary: bool) -> str:
    rest = total - ANNOTATIONS_PER_KIND
    where = "the step summary" if summary else "this step's log"
    return (
        f" [{rest} more {_PLURAL[severity]} not shown as annotations "
        f"(GitHub shows {ANNOTATIONS_PER_KIND} per step); all {total} are in {where}]"
    )


def lines(outcome: Outcome, *, summary: bool) -> list[str]:
    """What goes to stdout: notes, annotations (at most 10 a kind), overflow, verdict."""
    findings = outcome.sorted_findings()
    totals = Counter(f.severity for f in findings)
    seen: Counter[str] = Counter()
    out = [inert(note) for note in outcome.notes]
    overflow: list[str] = []
    for finding in findings:
        seen[finding.severity] += 1
        count, total = seen[finding.severity], totals[finding.severity]
        if count > ANNOTATIONS_PER_KIND:
            overflow.append(plain(finding))
        elif count == ANNOTATIONS_PER_KIND and total > ANNOTATIONS_PER_KIND:
            message = finding.message + _more(finding.severity, total, summary=summary)
            out.append(annotation(finding, message))
        else:
            out.append(annotation(finding))
    out.extend(overflow)
    out.append(inert(outcome.verdict()))
    return out


def cell(text: str) -> str:
    """A Markdown table cell: `|` escaped, line breaks kept as `<br>`."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(part for part in text.replace("\r\n", "\n").split("\n"))


def summary(outcome: Outcome, *, budget: int = SUMMARY_BUDGET) -> str:
    """The Markdown appended to `GITHUB_STEP_SUMMARY`: verdict, cards, every finding."""
    parts = [f"## {cell(outcome.verdict())}\n\n### Cards\n\n"]
    if outcome.cards:
        parts.append("| Card | Kind | Status | Passed |\n| --- | --- | --- | --- |\n")
        parts.extend(
            f"| {cell(c.path)} | {cell(c.kind)} | {cell(c.status)} | "
            f"{'yes' if c.passed else 'no'} |\n"
            for c in outcome.cards
        )
    else:
        parts.append("No card was checked.\n")
    parts.append("\n### Findings\n\n")
    findings = outcome.sorted_findings()
    if not findings:
        parts.append("No findings.\n")
        return "".join(parts)
    parts.append("| Where | Rule | Severity | Message |\n| --- | --- | --- | --- |\n")
    size = sum(len(p.encode()) for p in parts)
    for index, f in enumerate(findings):
        where = f"{f.path}:{f.line}" if f.line else f.path
        row = f"| {cell(where)} | {cell(f.rule)} | {f.severity} | {cell(f.message)} |\n"
        size += len(row.encode())
        if size > budget:
            left = len(findings) - index
            parts.append(
                f"\n{left} more finding(s) do not fit in a step summary; "
                "run `gate check` locally or use `--format json` to see them all.\n"
            )
            break
        parts.append(row)
    return "".join(parts)


def write_summary(outcome: Outcome, path: str) -> None:
    try:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(summary(outcome))
            handle.write("\n")
    except OSError as exc:
        raise GateError(
            f"cannot append the step summary to GITHUB_STEP_SUMMARY={path}: {exc}"
        ) from exc


def report(outcome: Outcome, stream: TextIO) -> None:
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY", "")
    for line in lines(outcome, summary=bool(summary_path)):
        stream.write(f"{line}\n")
    if summary_path:
        write_summary(outcome, summary_path)
