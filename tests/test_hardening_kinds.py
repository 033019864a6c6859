"""Hardening of what the kinds read: each class blocked or handled, with at least two
different attacks each, on real git repositories through the real CLI.

1. Launch-script facts: Python runs the last binding, so a GPU, a timeout or the launch
   function bound more than once is ambiguous; gate reports every line and blocks, and
   an approval of `path::function` covers every binding.
2. Exemptions: only the kind that claims a config may exempt it; a config two kinds
   claim, or none, needs a card.
3. Parsing: every value a YAML loader can produce is handled or reported on its line;
   a fuzzer puts each kind of YAML value at every path of a card, a covered config and
   a manifest and runs `gate check --all`.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cards import KEYS, SCAVIEFAE
from conftest import (
    CARDS,
    CONFIG,
    MANIFEST_PATH,
    MATTIE,
    PYPROJECT,
    SCAV,
    Repo,
    card_data,
    card_text,
    example_repo,
    git_system_config,
    manifest_json,
    prepared,
)
from test_run_kind import CARD, GENERATE, L4_LAUNCH, L4_PYPROJECT, LAUNCH, sign_all, wm_config

from gate.card.document import split
from gate.cli import main
from gate.sources import yamlio
from gate.sources.python_function import function_source

# -- 1. launch-script facts -------------------------------------------------------------

# The example's launch script, with its GPU and timeout read from module constants.
CONSTANTS = 'GPU = "A100"\nTIMEOUT = 86400\n'


def line_of(text: str, fragment: str, start: int = 0) -> int:
    """The 1-based line of the first `fragment` at or after character `start`."""
    return text.count("\n", 0, text.index(fragment, start)) + 1


@pytest.fixture
def approved(tmp_path, monkeypatch, gate) -> Repo:
    """examples/worldmodel whose `train` reads GPU and TIMEOUT from module constants,
    with a generated card every reviewer approved: `gate check --all` passes."""

    def steps(repo: Repo) -> None:
        text = repo.read(LAUNCH)
        text = text.replace(
            'CHECKPOINTS = f"{DATA}/checkpoints"\n',
            f'CHECKPOINTS = f"{{DATA}}/checkpoints"\n{CONSTANTS}',
        )
        text = text.replace('    gpu="A100",\n', "    gpu=GPU,\n").replace(
            "    timeout=86400,\n    secrets", "    timeout=TIMEOUT,\n    secrets"
        )
        repo.write(LAUNCH, text)
        repo.commit("the launch script reads its GPU and timeout from constants")
        assert gate(*GENERATE).code == 0
        repo.commit("card")
        sign_all(gate, repo)
        assert gate("check", "--all").code == 0

    def start(folder: Path) -> Repo:
        return example_repo(tmp_path, "worldmodel", without=(CARD,), into=folder)

    return prepared(tmp_path, monkeypatch, "approved-constants", start, steps, name="worldmodel")


# What the author appends to the launch script, the binding among it that gate must
# name, the first binding it must name too (None: the function's), and whether the
# approval goes stale: `path::train` covers every binding of what train reads.
APPENDED = [
    ("assigned twice", 'GPU = "H100"\n', 'GPU = "H100"', "GPU = ", True),
    ("in an if", 'if __name__ != "__main__":\n    GPU = "H100"\n', 'GPU = "H100"', "GPU = ", True),
    (
        "in a try",
        "try:\n    TIMEOUT = 3600\nexcept KeyError:\n    pass\n",
        "TIMEOUT = 3600",
        "TIMEOUT = ",
        True,
    ),
    ("augmented", "TIMEOUT += 3600\n", "TIMEOUT +=", "TIMEOUT = ", True),
    (
        "global in another function",
        'def bigger() -> None:\n    global GPU\n    GPU = "H100"\n',
        'GPU = "H100"',
        "GPU = ",
        True,
    ),
    ("for target", 'for GPU in ("H100",):\n    pass\n', "for GPU", "GPU = ", True),
    ("with target", 'with open("/dev/null") as GPU:\n    pass\n', "with open", "GPU = ", True),
    ("walrus", '_ = [(GPU := "H100") for _ in range(1)]\n', "GPU :=", "GPU = ", True),
    ("import as", "from os import sep as GPU\n", "from os", "GPU = ", True),
    ("star import", "from os.path import *\n", "from os.path", None, True),
    (
        "the function defined twice",
        '@app.function(gpu="H100", timeout=86400)\ndef train() -> None: ...\n',
        "def train",
        None,
        True,
    ),
    (
        "the function rebound by a call",
        'train = app.function(gpu="H100")(train.get_raw_f())\n',
        "train = ",
        None,
        True,
    ),
    (
        "with_options at call time",
        '@app.local_entrypoint()\ndef main() -> None:\n    train.with_options(gpu="H100").remote()\n',
        "train.with_options",
        None,
        False,
    ),
]


def listed_lines(message: str) -> set[int]:
    """Every line number a message lists as `(line N)` / `(lines N, M, ...)`."""
    return {
        int(n) for group in re.findall(r"\(lines? ([\d, ]+)\)", message) for n in group.split(", ")
    }


@pytest.mark.parametrize(
    ("code", "marker", "first", "stale"), [a[1:] for a in APPENDED], ids=[a[0] for a in APPENDED]
)
def test_a_second_binding_anywhere_is_ambiguous_and_blocks(
    approved, gate, code, marker, first, stale
):
    before = approved.read(LAUNCH)
    after = before + "\n\n" + code
    approved.write(LAUNCH, after)
    approved.commit("a second binding")
    result = gate("check", "--all")
    assert result.code == 1, result
    (launch,) = [line for line in result.out.splitlines() if ": launch: " in line]
    assert "ambiguous" in launch, launch
    involved = listed_lines(launch)
    assert line_of(after, marker, len(before)) in involved, launch  # every line involved
    assert line_of(before, first or "@app.function(\n    gpu=GPU") in involved, launch
    assert (result.out.count("freshness: approval by") == 3) is stale, result.out


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("    gpu=GPU,\n", '    gpu=GPU,\n    gpu="H100",\n', "gpu= is given 2 times"),
        ("    gpu=GPU,\n", "    **OPTIONS,\n", "**OPTIONS may set gpu="),
        ("@app.function(\n    gpu=GPU,", "@fn(\n    gpu=GPU,", "applied through the variable fn"),
    ],
    ids=["keyword twice", "keyword through **kwargs", "decorator through a variable"],
)
def test_the_decorator_itself_made_ambiguous_blocks(approved, gate, old, new, fragment):
    text = approved.read(LAUNCH).replace(old, new, 1)
    text = text.replace(
        CONSTANTS, CONSTANTS + 'OPTIONS = {"gpu": "H100"}\nfn = app.function(gpu="H100")\n'
    )
    approved.write(LAUNCH, text)
    approved.commit("decorator")
    result = gate("check", "--all")
    assert result.code == 1
    launches = [line for line in result.out.splitlines() if ": launch: " in line]
    assert any(fragment in line and "ambiguous" in line for line in launches), result.out


def test_a_cheap_run_whose_gpu_is_ambiguous_needs_a_card(repo, gate):
    repo.write("pyproject.toml", L4_PYPROJECT.format(extra=""))
    launch = L4_LAUNCH.replace(
        '@app.function(gpu="L4", timeout=7200)',
        'GPU = "L4"\nif __name__ != "__main__":\n    GPU = "H100:8"\n\n\n'
        "@app.function(gpu=GPU, timeout=7200)",
    )
    repo.write("launch/modal_train.py", launch)
    repo.commit("launcher")
    repo.write("experiments/smoke.yaml", wm_config(1000, 1))  # $2.00 and 1 h on one L4
    repo.add("experiments/smoke.yaml")
    check = gate("check")
    assert check.code == 1, check
    assert "no card needed" not in check.out
    assert "no run card covers this gated file" in check.out
    assert "gpu=GPU is ambiguous: GPU is bound 2 times" in check.out


def test_generate_refuses_an_ambiguous_launch_script(approved, gate):
    approved.write(LAUNCH, approved.read(LAUNCH) + '\nGPU = "H100"\n')
    result = gate(*GENERATE, "--force")
    assert result.code == 2
    assert "gpu=GPU is ambiguous" in result.err and "gate never picks one" in result.err


@pytest.mark.parametrize(
    "binding",
    [
        'GPU = "H100"',
        'if X:\n    GPU = "H100"',
        "TIMEOUT += 1",
        'def g():\n    global GPU\n    GPU = "H100"',
        "for GPU in Y:\n    pass",
        "with Y as GPU:\n    pass",
        '_ = [(GPU := "H100") for _ in Y]',
        "import os as GPU",
        "from os import *",
        "f = wrap(f)",
        "BASE = 'A'",  # read through GPU_ALIAS
    ],
)
def test_function_source_covers_every_binding_of_what_it_reads(binding):
    source = (
        'GPU = "A100"\nTIMEOUT = 60\nGPU_ALIAS = BASE\n\n'
        "@app.function(gpu=GPU, timeout=TIMEOUT)\ndef f():\n    return GPU_ALIAS\n\n"
        "def other():\n    return 1\n\n" + binding + "\n"
    )
    covered = function_source(source, "f", where="s.py").decode()
    assert binding in covered
    assert "def other" not in covered  # another function may still change freely


# -- 2. exemptions belong to the kind that claims the config ----------------------------

CHEAP = "training:\n  batch_size: 940\n  num_epochs: 1\n  device: null\n"  # $2.00, 1 h on an L4


@pytest.fixture
def l4(repo) -> Repo:
    repo.write("pyproject.toml", L4_PYPROJECT.format(extra=""))
    repo.write("launch/modal_train.py", L4_LAUNCH)
    repo.commit("launcher")
    return repo


@pytest.mark.parametrize(
    ("config", "exempt"),
    [
        ("model:\n  arch: mamba2\n  d_model: 64\n" + CHEAP + "data:\n  max_games: 1000\n", True),
        (  # a policy config with world-model keys: both kinds claim it
            "model:\n  arch: mamba2\n  d_model: 64\n"
            + CHEAP
            + "data:\n  max_games: 1000\n  predict_player: 0\n",
            False,
        ),
        (  # a policy architecture shaped to look cheap: both kinds claim it
            "model:\n  architecture: PolicyMLP\n  d_model: 64\n"
            + CHEAP
            + "data:\n  max_games: 10\n",
            False,
        ),
        (  # a policy config with a small max_games: only the policy kind claims it
            "model:\n  architecture: PolicyMLP\n"
            + CHEAP
            + "data:\n  max_games: 10\n  predict_player: both\n",
            False,
        ),
    ],
    ids=[
        "a world-model config",
        "world-model keys plus predict_player",
        "policy architecture plus d_model",
        "policy config",
    ],
)
def test_only_the_one_kind_that_claims_a_config_exempts_it(l4, gate, config, exempt):
    l4.write("experiments/smoke.yaml", config)
    l4.add("experiments/smoke.yaml")
    check = gate("check")
    assert check.code == (0 if exempt else 1), check
    assert ("no card needed" in check.out) is exempt
    assert ("no run card covers this gated file" in check.out) is not exempt


GREEDY = textwrap.dedent('''\
    """A kind that would exempt every file; CLAIMS says which it claims."""

    from gate.kinds import Kind, register

    CLAIMS = {claims!r}


    def claims(path, snapshot, config):
        return "a greedy file" if CLAIMS else None


    register(Kind(name="greedy", title="Greedy Card", schema=lambda: {{}},
                  render=lambda data, required: "", claims=claims,
                  exempt=lambda path, snapshot, config: "the greedy kind says it is free"))
''')


@pytest.mark.parametrize(
    ("claims", "path", "text", "needed"),
    [
        (False, "experiments/notes.yaml", "notes: [1, 2]\n", True),  # no kind claims it
        (False, "experiments/smoke.yaml", wm_config(1000, 1), False),  # the run kind's alone
        (True, "experiments/smoke.yaml", wm_config(1000, 1), True),  # two kinds claim it
        (True, "experiments/notes.yaml", "notes: [1, 2]\n", False),  # the greedy kind's alone
    ],
    ids=["no kind claims it", "one kind claims it", "two kinds claim it", "only the greedy kind"],
)
def test_an_exemption_needs_exactly_one_claiming_kind(
    l4, gate, tmp_path, monkeypatch, claims, path, text, needed
):
    from gate import kinds

    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "gate_test_greedy_kind.py").write_text(
        GREEDY.format(claims=claims), encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(modules))
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    monkeypatch.setattr(kinds, "_origin", dict(kinds._origin))
    monkeypatch.delitem(sys.modules, "gate_test_greedy_kind", raising=False)
    pyproject = L4_PYPROJECT.format(extra='extra_kinds = ["gate_test_greedy_kind"]\n')
    l4.write("pyproject.toml", pyproject)
    l4.commit("greedy kind")
    l4.write(path, text)
    l4.add(path)
    check = gate("check")
    assert check.code == (1 if needed else 0), check
    assert ("no run card covers this gated file" in check.out) is needed
    sys.modules.pop("gate_test_greedy_kind", None)


# -- 3. parsing: every YAML value is handled or reported on its line ----------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("0x_", "'0x_' is not a valid !!int value"),  # the resolver's int, int() refuses it
        ("!!int abc", "'abc' is not a valid !!int value"),
        ("!!bool maybe", "'maybe' is not a valid !!bool value"),
        ("!!timestamp 2001-13-45", "is not a valid !!timestamp value"),
        ("9" * 5000, "a number of 5,000 digits"),
        ("!!binary aGVsbG8=", "!!binary values are not allowed"),
        ("!!set {a, b}", "!!set values are not allowed"),
        ("!!timestamp 2001-12-14", "!!timestamp values are not allowed"),
        ("!!omap [a: 1]", "!!omap values are not allowed"),
        (".nan", "nan is not a number JSON can hold"),
        ("1.0e+400", "inf is not a number JSON can hold"),
        (str(2**60), "past 2^53"),
        ("{<<: {a: 1}}", "merge keys (<<) are not allowed"),
        ("{1: a}", "key '1' is read as !!int, not text: quote it"),
        ("!!python/object:os.system {}", "!!python/object:os.system values are not allowed"),
    ],
)
def test_a_value_json_cannot_hold_is_a_card_finding_on_its_line(repo, gate, value, fragment):
    data = card_data()
    front = yamlio.dump(data).replace("  hidden_dim: 512\n", f"  hidden_dim: {value}\n")
    path = f"{CARDS}/policy-a.md"
    repo.experiment()
    repo.write(path, f"---\n{front}---\n\nbody\n")
    repo.commit("card")
    result = gate("check", "--all")
    assert result.code == 1, result
    where = f"{path}:{1 + line_of(front, '  hidden_dim: ')}: card: "  # the value's own line
    (finding,) = [line for line in result.out.splitlines() if line.startswith(where)]
    assert fragment in finding, result.out


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            "covers:\n- worldmodel/experiments/policy-a.yaml\n",
            "covers: true\n",
            "covers: True is not of type 'array'",
        ),
        ("launch:\n", "launch: 5\nx_launch:\n", "launch: 5 is not of type 'array'"),
        (
            "- worldmodel/experiments/policy-a.yaml\n",
            f"- {'x' * 5000}\n",
            "no file has a name that long",
        ),
        (
            "  games: 2000\n  est_total_frames",
            f"  games: {2**52}\n  est_total_frames",
            "estimate: data.est_total_frames",
        ),
    ],
    ids=["covers not a list", "launch not a list", "a 5,000-character path", "games at 2^52"],
)
def test_a_card_value_a_rule_did_not_expect_is_reported(repo, gate, old, new, fragment):
    text = card_text(card_data())
    assert old in text
    repo.experiment()
    repo.write(f"{CARDS}/policy-a.md", text.replace(old, new, 1))
    repo.commit("card")
    result = gate("check", "--all")
    assert result.code == 1, result
    assert "internal error" not in result.err
    assert fragment in result.out, result.out


@pytest.mark.parametrize(
    ("manifest", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply to read"),
        (
            json.dumps({**json.loads(manifest_json(2)), "game_md5s": ["\ud800", "a"]}),
            "game_md5s must be a list of md5 strings",
        ),
    ],
    ids=["nested 100,000 deep", "an md5 that is no text"],
)
def test_a_manifest_gate_cannot_read_blocks_naming_it(repo, gate, manifest, fragment):
    repo.experiment()
    repo.card(card_data())
    repo.write(MANIFEST_PATH, manifest)
    repo.commit("manifest")
    result = gate("check", "--all")
    assert result.code == 1, result
    assert fragment in result.out and MANIFEST_PATH in result.out, result.out


# -- the fuzzer ------------------------------------------------------------------------

SENTINEL = "GATE-FUZZ-SENTINEL"
# Every kind of YAML value: null, booleans, ints (huge, negative, octal, hex,
# sexagesimal), floats (nan, inf, huge), strings (empty, long, unicode, control
# characters, newlines), collections, tags (binary, set, timestamp, omap, python
# objects, local), merge keys, deep nesting, a 1 MiB string.
YAML_VALUES: dict[str, str] = {
    "null": "null",
    "tilde": "~",
    "true": "true",
    "yes": "yes",
    "off": "off",
    "zero": "0",
    "negative": "-5",
    "huge": "9" * 400,
    "huge-negative": "-" + "9" * 400,
    "digits-5000": "9" * 5000,
    "2^60": str(2**60),
    "nan": ".nan",
    "inf": ".inf",
    "-inf": "-.inf",
    "float-overflow": "1.0e+400",
    "float-huge": "1.0e+300",
    "half": "0.5",
    "negative-zero": "-0.0",
    "empty": "''",
    "long": "'" + "x" * 100_000 + "'",
    "unicode": "'\u202e\u00e9\U0001f600'",
    "control": '"a\\0b\\x1b[31m"',
    "newlines": '"a\\nb\\r\\nc"',
    "list": "[1, two, null]",
    "empty-list": "[]",
    "mapping": "{a: 1, b: [x]}",
    "empty-mapping": "{}",
    "int-keys": "{1: a, null: b, true: c}",
    "binary": "!!binary aGVsbG8=",
    "set": "!!set {a, b}",
    "timestamp": "2026-11-24 10:00:00",
    "timestamp-tag": "!!timestamp 2001-12-14",
    "timestamp-bad": "!!timestamp 2001-13-45",
    "date": "2026-11-24",
    "octal": "0o17",
    "octal-1.1": "017",
    "hex": "0x1F",
    "hex-bad": "0x_",
    "binary-int-bad": "0b_",
    "sexagesimal": "190:20:30",
    "underscores": "1_000",
    "int-tag-bad": "!!int abc",
    "bool-tag-bad": "!!bool maybe",
    "null-tag": "!!null ''",
    "str-tag": "!!str 12",
    "float-tag": "!!float 3",
    "merge": "{<<: {a: 1}, b: 2}",
    "omap": "!!omap [a: 1, b: 2]",
    "pairs": "!!pairs [a: 1, a: 2]",
    "python-object": "!!python/object:os.system {}",
    "python-name": "!!python/name:os.system ''",
    "local-tag": "!custom x",
    "deep-999": "[" * 999 + "]" * 999,
    "deep-5000": "[" * 5000 + "]" * 5000,
    "mib": "'" + "y" * (1024 * 1024) + "'",
    "parent-path": "'../../etc/passwd'",
    "absolute-path": "/etc/passwd",
}
JSON_VALUES: dict[str, str] = {
    "null": "null",
    "true": "true",
    "huge": "9" * 400,
    "negative": "-5",
    "zero": "0",
    "half": "0.5",
    "overflow": "1e999",
    "nan": "NaN",
    "inf": "Infinity",
    "empty": '""',
    "long": '"' + "x" * 100_000 + '"',
    "list": "[1, 2]",
    "mapping": '{"a": 1}',
    "deep": "[" * 100_000 + "]" * 100_000,
    "surrogate": '"\\ud800"',
}
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "worldmodel"
RUN_CONFIG = "worldmodel/experiments/mamba2-22k-ss.yaml"
SMOKE = "worldmodel/experiments/mamba2-2k-smoke.yaml"  # gated, no card: the exemption
PRIOR = "worldmodel/checkpoints/mamba2-k10-compare/manifest.json"
POLICY_CARD = f"{CARDS}/policy-a.md"
POLICY_CONFIG = "worldmodel/experiments/policy-a.yaml"


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:1]):  # the first items of a long list
            yield from _paths(value, (*prefix, index))


def _put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _structure(target: str, text: str) -> Any:
    if target.endswith(".json"):
        return json.loads(text)
    return yamlio.load(split(text)[0] if target.endswith(".md") else text).data


def _originals() -> dict[str, dict[str, str]]:
    """The files each fuzzed repository starts with (the run card as committed)."""
    return {
        "policy": {
            POLICY_CARD: card_text(card_data()),
            POLICY_CONFIG: CONFIG,
            MANIFEST_PATH: manifest_json(),
        },
        "run": {
            CARD: (EXAMPLE / CARD).read_text(encoding="utf-8"),
            RUN_CONFIG: (EXAMPLE / RUN_CONFIG).read_text(encoding="utf-8"),
            SMOKE: (EXAMPLE / SMOKE).read_text(encoding="utf-8"),
            PRIOR: (EXAMPLE / PRIOR).read_text(encoding="utf-8"),
        },
    }


# Each mutant's run (.ci/mutation) takes every GATE_FUZZ_EVERY-th case (4: each value
# kind still at one path or more).
EVERY = int(os.environ.get("GATE_FUZZ_EVERY", "1"))


def _cases() -> list[Any]:
    """Every path of every fuzzed file, each with one value kind; the value kinds taken
    in turn so that each is put at many paths (a few hundred cases in all)."""
    cases = []
    turn = 0
    for repo, files in _originals().items():
        for target, text in files.items():
            values = JSON_VALUES if target.endswith(".json") else YAML_VALUES
            names = list(values)
            for path in _paths(_structure(target, text)):
                name = names[turn % len(names)]
                turn += 1
                shown = ".".join(map(str, path))
                cases.append(
                    pytest.param(
                        repo, target, path, name, id=f"{target.rsplit('/', 1)[-1]}:{shown}={name}"
                    )
                )
    return cases[::EVERY]


def _dump(data: Any) -> str:
    """Block-style YAML, by libyaml where PyYAML has it (a fuzz case's file is written
    hundreds of times; gate's own writer is pure Python, for the same text everywhere)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100))


def mutated(target: str, text: str, path: tuple[Any, ...], name: str) -> str:
    """`text` with the value at `path` replaced by the YAML (or JSON) value `name`."""
    if target.endswith(".json"):
        dumped = json.dumps(_put(json.loads(text), path, SENTINEL))
        return dumped.replace(f'"{SENTINEL}"', JSON_VALUES[name])
    if target.endswith(".md"):
        front, _, body = split(text)
        dumped = _dump(_put(yamlio.load(front).data, path, SENTINEL))
        return f"---\n{dumped.replace(SENTINEL, YAML_VALUES[name])}---\n{body}"
    dumped = _dump(_put(yamlio.load(text).data, path, SENTINEL))
    return dumped.replace(SENTINEL, YAML_VALUES[name])


def _run(root: Path, *argv: str, who: str = "Ada Author") -> tuple[int, str, str]:
    """The CLI in-process, in `root`, as `who` (their key is git's signing key)."""
    out, err = io.StringIO(), io.StringIO()
    saved = {
        k: os.environ.get(k) for k in ("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0")
    }
    os.environ.update(
        GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="user.signingkey", GIT_CONFIG_VALUE_0=str(KEYS[who])
    )
    cwd = Path.cwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        os.chdir(cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Iterator[dict[str, Repo]]:
    """Two real repositories, built once: a policy card and a run card (the worldmodel
    example's, generated), each approved by every reviewer, `gate check --all` passing."""
    home = tmp_path_factory.mktemp("fuzz-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GIT_CONFIG_NOSYSTEM", raising=False)
        for key, value in (
            ("HOME", str(home)),
            ("GIT_CONFIG_SYSTEM", str(git_system_config(tmp_path_factory))),
            ("NO_COLOR", "1"),
            ("WANDB_MODE", "offline"),
        ):
            patch.setenv(key, value)
        base = tmp_path_factory.mktemp("fuzz")
        policy = Repo(base / "policy")
        policy.root.mkdir()
        policy.git("init", "-q", "-b", "main")
        policy.git("config", "commit.gpgsign", "false")
        policy.write("pyproject.toml", PYPROJECT)
        for path, text in _originals()["policy"].items():
            policy.write(path, text)
        policy.commit("policy card")
        for who in (SCAV, MATTIE):
            assert (
                _run(
                    policy.root,
                    "sign",
                    POLICY_CARD,
                    "--reviewer",
                    who[0],
                    "--date",
                    "2026-11-24",
                    who=who[0],
                )[0]
                == 0
            )
        policy.commit("signed")
        run = example_repo(base, "worldmodel", without=(CARD,))
        assert _run(run.root, *GENERATE)[0] == 0
        run.commit("run card")
        for who in (SCAV, MATTIE, SCAVIEFAE):
            assert (
                _run(
                    run.root, "sign", CARD, "--reviewer", who[0], "--date", "2026-11-24", who=who[0]
                )[0]
                == 0
            )
        run.commit("signed")
        repos = {"policy": policy, "run": run}
        for repo in repos.values():
            code, out, _ = _run(repo.root, "check", "--all")
            assert code == 0, out
        yield repos


@pytest.mark.parametrize(("which", "target", "path", "name"), _cases())
def test_fuzz_every_value_at_every_path_is_handled_or_reported(fuzzed, which, target, path, name):
    repo = fuzzed[which]
    original = repo.read(target)
    repo.write(target, mutated(target, original, path, name))
    try:
        # every tracked file as written: this case's, and the last case's restored
        repo.git("commit", "-q", "--no-verify", "--allow-empty", "-a", "-m", f"fuzz {target}")
        code, out, err = _run(repo.root, "check", "--all")
    finally:
        repo.write(target, original)  # committed with the next case
    assert code in (0, 1, 2), (code, err)
    assert "internal error" not in err and "Traceback" not in err, err[:500]
    if code == 2:
        assert target in err, err[:500]
    if code == 1:
        assert out.rstrip().splitlines()[-1].startswith("gate: BLOCKED"), out[-500:]
