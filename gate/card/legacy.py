"""Hand-written run cards, as teams write them before gate: read as text, never judged. Pure.

A hand-written card is Markdown: a title line `# <Title>: NAME` (the title, e.g.
`Policy Run Card` or `Run Card`, names the kind), header lines such as
`**Created**: DATE` before the first section, sections `## Heading` holding
two-column `| Field | Value |` tables, other tables with their own header rows,
bullets, paragraphs and fenced code, and checkboxes `- [x] NAME reviewed ...`. The
reader keeps every value as the text written, with its line (1-based in the
hand-written text; `legacy_read.read` makes one); what a value means is each kind's
business (`gate/kinds/<kind>/adopt.py`, with the helpers of `legacy_values`).

`gate adopt` keeps the whole text after the generated region (`gate.card.adopted`).
"""

from __future__ import annotations

from typing import NamedTuple


class LegacyProblem(Exception):
    """A file that is not a hand-written card; `line` is 1-based (0: the file as a whole)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Field(NamedTuple):
    """A `| Field | Value |` row or a `**Header**: value` line: the text as written."""

    name: str  # without Markdown emphasis, e.g. "Est. cost"
    value: str  # as written, emphasis included, e.g. "**~$6.40**"
    line: int
    section: str  # the heading it sits under ("" for header lines)


class Row(NamedTuple):
    cells: tuple[str, ...]
    line: int


class Table(NamedTuple):
    """A table that is not a two-column Field | Value table: its header and rows."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]
    line: int

    def column(self, *names: str) -> int | None:
        """The index of the first header cell named one of `names` (any case, emphasis
        ignored; a name matches a header that starts with it, `Baseline` -> `Baseline (source)`)."""
        wanted = [key(n) for n in names]
        for want in wanted:
            for index, cell in enumerate(self.header):
                if key(cell) == want or key(cell).startswith(want + " "):
                    return index
        return None


class Text(NamedTuple):
    text: str
    line: int


class Code(NamedTuple):
    """A fenced block: its info string (e.g. `bash`), its lines joined, its first line."""

    info: str
    text: str
    line: int


class Section(NamedTuple):
    heading: str  # as written, e.g. "Encoding (v3 — what's new)"
    level: int  # 2 for `##`
    line: int
    fields: tuple[Field, ...]
    tables: tuple[Table, ...]
    bullets: tuple[Text, ...]
    paragraphs: tuple[Text, ...]
    code: tuple[Code, ...]


class Checkbox(NamedTuple):
    """`- [x] NAME reviewed ...`: a claim in the text, never an approval."""

    name: str
    ticked: bool
    text: str  # the whole line, stripped
    line: int


class LegacyCard(NamedTuple):
    path: str
    text: str  # the whole file, as read
    title: str  # e.g. "Policy Run Card"
    name: str  # e.g. "policy-4k-demo"
    line: int  # the title line
    headers: tuple[Field, ...]
    sections: tuple[Section, ...]
    checkboxes: tuple[Checkbox, ...]

    def header(self, *names: str) -> Field | None:
        """The first `**Name**: value` header line named one of `names` (any case)."""
        wanted = {key(n) for n in names}
        return next((h for h in self.headers if key(h.name) in wanted), None)

    def section(self, *names: str) -> Section | None:
        """The first section whose heading is, or starts with, one of `names` (any case):
        `Encoding` finds `## Encoding (v3 — what's new)`."""
        for name in names:
            want = key(name)
            for section in self.sections:
                heading = key(section.heading)
                if heading == want or heading.startswith((want + " ", want + "(")):
                    return section
        return None

    def field(self, *names: str, sections: tuple[str, ...] = ()) -> Field | None:
        """The first Field | Value row named one of `names` (any case, emphasis ignored),
        looked for in `sections` first (in order), then anywhere."""
        wanted = [key(n) for n in names]
        places = [s for s in (self.section(n) for n in sections) if s is not None]
        for place in [*places, *self.sections]:
            for want in wanted:
                found = next((f for f in place.fields if key(f.name) == want), None)
                if found is not None:
                    return found
        return None


def key(text: str) -> str:
    """A name as compared: emphasis and backticks dropped, spaces collapsed, lower case."""
    return " ".join(text.replace("**", "").replace("`", "").replace("__", "").split()).lower()


def key_text(text: str) -> str:
    """A field name as shown: emphasis dropped, spaces collapsed, case kept."""
    return " ".join(text.replace("**", "").replace("__", "").split())
