"""The hook stays light: heavy libraries load only when a check needs them, wandb never."""

from __future__ import annotations

import subprocess
import sys

from conftest import card_data


def _imported(*args: str, cwd=None) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return modules


HEAVY = ("jsonschema", "git", "wandb", "yaml")


def test_importing_the_cli_loads_no_heavy_library():
    modules = _imported("-c", "import gate.cli")
    assert "gate.cli" in modules
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_check_with_nothing_gated_loads_no_heavy_library(repo):
    repo.write("notes.txt", "hello\n")
    repo.add("notes.txt")
    modules = _imported("-m", "gate", "check", cwd=repo.root)
    assert "gate.scope" in modules  # the check ran
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_a_full_check_never_imports_wandb(repo):
    repo.experiment()
    repo.card(card_data())
    repo.commit("card")
    modules = _imported("-m", "gate", "check", "--all", cwd=repo.root)
    assert "jsonschema" in modules and "git" in modules  # it really checked
    assert not [m for m in modules if m.split(".")[0] == "wandb"]
