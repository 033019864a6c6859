"""`gate demo` tells the newcomer's story, from the source tree and from a built wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STEPS = [
    "== Step 1: a training config staged without a run card is blocked",
    "== Step 2: `gate generate` writes the card from facts",
    "== Step 3: the card is valid, but the gate waits for every reviewer",
    "== Step 4: each reviewer signs, in a commit of their own",
    "== Step 5: the pull-request check passes",
    "== Step 6: someone edits the config after approval: the approvals go stale",
]


def _assert_story(out: str) -> None:
    positions = [out.index(step) for step in STEPS]
    assert positions == sorted(positions)
    assert "no run card covers this gated file" in out
    assert "Card written to: worldmodel/docs/run-cards/policy-match.md" in out
    assert "awaiting sign-off from Mattie" in out
    assert "gate: passed (base)" in out
    assert "approval by Scav is stale" in out
    assert out.count("-> exit 1 (as expected)") == 3
    assert "EXPECTED" not in out
    assert "gate demo: done." in out


def test_demo_runs_the_story(gate, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    result = gate("demo")
    assert result.code == 0, result
    _assert_story(result.out)


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
    (wheel,) = wheels.glob("gate-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gate/schemas/policy.schema.json" in names
    assert "gate/examples/melee/worldmodel/experiments/policy-match.yaml" in names
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
