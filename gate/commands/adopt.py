"""`gate adopt CARD... [--dry-run]`: hand-written run cards become gate cards, in place.

Each card's title (`# Policy Run Card: NAME`, `# Run Card: NAME`) names its kind
through the registry (a kind's `title`); the kind reads what it can into its data
(`Kind.adopt`), `gate.kinds.settle` holds that to the schema, and the card is written
as front matter (status PENDING REVIEW, no sign-off), the generated region, and then
the whole hand-written text byte for byte (`gate.card.adopted`). Every card is read
and mapped before anything is written: a bad one writes nothing. A card that already
has front matter naming a kind is left as it is.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gate import kinds
from gate.card import adopted, document
from gate.commands.common import repo_and_config
from gate.errors import GateError

if TYPE_CHECKING:
    from gate.card.legacy import LegacyCard
    from gate.config import Config
    from gate.git import Repository
    from gate.kinds.adoption import Adopted

NOTE = (
    "> The hand-written card as it was before `gate adopt`, kept byte for byte. Its "
    "ticked boxes are not approvals: sign-off is recorded with `gate sign` (above)."
)


class Plan(NamedTuple):
    """What adopting one card would do."""

    path: str  # repository-relative
    file: Path
    new: str | None  # None: nothing to do
    front: str  # the new front matter ("" when nothing to do)
    report: list[str]


def _target(repo: Repository, given: str) -> tuple[str, Path]:
    """The card's repository path: an existing regular file inside the repository."""
    file = Path(given)
    if file.is_symlink():
        raise GateError(f"{given}: a symlink; adopt the file it points to, inside the repository")
    absolute = file.resolve()
    try:
        path = absolute.relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        raise GateError(
            f"{given}: not inside the repository {repo.root}; gate adopt writes only there"
        ) from None
    if not absolute.exists():
        raise GateError(f"{given}: no such file")
    if not absolute.is_file():
        raise GateError(f"{given}: not a file")
    return path, absolute


def _kind(path: str, card: LegacyCard) -> kinds.Kind[Any]:
    """The kind whose title the card's title line names."""
    from gate.card.legacy import key

    every = kinds.every()
    for kind in every:
        if key(kind.title) == key(card.title):
            if kind.adopt is None:
                raise GateError(f"{path}:{card.line}: the {kind.name} kind adopts no cards")
            return kind
    titles = ", ".join(f"`# {k.title}: NAME` ({k.name})" for k in every if k.adopt)
    raise GateError(
        f"{path}:{card.line}: the title `# {card.title}: {card.name}` names no card kind "
        f"gate knows; gate adopt reads {titles}"
    )


def _gate_card(path: str, text: str) -> str | None:
    """The kind of a card that already has front matter, or None for a hand-written one."""
    if not text.startswith("---"):
        if adopted.has_markers(text):
            raise GateError(
                f"{path}: holds gate's marker comments but no front matter: restore it "
                "(`git checkout`) rather than adopting it again"
            )
        return None
    try:
        card = document.parse(path, text.encode("utf-8"))
    except document.CardProblem as exc:
        raise GateError(f"{path}:{exc.line}: {exc.message}") from None
    if not card.kind:
        raise GateError(
            f"{path}:{card.line_of('kind')}: front matter without `kind`: neither a gate "
            "card nor a hand-written one gate adopt reads"
        )
    return card.kind


