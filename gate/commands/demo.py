"""`gate demo`: the true flow, run for real in a temporary git repository.

The team's repository is a copy of a bundled example: each reviewer's SSH key is made
with ssh-keygen and written into pyproject.toml, everyone commits as one git identity,
and the real `gate check` hook is installed (through the pre-commit framework when it
is installed, else as a plain git hook), so every commit of the story goes through it.
Then `gate.commands.demo_story` tells the story. Every step prints its command, output
and exit code; one that does not go as the story says makes the demo exit 2.
One story per card kind: `policy` (examples/melee) and `run` (examples/worldmodel).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import stat
import sys
import tempfile
from importlib import resources
from pathlib import Path

from gate.commands.demo_story import (
    AUTHOR,
    PLOTS,
    STAND_IN_RAN,
    TEAM,
    Demo,
    Plot,
    key_of,
    names,
    tell,
)
from gate.errors import EXIT_ERROR, EXIT_PASS, GateError

HOOK_ID = "gate-check"
FIRST_COMMIT = "the team's repository; the team adds its reviewers' keys"


def stand_in_script(program: str) -> str:
    """An untracked stand-in for the team's `.venv/bin/<program>`: prints what it got."""
    return (
        "#!/bin/sh\n"
        f"# gate demo: a stand-in for the team's {program} (no GPU, torch or Modal here).\n"
        f'echo "{STAND_IN_RAN} {program} $*"\n'
        'echo "  GATE_CARD=$GATE_CARD"\n'
        'echo "  GATE_RUN_NAME=$GATE_RUN_NAME"\n'
        'echo "  GATE_CARD_DIGEST=$GATE_CARD_DIGEST"\n'
    )


