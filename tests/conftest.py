"""Real git repositories in tmp_path, cards built the way gate writes them."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bytecode_cache  # noqa: F401 (first: compiled modules are written)
import git as gitpython
import pytest
from cards import (
    AUTHOR,
    CARDS,
    CONFIG,
    KEYS,
    MANIFEST_PATH,
    MATTIE,
    PYPROJECT,
    SCAV,
    card_data,
    card_text,
    manifest_json,
    md5s,
    with_keys,
)

import gate as _gate_package
from gate.cli import main

# Under mutmut (.ci/mutation) the tests import the mutated copy in mutants/; while a
# mutant is active, a test that runs `gate` or `python -m gate` in a subprocess must run
# that copy too (_isolated sets PYTHONPATH). mutmut's other phases (stats, clean run)
# leave subprocesses on the code as written.
MUTATED = str(Path(_gate_package.__file__).parent.parent)

# The card builders live in cards.py (the benchmarks use them too); tests import them
# from here or from there.
__all__ = [
    "AUTHOR",
    "CARDS",
    "CONFIG",
    "KEYS",
    "MANIFEST_PATH",
    "MATTIE",
    "PYPROJECT",
    "SCAV",
    "card_data",
    "card_text",
    "manifest_json",
    "md5s",
]


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class Repo:
    """A git repository in tmp_path that a test stages and commits in like a user."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, author: tuple[str, str] = AUTHOR, check: bool = True) -> str:
        """Run a real git command through GitPython, as `author` (author and committer)."""
        cmd = gitpython.Git(self.root)
        with cmd.custom_environment(
            GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1],
            GIT_COMMITTER_NAME=author[0],
            GIT_COMMITTER_EMAIL=author[1],
        ):
            status, out, err = cmd.execute(
                ["git", *args],
                with_extended_output=True,
                with_exceptions=False,
                strip_newline_in_stdout=False,
            )
        if check and status != 0:
            raise AssertionError(f"git {' '.join(args)}: {err}")
        return str(out)

    def write(self, path: str, text: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return target

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def add(self, *paths: str) -> None:
        self.git("add", "--", *paths)

    def commit(self, message: str = "change", *, author: tuple[str, str] = AUTHOR) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message, author=author)

    def card(self, data: dict[str, Any], prose: str = "\n## Notes\n\nFree prose.\n") -> str:
        path = f"{CARDS}/{data['run_name']}.md"
        self.write(path, card_text(data, prose))
        return path

    def experiment(self, name: str = "policy-a", text: str = CONFIG) -> str:
        path = f"worldmodel/experiments/{name}.yaml"
        self.write(path, text)
        return path


def _template(base: Path, key: str, build: Callable[[Repo], None]) -> Path:
    """A committed repository built once per test process (under pytest's base temp
    folder) by `build`; each test gets its own copy, .git and all."""
    root = base / "templates" / key
    if not root.is_dir():
        scratch = base / "templates" / f"{key}.building"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        r = Repo(scratch)
        r.git("init", "-q", "-b", "main")
        r.git("config", "commit.gpgsign", "false")
        build(r)
        _pack(r)
        scratch.rename(root)
    return root


def _pack(r: Repo) -> None:
    """The template's objects in one pack (refs stay loose), as after a `git gc`: a test
    copies a few files instead of a folder per object."""
    r.git("repack", "-a", "-d", "-q")


def _copy(template: Path, root: Path) -> Repo:
    shutil.copytree(template, root, symlinks=True)
    return Repo(root)


def prepared(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    start: Callable[[Path], Repo],
    steps: Callable[[Repo], None],
    *,
    name: str,
) -> Repo:
    """The repository `start(folder)` makes, after `steps` (run in it: the test's `gate`
    commands included), as tmp_path/NAME, the current directory.

    The steps run once per test process, in a folder of pytest's base temp folder, and
    each test gets a copy, .git (gate's caches in it too) and all: the repository in the
    state the steps leave it. In mutmut's statistics run each test makes its own: mutmut
    picks the tests to run for a mutant by the functions each test called. (A mutant's
    run is a pytest session of its own: its steps run with the mutant in place.)"""

    def make(folder: Path) -> Repo:
        r = start(folder)
        monkeypatch.chdir(r.root)
        steps(r)
        return r

    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        return make(tmp_path / name)
    template = tmp_path.parent / "templates" / key
    if not template.is_dir():
        scratch = template.with_name(f"{key}.building")
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        _pack(make(scratch / name))
        scratch.rename(template)
    r = _copy(template / name, tmp_path / name)
    monkeypatch.chdir(r.root)
    return r


