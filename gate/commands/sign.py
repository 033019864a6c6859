"""`gate sign CARD --reviewer NAME [--block REASON]`: record a verdict with its digest."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from gate.card import document, frontmatter, paths
from gate.card.digest import card_digest, short
from gate.check.evaluate import Context, Identity, covered_paths
from gate.commands.common import repo_and_config
from gate.errors import GateError
from gate.kinds import rewrite
from gate.review import signoff


def run(args: argparse.Namespace) -> int:
    repo, config = repo_and_config(args)
    loaded = rewrite.Loaded(repo, config, args.card)
    name = args.reviewer
    if name not in config.reviewers:
        raise GateError(
            f"{name!r} is not a configured reviewer (configured: "
            f"{', '.join(config.reviewers)}); reviewers live in [tool.gate.reviewers]"
        )
    card = loaded.card
    worktree = repo.worktree()
    ctx = Context(repo, worktree, config, Identity("staged"))
    contents = []
    for path in covered_paths(card, ctx):
        got = paths.read(worktree, path, what="covered file")
        if got.content is None:
            raise GateError(f"{loaded.path}: cannot sign: {got.problem}")
        contents.append((path, got.content))
    digest = card_digest(card.data, contents)
    entry = {
        "reviewer": name,
        "verdict": "blocked" if args.block else "approved",
        "date": args.date or dt.date.today().isoformat(),
        "digest": digest,
    }
    if args.block:
        entry["reason"] = args.block
    entries = signoff.approvals(card.data)
    mine = [a.position for a in entries if a.reviewer == name]
    raw_entries = card.data.get("signoff") or []
    starts = [card.line_of("signoff", i) - 2 for i in range(len(raw_entries))]
    try:
        front = frontmatter.set_approval(
            document.front_text(card), entry, mine[0] if mine else None, starts
        )
    except ValueError as exc:
        raise GateError(f"{loaded.path}:{card.line_of('signoff')}: {exc}") from None
    text = rewrite.compose(loaded, front)
    rewrite.write(loaded, text)
    me = repo.author_email()
    if me.lower() not in (e.lower() for e in config.emails_of(name)):
        print(
            f"gate: warning: you are {me or 'an unknown git author'}, not {name}: the "
            f"approval must be committed by {name} "
            f"({', '.join(config.emails_of(name)) or 'no email configured'}), or the "
            "signer-identity rule blocks it",
            file=sys.stderr,
        )
    verdict = f"blocked ({args.block})" if args.block else "approved"
    print(
        f"{loaded.path}: {name} {verdict} at digest {short(digest)}; commit the card "
        f"as {name} so the approval can be verified",
        file=sys.stderr,
    )
    return 0
