"""`gate sign CARD --reviewer NAME [--block REASON] [--key PATH]`: record a verdict on
the card as it is in the working tree, signed with the reviewer's SSH key.

Anyone may commit the signed approval (the author, the reviewer, a bot): the
signature, not the commit, says who approved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from gate.card import document, frontmatter, paths
from gate.card.digest import card_digest, short
from gate.check.evaluate import Context, covered_paths
from gate.commands.common import repo_and_config
from gate.errors import GateError
from gate.kinds import rewrite
from gate.review import signature, signing, signoff


def run(args: argparse.Namespace) -> int:
    repo, config = repo_and_config(args)
    config.require_reviewers()
    loaded = rewrite.Loaded(repo, config, args.card)
    name = args.reviewer
    if name not in config.reviewers:
        raise GateError(
            f"{name!r} is not a configured reviewer (configured: "
            f"{', '.join(config.reviewers)}); reviewers live in [tool.gate.reviewers]"
        )
    card = loaded.card
    from gate.kinds import results

    if results.finished(card.data):
        raise GateError(
            f"{loaded.path}: the card is finished (it has results): its approvals are the "
            "record of what ran; a new run needs a new card (`gate generate`)"
        )
    worktree = repo.worktree()
    ctx = Context(worktree, config, signoff.policy_for(config, enforce=False))
    contents = []
    for path in covered_paths(card, ctx):
        got = paths.read_covered(worktree, path)
        if got.content is None:
            raise GateError(f"{loaded.path}: cannot sign: {got.problem}")
        contents.append((path, got.content))
    digest = card_digest(card.data, contents)
    verdict = "blocked" if args.block else "approved"
    entry = {
        "reviewer": name,
        "verdict": verdict,
        "date": args.date or dt.date.today().isoformat(),
        "digest": digest,
    }
    if args.block:
        entry["reason"] = args.block
    key = None
    if config.identity != "none":
        key = signing.choose_key(args.key, None if args.key else repo.signing_key())
        entry["signature"] = signing.sign(signature.approval_text(name, verdict, digest), key)
        problem = signature.problem(name, verdict, digest, entry["signature"], config.keys_of(name))
        if problem:
            raise GateError(
                f"{loaded.path}: {problem} (signed with {key.source}); nothing was written"
            )
    mine = [a.position for a in signoff.approvals(card.data) if a.reviewer == name]
    raw_entries = card.data.get("signoff") or []
    starts = [card.line_of("signoff", i) - 2 for i in range(len(raw_entries))]
    try:
        front = frontmatter.set_approval(
            document.front_text(card), entry, mine[0] if mine else None, starts
        )
    except ValueError as exc:
        raise GateError(f"{loaded.path}:{card.line_of('signoff')}: {exc}") from None
    rewrite.write(loaded, rewrite.compose(loaded, front))
    shown = f"blocked ({args.block})" if args.block else "approved"
    how = f"signed with {key.source}" if key is not None else "unsigned (identity = none)"
    print(
        f"{loaded.path}: {name} {shown} at digest {short(digest)}, {how}; commit the card "
        "(anyone may: the signature says who approved)",
        file=sys.stderr,
    )
    return 0
