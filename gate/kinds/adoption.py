"""`gate adopt`'s shared half: a kind maps a hand-written card into a `Draft`, and
`settle` holds the result to the kind's schema. Pure: no I/O.

A kind's `adopt(card, config)` (`kinds/<kind>/adopt.py`) reads the fields it knows
(aliases -> schema paths) and returns an `Adopted`: the data it could read as written,
and an `Unmapped` entry for every value it could not (not a number, an estimate gate
derives itself, a value its schema refuses). `settle` then drops any value the schema
refuses and marks each required field still missing (`gate.kinds.settle`), so `gate
check` names exactly those fields and the command's report lists them with the
hand-written line. Nothing is guessed: a field the card does not state stays out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from gate.card import legacy_values as lv

if TYPE_CHECKING:
    from gate.card.legacy import Field, LegacyCard, Section

T = TypeVar("T")
Path = tuple[str | int, ...]


class Unmapped(NamedTuple):
    """A field left out of the data, and why."""

    field: str  # the schema path, e.g. "training.epochs" or "targets[1]"
    line: int  # in the hand-written text (0: it is not on the card)
    why: str
    required: bool = False  # the schema needs it: `gate check` reports it until filled in


class Alias(NamedTuple):
    """A Field | Value row of a hand-written card (by any of its names) and the schema
    path its value goes to."""

    path: str  # e.g. "training.batch_size"
    names: tuple[str, ...]  # e.g. ("Batch size",): any case, emphasis ignored
    parse: Callable[[str], Any] | None  # None: an estimate gate derives (never copied)
    what: str = ""  # what the value should be, for the report: "a count"
    nullable: bool = False  # `none`, `-`, `off` mean null


class Note(NamedTuple):
    line: int  # in the hand-written text (0: the card as a whole)
    message: str


class Adopted(NamedTuple):
    data: dict[str, Any]
    unmapped: tuple[Unmapped, ...]
    notes: tuple[Note, ...] = ()
    lines: Mapping[str, int] = MappingProxyType({})  # field -> its line on the card


def field_name(path: Sequence[str | int]) -> str:
    """("targets", 1, "kill") -> "targets[1].kill" (as `gate check` names a field)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Draft:
    """The data a kind reads off a hand-written card, what it could not read, and where
    on the card each field was (or was looked for). A class: it accumulates."""

    def __init__(self, card: LegacyCard, kind: str) -> None:
        self.card = card
        self.data: dict[str, Any] = {"kind": kind}
        self.unmapped: list[Unmapped] = []
        self.notes: list[Note] = []
        self.lines: dict[str, int] = {}  # field -> its line (or its section's)
        self.written: dict[str, str] = {}  # field -> the text it was read from

    def put(self, path: str, value: Any, field: Field | None = None) -> None:
        """Set a dotted path (`training.epochs`), making the objects on the way."""
        *parents, last = path.split(".")
        node = self.data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
        if field is not None:
            self.lines[path], self.written[path] = field.line, field.value

    def area(self, path: str, section: Section | None) -> None:
        """Where fields under `path` belong on the card (their section's heading line)."""
        if section is not None:
            self.lines.setdefault(path, section.line)

    def skip(self, path: str, line: int, why: str) -> None:
        """Record a field left out of the data."""
        self.unmapped.append(Unmapped(path, line, why))

    def take(
        self,
        path: str,
        names: Sequence[str],
        parse: Callable[[str], T | None],
        *,
        what: str,
        sections: tuple[str, ...] = (),
        nullable: bool = False,
    ) -> T | None:
        """Read the Field | Value row named one of `names` with `parse` into `path`;
        a row that does not parse is recorded (as written), a missing row is not (the
        schema decides whether it was needed). `nullable`: `none`, `-`, `off` mean null."""
        found = self.card.field(*names, sections=sections)
        if found is None:
            for name in sections:
                self.area(path, self.card.section(name))
            return None
        if nullable and lv.nothing(found.value):
            self.put(path, None, found)
            return None
        if lv.nothing(found.value) or (value := parse(found.value)) is None:
            self.skip(path, found.line, f"`{found.name}` is {found.value!r}: not {what}")
            return None
        self.put(path, value, found)
        return value

    def estimate(self, path: str, names: Sequence[str], sections: tuple[str, ...] = ()) -> None:
        """A time or money estimate: never copied (a hand-written card rounds it and
        works it out its own way); gate derives it from the card's inputs."""
        found = self.card.field(*names, sections=sections)
        if found is None:
            for name in sections:
                self.area(path, self.card.section(name))
            return
        self.skip(
            path,
            found.line,
            f"`{found.name}` {found.value!r} is a hand-written estimate: gate derives "
            "it from the card's inputs (docs/estimates.md); fill in the exact number, or "
            "regenerate the data with `gate generate --force` (the prose is kept)",
        )

    def has(self, path: str) -> bool:
        """Is `path` (dotted) already set?"""
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def value(self, path: str) -> Any:
        """The value at a dotted path, or None."""
        node: Any = self.data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def derived(self, path: str, want: float | None, how: str, *, within: float = 0.0) -> None:
        """A number gate derives from the card's inputs: the hand-written one stays when
        it is what the formula gives, else it is left out with the formula's number."""
        got = self.value(path)
        if want is None or not isinstance(got, int | float) or abs(got - want) <= within:
            return
        *parents, last = path.split(".")
        del self.value(".".join(parents))[last]
        shown = f"{want:,}" if isinstance(want, int) else f"{want:,g}"
        self.skip(
            path,
            self.lines.get(path, 0),
            f"hand-written {self.written.get(path, got)!r}, but gate's formula gives {shown} "
            f"({how}); write that number (gate check holds the card to its formulas)",
        )

    def fields(self, sections: tuple[str, ...], aliases: Sequence[Alias]) -> None:
        """Read each alias's row, looked for in `sections` first; a field already read
        (from a table the kind reads by column) is not read again."""
        section = next((s for s in map(self.card.section, sections) if s is not None), None)
        for alias in aliases:
            self.area(alias.path.split(".")[0], section)
            if self.has(alias.path):
                continue
            if alias.parse is None:
                self.estimate(alias.path, alias.names, sections)
            else:
                self.take(
                    alias.path,
                    alias.names,
                    alias.parse,
                    what=alias.what,
                    sections=sections,
                    nullable=alias.nullable,
                )

    def note(self, line: int, message: str) -> None:
        self.notes.append(Note(line, message))

    def done(self) -> Adopted:
        return Adopted(
            self.data, tuple(self.unmapped), tuple(self.notes), MappingProxyType(dict(self.lines))
        )


