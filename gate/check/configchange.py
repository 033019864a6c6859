"""A change to `[tool.gate]` in a pull request is reported; it takes effect once merged."""

from __future__ import annotations

from gate.card.findings import Finding
from gate.config import gate_table_text


def _text(raw: bytes | None) -> str | None:
    return raw.decode("utf-8", "replace") if raw is not None else None


def findings(before: bytes | None, after: bytes | None) -> list[Finding]:
    if before == after or gate_table_text(_text(before)) == gate_table_text(_text(after)):
        return []
    rows = (_text(after) or "").splitlines()
    line = next((n for n, row in enumerate(rows, 1) if row.strip().startswith("[tool.gate")), 0)
    message = (
        "this change edits [tool.gate]: it was checked with the merge-base's configuration, "
        "and the new one takes effect once merged. Reviewers: look at it."
    )
    return [Finding("pyproject.toml", line, "config", message, severity="notice")]
