"""Shared by the benchmarks: the bench venv, real git repositories, timing, results.

Every benchmark times subprocesses the way a user or CI runs them, against a baseline
timed in the same run (interleaved, so drift hits both), and reports ratios. gate runs
from a NON-editable install in a throwaway venv (an editable install's finder adds
imports a real install does not have); the scripts themselves run under any Python
that can import gate (the dev venv) because they build the repositories with gate's
own modules.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
if str(REPO) not in sys.path:  # build helpers import gate's modules
    sys.path.insert(0, str(REPO))
__all__ = ["CARDS", "CONFIG", "card_data", "card_text", "fingerprint", "manifest_json", "md5s"]

RESULTS = BENCH / "results.json"
DEFAULT_VENV = Path(os.environ.get("GATE_BENCH_VENV", "/tmp/gate-bench-venv"))
# Generated big repositories, kept between runs (keyed by what they hold; `--fresh`
# rebuilds them).
CACHE = Path(os.environ.get("GATE_BENCH_CACHE", "/tmp/gate-bench-cache"))
# gate's runtime requirements, as its pyproject.toml lists them (pyyaml, jsonschema,
# sshsig): the bench venv holds what `pip install gate` would, nothing more.
DEPENDENCIES = tuple(
    tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
)
BASELINE_TOOLS = ("check-jsonschema",)
INSTALLER_MAJOR = 25  # pip

# The repositories, configs and cards are the tests' own (tests/cards.py), so the
# benchmarks check exactly what the tests do.
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
from cards import (  # noqa: E402
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
    fingerprint,
    manifest_json,
    md5s,
    public_key,
    sshsig_sign,
)

REVIEWERS = (SCAV, MATTIE)
DATE = "2026-11-24"
EXPERIMENTS = "worldmodel/experiments"

PROSE = "\n## Notes\n\nFree prose.\n"


# -- the bench venv ----------------------------------------------------------------------
def _pip(venv: Path, *args: str) -> None:
    cmd = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")


def bench_venv(
    venv: Path = DEFAULT_VENV, *, reinstall: bool = True, source: Path | None = None
) -> Path:
    """A venv with gate installed from `source` (default: the repository these scripts
    live in) as a regular (non-editable) wheel, its dependencies, and check-jsonschema
    (the baseline of bench_one_card)."""
    source = source or REPO
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = _version(python, "pip") or "0"
    if int(pip.split(".")[0]) < INSTALLER_MAJOR:
        # The installer writes the `gate` console script the benchmarks time. pre-commit
        # makes its hook environments with virtualenv, which seeds a current pip; pip
        # before 25.0 wrote scripts that `import re` first (pypa/pip#13166).
        _pip(venv, "--upgrade", f"pip>={INSTALLER_MAJOR}")
    if _missing(python, (*DEPENDENCIES, *BASELINE_TOOLS)):
        _pip(venv, *DEPENDENCIES, *BASELINE_TOOLS)
    if reinstall or not (venv / "bin" / "gate").exists():
        # The work tree as it is now, built into a wheel: what `pip install gate` gives.
        _pip(venv, "--no-deps", "--force-reinstall", str(source))
    probe = subprocess.run(
        [str(python), "-c", "import gate, sys; print(gate.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout.strip()
    if "site-packages" not in probe:
        raise SystemExit(f"bench: gate in {venv} is not a regular install ({probe})")
    return venv


_MISSING = """
import importlib.metadata as md, re, sys
for requirement in sys.argv[1:]:
    name = re.split(r"[<>=!~;\\[ ]", requirement, maxsplit=1)[0]
    try:
        md.version(name)
    except md.PackageNotFoundError:
        print(name)
"""


def _missing(python: Path, requirements: Sequence[str]) -> list[str]:
    """The requirements (by distribution name) not installed in the venv of `python`."""
    out = subprocess.run(
        [str(python), "-c", _MISSING, *requirements],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    return out.stdout.split()


def python_version(python: Path | str) -> str:
    return subprocess.run(
        [str(python), "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


# -- environment -------------------------------------------------------------------------
def isolated_env(home: Path, author: tuple[str, str] = AUTHOR) -> dict[str, str]:
    """No user or system git config, no hook variables, no colour: every run alike."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT_", "GITHUB_", "PYTHON", "VIRTUAL_ENV"))
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "NO_COLOR": "1",
            "WANDB_MODE": "offline",
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": author[0],
            "GIT_COMMITTER_EMAIL": author[1],
        }
    )
    return env


