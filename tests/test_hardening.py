"""Tricks an author in a hurry might try, and ordinary misuse: each class is blocked or
handled, with at least two different attacks each. (Paths, YAML and launch-script
classes grow here as the hardening work lands.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import card_data

from gate.card.findings import Finding
from gate.check.outcome import Outcome
from gate.report import github

ROOT = Path(__file__).resolve().parent.parent
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


# -- output: nothing a file name holds becomes a workflow command -------------------------


@pytest.mark.parametrize(
    "path",
    [
        "worldmodel/x.yaml\n::stop-commands::pwned",  # a line break inside a name
        "::add-mask::worldmodel",  # a name that is itself a command
        "a\r::error::forged",  # a carriage return
    ],
)
def test_github_output_past_the_annotation_limit_stays_inert(path):
    findings = tuple(Finding(f"{path}{i}", 1, "coverage", f"m{i}\n::warning::x") for i in range(15))
    outcome = Outcome("base", findings)
    for line in github.lines(outcome, summary=False):
        assert "\n" not in line and "\r" not in line
        assert not line.lstrip().startswith("::") or line.startswith(("::error ", "::warning "))


# -- ordinary misuse ----------------------------------------------------------------------


def _gate(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


@pytest.mark.parametrize("args", [("check",), ("check", "--all"), ("status",)])
def test_outside_a_repository_is_one_line(tmp_path, args):
    result = _gate(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "not inside a git repository" in result.stderr


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda repo: None, "not inside a git repository"),
        (
            lambda repo: (repo.write("pyproject.toml", "[tool.gate\n"), repo.commit("broken")),
            "not valid TOML",
        ),
    ],
)
def test_json_format_prints_an_error_document_on_exit_2(repo, tmp_path, setup, fragment):
    setup(repo)
    where = tmp_path if "repository" in fragment else repo.root
    result = _gate("check", "--all", "--format", "json", cwd=where)
    assert result.returncode == 2
    document = json.loads(result.stdout)
    jsonschema.validate(document, REPORT_SCHEMA)
    assert document["status"] == "error" and fragment in document["error"]


def test_a_closed_pipe_keeps_the_verdicts_exit_code(repo):
    for i in range(30):
        repo.experiment(f"uncovered-{i}")
    repo.commit("thirty uncovered configs")
    for args in (("check", "--all"), ("status",)):
        shell = f"{sys.executable} -m gate {' '.join(args)} | head -1; echo ${{PIPESTATUS[0]}}"
        result = subprocess.run(
            ["bash", "-c", shell], cwd=repo.root, capture_output=True, text=True, check=False
        )
        code = result.stdout.strip().splitlines()[-1]
        assert code == ("1" if args[0] == "check" else "0"), result
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


# -- code loading: nothing of the repository's is imported --------------------------------


@pytest.mark.parametrize("module", ["yaml.py", "jsonschema.py", "sshsig/__init__.py"])
def test_python_m_gate_never_imports_the_repositorys_modules(repo, gate, module):
    repo.experiment()
    repo.card(card_data())
    repo.write(module, 'raise SystemExit("the repository\'s module was imported")\n')
    repo.commit("a module that shadows a dependency")
    result = _gate("check", "--all", cwd=repo.root)
    assert "the repository's module was imported" not in result.stdout + result.stderr
    assert result.returncode == 1  # checked for real: the card awaits sign-off
    assert "awaiting sign-off from Scav" in result.stdout


# -- writes: only inside the repository, only to the card path ----------------------------


@pytest.mark.parametrize("name", ["../../outside", "/tmp/x", "a/../../b", "..", "x\ny"])
def test_generate_refuses_a_run_name_that_leaves_the_cards_folder(repo, gate, tmp_path, name):
    before = sorted(p.name for p in tmp_path.iterdir())
    config = repo.experiment()
    result = gate(
        "generate",
        "--run-name",
        name,
        config,
        "--world-model",
        "worldmodel/checkpoints/wm-2k/manifest.json",
        "--dataset",
        "data/parsed-v2",
        "--no-wandb",
    )
    assert result.code == 2, result
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_generate_refuses_a_cards_folder_that_is_a_symlink_out(repo, gate, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / "worldmodel" / "docs").mkdir(parents=True)
    (repo.root / "worldmodel" / "docs" / "run-cards").symlink_to(outside)
    from gate.git import Repository
    from gate.kinds.write import inside

    with pytest.raises(Exception, match="resolves outside the repository"):
        inside(Repository(repo.root), "worldmodel/docs/run-cards/policy-a.md")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("folder", ["../cards", "docs/../../b", ".."])
def test_a_cards_dir_outside_the_repository_is_a_config_error(repo, gate, folder):
    repo.write("pyproject.toml", f'[tool.gate]\ncards_dir = "{folder}"\n')
    repo.experiment()
    repo.add("pyproject.toml", "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert result.code == 2
    assert "cards_dir: expected a folder inside the repository" in result.err


# -- parsing: duplicate keys are refused with both lines ----------------------------------


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("training:\n  batch_size: 512\n  batch_size: 4096\n", "duplicate key 'batch_size'"),
        ("kind: policy\nstatus: APPROVED\nstatus: PENDING REVIEW\n", "duplicate key 'status'"),
        ("world_model: {games: 2000, games: 20}\n", "duplicate key 'games'"),
    ],
)
def test_a_duplicate_key_in_front_matter_blocks_naming_both_lines(repo, gate, front, message):
    text = f"---\n{front}---\n\nbody\n"
    repo.write("worldmodel/docs/run-cards/dup.md", text)
    repo.add("worldmodel/docs/run-cards/dup.md")
    result = gate("check")
    assert result.code == 1
    assert message in result.out and "(also on line" in result.out
    assert "worldmodel/docs/run-cards/dup.md:" in result.out
