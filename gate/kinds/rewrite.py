"""Rewrite a card on disk: front matter edits plus the generated region re-rendered.

The card keeps its line endings: one saved with CRLF is written back with CRLF (the
parts gate writes) and its prose byte for byte, so the diff shows only what changed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gate import kinds
from gate.card import document, frontmatter
from gate.errors import GateError
from gate.review import signoff

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Repository


class Loaded:
    """A card read from the working tree, with its kind and required reviewers."""

    def __init__(self, repo: Repository, config: Config, given: str) -> None:
        self.file = Path(given).resolve()
        try:
            self.path = self.file.relative_to(repo.root.resolve()).as_posix()
        except ValueError:
            raise GateError(f"{given}: not inside the repository {repo.root}") from None
        try:
            raw = self.file.read_bytes()
        except OSError as exc:
            raise GateError(f"{given}: {exc.strerror}") from None
        try:
            self.card = document.parse(self.path, raw)
        except document.CardProblem as exc:
            raise GateError(f"{self.path}:{exc.line}: {exc.message}") from None
        kind = kinds.get(self.card.kind)
        if kind is None:
            raise GateError(
                f"{self.path}:{self.card.line_of('kind')}: kind "
                f"{self.card.data.get('kind')!r} is not one of {kinds.names()}"
            )
        self.kind = kind
        self.required = config.reviewers_for(kind.name)
        self.reviewers = tuple(config.reviewers)
        self.policy = signoff.policy_for(config, enforce=False)


def compose(loaded: Loaded, front: str) -> str:
    """The card with `front` as its front matter and its region rendered from it."""
    new = document.parse(loaded.path, f"---\n{front}---\n".encode())
    status = signoff.derive_status(
        loaded.required,
        signoff.approvals(new.data),
        configured=loaded.reviewers,
        policy=loaded.policy,
    )
    if new.data.get("status") != status:
        front = frontmatter.set_status(front, status)
        new = document.parse(loaded.path, f"---\n{front}---\n".encode())
    generated = loaded.kind.render(new.data, loaded.required)
    region = document.region(loaded.card)
    nl = loaded.card.newline
    if region.inner is None:
        # No region yet: it goes first, and the existing body stays after it as prose.
        prose = loaded.card.body
        return document.compose(
            front,
            generated,
            before=nl,
            after=nl + (prose if prose.startswith(nl) else nl + prose),
            newline=nl,
        )
    return document.compose(front, generated, before=region.before, after=region.after, newline=nl)


def write(loaded: Loaded, text: str) -> bool:
    """Write if changed (compared byte for byte, line endings included); True when the
    file changed."""
    new = text.encode("utf-8")
    if loaded.file.read_bytes() == new:
        return False
    loaded.file.write_bytes(new)
    return True
