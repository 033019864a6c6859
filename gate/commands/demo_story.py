"""The story `gate demo` tells, step by step, in the team's repository (set up by
`gate.commands.demo`): every command is run for real and printed with its output and
exit code; a command that does not go as the story says (its exit code, or a line it
must or must not print) is a failure, and the demo then exits 2.

One plot per card kind, told by `tell`: on a feature branch the hook blocks a config
without a card, lets the generated card through while it awaits sign-off, and blocks a
forged approval; the reviewers sign with their SSH keys; the pull-request check passes;
the branch is squash-merged into main through the hook; `gate launch` runs the approved
command (and nothing for a card nobody signed); an uncommitted edit fails `gate verify`.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from gate.errors import GateError

# Everyone commits as one git identity: gate trusts keys, never commit authors.
TEAM = ("The Team", "team@example.org")
AUTHOR = "Ada"  # writes the configs and cards; she is not a reviewer
KEYS_DIR = "../keys"  # beside the repository: nobody commits a private key
FORGED = "../forged-approval.txt"
STAND_IN_RAN = "stand-in ran:"

CONFIG = "worldmodel/experiments/policy-match.yaml"
CARD = "worldmodel/docs/run-cards/policy-match.md"
RUN_CONFIG = "worldmodel/experiments/mamba2-22k-ss.yaml"
SMOKE_CONFIG = "worldmodel/experiments/mamba2-2k-smoke.yaml"
LAUNCH = "worldmodel/scripts/modal_train.py"
RUN_CARD = "worldmodel/docs/run-cards/mamba2-22k-ss.md"


def key_of(name: str) -> str:
    """A person's private key, relative to the repository (the public half is `.pub`)."""
    return f"{KEYS_DIR}/{name.lower()}"


