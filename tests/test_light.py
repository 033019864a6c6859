"""The hook stays light: heavy libraries load only when a check needs them, wandb never."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import card_data


def _imported(*args: str, cwd=None, env=None) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=cwd,
        env=env,
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
# What `site` itself loads at every start (so `python -c pass` has paid for it), and
# `__future__`, which each `from __future__ import annotations` loads at run time.
SITE = {"os", "stat", "_stat", "posixpath", "genericpath", "_collections_abc", "__future__"}


def test_importing_the_cli_loads_no_heavy_library():
    modules = _imported("-c", "import gate.cli")
    assert "gate.cli" in modules
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_check_with_nothing_gated_loads_no_heavy_library(repo):
    repo.write("notes.txt", "hello\n")
    repo.add("notes.txt")
    first = _imported("-m", "gate", "check", cwd=repo.root)
    assert "gate.check.quick" in first and "tomllib" in first  # read [tool.gate] once
    modules = _imported("-m", "gate", "check", cwd=repo.root)
    assert "gate.check.quick" in modules
    assert "tomllib" not in modules  # then from the cache in the git folder
    assert "argparse" not in modules
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_the_hooks_answer_to_a_commit_with_nothing_gated_imports_almost_nothing(repo):
    """What `gate check` loads beyond a bare interpreter on a commit that touches nothing
    gated: gate's own fast path, and no `re`, `typing`, `collections` or `subprocess`
    (each a sizeable share of the hook's budget; docs/architecture.md). Run without
    `site` (`-S`), so an editable install's start-up imports do not hide any."""
    import gate

    repo.write("notes.txt", "hello\n")
    repo.add("notes.txt")
    package = str(Path(gate.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": package}
    hook = "import sys; sys.argv = ['gate', 'check']; from gate.cli import entry; entry()"
    baseline = _imported("-S", "-c", "pass", cwd=repo.root, env=env)
    for _ in range(2):  # the first run fills the caches in the git folder
        modules = _imported("-S", "-c", hook, cwd=repo.root, env=env)
    assert "gate.check.quick" in modules
    extra = {m.split(".")[0] for m in modules - baseline} - SITE
    assert extra == {"gate"}, sorted(modules - baseline)


def test_a_full_check_never_imports_wandb(repo):
    repo.experiment()
    repo.card(card_data())
    repo.commit("card")
    modules = _imported("-m", "gate", "check", "--all", cwd=repo.root)
    assert "gate.check.engine" in modules  # it really checked
    assert not [m for m in modules if m.split(".")[0] in ("wandb", "git")]  # nor GitPython


def _loaded(*argv: str, cwd) -> set[str]:
    """The modules loaded by the end of `gate ARGV`, in a fresh interpreter."""
    probe = (
        "import contextlib, io, sys\n"
        "from gate.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({list(argv)!r})\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_a_valid_card_is_validated_without_jsonschema_and_a_bad_one_with_it(repo):
    repo.experiment()
    card = repo.card(card_data())
    repo.commit("card")
    modules = _loaded("check", "--all", cwd=repo.root)
    assert "gate.schemas.policy_validator" in modules  # the compiled schema said valid
    assert "jsonschema" not in modules
    assert "  epochs: 10\n" in repo.read(card)
    repo.write(card, repo.read(card).replace("  epochs: 10\n", "  epochs: ten\n", 1))
    repo.commit("a typo")
    modules = _loaded("check", "--all", cwd=repo.root)
    assert "jsonschema" in modules  # to name the error, field and line


def test_the_fast_path_follows_an_edit_to_tool_gate(repo, gate):
    repo.write("drafts/x.yaml", "a: 1\n")
    repo.add("drafts/x.yaml")
    assert gate("check").out.startswith("gate: passed (staged): nothing gated")
    text = repo.read("pyproject.toml").replace('gated = ["', 'gated = ["drafts/*.yaml", "')
    repo.write("pyproject.toml", text)
    repo.add("pyproject.toml")
    result = gate("check")
    assert result.code == 1
    assert "drafts/x.yaml: coverage: no run card covers this gated file" in result.out


def test_a_bad_tool_gate_is_reported_even_on_the_fast_path(repo, gate):
    repo.write("notes.txt", "x\n")
    repo.write("pyproject.toml", "[tool.gate]\ngated = 3\n")
    repo.add("notes.txt", "pyproject.toml")
    result = gate("check")
    assert result.code == 2
    assert "gated: expected a list of non-empty strings" in result.err


def test_bare_check_skips_the_parser_but_means_the_same():
    from gate import cli

    parsed = vars(cli._parser().parse_args(["check"]))
    assert parsed == cli.BARE_CHECK


def test_a_pyproject_that_is_not_utf8_never_crashes_the_fast_path(repo, gate):
    """HEAD's pyproject.toml is read while git reads the index: one that is not UTF-8
    does not stop a commit that mends it, and a staged one is reported (exit 2) by the
    full check, never a traceback."""
    broken = repo.read("pyproject.toml").encode() + b"\n# caf\xe9\n"
    repo.write("pyproject.toml", broken)
    repo.commit("a Latin-1 comment")
    repo.write("notes.txt", "x\n")
    repo.add("notes.txt")
    result = gate("check")
    assert result.code == 2, result
    assert "gate: error: pyproject.toml (the index): not UTF-8" in result.err
    repo.write("pyproject.toml", broken.replace(b"caf\xe9", b"caf\xc3\xa9"))
    repo.add("pyproject.toml")
    result = gate("check")
    assert result.code == 0, result
    assert result.out.startswith("gate: passed (staged): nothing gated")
