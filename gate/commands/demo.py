"""`gate demo`: the story a newcomer needs, run for real in a temporary git repository.

Copies a bundled example workspace, then: a config staged without a card is blocked;
`gate generate` writes the card; the check waits for sign-off; each reviewer signs in
their own commit; the pull-request check passes; an edit after approval makes the
gate block again. Every step prints its command, output and exit code. One story per
card kind: `policy` (examples/melee) and `run` (examples/worldmodel, which also shows
a cheap run that needs no card, and a launch script moved to another GPU).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from gate.errors import GateError

AUTHOR = ("Ada Author", "ada@example.org")
SCAV = ("Scav", "scav@example.org")
MATTIE = ("Mattie", "mattie@example.org")
SCAVIEFAE = ("ScavieFae", "scaviefae@example.org")
CONFIG = "worldmodel/experiments/policy-match.yaml"
CARD = "worldmodel/docs/run-cards/policy-match.md"
RUN_CONFIG = "worldmodel/experiments/mamba2-22k-ss.yaml"
SMOKE_CONFIG = "worldmodel/experiments/mamba2-2k-smoke.yaml"
LAUNCH = "worldmodel/scripts/modal_train.py"
RUN_CARD = "worldmodel/docs/run-cards/mamba2-22k-ss.md"


class Demo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.step = 0
        self.failures: list[str] = []

    def env(self, who: tuple[str, str]) -> dict[str, str]:
        return {
            **os.environ,
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            "NO_COLOR": "1",
        }

    def heading(self, text: str) -> None:
        self.step += 1
        print(f"\n== Step {self.step}: {text}")

    def say(self, text: str) -> None:
        print(f"   {text}")

    def run(
        self,
        argv: Sequence[str],
        *,
        who: tuple[str, str] = AUTHOR,
        expect: int = 0,
        show: bool = True,
    ) -> int:
        words = ["gate", *argv[3:]] if argv[:3] == [sys.executable, "-m", "gate"] else argv
        shown = shlex.join(words)
        identity = f"  (as {who[1]})" if who != AUTHOR else ""
        print(f"   $ {shown}{identity}")
        result = subprocess.run(
            list(argv),
            cwd=self.root,
            env=self.env(who),
            text=True,
            capture_output=True,
            check=False,
        )
        if show:
            for line in (result.stdout + result.stderr).rstrip().splitlines():
                print(f"     | {line}")
        verdict = "as expected" if result.returncode == expect else f"EXPECTED {expect}"
        print(f"   -> exit {result.returncode} ({verdict})")
        if result.returncode != expect:
            self.failures.append(f"step {self.step}: {shown} exited {result.returncode}")
        return result.returncode

    def gate(self, *args: str, who: tuple[str, str] = AUTHOR, expect: int = 0) -> int:
        return self.run([sys.executable, "-m", "gate", *args], who=who, expect=expect)

    def git(self, *args: str, who: tuple[str, str] = AUTHOR) -> int:
        return self.run(["git", *args], who=who, show=False)


def _copy_example(name: str, target: Path) -> None:
    source = resources.files("gate.examples").joinpath(name)
    with resources.as_file(source) as folder:
        if not Path(folder).is_dir():
            raise GateError("the bundled example is missing from this installation")
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__"))


def story(demo: Demo) -> None:
    demo.heading("a training config staged without a run card is blocked")
    demo.say("The team's configs live under worldmodel/experiments/; [tool.gate] gates them.")
    demo.git("add", CONFIG)
    demo.gate("check", expect=1)

    demo.heading("`gate generate` writes the card from facts")
    demo.say("It reads the config, the world-model manifest, the dataset's meta.json and the")
    demo.say("prior policy checkpoints, and does the seed's arithmetic. It never trains.")
    demo.gate(
        "generate",
        "--run-name",
        "policy-match",
        "--games",
        "match",
        "--player",
        "both",
        "--config",
        CONFIG,
        "--world-model",
        "worldmodel/checkpoints/wm-mamba2-2k",
        "--dataset",
        "data/parsed-v2",
        "--no-wandb",
    )

    demo.heading("the card is valid, but the gate waits for every reviewer")
    demo.git("add", CARD)
    demo.gate("check", expect=1)
    demo.git("commit", "-q", "-m", "policy-match: config and run card")

    demo.heading("each reviewer signs, in a commit of their own")
    demo.say("An approval records a digest of the card's data and the config it covers.")
    for who in (SCAV, MATTIE):
        demo.gate("sign", CARD, "--reviewer", who[0], who=who)
        demo.git("commit", "-q", "-am", f"{who[0]} approves policy-match", who=who)

    demo.heading("the pull-request check passes")
    demo.say("CI runs this on the merge-base..HEAD range, and checks who wrote each approval.")
    demo.gate("check", "--base", "demo-base")
    demo.gate("status")

    demo.heading("someone edits the config after approval: the approvals go stale")
    text = (demo.root / CONFIG).read_text(encoding="utf-8")
    (demo.root / CONFIG).write_text(
        text.replace("batch_size: 512", "batch_size: 4096"), encoding="utf-8"
    )
    demo.say("batch_size: 512 -> 4096 in the config")
    demo.git("add", CONFIG)
    demo.gate("check", expect=1)
    demo.say("Re-run `gate generate --force` for new numbers, then ask the reviewers again.")


def run_story(demo: Demo) -> None:
    demo.heading("a cheap run needs no card: a 2K-game smoke test passes")
    demo.say("gate estimates the run from its config and the launch script's GPU; under both")
    demo.say("thresholds ([tool.gate] run_card_cost_usd = 5, run_card_hours = 2) it needs none.")
    demo.git("add", SMOKE_CONFIG)
    demo.gate("check")
    demo.git("commit", "-q", "-m", "mamba2-2k-smoke: a smoke test config")

    demo.heading("a 22K-game config staged without a run card is blocked")
    demo.git("add", RUN_CONFIG)
    demo.gate("check", expect=1)

    demo.heading("`gate generate --kind run` writes the card from facts")
    demo.say("It reads the config, the launch script's @app.function(gpu=..., timeout=...)")
    demo.say("(parsed, never run), the GPU table and the prior runs' manifests. It never trains.")
    demo.gate(
        "generate",
        "--kind",
        "run",
        "--run-name",
        "mamba2-22k-ss",
        "--config",
        RUN_CONFIG,
        "--launch-script",
        LAUNCH,
        "--gpu",
        "A100",
        "--encoded-file",
        "/encoded-22k.pt",
        "--encoded-games",
        "22000",
        "--encoded-frames",
        "206754081",
        "--encoded-gb",
        "74.4",
        "--epochs",
        "3",
        "--goal",
        "Validate Mamba-2 scaling on 11x more data (22K vs 2K games) with scheduled sampling on.",
    )

    demo.heading("the card is valid, but the gate waits for every reviewer")
    demo.git("add", RUN_CARD)
    demo.gate("check", expect=1)
    demo.git("commit", "-q", "-m", "mamba2-22k-ss: config and run card")

    demo.heading("each reviewer signs, in a commit of their own")
    demo.say("[tool.gate.kinds.run] reviewers: GPU runs need all three. An approval's digest")
    demo.say("covers the card's data, the config and the launch script.")
    for who in (SCAV, MATTIE, SCAVIEFAE):
        demo.gate("sign", RUN_CARD, "--reviewer", who[0], who=who)
        demo.git("commit", "-q", "-am", f"{who[0]} approves mamba2-22k-ss", who=who)

    demo.heading("the pull-request check passes")
    demo.gate("check", "--base", "demo-base")
    demo.gate("status")

    demo.heading("someone moves the run to an H100 after approval: the gate blocks")
    text = (demo.root / LAUNCH).read_text(encoding="utf-8")
    (demo.root / LAUNCH).write_text(text.replace('gpu="A100"', 'gpu="H100"'), encoding="utf-8")
    demo.say('gpu="A100" -> gpu="H100" in the launch script')
    demo.git("add", LAUNCH)
    demo.gate("check", expect=1)
    demo.say("Re-run `gate generate --kind run --force` for the new GPU's cost, then ask again.")


class Story(NamedTuple):
    example: str  # the workspace under gate.examples
    held_back: tuple[str, ...]  # left out of the first commit: the story adds them
    removed: tuple[str, ...]  # deleted from the copy first: the story writes them
    tell: Callable[[Demo], None]


STORIES = {
    "policy": Story("melee", (CONFIG,), (), story),
    "run": Story("worldmodel", (SMOKE_CONFIG, RUN_CONFIG), (RUN_CARD,), run_story),
}


def run(args: argparse.Namespace) -> int:
    chosen = STORIES.get(args.kind)
    if chosen is None:
        raise GateError(f"--kind {args.kind}: the demo tells {', '.join(sorted(STORIES))}")
    root = Path(tempfile.mkdtemp(prefix="gate-demo-")) / chosen.example
    _copy_example(chosen.example, root)
    for path in chosen.removed:
        (root / path).unlink(missing_ok=True)
    print(f"gate demo: a copy of the example workspace in {root}")
    demo = Demo(root)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "config", "commit.gpgsign", "false"], cwd=root, check=True)
    subprocess.run(
        ["git", "add", "-A", "--", ".", *(f":!{p}" for p in chosen.held_back)],
        cwd=root,
        check=True,
        env=demo.env(AUTHOR),
    )
    subprocess.run(
        ["git", "commit", "-q", "-m", "the team's repository"],
        cwd=root,
        check=True,
        env=demo.env(AUTHOR),
    )
    subprocess.run(["git", "branch", "demo-base"], cwd=root, check=True)
    chosen.tell(demo)
    print()
    if demo.failures:
        print("gate demo: something did not go as the story says:", *demo.failures, sep="\n  ")
        return 1
    print(f"gate demo: done. Explore the repository: cd {root}")
    return 0