def example_repo(
    tmp_path: Path, name: str, *, without: tuple[str, ...] = (), into: Path | None = None
) -> Repo:
    """A copy of examples/NAME (minus `without`), committed as the team's repository, in
    `into` (tmp_path/NAME unless given)."""

    def build(r: Repo) -> None:
        shutil.copytree(EXAMPLES / name, r.root, dirs_exist_ok=True)
        for path in without:
            (r.root / path).unlink()
        pyproject = r.root / "pyproject.toml"
        pyproject.write_text(with_keys(pyproject.read_text(encoding="utf-8")), encoding="utf-8")
        r.commit("the team's repository")

    key = "-".join((name, *(p.replace("/", "_") for p in without)))
    return _copy(_template(tmp_path.parent, f"example-{key}", build), into or tmp_path / name)


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


def pytest_configure(config: pytest.Config) -> None:
    """Before pytest-xdist starts its workers: gate's modules compiled once, here, rather
    than by every worker and `python -m gate` at once on a fresh checkout."""
    if config.getoption("numprocesses", default=None) and "PYTEST_XDIST_WORKER" not in os.environ:
        import compileall

        compileall.compile_dir(Path(_gate_package.__file__).parent, quiet=2)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores. A test waits on the processes it runs
    (git, ssh-keygen, pip, pre-commit) for part of its time; on 2 cores a third worker
    fills those waits (measured: the suite 5-8% faster than with 2)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the tests marked `long` (a whole demo or install, seconds
    each) run first, the installs (also `slow`) first of all: with work stealing the run
    then ends on short tests on every worker, not on one worker still in a long one.
    In one process (`-n 0`) they run last: a failure among the short tests is reported
    first. (A mutant's run under mutmut leaves them out: pyproject.toml.)"""

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("long") is None:
            return 2
        return 0 if item.get_closest_marker("slow") else 1

    # (a worker of pytest-xdist sees `numprocesses` reset to None, but knows its name)
    xdist = config.getoption("numprocesses", default=None) or "PYTEST_XDIST_WORKER" in os.environ
    items.sort(key=rank, reverse=not xdist)
    if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
        # A mutant's run (`-x`, the tests that reach the mutated function): first the
        # tests that killed other mutants of the same function (most kills first), then
        # the files whose tests took least on average in mutmut's statistics run, each
        # file's tests in their order (a module's fixtures are made once), so a killed
        # mutant seldom waits for a slow test. The order changes no verdict.
        took = _recorded_durations()
        killers = _killers(os.environ["MUTANT_UNDER_TEST"])
        runs: dict[str, list[float]] = {}
        for item in items:
            module = item.nodeid.partition("::")[0]
            runs.setdefault(module, []).append(took.get(item.nodeid, 1.0))
        mean = {module: sum(t) / len(t) for module, t in runs.items()}
        items.sort(
            key=lambda item: (-killers.get(item.nodeid, 0), mean[item.nodeid.partition("::")[0]])
        )


class _MutantLog:
    """A mutant's run (mutmut): its time, tests run and first failure, appended as one
    JSON line to mutant-runs.jsonl in the folder mutmut runs the tests in (mutants/):
    where a run's time goes, and which tests kill mutants soonest."""

    def __init__(self, mutant: str) -> None:
        import time

        self.mutant, self.start, self.ran = mutant, time.monotonic(), 0
        self.failed: str | None = None

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome == "failed":
            self.ran += report.when == "call"
            if report.failed and self.failed is None:
                self.failed = report.nodeid

    @pytest.hookimpl
    def pytest_sessionfinish(self) -> None:
        import time

        line = {
            "mutant": self.mutant,
            "seconds": round(time.monotonic() - self.start, 2),
            "tests": self.ran,
            "failed": self.failed,
        }
        with Path("mutant-runs.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def pytest_sessionstart(session: pytest.Session) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" in mutant:
        session.config.pluginmanager.register(_MutantLog(mutant), "gate-mutant-log")


def _killers(mutant: str) -> dict[str, int]:
    """How many mutants of `mutant`'s function each test killed first, in this run's
    mutant log (mutant-runs.jsonl, beside the statistics); empty when there is none."""
    function = mutant.partition("__mutmut_")[0]
    counts: dict[str, int] = {}
    try:
        lines = Path("mutant-runs.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return counts
    for line in lines:
        try:
            run = json.loads(line)
            name, failed = run["mutant"], run["failed"]
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a stopped run
        if isinstance(name, str) and isinstance(failed, str) and name.startswith(function + "__"):
            counts[failed] = counts.get(failed, 0) + 1
    return counts


def _recorded_durations() -> dict[str, float]:
    """Each test's duration in mutmut's statistics run (mutants/mutmut-stats.json, in the
    folder mutmut runs the tests in); empty when there is none."""
    try:
        took = json.loads(Path("mutmut-stats.json").read_text(encoding="utf-8"))["duration_by_test"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {name: float(t) for name, t in took.items() if isinstance(t, int | float)}


# pip's cache as the caller has it (read before a test moves HOME): the environments
# pre-commit makes for a hook install gate's dependencies from it, not from the index
# again. It is keyed by content, so sharing it changes no result.
_PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip"
)


def _run_folder(factory: pytest.TempPathFactory) -> Path:
    """This run's temporary folder: shared by pytest-xdist's workers, whose base temp
    folders are in it."""
    base = factory.getbasetemp()
    return base.parent if "PYTEST_XDIST_WORKER" in os.environ else base


_SYSTEM_CONFIG = """\
# This test run's git system configuration (GIT_CONFIG_SYSTEM), in place of the
# machine's: `git commit` starts no `git maintenance run --auto` process after itself.
[maintenance]
\tauto = false
"""


def git_system_config(factory: pytest.TempPathFactory) -> Path:
    """The git system configuration file every test's git reads: this run's own, not the
    machine's (/etc/gitconfig)."""
    path = _run_folder(factory) / "gitconfig-system"
    if not path.is_file():
        # written whole, then moved in place: workers may write it at once
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix="gitconfig-system-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(_SYSTEM_CONFIG)
        Path(partial).replace(path)
    return path


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No network, no home directory: git and wandb see only the test's folders."""
    # (mkdtemp in a folder of their own: pytest numbers each test's tmp_path by listing
    # the base temp folder, and mktemp would list it once more for every home)
    homes = tmp_path_factory.getbasetemp() / "homes"
    homes.mkdir(exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="home-", dir=homes))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM", raising=False)
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(git_system_config(tmp_path_factory)))
    # `git init` copies no sample hooks (as with an empty init.templateDir): a test's
    # repositories are a third fewer files to write, copy and delete.
    templates = _run_folder(tmp_path_factory) / "git-template"
    templates.mkdir(exist_ok=True)
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(templates))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(home / "wandb"))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(home / "wandb-cache"))
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(home / "wandb-config"))
    monkeypatch.setenv("WANDB_DATA_DIR", str(home / "wandb-data"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(home / "pre-commit"))
    # The environments pre-commit makes for a hook: virtualenv, seeing a new home,
    # would start its background update of the wheels it seeds (two `pip download`s
    # from the index, each a second or more of CPU, unwaited for), and pip would ask
    # the index for its own latest version.
    monkeypatch.setenv("VIRTUALENV_NO_PERIODIC_UPDATE", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("PIP_CACHE_DIR", _PIP_CACHE)
    # Every `python -m gate` (pre-commit, the demo, the hooks) a test starts writes the
    # modules it compiles, as this run does (tests/bytecode_cache.py), even where the
    # caller set PYTHONDONTWRITEBYTECODE.
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
        monkeypatch.setenv(
            "PYTHONPATH", os.pathsep.join(filter(None, (MUTATED, os.environ.get("PYTHONPATH"))))
        )
    for name in (
        "GIT_DIR",
        "GIT_INDEX_FILE",
        "GIT_WORK_TREE",
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_TO_REF",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_ACTIONS",
    ):
        monkeypatch.delenv(name, raising=False)
    for key, value in (
        ("GIT_AUTHOR_NAME", AUTHOR[0]),
        ("GIT_AUTHOR_EMAIL", AUTHOR[1]),
        ("GIT_COMMITTER_NAME", AUTHOR[0]),
        ("GIT_COMMITTER_EMAIL", AUTHOR[1]),
    ):
        monkeypatch.setenv(key, value)


def melee_repo(tmp_path: Path, into: Path | None = None) -> Repo:
    """A repository laid out like examples/melee, with one commit and no cards, in `into`
    (tmp_path/repo unless given)."""

    def build(r: Repo) -> None:
        r.write("pyproject.toml", PYPROJECT)
        r.write(MANIFEST_PATH, manifest_json())
        r.write("README.md", "# melee\n")
        r.commit("initial")

    return _copy(_template(tmp_path.parent, "repo", build), into or tmp_path / "repo")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository laid out like examples/melee, with one commit and no cards."""
    r = melee_repo(tmp_path)
    monkeypatch.chdir(r.root)
    return r


@pytest.fixture
def gate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run the real CLI entry point in-process; `as_=` sets who the git author is."""

    def run(*argv: str, as_: tuple[str, str] = AUTHOR) -> Result:
        monkeypatch.setenv("GIT_AUTHOR_NAME", as_[0])
        monkeypatch.setenv("GIT_AUTHOR_EMAIL", as_[1])
        # Each person's git has their own SSH key as user.signingkey (what `gate sign` uses).
        monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
        monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.signingkey")
        monkeypatch.setenv("GIT_CONFIG_VALUE_0", str(KEYS[as_[0]]))
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def sign_all(gate, path: str) -> None:
    for name, email in (SCAV, MATTIE):
        result = gate("sign", path, "--reviewer", name, "--date", "2026-11-24", as_=(name, email))
        assert result.code == 0, result
