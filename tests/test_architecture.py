"""The layout is the architecture: import-linter's contracts in pyproject.toml hold
(arrows point down; the core never imports a particular kind; kinds are independent),
and they do fail when a core module reaches into a kind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def copy_of_gate(tmp_path: Path) -> Path:
    """gate/ and its pyproject.toml in a folder of their own, to break on purpose."""
    shutil.copytree(ROOT / "gate", tmp_path / "gate", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_this_tree() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_core_module_importing_a_kind_breaks_the_contract(copy_of_gate: Path) -> None:
    engine = copy_of_gate / "gate" / "check" / "engine.py"
    engine.write_text(engine.read_text() + "\nimport gate.kinds.policy.rules  # noqa\n")
    result = lint_imports(copy_of_gate)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The core never imports a particular kind BROKEN" in result.stdout
    assert "gate.check.engine -> gate.kinds.policy.rules" in result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_layers(copy_of_gate: Path) -> None:
    signoff = copy_of_gate / "gate" / "review" / "signoff.py"
    signoff.write_text(signoff.read_text() + "\nfrom gate.check import engine  # noqa\n")
    result = lint_imports(copy_of_gate)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Layers: commands -> check -> kinds -> review -> card -> sources -> git BROKEN" in (
        result.stdout
    )
    assert "gate.review.signoff -> gate.check.engine" in result.stdout