def hermetic_env(home: Path) -> dict[str, str]:
    """The environment of every command the demo runs: the caller's, minus whatever
    would make git, pre-commit or gate behave otherwise (git configuration, a named
    index, SKIP), with the team's identity."""
    dropped = ("GIT_CONFIG", "GIT_AUTHOR_", "GIT_COMMITTER_", "PRE_COMMIT", "GATE_")
    plumbing = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "SKIP"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped) and k not in plumbing}
    env.update(
        GIT_CONFIG_GLOBAL=os.fspath(home / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME=TEAM[0],
        GIT_AUTHOR_EMAIL=TEAM[1],
        GIT_COMMITTER_NAME=TEAM[0],
        GIT_COMMITTER_EMAIL=TEAM[1],
        PRE_COMMIT_HOME=os.fspath(home / "pre-commit"),
        NO_COLOR="1",
    )
    return env


def _copy_example(name: str, target: Path) -> None:
    source = resources.files("gate.examples").joinpath(name)
    with resources.as_file(source) as folder:
        if not Path(folder).is_dir():
            raise GateError("the bundled example is missing from this installation")
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__"))


def _pre_commit_available() -> bool:
    """The pre-commit framework is importable by the interpreter running gate."""
    return importlib.util.find_spec("pre_commit") is not None


def _hook_config() -> str:
    """.pre-commit-config.yaml: the gate-check hook, run by the gate installed here."""
    entry = json.dumps(f"{shlex.quote(sys.executable)} -m gate check")
    return (
        "# The gate-check hook, run by the gate installed where `gate demo` ran. A team\n"
        "# pins gate's own hook instead: repo: https://github.com/OWNER/gate, id: gate-check.\n"
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        f"      - id: {HOOK_ID}\n"
        "        name: gate check (run cards)\n"
        f"        entry: {entry}\n"
        "        language: system\n"
        "        pass_filenames: false\n"
        "        always_run: true\n"
        "        require_serial: true\n"
        "        verbose: true\n"
    )


def _git_hook() -> str:
    return (
        "#!/bin/sh\n"
        "# gate demo: the pre-commit framework is not installed, so this plain git hook\n"
        "# runs the same check the gate-check hook runs.\n"
        f"exec {shlex.quote(sys.executable)} -m gate check\n"
    )


def _write_keys(demo: Demo, plot: Plot) -> None:
    """Each reviewer's public key line in place of the example's `keys = []`."""
    path = demo.root / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    for name in plot.reviewers:
        empty = f"{name} = {{ keys = [],"
        if empty not in text:
            raise GateError(f"gate demo: the example's pyproject.toml has no `{empty} ...` line")
        public = (demo.root / f"{key_of(name)}.pub").read_text(encoding="utf-8").strip()
        text = text.replace(empty, f"{name} = {{ keys = [{json.dumps(public)}],", 1)
    path.write_text(text, encoding="utf-8")


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def team_repository(demo: Demo, plot: Plot) -> None:
    """Step 1: keys, the team's first commit on main, the hook, the launch stand-in."""
    demo.heading("the team's repository: reviewers' keys, one shared git identity, the hook")
    demo.say(f"Each reviewer (and {AUTHOR}, the author) makes an SSH key; they stay outside the")
    demo.say("repository, in ../keys/.")
    (demo.root.parent / "keys").mkdir()
    for name in (*plot.reviewers, AUTHOR):
        demo.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key_of(name)])
    _write_keys(demo, plot)
    demo.say(f"The team writes the public key lines of {names(plot.reviewers)} into")
    demo.say("[tool.gate.reviewers] in pyproject.toml. Everyone commits as one git identity,")
    demo.say(f"{TEAM[0]} <{TEAM[1]}>: gate never trusts a commit's author; a reviewer's key")
    demo.say("is what proves an approval.")
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.name", TEAM[0]),
        ("config", "user.email", TEAM[1]),
        ("config", "commit.gpgsign", "false"),
    ):
        demo.run(["git", *args], quiet=True)
    framework = _pre_commit_available()
    if framework:
        (demo.root / ".pre-commit-config.yaml").write_text(_hook_config(), encoding="utf-8")
    held = [f":!{path}" for path in plot.held_back]
    demo.run(["git", "add", "-A", "--", ".", *held], quiet=True)
    demo.commit(FIRST_COMMIT)
    if framework:
        demo.say("The hook, through the pre-commit framework: .pre-commit-config.yaml (committed")
        demo.say(f"above) has a `repo: local` hook, id {HOOK_ID}, whose entry runs")
        demo.say("`python -m gate check` with the Python running this demo.")
        demo.run([sys.executable, "-m", "pre_commit", "install"])
    else:
        demo.say("The pre-commit framework is not installed here (pip install pre-commit), so")
        demo.say("the demo installs the hook as a plain git hook, .git/hooks/pre-commit, that")
        demo.say("runs `python -m gate check` with the Python running this demo.")
        _executable(demo.root / ".git" / "hooks" / "pre-commit", _git_hook())
    demo.say("From here on every commit goes through the hook; no step uses --no-verify.")
    program = plot.stand_in
    _executable(demo.root / program, stand_in_script(program))
    exclude = demo.root / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a", encoding="utf-8") as out:
        out.write(f"/{program.split('/')[0]}/\n")


def run(args: argparse.Namespace) -> int:
    plot = PLOTS.get(args.kind)
    if plot is None:
        raise GateError(f"--kind {args.kind}: the demo tells {', '.join(sorted(PLOTS))}")
    for tool, package in (("git", "git"), ("ssh-keygen", "openssh-client")):
        if shutil.which(tool) is None:
            raise GateError(f"gate demo needs {tool} on PATH (install {package})")
    top = Path(tempfile.mkdtemp(prefix="gate-demo-"))
    root = top / plot.example
    _copy_example(plot.example, root)
    for path in plot.removed:
        (root / path).unlink(missing_ok=True)
    # The demo's own global git configuration (the caller's is not read): a throwaway
    # repository needs no `git maintenance run --auto` after each commit.
    (top / "gitconfig").write_text("[maintenance]\n\tauto = false\n", encoding="utf-8")
    print(f"gate demo: a copy of the example workspace in {root}")
    demo = Demo(root, hermetic_env(top))
    team_repository(demo, plot)
    tell(demo, plot)
    print()
    if demo.failures:
        print("gate demo: something did not go as the story says:", *demo.failures, sep="\n  ")
        return EXIT_ERROR
    print(f"gate demo: done. Explore the repository: cd {root}")
    return EXIT_PASS
