"""Read a hand-written card's Markdown into a `LegacyCard` (`gate.card.legacy`). Pure.

One pass over the lines after the title: fenced code is skipped as a whole (a
`# Player 0` comment in a bash block is no heading), a `|` row followed by a
`|---|` row starts a table, and header lines are read only before the first section.
Checkboxes are found anywhere outside code, as the sign-off rule finds them.
"""

from __future__ import annotations

import re

from gate.card.legacy import (
    Checkbox,
    Code,
    Field,
    LegacyCard,
    LegacyProblem,
    Row,
    Section,
    Table,
    Text,
    key,
    key_text,
)

_TITLE = re.compile(r"^#\s+(?P<title>[^:#]+?)\s*:\s*(?P<name>\S.*?)\s*#*\s*$")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_HEADER = re.compile(r"^\*\*(?P<name>[^*]+?)\s*(?::\s*\*\*|\*\*\s*:)\s*(?P<value>.*?)\s*$")
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[(?P<mark>[ xX])\]\s+(?P<name>\S+)\s+reviewed\b(?P<rest>.*)$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+[.)])\s+(?P<text>.*)$")
_FENCE = re.compile(r"^\s*(?P<fence>```+|~~~+)(?P<info>.*)$")
_SEPARATOR = re.compile(r"^\s*:?-{1,}:?\s*$")


def cells(line: str) -> tuple[str, ...]:
    """The cells of a table row, `\\|` kept as a literal bar."""
    body = line.strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    parts = re.split(r"(?<!\\)\|", body)
    return tuple(p.strip().replace("\\|", "|") for p in parts)


class _Builder:
    """One section's parts as the reader meets them (a class: it accumulates)."""

    def __init__(self, heading: str, level: int, line: int) -> None:
        self.heading, self.level, self.line = heading, level, line
        self.fields: list[Field] = []
        self.tables: list[Table] = []
        self.bullets: list[Text] = []
        self.paragraphs: list[Text] = []
        self.code: list[Code] = []

    def table(self, rows: list[tuple[str, int]]) -> None:
        header = cells(rows[0][0])
        body = [Row(cells(text), line) for text, line in rows[2:]]
        if len(header) == 2 and key(header[1]) == "value":
            self.fields += [
                Field(key_text(r.cells[0]), _second(r.cells), r.line, self.heading)
                for r in body
                if r.cells and r.cells[0]
            ]
        else:
            self.tables.append(Table(header, tuple(body), rows[0][1]))

    def done(self) -> Section:
        return Section(
            self.heading,
            self.level,
            self.line,
            tuple(self.fields),
            tuple(self.tables),
            tuple(self.bullets),
            tuple(self.paragraphs),
            tuple(self.code),
        )


def _second(row: tuple[str, ...]) -> str:
    return row[1] if len(row) > 1 else ""


def _is_table(lines: list[str], index: int) -> bool:
    """A `|` row followed by a `|---|---|` separator row."""
    if index + 1 >= len(lines) or not lines[index].lstrip().startswith("|"):
        return False
    separator = cells(lines[index + 1])
    return lines[index + 1].lstrip().startswith("|") and all(_SEPARATOR.match(c) for c in separator)


def _title(lines: list[str], fenced: list[bool]) -> tuple[str, str, int]:
    for number, line in enumerate(lines, start=1):
        if fenced[number - 1] or not line.startswith("# "):
            continue
        match = _TITLE.match(line)
        if match is None:
            raise LegacyProblem(
                f"the first heading {line.strip()!r} is not a card title such as "
                "`# Run Card: NAME`",
                number,
            )
        name = match["name"].replace("`", "").replace("**", "").strip()
        return " ".join(match["title"].split()), name, number
    raise LegacyProblem("no title line such as `# Run Card: NAME`: not a hand-written run card", 1)


def _closes(line: str, fence: str) -> bool:
    """Whether `line` closes a block opened by `fence`: the same character, at least as
    many, and nothing else (CommonMark); a shorter or other fence is the block's text."""
    text = line.strip()
    return text.startswith(fence[0] * len(fence)) and not text.strip(fence[0])