def signed_stages(
    path: str, data: Mapping[str, Any], covered: Sequence[tuple[str, bytes]], prose: str = PROSE
) -> list[str]:
    """The card's text unsigned, after Scav's approval, after Mattie's: byte for byte what
    `gate sign CARD --reviewer NAME --date DATE` writes with the reviewer's key (same
    digest, same SSH signature over `signature.approval_text`, made in-process by
    tests/cards.py's `sshsig_sign`, the same block entry written by
    gate.card.frontmatter, status and region redone by gate.kinds.rewrite)."""
    from gate import kinds
    from gate.card import document, frontmatter
    from gate.card.digest import card_digest
    from gate.kinds import rewrite
    from gate.review import signature, signoff

    kind = kinds.get("policy")
    required = tuple(name for name, _ in REVIEWERS)
    digest = card_digest(data, covered)
    texts = [card_text(dict(data), prose)]
    for name, _ in REVIEWERS:
        card = document.parse(path, texts[-1].encode())
        entries = card.data.get("signoff") or []
        starts = [card.line_of("signoff", i) - 2 for i in range(len(entries))]
        mine = [a.position for a in signoff.approvals(card.data) if a.reviewer == name]
        entry = {
            "reviewer": name,
            "verdict": "approved",
            "date": DATE,
            "digest": digest,
            "signature": sshsig_sign(name, signature.approval_text(name, "approved", digest)),
        }
        front = frontmatter.set_approval(
            document.front_text(card), entry, mine[0] if mine else None, starts
        )
        loaded = SimpleNamespace(
            path=path,
            card=card,
            kind=kind,
            required=required,
            reviewers=required,
            policy=signoff.Policy(keys={n: (public_key(n),) for n in required}),
        )
        texts.append(rewrite.compose(loaded, front))  # type: ignore[arg-type]
    return texts


def signing_key(name: str) -> Path:
    """The reviewer's private key (made by tests/cards.py), for `gate sign --key`."""
    return KEYS[name]


# -- repositories ------------------------------------------------------------------------
class Repo:
    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.home = home

    def env(self, author: tuple[str, str] = AUTHOR) -> dict[str, str]:
        return isolated_env(self.home, author)

    def git(self, *args: str, author: tuple[str, str] = AUTHOR) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env=self.env(author),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"bench: git {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def write(self, path: str, text: str | bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    def commit(self, message: str, author: tuple[str, str] = AUTHOR) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message, author=author)


def new_repo(where: Path, name: str, base: Path | None = None) -> Repo:
    """A repository laid out like examples/melee, with one commit and no cards; or, with
    `base` (a repository of bigrepo.py's cache), a local clone of it (its history and
    files, checked out) with that commit on top."""
    root = where / name
    if base is None:
        root.mkdir(parents=True)
        repo = Repo(root, where / "home")
        repo.git("init", "-q", "-b", "main")
    else:
        repo = clone(base, where, name)
    repo.git("config", "commit.gpgsign", "false")
    repo.write("pyproject.toml", PYPROJECT)
    repo.write(MANIFEST_PATH, manifest_json())
    repo.write("README.md", "# melee\n")
    repo.write("src/model.py", "x = 1\n")
    repo.commit("initial")
    return repo


def clone(base: Path, where: Path, name: str) -> Repo:
    """A local clone of the repository `base` (a cached one) as `where/name`, `main`
    checked out, no remote."""
    root = where / name
    root.parent.mkdir(parents=True, exist_ok=True)
    repo = Repo(root, where / "home")
    # --local hard-links the objects; the checkout writes every file and the index.
    subprocess.run(
        ["git", "clone", "-q", "--local", "-b", "main", str(base), str(root)],
        env=repo.env(),
        check=True,
        capture_output=True,
    )
    repo.git("remote", "remove", "origin")
    repo.git("config", "commit.gpgsign", "false")
    return repo


def config_path(name: str) -> str:
    return f"{EXPERIMENTS}/{name}.yaml"


def card_path(name: str) -> str:
    return f"{CARDS}/{name}.md"


def _stages_of(name: str) -> list[str]:
    return signed_stages(card_path(name), card_data(name), [(config_path(name), CONFIG.encode())])


