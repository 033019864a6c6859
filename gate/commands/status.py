"""`gate status`: one row per card (run, kind, status, scale, approvals), text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from gate import kinds
from gate.card import document, paths
from gate.card.digest import card_digest
from gate.check.evaluate import Context, covered_paths
from gate.check.gated import is_card
from gate.commands.common import repo_and_config
from gate.kinds import results, scorecard
from gate.report.status_table import Row, text
from gate.review import signoff

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git.snapshot import Snapshot


def _unproven(entry: signoff.Approval, config: Config) -> bool:
    """The entry's signature does not prove it (always, under identity = "none")."""
    from gate.review import signature

    if config.identity == "none":
        return True
    keys = config.keys_of(entry.reviewer)
    return bool(
        signature.problem(entry.reviewer, entry.verdict, entry.digest, entry.signature, keys)
    )


def row(path: str, snapshot: Snapshot, config: Config, ctx: Context) -> Row:
    empty: Row = {
        "card": path,
        "run": "",
        "kind": "?",
        "status": "?",
        "scale": "",
        "approved": [],
        "unverified": [],
        "stale": [],
        "blocked": [],
        "missing": [],
        "problem": "",
        "games": None,
        "gpu": None,
        "epochs": None,
        "batch_size": None,
        "finished": None,
    }
    try:
        card = document.parse(path, snapshot.read(path) or b"")
    except document.CardProblem as exc:
        return {**empty, "problem": f"line {exc.line}: {exc.message}"}
    kind = kinds.get(card.kind)
    if kind is None:
        return {**empty, "problem": f"unknown kind {card.data.get('kind')!r}"}
    contents = [(p, paths.read_covered(snapshot, p).content) for p in covered_paths(card, ctx)]
    digest = card_digest(card.data, contents)
    record = results.latest(card.data)
    if record is not None and isinstance(record.get("digest"), str):
        digest = record["digest"]  # a finished card's approvals: against its launch
    entries = signoff.approvals(card.data)
    required = config.reviewers_for(kind.name)
    facts = kind.collect(card, snapshot, config)
    counted = signoff.verdicts(entries, config.reviewers).values()
    unproven = [a.reviewer for a in counted if _unproven(a, config)]
    fresh = [
        a.reviewer
        for a in counted
        if a.verdict == "approved" and a.digest == digest and a.reviewer not in unproven
    ]
    stale = [a.reviewer for a in counted if a.verdict == "approved" and a.digest != digest]
    status = signoff.derive_status(
        required, entries, configured=config.reviewers, policy=ctx.policy
    )
    return {
        **empty,
        "run": str(card.data.get("run_name", "")),
        "kind": kind.name,
        "status": "STALE" if stale and status == signoff.APPROVED else status,
        "scale": kind.describe(card, facts),
        "approved": fresh,
        "unverified": unproven,
        "stale": stale,
        "blocked": [a.reviewer for a in entries if a.verdict == "blocked"],
        "missing": [n for n in required if n not in {a.reviewer for a in entries}],
        **kind.summary(card.data),
        "finished": scorecard.finished_summary(card.data),
    }


def run(args: argparse.Namespace) -> int:
    repo, config = repo_and_config(args)
    snapshot = repo.worktree()
    ctx = Context(snapshot, config, signoff.policy_for(config, enforce=False))
    folder = repo.root / config.cards_dir
    cards = (
        sorted(p.relative_to(repo.root).as_posix() for p in folder.rglob("*.md"))
        if (folder.is_dir())
        else []
    )
    rows = [row(p, snapshot, config, ctx) for p in cards if is_card(config, p)]
    try:
        _print(rows, args.format, config.cards_dir)
    except BrokenPipeError:  # `gate status | head -1`
        from gate.report import closed_pipe

        return closed_pipe(0)
    return 0


def _print(rows: list[Row], form: str, cards_dir: str) -> None:
    if form == "html":
        from gate.report.status_html import page

        sys.stdout.write(page(rows, cards_dir))
    elif form == "json":
        json.dump({"cards": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif rows:
        print(text(rows))
    else:
        print(f"no cards in {cards_dir}/")
    sys.stdout.flush()
