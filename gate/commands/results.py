"""`gate results CARD --from SOURCE`: record what a run measured in its card's `results`
(outside the approval digest) and re-render the card's region with its scorecard.

SOURCE is a checkpoint `manifest.json`, a local wandb run folder, or a wandb run path
`ENTITY/PROJECT/RUN_ID` (`wandb:` prefix optional; the `wandb` extra, the cloud API).
Results recorded again (a resumed run) are appended: the last wins, earlier ones stay.
The card's prose and line endings are kept; only the card file is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gate.errors import GateError

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Repository
    from gate.kinds.rewrite import Loaded
    from gate.sources.measured import Measured

RUN_PATH = re.compile(r"^(?:wandb:)?([\w.-]+/[\w.-]+/[\w.-]+)$")


def read_source(given: str, repo: Repository) -> Measured:
    """The run's measurements from a manifest, a wandb run folder or a wandb run path."""
    from gate.sources import measured

    path = Path(given)
    if path.is_dir():
        return measured.from_wandb_folder(path)
    if path.is_file():
        try:
            shown = path.resolve().relative_to(repo.root.resolve()).as_posix()
        except ValueError:
            shown = given
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise GateError(f"{given}: {exc.strerror}") from None
        return measured.from_manifest(shown, raw)
    match = RUN_PATH.match(given)
    if match is None or (path.exists() or given.startswith(("./", "/", "../"))):
        raise GateError(
            f"--from {given}: no such file or folder, and not a wandb run path "
            "ENTITY/PROJECT/RUN_ID: give a checkpoint manifest.json, a wandb run folder "
            "(wandb/run-*), or a run path"
        )
    return measured.from_wandb_api(match.group(1), measured.wandb_api())


def as_launched(loaded: Loaded, repo: Repository, config: Config) -> tuple[str, dict[str, str]]:
    """The digest recorded at the card's last launch (a card launched without `gate
    launch`: its digest as the working tree has it now), and each covered entry's content
    hash when the working tree still holds what launched (else none: the finished card
    then covers none of its files)."""
    from gate.card import paths
    from gate.card.digest import card_digest, content_hash
    from gate.check.evaluate import Context, covered_paths
    from gate.review import signoff

    worktree = repo.worktree()
    ctx = Context(worktree, config, signoff.policy_for(config, enforce=False))
    contents = [
        (p, paths.read_covered(worktree, p).content) for p in covered_paths(loaded.card, ctx)
    ]
    now = card_digest(loaded.card.data, contents)
    launched = now
    launches = loaded.card.data.get("launches")
    if isinstance(launches, list) and launches and isinstance(launches[-1], dict):
        digest = launches[-1].get("digest")
        if isinstance(digest, str) and digest:
            launched = digest
    if launched != now:
        print(
            f"gate: {loaded.path}: its covered files changed since it launched: the finished "
            "card will cover none of them (a change after a run needs a new card)",
            file=sys.stderr,
        )
        return launched, {}
    return launched, {p: content_hash(c) for p, c in contents}


def run(args: argparse.Namespace) -> int:
    from gate.card import document, frontmatter
    from gate.commands.common import repo_and_config
    from gate.kinds import results, rewrite, scorecard

    repo, config = repo_and_config(args)
    loaded = rewrite.Loaded(repo, config, args.card)
    measured = read_source(args.source, repo)
    date = args.date or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    digest, covered = as_launched(loaded, repo, config)
    entry = results.entry(loaded.card.data, measured, date=date, digest=digest, covered=covered)
    try:
        front = frontmatter.append_item(document.front_text(loaded.card), "results", entry)
    except ValueError as exc:
        raise GateError(f"{loaded.path}:{loaded.card.line_of('results')}: {exc}") from None
    rewrite.write(loaded, rewrite.compose(loaded, front))
    written = document.parse(loaded.path, loaded.file.read_bytes())
    print("\n".join(scorecard.scorecard(written.data)))
    count = len(results.entries(written.data))
    print(
        f"gate: {loaded.path}: results recorded from {measured.source}"
        + (f" ({count} results, the last wins)" if count > 1 else "")
        + "; the card is finished: commit it",
        file=sys.stderr,
    )
    return 0