def card_stages(names: Sequence[str]) -> dict[str, list[str]]:
    """card path -> its three texts (unsigned, Scav's approval, both approvals), for each
    card named; on every core when there are many (a card takes a few ms: YAML and two
    signatures). Forked workers share this process's keys (tests/cards.py's KEYS)."""
    if len(names) < 400 or (os.cpu_count() or 1) < 2 or sys.platform != "linux":
        texts = [_stages_of(name) for name in names]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        workers = os.cpu_count() or 1
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            texts = list(pool.map(_stages_of, names, chunksize=max(1, len(names) // workers // 8)))
    return {card_path(name): t for name, t in zip(names, texts, strict=True)}


def add_signed_cards(repo: Repo, names: Sequence[str], *, prefix: str = "") -> list[str]:
    """Cards + configs by the author, then Scav's signed approvals, then Mattie's: three
    commits, each by the reviewer whose approvals it adds (as a team would; gate reads
    no history: the signatures, not the commits, say who approved)."""
    stages = card_stages(names)
    for name in names:
        repo.write(config_path(name), CONFIG)
    for step, (message, author) in enumerate(
        [
            (f"{prefix}run cards", AUTHOR),
            (f"{prefix}approved by Scav", SCAV),
            (f"{prefix}approved by Mattie", MATTIE),
        ]
    ):
        for path, texts in stages.items():
            repo.write(path, texts[step])
        repo.commit(message, author)
    return list(stages)


def make_workdir(label: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"gate-bench-{label}-"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# -- running and timing ------------------------------------------------------------------
class Case:
    """One command to time: argv, where, environment, the exit code it must give."""

    def __init__(
        self, name: str, argv: Sequence[str], cwd: Path, env: Mapping[str, str], expect: int = 0
    ) -> None:
        self.name, self.argv, self.cwd, self.env, self.expect = name, list(argv), cwd, env, expect

    def check(self) -> str:
        """Run once with output captured; fail loudly if the exit code is not the expected."""
        result = subprocess.run(
            self.argv, cwd=self.cwd, env=dict(self.env), capture_output=True, text=True, check=False
        )
        if result.returncode != self.expect:
            raise SystemExit(
                f"bench: {self.name}: {' '.join(self.argv)} exited {result.returncode}, "
                f"expected {self.expect}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result.stdout + result.stderr

    def once(self) -> tuple[float, float]:
        """(wall seconds, child CPU seconds) of one run, output discarded."""
        start = time.perf_counter()
        proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=dict(self.env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != self.expect:
            raise SystemExit(f"bench: {self.name} exited {proc.returncode} during timing")
        return wall, usage.ru_utime + usage.ru_stime


def timed(cases: Sequence[Case], reps: int, warmup: int = 3) -> dict[str, dict[str, Any]]:
    """Each case `reps` times, interleaved (rotating the order every round)."""
    for case in cases:
        case.check()
        for _ in range(warmup):
            case.once()
    walls: dict[str, list[float]] = {c.name: [] for c in cases}
    cpus: dict[str, list[float]] = {c.name: [] for c in cases}
    for round_ in range(reps):
        shift = round_ % len(cases)
        for case in [*cases[shift:], *cases[:shift]]:
            wall, cpu = case.once()
            walls[case.name].append(wall)
            cpus[case.name].append(cpu)
    return {c.name: summary(walls[c.name], cpus[c.name]) for c in cases}


def summary(walls: Sequence[float], cpus: Sequence[float]) -> dict[str, Any]:
    ms = [w * 1000 for w in walls]
    return {
        "reps": len(ms),
        "median_ms": statistics.median(ms),
        "min_ms": min(ms),
        "mean_ms": statistics.fmean(ms),
        "stdev_ms": statistics.stdev(ms) if len(ms) > 1 else 0.0,
        "cpu_median_ms": statistics.median(c * 1000 for c in cpus),
    }


def ratio(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, float]:
    return {"median": a["median_ms"] / b["median_ms"], "min": a["min_ms"] / b["min_ms"]}


# -- reporting ---------------------------------------------------------------------------
def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header], *[[_fmt(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def timing_rows(times: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [name, t["median_ms"], t["min_ms"], t["stdev_ms"], t["cpu_median_ms"], t["reps"]]
        for name, t in times.items()
    ]


TIMING_HEADER = ("command", "median ms", "min ms", "stdev ms", "cpu ms", "reps")


def _version(python: Path, distribution: str) -> str | None:
    found = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() if found.returncode == 0 else None


def machine(venv: Path) -> dict[str, Any]:
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    return {
        "python": python_version(venv / "bin" / "python"),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "git": git.stdout.strip(),
        "pip": _version(venv / "bin" / "python", "pip"),
        # Other work on the machine skews every number here: the 1/5/15-minute load
        # averages when the benchmark finished (about 1 per busy core of its own).
        "loadavg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "venv": str(venv),
    }


def save(name: str, result: Mapping[str, Any]) -> None:
    """Merge one benchmark's result into bench/results.json (keyed by benchmark)."""
    try:
        everything = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        everything = {}
    everything[name] = result
    RESULTS.write_text(json.dumps(everything, indent=2) + "\n", encoding="utf-8")


def verdict(ok: bool) -> str:
    return "HOLDS" if ok else "MISSED"


def main_args(
    description: str, default_reps: int, extra: Callable[[Any], None] | None = None
) -> Any:
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--reps", type=int, default=default_reps, help="timed runs per command")
    parser.add_argument(
        "--venv",
        type=Path,
        default=DEFAULT_VENV,
        help="the throwaway venv gate is installed into (created if missing)",
    )
    parser.add_argument(
        "--no-reinstall", action="store_true", help="reuse the gate already installed in --venv"
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=REPO,
        help="the gate work tree to install and time (default: the one holding bench/)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help=f"rebuild the cached big repositories (under {CACHE})",
    )
    if extra is not None:
        extra(parser)
    return parser.parse_args()