def _fences(lines: list[str]) -> list[bool]:
    """For each line, whether it is part of a fenced code block (its fences included)."""
    inside: str | None = None
    marks: list[bool] = []
    for line in lines:
        match = _FENCE.match(line)
        if inside is None and match is not None:
            inside = match["fence"]
            marks.append(True)
        elif inside is not None:
            marks.append(True)
            if _closes(line, inside):
                inside = None
        else:
            marks.append(False)
    return marks


class _Reader:
    """Walks the lines after the title once, section by section (a class: it accumulates)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.fenced = _fences(lines)
        self.headers: list[Field] = []
        self.sections: list[Section] = []
        self.checkboxes: list[Checkbox] = []
        self.current: _Builder | None = None
        self.paragraph: list[tuple[str, int]] = []

    def flush(self) -> None:
        if self.paragraph and self.current is not None:
            joined = " ".join(t.strip() for t, _ in self.paragraph)
            self.current.paragraphs.append(Text(joined, self.paragraph[0][1]))
        self.paragraph.clear()

    def code(self, index: int) -> int:
        """A fenced block from its opening line; the index after its closing fence."""
        self.flush()
        opening = _FENCE.match(self.lines[index])
        assert opening is not None  # walk() comes here only where _fences opened a block
        end = index + 1
        while end < len(self.lines) and not _closes(self.lines[end], opening["fence"]):
            end += 1
        if self.current is not None:
            body = "\n".join(self.lines[index + 1 : end])
            self.current.code.append(Code(opening["info"].strip(), body, index + 1))
        return end + 1

    def table(self, index: int) -> int:
        """A table from its header row; the index after its last row."""
        self.flush()
        rows = []
        while index < len(self.lines) and self.lines[index].lstrip().startswith("|"):
            rows.append((self.lines[index], index + 1))
            index += 1
        if self.current is not None:
            self.current.table(rows)
        return index

    def line(self, line: str, number: int) -> None:
        """Any other line: a heading, a header, a bullet, a paragraph or a blank."""
        checkbox = _CHECKBOX.match(line)
        if checkbox is not None:
            ticked = checkbox["mark"] != " "
            self.checkboxes.append(Checkbox(checkbox["name"], ticked, line.strip(), number))
        current = self.current
        if (heading := _HEADING.match(line)) is not None:
            self.flush()
            if current is not None:
                self.sections.append(current.done())
            self.current = _Builder(heading["text"], len(heading["level"]), number)
        elif current is None:
            if (header := _HEADER.match(line)) is not None:
                self.headers.append(Field(key_text(header["name"]), header["value"], number, ""))
        elif (bullet := _BULLET.match(line)) is not None:
            self.flush()
            current.bullets.append(Text(bullet["text"].strip(), number))
        elif not line.strip():
            self.flush()
        elif current.bullets and line[:1].isspace() and not self.paragraph:
            last = current.bullets[-1]
            current.bullets[-1] = Text(f"{last.text} {line.strip()}", last.line)
        else:
            self.paragraph.append((line, number))

    def walk(self, start: int) -> None:
        index = start
        while index < len(self.lines):
            if self.fenced[index]:
                index = self.code(index)
            elif _is_table(self.lines, index):
                index = self.table(index)
            else:
                self.line(self.lines[index], index + 1)
                index += 1
        self.flush()
        if self.current is not None:
            self.sections.append(self.current.done())


def read(path: str, text: str) -> LegacyCard:
    """Read a hand-written card's text; raises `LegacyProblem` when it has no title line."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    lines[0] = lines[0].removeprefix("\ufeff")
    reader = _Reader(lines)
    title, name, title_line = _title(lines, reader.fenced)
    reader.walk(title_line)
    return LegacyCard(
        path,
        text,
        title,
        name,
        title_line,
        tuple(reader.headers),
        tuple(reader.sections),
        tuple(reader.checkboxes),
    )