def goal(card: LegacyCard) -> str | None:
    """The Goal section's first paragraph (or first bullet)."""
    section = card.section("Goal")
    if section is None:
        return None
    texts = [*section.paragraphs, *section.bullets]
    first = min(texts, key=lambda t: t.line, default=None)
    return first.text if first is not None else None


def common(draft: Draft) -> None:
    """What every kind reads the same way: run name (the title's), created, goal,
    and a pending status (ticked boxes and a hand-written status are claims, not
    approvals: sign-off starts empty)."""
    card = draft.card
    draft.data["run_name"] = card.name
    draft.lines["run_name"] = draft.lines["kind"] = card.line
    draft.written["run_name"] = card.name
    created = card.header("Created", "Date")
    if created is None:
        draft.lines["created"] = card.line
    elif (day := lv.date(created.value)) is None:
        draft.skip(
            "created", created.line, f"`Created` is {created.value!r}: not a YYYY-MM-DD date"
        )
    else:
        draft.put("created", day, created)
    draft.data["status"] = "PENDING REVIEW"
    status = card.header("Status")
    if status is not None and lv.plain(status.value).upper() != "PENDING REVIEW":
        draft.note(
            status.line,
            f"the hand-written status {lv.plain(status.value)!r} is kept as prose: status is "
            "derived from signed approvals, so the card starts PENDING REVIEW",
        )
    section = card.section("Goal")
    text = goal(card)
    if text:
        draft.put("goal", text)
        draft.lines["goal"] = section.line if section is not None else card.line
    draft.area("goal", section)


def config_path(card: LegacyCard, *sections: str) -> Field | None:
    """The `**Config**: \\`path\\`` header, else a `Config` row in one of `sections`."""
    header = card.header("Config")
    if header is not None:
        return header
    return card.field("Config", sections=sections) if sections else None


def repo_path(text: str) -> str | None:
    """A repository-relative path as a card writes it (first backticked part), or None."""
    path = lv.first_code(text)
    if path is None or path.startswith(("/", "\\")) or ".." in path.split("/") or " " in path:
        return None
    return path.removeprefix("./")


def text(value: str) -> str | None:
    """A non-empty string, emphasis and backticks dropped."""
    return lv.plain(value) or None
