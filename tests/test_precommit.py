"""The real pre-commit framework runs the hook: `try-repo` against this repository, and
the installed hook fired by a real `git commit`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AUTHOR, MATTIE, SCAV, Repo, card_data, melee_repo, prepared

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

LOCAL_CONFIG = f"""\
repos:
  - repo: local
    hooks:
      - id: gate-check
        name: gate check
        entry: {sys.executable} -m gate check
        language: system
        pass_filenames: false
        always_run: true
        require_serial: true
        verbose: true
        stages: [pre-commit, pre-push]
"""


def _env(who: tuple[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
    }


class Commit:
    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        self.returncode = result.returncode
        self.stdout = result.stdout + result.stderr  # git shows hook output on stderr


def commit(repo, message: str, who=AUTHOR, *extra: str) -> Commit:
    """A real `git commit`: the installed hook runs unless --no-verify is given."""
    return Commit(
        subprocess.run(
            ["git", "commit", "-m", message, *extra],
            cwd=repo.root,
            env=_env(who),
            capture_output=True,
            text=True,
            check=False,
        )
    )


@pytest.fixture
def hooked(tmp_path, monkeypatch):
    def steps(repo: Repo) -> None:
        repo.write(".pre-commit-config.yaml", LOCAL_CONFIG)
        repo.commit("pre-commit config")
        subprocess.run([*PRE_COMMIT, "install"], cwd=repo.root, check=True, capture_output=True)

    def start(folder: Path) -> Repo:
        return melee_repo(tmp_path, into=folder)

    return prepared(tmp_path, monkeypatch, "hooked", start, steps, name="repo")


@pytest.mark.long
def test_installed_hook_blocks_then_passes_a_signed_card(hooked, gate):
    repo = hooked
    config = repo.experiment()
    repo.add(config)
    blocked = commit(repo, "config, no card")
    assert blocked.returncode == 1
    assert "gate check" in blocked.stdout and "Failed" in blocked.stdout
    assert f"{config}: coverage: no run card covers this gated file" in blocked.stdout
    assert repo.git("log", "-1", "--format=%s").strip() == "pre-commit config"

    # On a feature branch the hook lets the proposal and each approval through, saying
    # what is still awaited; nothing needs --no-verify.
    repo.git("switch", "-q", "-c", "policy-a")
    card = repo.card(card_data())
    repo.add(card)
    proposal = commit(repo, "proposal", AUTHOR)
    assert proposal.returncode == 0, proposal.stdout
    assert "awaiting sign-off from Scav: branch 'policy-a' cannot merge or launch" in (
        proposal.stdout
    )
    assert gate("sign", card, "--reviewer", "Scav", as_=SCAV).code == 0
    repo.add(card)
    half = commit(repo, "Scav approves", SCAV)
    assert half.returncode == 0, half.stdout
    assert "awaiting sign-off from Mattie" in half.stdout
    assert gate("sign", card, "--reviewer", "Mattie", as_=MATTIE).code == 0
    repo.add(card)
    done = commit(repo, "Mattie approves", MATTIE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gate check" in done.stdout and "Passed" in done.stdout
    assert "awaiting" not in done.stdout


def test_a_commit_that_only_deletes_still_runs_the_hook(hooked, gate):
    repo = hooked
    repo.experiment()
    card = repo.card(card_data())
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    assert commit(repo, "proposal", AUTHOR, "--no-verify").returncode == 0
    repo.git("rm", "-q", card)
    result = commit(repo, "drop the card")
    assert result.returncode == 1
    assert "gate check" in result.stdout
    assert (
        "its card worldmodel/docs/run-cards/policy-a.md is deleted in this change" in result.stdout
    )


def test_commit_of_named_paths_checks_what_git_commits(hooked):
    """`git commit PATH` commits from a temporary index (GIT_INDEX_FILE)."""
    repo = hooked
    config = repo.experiment()
    repo.write("notes.txt", "notes\n")
    repo.add("notes.txt")
    repo.git("add", "-N", config)  # intent to add, so `git commit PATH` may name it
    result = commit(repo, "just the config", AUTHOR, "--", config)
    assert result.returncode == 1
    assert f"{config}: coverage" in result.stdout


def test_manifest_is_valid_for_the_framework():
    result = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