def _report(
    path: str, card: LegacyCard, result: Adopted, *, offset: int, config: Config, kind: str
) -> list[str]:
    """One line per thing the author should know, `path:line: what: message`; lines
    are the adopted card's (the hand-written line in parentheses)."""

    def at(line: int) -> str:
        line = line or card.line
        return f"{path}:{offset + line}"

    lines = []
    for entry in result.unmapped:
        what = "left out" if entry.required else "not adopted"
        hand = f" (hand-written line {entry.line})" if entry.line else ""
        lines.append(f"{at(entry.line)}: {what}: {entry.field}: {entry.why}{hand}")
    lines += [f"{at(n.line)}: note: {n.message}" for n in result.notes]
    for box in card.checkboxes:
        if box.ticked:
            unknown = "" if box.name in config.reviewers else (
                f"; {box.name} is not in [tool.gate.reviewers]"
            )  # fmt: skip
            lines.append(
                f"{at(box.line)}: sign-off: {box.name} ticked: kept as prose, not an approval;"
                f" sign with `gate sign {path} --reviewer {box.name}`{unknown}"
            )
    stem = Path(path).stem
    if card.name != stem:
        lines.append(
            f"{at(card.line)}: note: run_name {card.name!r} is not the file's name {stem!r}: "
            f"gate expects {config.cards_dir}/{card.name}.md (`git mv` it)"
        )
    if not path.startswith(f"{config.cards_dir}/"):
        lines.append(
            f"{path}: note: not under cards_dir {config.cards_dir}/: gate check does not see "
            "it as a card until it is moved there"
        )
    required = [u for u in result.unmapped if u.required]
    awaiting = ", ".join(config.reviewers_for(kind)) or "nobody (no reviewers configured)"
    lines.append(
        f"gate adopt: {path}: {len(required)} required field(s) left out (gate check names "
        f"each until it is filled in), {len(result.unmapped) - len(required)} value(s) not "
        f"adopted, {sum(b.ticked for b in card.checkboxes)} tick(s) kept as prose; status "
        f"PENDING REVIEW, awaiting {awaiting}"
    )
    return lines


def plan(repo: Repository, config: Config, given: str) -> Plan:
    """Read one card and work out what adopting it writes; writes nothing."""
    from gate.card import legacy_read
    from gate.card.legacy import LegacyProblem
    from gate.kinds.settle import settle
    from gate.sources import yamlio

    path, file = _target(repo, given)
    try:
        raw = file.read_bytes()
        text = document.decode(path, raw)  # UTF-8 and at most 1 MiB, or a CardProblem
    except document.CardProblem as exc:
        raise GateError(f"{path}:{exc.line}: {exc.message}") from None
    except OSError as exc:
        raise GateError(f"{given}: {exc.strerror}") from None
    original = raw.decode("utf-8")  # its byte-order mark, if any, kept too
    existing = _gate_card(path, text)
    if existing is not None:
        note = f"{path}: already a gate card (kind: {existing}): nothing to do"
        return Plan(path, file, None, "", [note])
    try:
        card = legacy_read.read(path, original)
    except LegacyProblem as exc:
        raise GateError(f"{path}:{exc.line}: {exc.message}") from None
    kind = _kind(path, card)
    assert kind.adopt is not None
    result = settle(kind.adopt(card, config), kind.schema(), title_line=card.line)
    front = yamlio.dump(result.data)
    generated = kind.render(result.data, config.reviewers_for(kind.name))
    head = document.compose(front, generated, after=f"\n\n{NOTE}\n\n")
    new = head + adopted.block(original)
    if len(new.encode("utf-8")) > document.MAX_CARD_BYTES:
        raise GateError(f"{path}: the adopted card would be over the 1 MiB limit of a card")
    if (
        adopted.kept(new) != original
        or document.region(document.parse(path, new.encode())).inner is None
    ):
        raise RuntimeError(f"{path}: the adopted card would not keep the original text")
    offset = head.count("\n") + 1  # the original's line 1 is on the line after the marker
    return Plan(
        path,
        file,
        new,
        front,
        _report(path, card, result, offset=offset, config=config, kind=kind.name),
    )


def run(args: argparse.Namespace) -> int:
    repo, config = repo_and_config(args)
    plans = [plan(repo, config, given) for given in args.cards]  # all read before any write
    for each in plans:
        if each.new is not None and args.dry_run:
            print(f"{each.path}: dry run, nothing written; its front matter would be:")
            print(f"---\n{each.front}---")
        elif each.new is not None:
            each.file.write_text(each.new, encoding="utf-8", newline="")
        print("\n".join(each.report))
    return 0
