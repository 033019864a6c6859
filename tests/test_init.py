"""`gate init` in a team's repository: a starting [tool.gate] guessed from what is
there, no reviewer invented, and the printed hook snippet giving a working hook."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest
from cards import MATTIE, SCAV, reviewer_entry
from conftest import Repo
from test_precommit import PRE_COMMIT, ROOT, commit

LAUNCH = """\
import modal

app = modal.App("worldmodel")


@app.function(gpu="A100", timeout=86400)
def train(config: str) -> None:
    print(config)
"""


@pytest.fixture
def team(tmp_path, monkeypatch) -> Repo:
    """A repository as a team has it before gate: configs, a launch script, a card."""
    r = Repo(tmp_path / "team")
    r.root.mkdir()
    r.git("init", "-q", "-b", "main")
    r.write("pyproject.toml", '[project]\nname = "team"\n')
    r.write("worldmodel/experiments/mamba2-2k.yaml", "model:\n  arch: mamba2\n")
    r.write("worldmodel/experiments/mlp-22k.yml", "model:\n  hidden_dim: 512\n")
    r.write("worldmodel/scripts/modal_train.py", LAUNCH)
    r.write("worldmodel/scripts/plot_losses.py", "print('a plot')\n")
    r.write("worldmodel/docs/run-cards/ssm-8k.md", "# Run Card: ssm-8k\n\n**Status**: APPROVED\n")
    r.write("README.md", "# team\n")
    r.commit("the team's repository")
    monkeypatch.chdir(r.root)
    return r


def test_init_guesses_the_layout_and_names_no_reviewer(team, gate):
    result = gate("init")
    assert result.code == 0, result
    table = tomllib.loads(team.read("pyproject.toml"))["tool"]["gate"]
    assert table["gated"] == [
        "worldmodel/experiments/*.yaml",
        "worldmodel/experiments/*.yml",
        "worldmodel/scripts/modal_train.py",  # the launch script, not the plotting one
    ]
    assert table["cards_dir"] == "worldmodel/docs/run-cards"
    assert table["protected"] == ["main", "master"]
    assert "reviewers" not in table  # a commented template only
    assert '# Alice = { keys = ["ssh-ed25519' in team.read("pyproject.toml")
    assert team.read("pyproject.toml").startswith('[project]\nname = "team"\n')
    assert "gate adopt worldmodel/docs/run-cards/ssm-8k.md" in result.err
    assert "- id: gate-check" in result.err
    again = gate("init")
    assert again.code == 2 and "already has [tool.gate]" in again.err


def test_init_dry_run_writes_nothing(team, gate):
    before = team.read("pyproject.toml")
    result = gate("init", "--dry-run")
    assert result.code == 0
    assert "[tool.gate]" in result.out
    assert team.read("pyproject.toml") == before


def test_check_without_reviewers_exits_2_naming_the_table(team, gate):
    assert gate("init").code == 0
    team.write("worldmodel/experiments/mamba2-2k.yaml", "model:\n  arch: mamba2\n  d_model: 8\n")
    team.add("pyproject.toml", "worldmodel/experiments/mamba2-2k.yaml")
    result = gate("check")
    assert result.code == 2
    assert "no reviewers are configured: add [tool.gate.reviewers]" in result.err
    assert "gate init" in result.err


@pytest.mark.long
@pytest.mark.slow
def test_the_printed_hook_snippet_gives_a_working_hook(team, gate):
    """The snippet `gate init` prints, pointed at this checkout: pre-commit installs gate
    from this repository as a team gets it (.pre-commit-hooks.yaml, the package and its
    dependencies in an environment of its own), and the hook blocks, then passes."""
    result = gate("init")
    snippet = result.err[result.err.index("repos:") : result.err.index("# then:")]
    # The snippet, pointed at this checkout instead of the published repository.
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    snippet = re.sub(r"repo: \S+", f"repo: {ROOT}", snippet)
    snippet = re.sub(r"rev: \S+", f"rev: {head}", snippet)
    team.write(".pre-commit-config.yaml", snippet)
    team.commit("gate init")
    subprocess.run([*PRE_COMMIT, "install"], cwd=team.root, check=True, capture_output=True)
    team.write("worldmodel/experiments/mamba2-2k.yaml", "model:\n  arch: mamba2\n  d_model: 8\n")
    team.add("worldmodel/experiments/mamba2-2k.yaml")
    no_reviewers = commit(team, "a bigger model")
    assert no_reviewers.returncode == 1, no_reviewers.stdout
    assert "[tool.gate.reviewers]" in no_reviewers.stdout
    text = team.read("pyproject.toml")
    team.write(
        "pyproject.toml",
        text + "\n[tool.gate.reviewers]\n" + reviewer_entry(SCAV) + reviewer_entry(MATTIE),
    )
    team.add("pyproject.toml")
    blocked = commit(team, "reviewers, and a bigger model")
    assert blocked.returncode == 1
    assert "worldmodel/experiments/mamba2-2k.yaml: coverage: no run card covers" in (blocked.stdout)
