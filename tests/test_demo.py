"""`gate demo` tells the true flow, from the source tree and from a built wheel: real
SSH keys, one git identity for the team, the real hook on every commit, a forged
approval blocked, the pull-request check, a squash merge into main, `gate launch`
running the approved command (and nothing for an unsigned card), `gate verify` refusing
an uncommitted edit."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

import gate.commands.demo as demo_command
from gate.cli import main

ROOT = Path(__file__).resolve().parent.parent
CARD = "worldmodel/docs/run-cards/policy-match.md"
CONFIG = "worldmodel/experiments/policy-match.yaml"
STEPS = [
    "== Step 1: the team's repository: reviewers' keys, one shared git identity, the hook",
    "== Step 2: on a feature branch, a config committed without a run card is blocked",
    "== Step 3: `gate generate` writes the card; the commit passes, awaiting sign-off",
    "== Step 4: nobody has signed yet: `gate launch` refuses and runs nothing",
    "== Step 5: Scav signs with their own key; the commit passes",
    "== Step 6: Ada forges Mattie's approval: `gate sign` refuses, the hook blocks it",
    "== Step 7: Mattie signs; Ada commits the approval as the same git identity: it passes",
    "== Step 8: the pull-request check passes",
    "== Step 9: squash-merged into main: the commit on main passes the hook",
    "== Step 10: `gate launch` runs the card's own approved command",
    "== Step 11: Ada edits the config, uncommitted: `gate verify` refuses",
]


def _workspace(out: str) -> Path:
    """The repository the demo made, from its first line."""
    first = out.splitlines()[0]
    assert first.startswith("gate demo: a copy of the example workspace in "), first
    return Path(first.rsplit(" ", 1)[1])


def _section(out: str, step: int) -> str:
    """The printed lines of one step."""
    start = out.index(f"== Step {step}: ")
    end = out.find("\n== Step ", start + 1)
    return out[start : end if end != -1 else len(out)]


def _assert_story(out: str) -> None:
    positions = [out.index(step) for step in STEPS]
    assert positions == sorted(positions)
    assert "EXPECTED" not in out
    assert "no-verify" not in out.replace("no step uses --no-verify", "")
    setup = _section(out, 1)
    assert "$ ssh-keygen -q -t ed25519 -N '' -C Mattie -f ../keys/mattie" in setup
    assert "$ git commit -q -m \"the team's repository; the team adds its reviewers' keys\"" in (
        setup
    )
    assert "pre-commit installed at .git/hooks/pre-commit" in setup
    blocked = _section(out, 2)
    assert f"{CONFIG}: coverage: no run card covers this gated file" in blocked
    assert "-> exit 1 (as expected)" in blocked
    proposal = _section(out, 3)
    assert f"Card written to: {CARD}" in proposal
    assert (
        "sign-off (warning): awaiting sign-off from Mattie: branch 'policy-match' cannot "
        "merge or launch until Mattie approves" in proposal
    )
    assert "gate: passed (staged): 1 gated file(s), 1 card(s), 2 warning(s)" in proposal
    refused = _section(out, 4)
    assert "gate: NOT LAUNCHED" in refused and "nothing ran" in refused
    assert "stand-in ran:" not in refused
    first = _section(out, 5)
    assert "Scav approved at digest" in first
    assert "gate: passed (staged): 0 gated file(s), 1 card(s), 1 warning(s)" in first
    forged = _section(out, 6)
    assert "$ gate sign worldmodel/docs/run-cards/policy-match.md --reviewer Mattie --key " in (
        forged
    )
    assert "not one of Mattie's keys in [tool.gate.reviewers] (signed with --key ../keys/ada)" in (
        forged
    )
    assert "$ ssh-keygen -Y sign -n gate-run-card -f ../keys/ada ../forged-approval.txt" in forged
    assert "signature: the signature of Mattie's approval was made with another key" in forged
    assert "gate: BLOCKED (staged)" in forged
    assert f"$ git restore --staged --worktree {CARD}" in forged
    last = _section(out, 7)
    assert "Mattie approved at digest" in last
    assert "gate: passed (staged): 0 gated file(s), 1 card(s)\n" in last
    assert "gate: passed (base)" in _section(out, 8)
    merged = _section(out, 9)
    assert "$ git merge -q --squash policy-match" in merged
    assert "gate: passed (staged): 1 gated file(s), 1 card(s)\n" in merged
    assert "gate: passed (all)" in merged
    assert "APPROVED" in merged and "ok: Scav, Mattie" in merged
    launched = _section(out, 10)
    assert "the card has 2 launch commands; run one with --index N:" in launched
    assert f"gate: launching {CARD} [0] at digest" in launched
    assert "stand-in ran: .venv/bin/python -m worldmodel.scripts.train_policy" in launched
    assert f"GATE_CARD={CARD}" in launched
    assert "GATE_RUN_NAME=policy-match" in launched
    assert "GATE_CARD_DIGEST=sha256:" in launched
    assert "$ git commit -q -a -m 'policy-match: launched'" in launched
    assert launched.count("-> exit 0 (as expected)") == 2
    stale = _section(out, 11)
    assert "approval by Scav is stale" in stale
    assert f"{CONFIG}: NOT APPROVED to run" in stale
    assert out.count("-> exit 1 (as expected)") == 4  # blocked, not launched, forged, verify
    assert out.count("-> exit 2 (as expected)") == 2  # gate sign refuses; launch asks --index
    assert "gate demo: done." in out


@pytest.fixture(autouse=True)
def _temporary_folder(tmp_path, monkeypatch):
    """The demo's temporary repository under this test's folder (tempfile caches it)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.mark.long