class Demo:
    """Runs the story's commands in the repository, prints them, and keeps score."""

    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.root = root
        self.base_env = dict(env)
        self.step = 0
        self.failures: list[str] = []
        self.branch = "main"

    def heading(self, text: str) -> None:
        self.step += 1
        print(f"\n== Step {self.step}: {text}")

    def say(self, text: str) -> None:
        print(f"   {text}")

    def run(
        self,
        argv: Sequence[str],
        *,
        expect: int = 0,
        show: bool = True,
        quiet: bool = False,
        shows: str = "",
        hides: str = "",
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` in the repository as the team; `quiet` prints nothing unless the
        step goes wrong, `show` prints the output. The step goes wrong when the exit code
        is not `expect`, or the output lacks `shows` or holds `hides`."""
        shown = " ".join(_shown(word) for word in _as_typed(argv))
        if not quiet:
            print(f"   $ {shown}")
        result = subprocess.run(
            list(argv),
            cwd=self.root,
            env=self.base_env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        wrong = []
        if result.returncode != expect:
            wrong.append(f"exited {result.returncode}")
        if shows and shows not in result.stdout:
            wrong.append(f"did not print {shows!r}")
        if hides and hides in result.stdout:
            wrong.append(f"printed {hides!r}")
        if wrong:
            self.failures.append(f"step {self.step}: {shown} {' and '.join(wrong)}")
        if quiet and not wrong:
            return result
        if show or wrong:
            for line in result.stdout.rstrip().splitlines():
                print(f"     | {line}")
        verdict = "as expected" if not wrong else f"EXPECTED {expect}: {' and '.join(wrong)}"
        print(f"   -> exit {result.returncode} ({verdict})")
        return result

    def gate(
        self, *args: str, expect: int = 0, shows: str = "", hides: str = ""
    ) -> subprocess.CompletedProcess[str]:
        return self.run(
            [sys.executable, "-m", "gate", *args], expect=expect, shows=shows, hides=hides
        )

    def git(self, *args: str, expect: int = 0, show: bool = False) -> None:
        self.run(["git", *args], expect=expect, show=show)

    def commit(
        self, message: str, *, expect: int = 0, all_tracked: bool = False, shows: str = ""
    ) -> None:
        """A real `git commit`: the installed hook runs (never --no-verify)."""
        flags = ["-a"] if all_tracked else []
        self.run(["git", "commit", "-q", *flags, "-m", message], expect=expect, shows=shows)

    def edit(self, path: str, old: str, new: str) -> None:
        """Replace `old` with `new` in a file of the repository, as a person would."""
        file = self.root / path
        text = file.read_text(encoding="utf-8")
        if old not in text:
            raise GateError(f"gate demo: {path} no longer contains {old!r}; the example changed")
        file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _as_typed(argv: Sequence[str]) -> list[str]:
    """The command as a person types it: `gate ...`, `pre-commit ...`."""
    if len(argv) >= 3 and argv[0] == sys.executable and argv[1] == "-m":
        return [argv[2].replace("_", "-"), *argv[3:]]
    return list(argv)


def _shown(word: str) -> str:
    """One word of a printed command, quoted for a POSIX shell (a message with an
    apostrophe in double quotes, as a person would type it)."""
    if "'" in word and not any(c in word for c in '"$`\\!'):
        return f'"{word}"'
    return shlex.quote(word)


def names(people: Sequence[str]) -> str:
    """`Scav`, `Scav and Mattie`, `Scav, Mattie and ScavieFae`."""
    return " and ".join([", ".join(people[:-1]), people[-1]]) if len(people) > 1 else people[0]


class Edit(NamedTuple):
    path: str
    old: str
    new: str
    said: str  # what the person did, in words


class Plot(NamedTuple):
    example: str  # the workspace under gate.examples
    held_back: tuple[str, ...]  # left out of the first commit: the story adds them
    removed: tuple[str, ...]  # deleted from the copy first: the story writes them
    reviewers: tuple[str, ...]  # required, in signing order; the author forges the last
    branch: str
    config: str  # the gated config the card covers
    card: str
    generate: tuple[str, ...]  # `gate generate`'s arguments
    generate_says: tuple[str, ...]
    stand_in: str  # the program the card's launch commands start with
    commands: int  # how many launch commands the card has
    late_edit: Edit  # made after launch and left uncommitted: `gate verify` refuses
    verify: str  # the path `gate verify` is asked about
    regenerate: str  # how the author writes the card again after an edit
    prologue: Callable[[Demo, Plot], None] | None = None


def tell(demo: Demo, plot: Plot) -> None:
    """Steps 2 and on: the change on a feature branch, review, merge, launch."""
    if plot.prologue is not None:
        plot.prologue(demo, plot)
    _blocked_without_card(demo, plot)
    _generated(demo, plot)
    _launch_refused(demo, plot)
    _first_reviewers(demo, plot)
    _forgery(demo, plot)
    _last_reviewer(demo, plot)
    _pull_request(demo, plot)
    _merge(demo, plot)
    _launch(demo, plot)
    _late_edit(demo, plot)


def _feature_branch(demo: Demo, plot: Plot) -> None:
    if demo.branch != plot.branch:
        demo.git("switch", "-q", "-c", plot.branch)
        demo.branch = plot.branch


def _blocked_without_card(demo: Demo, plot: Plot) -> None:
    demo.heading("on a feature branch, a config committed without a run card is blocked")
    demo.say(f"Ada starts branch {plot.branch!r} and commits {plot.config}")
    demo.say("alone; the hook runs `gate check` on what the commit would hold.")
    _feature_branch(demo, plot)
    demo.git("add", plot.config)
    demo.commit(f"{plot.branch}: the config", expect=1)


def _generated(demo: Demo, plot: Plot) -> None:
    demo.heading("`gate generate` writes the card; the commit passes, awaiting sign-off")
    for line in plot.generate_says:
        demo.say(line)
    demo.gate("generate", *plot.generate)
    demo.say("On a feature branch a missing approval is a warning: the commit goes in, and")
    demo.say("the hook says the branch cannot merge or launch until every reviewer approves.")
    demo.git("add", plot.config, plot.card)
    demo.commit(f"{plot.branch}: the config and its run card")


def _launch_args(plot: Plot) -> list[str]:
    return ["launch", plot.card, *(["--index", "0"] if plot.commands > 1 else [])]


def _launch_refused(demo: Demo, plot: Plot) -> None:
    demo.heading("nobody has signed yet: `gate launch` refuses and runs nothing")
    demo.gate(*_launch_args(plot), expect=1, hides=STAND_IN_RAN)


def _sign(demo: Demo, plot: Plot, reviewer: str) -> None:
    demo.gate("sign", plot.card, "--reviewer", reviewer, "--key", key_of(reviewer))
    demo.commit(f"{reviewer} approves {plot.branch}", all_tracked=True)


def _first_reviewers(demo: Demo, plot: Plot) -> None:
    first = plot.reviewers[:-1]
    if len(first) == 1:
        demo.heading(f"{first[0]} signs with their own key; the commit passes")
    else:
        demo.heading(f"{names(first)} sign, each with their own key; each commit passes")
    demo.say("`gate sign` signs the approval (reviewer, verdict and the digest of the card's")
    demo.say("data and covered files) with `ssh-keygen -Y sign`, and checks it against the")
    demo.say("reviewer's key in pyproject.toml before writing anything.")
    for reviewer in first:
        _sign(demo, plot, reviewer)


def _approval_entry(reviewer: str, date: str, digest: str, signature: str) -> list[str]:
    lines = [
        f'  - reviewer: "{reviewer}"',
        '    verdict: "approved"',
        f'    date: "{date}"',
        f'    digest: "{digest}"',
        "    signature: |",
    ]
    return lines + [f"      {line}" for line in signature.strip().splitlines()]


def _forge(demo: Demo, plot: Plot, victim: str) -> None:
    """Sign `victim`'s approval with the author's key and write it into the card's
    front matter by hand, as an attacker would; then `gate render` the card."""
    path = demo.root / plot.card
    lines = path.read_text(encoding="utf-8").split("\n")
    ends = [i for i, line in enumerate(lines) if line == "---"][:2]
    front = lines[: ends[-1]] if len(ends) == 2 else []
    found = [line.split('"')[1] for line in front if line.startswith('    digest: "sha256:')]
    dates = [line.split('"')[1] for line in front if line.startswith('    date: "')]
    if not found or not dates:
        raise GateError(f"gate demo: {plot.card} has no approval to copy the digest from")
    text = f"gate-approval-v1\nreviewer: {victim}\nverdict: approved\ndigest: {found[0]}\n"
    (demo.root / FORGED).write_text(text, encoding="utf-8")
    demo.say(f"She writes the text an approval signs into {FORGED} (digest from")
    demo.say(f"{plot.reviewers[0]}'s approval, which is current) and signs it with her own key:")
    demo.run(["ssh-keygen", "-Y", "sign", "-n", "gate-run-card", "-f", key_of(AUTHOR), FORGED])
    signature = (demo.root / f"{FORGED}.sig").read_text(encoding="utf-8")
    lines[ends[1] : ends[1]] = _approval_entry(victim, dates[0], found[0], signature)
    path.write_text("\n".join(lines), encoding="utf-8")
    demo.say(f"She adds an approval by {victim} carrying that signature to the card's signoff")
    demo.say("list, and lets gate render the card (its status becomes APPROVED):")
    demo.gate("render", plot.card)


def _forgery(demo: Demo, plot: Plot) -> None:
    victim = plot.reviewers[-1]
    demo.heading(f"Ada forges {victim}'s approval: `gate sign` refuses, the hook blocks it")
    demo.say(f"{victim} has not reviewed yet. Ada tries to sign for {victim} with her key:")
    demo.gate("sign", plot.card, "--reviewer", victim, "--key", key_of(AUTHOR), expect=2)
    demo.say("So she makes the approval by hand.")
    _forge(demo, plot, victim)
    demo.git("add", plot.card)
    demo.commit(f"{victim} approves {plot.branch}", expect=1, shows="was made with another key")
    demo.say("The signature verifies only against Ada's key, not one of the keys the team")
    demo.say(f"configured for {victim}. Ada restores the honest card:")
    demo.git("restore", "--staged", "--worktree", plot.card, show=True)


def _last_reviewer(demo: Demo, plot: Plot) -> None:
    last = plot.reviewers[-1]
    demo.heading(f"{last} signs; Ada commits the approval as the same git identity: it passes")
    demo.say("Anyone may commit an approval: the signature, not the commit, says who approved.")
    demo.gate("sign", plot.card, "--reviewer", last, "--key", key_of(last))
    demo.commit(f"{last} approves {plot.branch}", all_tracked=True)


def _pull_request(demo: Demo, plot: Plot) -> None:
    demo.heading("the pull-request check passes")
    demo.say("CI runs this on merge-base(main, HEAD)..HEAD, with the merge-base's pyproject.toml,")
    demo.say("so a pull request cannot add the key it signs with.")
    demo.gate("check", "--base", "main")


def _merge(demo: Demo, plot: Plot) -> None:
    demo.heading("squash-merged into main: the commit on main passes the hook")
    demo.say("On main (a protected branch) a missing approval would block; every one is here.")
    demo.git("switch", "-q", "main")
    demo.branch = "main"
    demo.git("merge", "-q", "--squash", plot.branch)
    demo.commit(f"{plot.branch} (#1)")
    demo.gate("check", "--all")
    demo.gate("status")


def _launch(demo: Demo, plot: Plot) -> None:
    demo.heading("`gate launch` runs the card's own approved command")
    what = "commands start" if plot.commands > 1 else "command starts"
    demo.say(f"The card's launch {what} with {plot.stand_in}, the team's environment,")
    demo.say("which this demo does not have; an untracked stand-in there prints what it was")
    demo.say("given and the GATE_* variables gate set, so you see exactly what gate ran.")
    if plot.commands > 1:
        demo.say("The card has one command per player: without --index gate lists them.")
        demo.gate("launch", plot.card, expect=2, hides=STAND_IN_RAN)
    demo.gate(*_launch_args(plot), shows=f"GATE_CARD={plot.card}")
    demo.say("gate recorded the launch in the card's `launches`, outside the digest: committing")
    demo.say("the record keeps every approval fresh.")
    demo.commit(f"{plot.branch}: launched", all_tracked=True)


def _late_edit(demo: Demo, plot: Plot) -> None:
    edit = plot.late_edit
    demo.heading(f"{edit.said}, uncommitted: `gate verify` refuses")
    demo.edit(edit.path, edit.old, edit.new)
    demo.say(f"{edit.old} -> {edit.new} in {edit.path},")
    demo.say("in the working tree only.")
    demo.say("`gate verify` judges the files as they are now, as a training script would run")
    demo.say("them: the approvals are stale.")
    demo.gate("verify", plot.verify, expect=1, shows=f"{plot.verify}: NOT APPROVED")
    demo.say(f"Next: Ada re-runs `{plot.regenerate}`,")
    demo.say("commits, and asks the reviewers again.")


def _smoke_prologue(demo: Demo, plot: Plot) -> None:
    demo.heading("on a feature branch, a cheap run needs no card: the commit passes")
    demo.say("gate estimates the 2K-game smoke test from its config and the launch script's")
    demo.say("GPU; under both thresholds ([tool.gate] run_card_cost_usd = 5, run_card_hours = 2)")
    demo.say("it needs no card.")
    _feature_branch(demo, plot)
    demo.git("add", SMOKE_CONFIG)
    demo.commit("mamba2-2k-smoke: a smoke test config")


POLICY = Plot(
    example="melee",
    held_back=(CONFIG,),
    removed=(),
    reviewers=("Scav", "Mattie"),
    branch="policy-match",
    config=CONFIG,
    card=CARD,
    generate=tuple(
        shlex.split(
            f"{CONFIG} --games match --player both "
            "--world-model worldmodel/checkpoints/wm-mamba2-2k --dataset data/parsed-v2 "
            "--no-wandb"
        )
    ),
    generate_says=(
        "It reads the config, the world-model manifest, the dataset's meta.json and the",
        "prior policy checkpoints, and does the seed's arithmetic. It never trains.",
    ),
    stand_in=".venv/bin/python",
    commands=2,
    late_edit=Edit(CONFIG, "batch_size: 512", "batch_size: 4096", "Ada edits the config"),
    verify=CONFIG,
    regenerate=f"gate generate {CONFIG} ... --force",
)

RUN = Plot(
    example="worldmodel",
    held_back=(SMOKE_CONFIG, RUN_CONFIG),
    removed=(RUN_CARD,),
    reviewers=("Scav", "Mattie", "ScavieFae"),
    branch="mamba2-22k-ss",
    config=RUN_CONFIG,
    card=RUN_CARD,
    generate=tuple(
        shlex.split(
            f"--kind run {RUN_CONFIG} --launch-script {LAUNCH} "
            "--gpu A100 --encoded-file /encoded-22k.pt --encoded-games 22000 "
            "--encoded-frames 206754081 --encoded-gb 74.4 --epochs 3 --goal 'Validate Mamba-2 "
            "scaling on 11x more data (22K vs 2K games) with scheduled sampling on.'"
        )
    ),
    generate_says=(
        "It reads the config, the launch script's @app.function(gpu=..., timeout=...)",
        "(parsed, never run), the GPU table and the prior runs' manifests. It never trains.",
        "GPU runs need all three reviewers ([tool.gate.kinds.run] reviewers); an approval's",
        "digest covers the card's data, the config and the launch script.",
    ),
    stand_in=".venv/bin/modal",
    commands=1,
    late_edit=Edit(LAUNCH, 'gpu="A100"', 'gpu="H100"', "Ada moves the run to an H100"),
    verify=LAUNCH,
    regenerate=f"gate generate --kind run {RUN_CONFIG} ... --force",
    prologue=_smoke_prologue,
)

PLOTS = {"policy": POLICY, "run": RUN}
