"""`gate launch CARD [--index N]`: verify the card as the working tree has it, record
the launch in its `launches` list (outside the approval digest), then run the card's
own approved launch command with GATE_CARD, GATE_RUN_NAME and GATE_CARD_DIGEST set.
What runs is what was approved; a card that is not approved runs nothing."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys

from gate.errors import EXIT_BLOCKED, EXIT_ERROR, GateError


def _pick(commands: list[str], index: int | None, card: str) -> tuple[int, str] | None:
    if not commands:
        raise GateError(
            f"{card}: the card has no launch command (its data's `launch`): nothing to run"
        )
    if index is None and len(commands) == 1:
        return 0, commands[0]
    if index is None or not 0 <= index < len(commands):
        given = "" if index is None else f"--index {index} is not one of them; "
        print(
            f"{card}: {given}the card has {len(commands)} launch commands; run one with --index N:",
            file=sys.stderr,
        )
        for number, command in enumerate(commands):
            print(f"  [{number}] {command}", file=sys.stderr)
        return None
    return index, commands[index]


def run(args: argparse.Namespace) -> int:
    from gate import kinds
    from gate.card import document, frontmatter
    from gate.card.digest import short
    from gate.check.verify import verify_paths
    from gate.git import Repository

    with Repository.discover() as repo:
        verdicts, label = verify_paths(repo, [args.card], args.gate_config)
        verdict = verdicts[0]
        if verdict.approved is None:
            for f in verdict.findings:
                print(f"{f.path}:{f.line}: {f.rule}: {f.message}")
            print(
                f"gate: NOT LAUNCHED: {verdict.path} is not approved to run (reviewers' "
                f"keys from {label}); nothing ran"
            )
            return EXIT_BLOCKED
        approved = verdict.approved
        if approved.card != verdict.path:
            raise GateError(f"{args.card}: gate launch takes a card; {approved.card} covers it")
        file = repo.root / approved.card
        card = document.parse(approved.card, file.read_bytes())
        kind = kinds.get(card.kind)
        assert kind is not None  # it passed every rule
        picked = _pick(kind.commands(card.data), args.index, approved.card)
        if picked is None:
            return EXIT_ERROR
        index, command = picked
        if not command.strip():
            raise GateError(f"{approved.card}: launch command {index} is empty: nothing to run")
        head = repo.try_resolve("HEAD") or "none"
    record: dict[str, str | int] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": head,
        "digest": approved.digest,
        "index": index,
    }
    front = frontmatter.append_item(document.front_text(card), "launches", record)
    # the card's own line ending kept (a CRLF card stays CRLF), the rest as written
    file.write_bytes(document.with_front(card, front).encode("utf-8"))
    print(
        f"gate: launching {approved.card} [{index}] at digest {short(approved.digest)} "
        f"(reviewers' keys from {label}): {command}",
        file=sys.stderr,
    )
    sys.stderr.flush()
    env = {
        **os.environ,
        "GATE_CARD": approved.card,
        "GATE_RUN_NAME": approved.run_name,
        "GATE_CARD_DIGEST": approved.digest,
    }
    return subprocess.run(command, shell=True, cwd=repo.root, env=env, check=False).returncode