def test_demo_runs_the_story_whatever_the_callers_git_configuration(capsys, tmp_path, monkeypatch):
    """The whole story, run by someone whose environment holds a hooks path, a signing
    key and SKIP for gate's hook: the demo's commands see none of them."""
    for key, value in (
        ("GIT_CONFIG_COUNT", "2"),
        ("GIT_CONFIG_KEY_0", "user.signingkey"),
        ("GIT_CONFIG_VALUE_0", str(tmp_path / "the-callers-key")),
        ("GIT_CONFIG_KEY_1", "core.hooksPath"),
        ("GIT_CONFIG_VALUE_1", str(tmp_path / "nowhere")),
        ("SKIP", "gate-check"),
    ):
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    code = main(["demo"])
    result = capsys.readouterr()
    assert code == 0, result
    _assert_story(result.out)
    repo = _workspace(result.out)
    top = repo.parent
    assert repo.name == "melee" and top.name.startswith("gate-demo-")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, check=True
        ).stdout

    team = "The Team <team@example.org>"
    authors = git("log", "--all", "--format=%an <%ae>|%cn <%ce>").splitlines()
    assert set(authors) == {f"{team}|{team}"}  # one git identity for everyone
    (root,) = git("rev-list", "--max-parents=0", "main").split()
    assert git("log", "-1", "--format=%s", root).strip() == (
        "the team's repository; the team adds its reviewers' keys"
    )
    first = git("show", f"{root}:pyproject.toml")
    public = (top / "keys" / "mattie.pub").read_text(encoding="utf-8").strip()
    assert f'Mattie = {{ keys = ["{public}"], emails = ["mattie@example.org"] }}' in first
    assert (repo / ".pre-commit-config.yaml").is_file()
    assert "pre_commit" in (repo / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")


def test_a_step_that_goes_otherwise_makes_the_demo_exit_2(gate, monkeypatch):
    def wrong_story(demo, plot):
        demo.heading("a story that expects the wrong thing")
        demo.gate("check", "--all", expect=1)
        demo.gate("status", shows="no such line")

    monkeypatch.setattr(demo_command, "tell", wrong_story)
    result = gate("demo")
    assert result.code == 2, result
    assert "-> exit 0 (EXPECTED 1: exited 0)" in result.out
    assert "(EXPECTED 0: did not print 'no such line')" in result.out
    assert "gate demo: something did not go as the story says:" in result.out
    assert "step 2: gate check --all exited 0" in result.out
    assert "gate demo: done." not in result.out


@pytest.mark.long
@pytest.mark.slow
def test_demo_from_a_built_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gate/schemas/policy.schema.json" in names
    assert "gate/examples/melee/worldmodel/experiments/policy-match.yaml" in names
    assert "gate/commands/demo_story.py" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "TMPDIR": str(tmp_path)}
    where = subprocess.run(
        [sys.executable, "-c", "import gate; print(gate.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))
    demo = subprocess.run(
        [sys.executable, "-m", "gate", "demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    _assert_story(demo.stdout)
    assert _workspace(demo.stdout).is_relative_to(tmp_path)
