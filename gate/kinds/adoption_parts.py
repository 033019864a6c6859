"""Readers of a hand-written card's other parts into a `Draft`: tables by column,
the commands of fenced blocks, `- Name: value` bullets. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.card import legacy_values as lv

if TYPE_CHECKING:
    from gate.card.legacy import Section
    from gate.kinds.adoption import Draft


class Column(NamedTuple):
    """A column of a hand-written table (by any of its header names) and the key its
    cells go to in each row's data."""

    key: str
    names: tuple[str, ...]  # `Baseline` matches a header `Baseline (source)`
    parse: Callable[[str], Any]
    what: str = "a value"
    required: bool = False  # a row without a readable value here is left out (listed)
    nullable: bool = True  # `none`, `-`, `n/a` mean null


def table_rows(
    draft: Draft, path: str, sections: tuple[str, ...], columns: Sequence[Column]
) -> None:
    """The first table of the first of `sections` as a list of rows at `path`. A cell
    saying `none` or `-` is null; a cell that does not parse is left out of its row (a
    required one leaves the row out), and listed."""
    section = draft.card.section(*sections)
    draft.area(path, section)
    found = next(iter(section.tables), None) if section is not None else None
    if found is None:
        return
    index = {c.key: found.column(*c.names) for c in columns}
    entries: list[dict[str, Any]] = []
    for row in found.rows:
        cells = {k: row.cells[i] for k, i in index.items() if i is not None and i < len(row.cells)}
        first = lv.plain(row.cells[0]) if row.cells else ""
        if not first or first.startswith("("):  # `(none found)`, a placeholder row
            continue
        entry: dict[str, Any] = {}
        for column in columns:
            cell = cells.get(column.key)
            if cell is not None and lv.nothing(cell) and column.nullable:
                entry[column.key] = None
                continue
            value = column.parse(cell) if cell is not None and not lv.nothing(cell) else None
            if value is not None:
                entry[column.key] = value
            elif column.required:
                said = (
                    f"{column.names[0]} {cell!r}" if cell is not None else f"no {column.names[0]}"
                )
                draft.skip(path, row.line, f"row `{first}` left out: {said} is not {column.what}")
                break
            elif cell is not None:
                where = f"{path}[{len(entries)}].{column.key}"
                draft.skip(where, row.line, f"{column.names[0]} {cell!r}: not {column.what}")
        else:
            entries.append(entry)
    draft.put(path, entries)
    draft.lines[path] = found.line


def commands(section: Section | None) -> list[tuple[str, int]]:
    """The commands of a section's fenced blocks, each as written (backslash
    continuations kept), with its first line; comments and blank lines separate them."""
    found: list[tuple[str, int]] = []
    for code in section.code if section is not None else ():
        current: list[str] = []
        start = 0
        for offset, line in enumerate([*code.text.split("\n"), ""], start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                if not current:
                    start = code.line + offset
                current.append(line.rstrip())
                if not text.endswith("\\"):
                    found.append(("\n".join(current), start))
                    current = []
            elif current:
                found.append(("\n".join(current).rstrip("\\ \n"), start))
                current = []
    return found


def bullet(section: Section | None, *prefixes: str) -> tuple[str, int] | None:
    """The text after `Prefix:` of the first bullet that starts with one of `prefixes`
    (any case, emphasis ignored): `- **Resume command**: ...` -> ("...", line)."""
    for item in section.bullets if section is not None else ():
        text = item.text.replace("**", "").replace("__", "").strip()
        for prefix in prefixes:
            if text.lower().startswith(prefix.lower()):
                rest = text[len(prefix) :].lstrip()
                return rest.removeprefix(":").strip(), item.line
    return None
