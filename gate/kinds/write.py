"""`gate generate`'s output, the same for every kind: the new card, written or printed."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gate.errors import GateError

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Repository

REVIEW_NOTES = "\n\n## Review notes\n\n(Free prose: gate leaves this part alone.)\n"


class Summary(Protocol):
    """A kind's compact summary of the card it built (`<kind>_build.summary`)."""

    def __call__(
        self,
        data: Mapping[str, Any],
        *,
        path: str,
        reviewers: Sequence[str],
        notes: Sequence[str],
        written: bool,
    ) -> str: ...


def relative(repo: Repository, path: Path, what: str) -> str:
    """`path` (given as `what` on the command line) relative to the repository root."""
    try:
        return path.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        raise GateError(
            f"{what} {path} is outside the repository {repo.root}: the card "
            "can only name files the gate can read from a commit"
        ) from None


RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def inside(repo: Repository, path: str) -> Path:
    """The file a card is written to: `cards_dir/<run_name>.md`, inside the repository
    even after symlinks are followed, or a `GateError` that writes nothing."""
    name = path.rsplit("/", 1)[-1].removesuffix(".md")
    if not RUN_NAME.fullmatch(name) or ".." in name:
        raise GateError(
            f"run name {name!r}: use letters, digits, '.', '_' and '-' (it is the card's "
            "file name); nothing was written"
        )
    target = repo.root / path
    root = repo.root.resolve()
    if not target.resolve().is_relative_to(root):
        raise GateError(f"{path} resolves outside the repository {root}; nothing was written")
    return target


def keep_prose(path: str, old: bytes, front: str, generated: str) -> str:
    """The new card (front matter and region) with the old card's free prose kept byte
    for byte: the text before and after its region, or its whole body when it has no
    region (a hand-written card), or its whole text when it has no front matter."""
    from gate.card import document

    try:
        card = document.parse(path, old)
    except document.CardProblem:
        try:
            prose = old.decode("utf-8")
        except UnicodeDecodeError:
            raise GateError(f"{path}: not UTF-8; gate will not overwrite it") from None
        return document.compose(front, generated, after="\n" + prose)
    region = document.region(card)
    if region.inner is None:
        body = card.body
        return document.compose(front, generated, before="\n", after="\n" + body)
    return document.compose(front, generated, before=region.before, after=region.after)


def write_card(
    repo: Repository,
    config: Config,
    data: dict[str, Any],
    notes: list[str],
    *,
    summary: Summary,
    stdout: bool,
    force: bool,
) -> int:
    """Compose the card (front matter, generated region, a Review notes stub) and write it
    under `cards_dir`, or print it with `--stdout`; an existing card needs `--force`."""
    from gate.card import document
    from gate.kinds import get
    from gate.sources import yamlio

    kind = get(data["kind"])
    assert kind is not None
    required = config.reviewers_for(kind.name)
    text = document.compose(yamlio.dump(data), kind.render(data, required), after=REVIEW_NOTES)
    path = f"{config.cards_dir}/{data['run_name']}.md"
    if stdout:
        print(text, end="")
        print(
            summary(data, path=path, reviewers=required, notes=notes, written=False),
            file=sys.stderr,
        )
        return 0
    target = inside(repo, path)
    if target.exists() and not force:
        raise GateError(
            f"{path} already exists: pass --force to replace its data and generated region "
            "(its free prose is kept; its sign-offs are not, since the data changes)"
        )
    if target.exists():
        front = yamlio.dump(data)
        text = keep_prose(path, target.read_bytes(), front, kind.render(data, required))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(summary(data, path=path, reviewers=required, notes=notes, written=True))
    return 0
