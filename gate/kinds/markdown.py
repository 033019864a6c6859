"""Markdown pieces the kinds' generated regions share: cells, tables, concerns, sign-off."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gate.card.digest import short


def cell(value: Any) -> str:
    """A value as a table shows it: `?` for none, thousands separators, floats short."""
    if value is None:
        return "?"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table(rows: Sequence[tuple[str, str]]) -> list[str]:
    """A two-column Field | Value table."""
    return ["| Field | Value |", "|-------|-------|", *(f"| {k} | {v} |" for k, v in rows)]


def concerns(flags: Iterable[Mapping[str, Any]]) -> list[str]:
    """The Concerns section: one line per flag the card carries."""
    return ["## Concerns", "", *(f"- **{f.get('code')}**: {f.get('message')}" for f in flags)]


def signoff(entries: Iterable[Any], required: Sequence[str]) -> list[str]:
    """The Sign-off section: the required reviewers first, then anyone else who signed."""
    by_name: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        if isinstance(entry, Mapping) and isinstance(entry.get("reviewer"), str):
            by_name[entry["reviewer"]] = entry
    lines = ["## Sign-off", ""]
    for name in [*required, *(n for n in by_name if n not in required)]:
        entry = by_name.get(name)
        if entry is None:
            lines.append(f"- [ ] {name} reviewed")
        elif entry.get("verdict") == "approved":
            lines.append(
                f"- [x] {name} reviewed ({entry.get('date')}, digest "
                f"{short(str(entry.get('digest', '')))})"
            )
        else:
            lines.append(
                f"- [ ] {name} reviewed: BLOCKED on {entry.get('date')}: {entry.get('reason', '')}"
            )
    return lines


def join(parts: Iterable[Iterable[str]]) -> str:
    """Sections of lines as one Markdown text, a blank line between them."""
    return "\n\n".join("\n".join(part) for part in parts) + "\n"
