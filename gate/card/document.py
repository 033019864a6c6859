"""A card file: YAML front matter (the data) + a Markdown body.

The body holds one generated region, rendered from the data by the card's kind,
between two marker comments; everything after it (reviews, notes, results) is free
prose that gate never touches.

Line endings: a card saved with CRLF endings (an editor on Windows, a checkout under
`core.autocrlf` or `eol=crlf`) reads the same as with LF. The data and the generated
region are handled with LF; `Card.newline` says which ending the file uses (its first
line's), and `compose` writes the parts gate owns (front matter, region) with it, so a
rewrite changes only the lines that changed. Prose before and after the region is
kept as it is, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

MAX_CARD_BYTES = 1024 * 1024
BEGIN = (
    "<!-- gate:generated:begin (rendered from the front matter: edit the data, "
    "then run `gate render`) -->"
)
END = "<!-- gate:generated:end -->"
_BEGIN_PREFIX = "<!-- gate:generated:begin"


class CardProblem(Exception):
    """A card gate cannot read; `line` is 1-based (0: the file as a whole)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Card(NamedTuple):
    path: str
    text: str
    data: dict[str, Any]
    lines: Mapping[tuple[str | int, ...], int]  # field path -> line in the file
    front_end: int  # the line of the closing `---`
    body: str  # as written (CRLF endings kept)
    newline: str = "\n"  # "\r\n" for a card saved with CRLF endings

    def line_of(self, *path: str | int) -> int:
        """The line of a field, or of its nearest parent that has one."""
        key: tuple[str | int, ...] = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return 1

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else ""


class Region(NamedTuple):
    before: str  # body text before the begin marker, as written
    inner: str | None  # the generated text with LF endings, None when the markers are missing
    after: str  # free prose after the end marker, as written
    line: int  # the line of the begin marker (0 when missing)


def decode(path: str, raw: bytes) -> str:
    if len(raw) > MAX_CARD_BYTES:
        raise CardProblem(f"card is {len(raw):,} bytes, over the 1 MiB limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CardProblem(f"not UTF-8 (byte {exc.start}: {exc.reason})", line) from None
    return text.removeprefix("\ufeff")


def line_ending(text: str) -> str:
    """The card's line ending: its first line's ("\r\n" or "\n")."""
    first = text.split("\n", 1)
    return "\r\n" if len(first) > 1 and first[0].endswith("\r") else "\n"


def lf(text: str) -> str:
    """`text` with its CRLF endings made LF (a lone CR is content, and stays)."""
    return text.replace("\r\n", "\n")


def split(text: str) -> tuple[str, int, str]:
    """(front matter text, line of the closing `---`, body)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise CardProblem("no YAML front matter: a card starts with a `---` line", 1)
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1 : number - 1]) + "\n", number, "\n".join(lines[number:])
    raise CardProblem("front matter is not terminated: add a closing `---` line", 1)


def parse(path: str, raw: bytes) -> Card:
    """Read a card's bytes; raises `CardProblem` with a line for anything refused."""
    from gate.sources import yamlio

    text = decode(path, raw)
    front, front_end, body = split(text)
    try:
        loaded = yamlio.load(lf(front), json=True)
    except yamlio.YamlProblem as exc:
        raise CardProblem(exc.message, exc.line + 1) from None
    if not isinstance(loaded.data, dict):
        what = "empty" if loaded.data is None else f"a {type(loaded.data).__name__}"
        raise CardProblem(f"front matter must be a mapping of fields, not {what}", 2)
    lines = {key: line + 1 for key, line in loaded.lines.items()}
    return Card(path, text, loaded.data, lines, front_end, body, line_ending(text))


def region(card: Card) -> Region:
    body = card.body
    start = body.find(_BEGIN_PREFIX)
    if start < 0:
        return Region(body, None, "", 0)
    start_line = card.front_end + body.count("\n", 0, start) + 1
    inner_start = body.find("\n", start) + 1
    end = body.find(END, inner_start)
    if end < 0 or inner_start == 0:
        return Region(body, None, "", start_line)
    after_start = end + len(END)
    return Region(body[:start], lf(body[inner_start:end]), body[after_start:], start_line)


def region_text(generated: str) -> str:
    """What a region holds for a kind's rendered text, as `region` reads it back: LF
    endings and a final newline (the end marker goes on a line of its own)."""
    text = lf(generated)
    return text if text.endswith("\n") else text + "\n"


def compose(
    front: str, generated: str, *, before: str = "", after: str = "\n", newline: str = "\n"
) -> str:
    """A whole card from its front matter text, generated region and the body text
    before and after the region. The front matter (given with LF) and the region are
    written with `newline`; `before` and `after` are kept as given."""
    head, region = f"---\n{front}---\n", f"{BEGIN}\n{region_text(generated)}{END}"
    if newline != "\n":
        head, region = lf(head).replace("\n", newline), region.replace("\n", newline)
    return f"{head}{before}{region}{after}"


def with_front(card: Card, front: str) -> str:
    """The card with `front` (LF endings) as its front matter, written with the card's
    line ending, and the rest of the file (the closing `---` on) as written: for an edit
    of the data alone, such as the launch record."""
    rest = "\n".join(card.text.split("\n")[card.front_end - 1 :])
    head = f"---\n{front}"
    return (head if card.newline == "\n" else lf(head).replace("\n", card.newline)) + rest


def front_text(card: Card) -> str:
    """The front matter as written (between the `---` lines), with LF endings."""
    lines = card.text.split("\n")
    return lf("\n".join(lines[1 : card.front_end - 1]) + "\n")
