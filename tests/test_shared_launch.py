"""A launch script shared by every run: a card covers `path::function`, so editing
another function leaves its approvals fresh, and editing the launched function, its
decorator or a module constant it reads makes them stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo, example_repo, prepared
from test_run_kind import CARD, GENERATE, LAUNCH, sign_all

from gate.sources.python_function import FunctionProblem, function_source


@pytest.fixture
def approved(tmp_path, monkeypatch, gate) -> Repo:
    def steps(worldmodel: Repo) -> None:
        assert gate(*GENERATE).code == 0
        assert f"- {LAUNCH}::train\n" in worldmodel.read(CARD)
        worldmodel.commit("card")
        sign_all(gate, worldmodel)
        assert gate("check", "--all").code == 0

    def start(folder: Path) -> Repo:
        return example_repo(tmp_path, "worldmodel", without=(CARD,), into=folder)

    return prepared(tmp_path, monkeypatch, "shared-approved", start, steps, name="worldmodel")


def edit(repo, old: str, new: str) -> None:
    text = repo.read(LAUNCH)
    assert old in text, old
    repo.write(LAUNCH, text.replace(old, new, 1))
    repo.commit(f"edit {LAUNCH}")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('    """List the volume\'s encoded files (CPU only)."""', '    """List them all."""'),
        (
            "def pre_encode(config: str, max_games: int = 0,",
            "def pre_encode(config: str, max_games: int = 5,",
        ),
        ("import modal\n", "import modal\nimport os\n"),
    ],
    ids=["another function's body", "another function's signature", "a new import"],
)
def test_editing_another_part_of_the_script_keeps_the_approvals(approved, gate, old, new):
    edit(approved, old, new)
    result = gate("check", "--all")
    assert result.code == 0, result
    assert gate("check", "--base", "HEAD~1").code == 0


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    timeout=86400,\n    secrets", "    timeout=43200,\n    secrets"),  # the decorator
        ("        log_interval=log_interval or None,", "        log_interval=10,"),  # the body
        ('CHECKPOINTS = f"{DATA}/checkpoints"', 'CHECKPOINTS = f"{DATA}/ckpt"'),  # a constant
    ],
    ids=["its decorator", "its body", "a module constant it reads"],
)
def test_editing_the_launched_function_makes_the_approvals_stale(approved, gate, old, new):
    edit(approved, old, new)
    result = gate("check", "--all")
    assert result.code == 1
    for name in ("Scav", "Mattie", "ScavieFae"):
        assert f"freshness: approval by {name} is stale" in result.out


def test_a_covered_function_that_disappears_is_named(approved, gate):
    edit(approved, "def train(", "def train_v2(")
    result = gate("check", "--all")
    assert result.code == 1
    assert f"covers '{LAUNCH}::train': {LAUNCH} has no top-level function 'train'" in result.out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f(:\n", "does not parse"),
        ("def g():\n    pass\n", "has no top-level function 'f'"),
        ("def f():\n    pass\ndef f():\n    pass\n", "defines 'f' more than once (lines 1, 3)"),
    ],
)
def test_function_source_refuses_what_it_cannot_pin_down(source, message):
    with pytest.raises(FunctionProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        function_source(source, "f", where="s.py")


def test_function_source_holds_decorators_body_and_constants_read():
    source = (
        'GPU = "A100"\nOTHER = 1\nT = 10\n\n@app.function(gpu=GPU)\ndef f():\n    return T\n'
        "\ndef g():\n    return OTHER\n"
    )
    got = function_source(source, "f", where="s.py").decode()
    assert got == '@app.function(gpu=GPU)\ndef f():\n    return T\nGPU = "A100"\nT = 10\n'
