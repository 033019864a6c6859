"""Property-based (hypothesis): mutate a signed card, its covered config and launch
scripts, run the gate on the result, and hold three properties:

- the exit code is 0, 1 or 2, and nothing prints a traceback or an internal error;
- a mutation of the approved data (anything in the digest: the data without `signoff`,
  `status`, `results` and `launches`) or of a covered file never passes with the old
  approvals, even when the attacker re-renders the region and points every approval
  at the new digest;
- a sign-off entry passes only as the genuine approval (same reviewer, verdict and
  digest, and a signature that verifies with plain `ssh-keygen -Y verify`).

The oracle is written from the documentation (card-format.md), not from gate's code:
the card is split and its YAML read the documented way, the data compared strictly
(types included), a covered `path::function` compared through `ast`. A mutation of free
prose, or of a field outside the digest, may pass.

One signed repository is built per module; each example writes its mutation to the
working tree, runs `gate verify`, `gate check FILES` or the staged `gate check`
in-process, and puts every file (and the index) back. GATE_PROPERTY_EXAMPLES sets the
number of examples across the module (default 60, what CI runs; derandomized when
`CI` is set). By hand: `GATE_PROPERTY_EXAMPLES=20000 pytest tests/test_properties.py`.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import copy
import io
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from cards import (
    AUTHOR,
    CONFIG,
    KEYS,
    MANIFEST_PATH,
    MATTIE,
    PYPROJECT,
    SCAV,
    SCAVIEFAE,
    card_data,
    card_text,
    manifest_json,
    node_paths,
    public_key,
    sshsig_sign,
)
from conftest import git_system_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.cli import main
from gate.review.signature import approval_text

CARD = "worldmodel/docs/run-cards/policy-a.md"
CONFIG_PATH = "worldmodel/experiments/policy-a.yaml"
SHELL = "worldmodel/launch/policy-a.sh"
PYTHON = "worldmodel/scripts/train_policy.py"
FUNCTION = "train"
REVIEWERS = (SCAV[0], MATTIE[0])
UNSIGNED = frozenset({"signoff", "status", "results", "launches"})
BEGIN = "<!-- gate:generated:begin"
END = "<!-- gate:generated:end -->"

SHELL_TEXT = """\
#!/usr/bin/env bash
set -euo pipefail
.venv/bin/python -m worldmodel.scripts.train_policy --config worldmodel/experiments/policy-a.yaml "$@"
"""

PYTHON_TEXT = '''\
"""Launch the policy's training."""

import subprocess

DEVICE = "mps"
EPOCHS = 10
UNUSED = "read by no function"


def retry(function):
    return function


def helper(x):
    return x * 2


@retry
def train(config: str = "worldmodel/experiments/policy-a.yaml") -> int:
    """Train the policy: the function the card approves."""
    args = ["python", "-m", "train_policy", "--config", config, "--device", DEVICE]
    return subprocess.call([*args, "--epochs", str(EPOCHS)])


def evaluate():
    return helper(3)
'''

TOTAL = int(os.environ.get("GATE_PROPERTY_EXAMPLES", "60"))


def share(fraction: float) -> settings:
    return settings(
        max_examples=max(1, round(TOTAL * fraction)),
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# -- the oracle: the card format as documented ---------------------------------------------


class _Loader(yaml.CSafeLoader):  # type: ignore[misc]
    """YAML as card-format.md says gate reads it: safe, dates kept as the text written."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


class Split(NamedTuple):
    front: str
    body: str


def split_card(raw: bytes) -> Split | None:
    """Front matter and body the documented way (UTF-8, a BOM dropped, a first line `---`,
    the next `---` or `...` line closes it), or None when the card is not one."""
    if len(raw) > 1024 * 1024:
        return None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return Split("\n".join(lines[1:number]) + "\n", "\n".join(lines[number + 1 :]))
    return None


def card_data_of(raw: bytes) -> dict[str, Any] | None:
    parts = split_card(raw)
    if parts is None:
        return None
    try:
        data = yaml.load(parts.front, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def same(a: Any, b: Any) -> bool:
    """Equal, types included (1, 1.0 and True are three values), key order aside."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        keys = sorted((type(k).__name__, repr(k)) for k in a)
        if keys != sorted((type(k).__name__, repr(k)) for k in b):
            return False
        return all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return repr(a) == repr(b)
    return bool(a == b)


def approved_part(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in UNSIGNED}


def function_segment(raw: bytes | None) -> str | None:
    """The covered function's source with its decorators (an `ast` source segment), or
    None when there is not exactly one top-level definition of it to read."""
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
        tree = ast.parse(text)
    except (UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    defs = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and n.name == FUNCTION
    ]
    if len(defs) != 1:
        return None
    node = defs[0]
    parts = [ast.get_source_segment(text, d) or "" for d in node.decorator_list]
    return "\n".join([*parts, ast.get_source_segment(text, node) or ""])


def verifies(reviewer: str, verdict: str, digest: str, signature: str, tmp: Path) -> bool:
    """What OpenSSH says of the signature (README, "Check by hand")."""
    allowed, sig = tmp / "allowed_signers", tmp / "approval.sig"
    allowed.write_text(f"{reviewer} {public_key(reviewer)}\n")
    sig.write_text(signature)
    text = f"gate-approval-v1\nreviewer: {reviewer}\nverdict: {verdict}\ndigest: {digest}\n"
    argv = ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", reviewer]
    result = subprocess.run(
        [*argv, "-n", "gate-run-card", "-s", str(sig)],
        input=text.encode(),
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


# -- the signed repository ---------------------------------------------------------------


class World(NamedTuple):
    root: Path
    originals: dict[str, bytes]  # every file a mutation may touch, as committed
    data: dict[str, Any]  # the signed card's data
    entries: dict[str, dict[str, Any]]  # reviewer -> their genuine sign-off entry
    digest: str
    segment: str  # the covered function, as approved
    signatures: dict[str, list[str]]  # reviewer -> signatures a mutation may put in
    scratch: Path

    def __repr__(self) -> str:  # hypothesis prints it with every failing example
        return f"World({self.root})"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def _isolate(mp: pytest.MonkeyPatch, home: Path, system: Path) -> None:
    mp.delenv("GIT_CONFIG_NOSYSTEM", raising=False)
    for name, value in {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_SYSTEM": str(system),
        "NO_COLOR": "1",
        "WANDB_MODE": "offline",
        "GIT_AUTHOR_NAME": AUTHOR[0],
        "GIT_AUTHOR_EMAIL": AUTHOR[1],
        "GIT_COMMITTER_NAME": AUTHOR[0],
        "GIT_COMMITTER_EMAIL": AUTHOR[1],
    }.items():
        mp.setenv(name, value)
    for name in (
        "GIT_DIR",
        "GIT_INDEX_FILE",
        "GIT_WORK_TREE",
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_TO_REF",
        "PRE_COMMIT_REMOTE_BRANCH",
        "GITHUB_ACTIONS",
    ):
        mp.delenv(name, raising=False)


def run_gate(root: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def _forgeries(name: str, digest: str, genuine: str) -> list[str]:
    """Signatures an author could put in `name`'s entry: each must fail, except the
    genuine one re-wrapped (the same bytes)."""
    other = next(r for r in REVIEWERS if r != name)
    old = "sha256:" + "0" * 64
    body = "".join(genuine.strip().split("\n")[1:-1])
    wrapped = "\n".join(body[i : i + 60] for i in range(0, len(body), 60))
    flipped = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]
    return [
        genuine,
        f"-----BEGIN SSH SIGNATURE-----\n{wrapped}\n-----END SSH SIGNATURE-----\n",
        sshsig_sign(other, approval_text(other, "approved", digest)),
        sshsig_sign(other, approval_text(name, "approved", digest)),
        sshsig_sign(AUTHOR[0], approval_text(name, "approved", digest)),
        sshsig_sign(SCAVIEFAE[0], approval_text(name, "approved", digest)),
        sshsig_sign(name, approval_text(name, "approved", old)),
        sshsig_sign(name, approval_text(name, "blocked", digest)),
        sshsig_sign(name, approval_text(name, "approved", digest), namespace="git"),
        genuine[: len(genuine) // 2] + "\n-----END SSH SIGNATURE-----\n",
        f"-----BEGIN SSH SIGNATURE-----\n{flipped}\n-----END SSH SIGNATURE-----\n",
        "",
    ]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("properties")
    root = base / "repo"
    root.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, base / "home", git_system_config(tmp_path_factory))
        _git(root, "init", "-q", "-b", "main")
        _git(root, "config", "commit.gpgsign", "false")
        data = card_data(covers=[CONFIG_PATH, SHELL, f"{PYTHON}::{FUNCTION}"])
        files = {
            "pyproject.toml": PYPROJECT,
            MANIFEST_PATH: manifest_json(),
            CONFIG_PATH: CONFIG,
            SHELL: SHELL_TEXT,
            PYTHON: PYTHON_TEXT,
            CARD: card_text(data),
        }
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        for name in REVIEWERS:
            signed = run_gate(root, "sign", CARD, "--reviewer", name, "--key", str(KEYS[name]))
            assert signed[0] == 0, signed
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "a signed card")
        for argv in (("check", "--all"), ("verify", CARD), ("check", CARD, CONFIG_PATH)):
            assert run_gate(root, *argv)[0] == 0, argv
        originals = {path: (root / path).read_bytes() for path in files}
        signed_data = card_data_of(originals[CARD])
        assert signed_data is not None
        entries = {e["reviewer"]: e for e in signed_data["signoff"]}
        digest = entries[SCAV[0]]["digest"]
        segment = function_segment(originals[PYTHON])
        assert segment is not None
        signatures = {n: _forgeries(n, digest, entries[n]["signature"]) for n in REVIEWERS}
        scratch = base / "scratch"
        scratch.mkdir()
        yield World(root, originals, signed_data, entries, digest, segment, signatures, scratch)
    report = os.environ.get("GATE_PROPERTY_REPORT")  # the figures of a long run by hand
    if report:
        Path(report).write_text(json.dumps(RUNS, indent=2, sort_keys=True) + "\n")


# -- the verdict the oracle allows -------------------------------------------------------


def judged(world: World, files: dict[str, bytes | None], scope: str) -> bool:
    """Whether the scope judges the card at all. `gate verify` and `gate check CARD ...`
    always do. A staged check judges the cards in the change and those covering a file
    it adds, modifies or deletes (docs/rules.md, rule 1): a gated file, and a covered
    file outside the `gated` globs (the Python script) alike."""
    if scope != "staged":
        return True
    return any(files[p] != world.originals[p] for p in (CARD, CONFIG_PATH, SHELL, PYTHON))


def may_pass(world: World, files: dict[str, bytes | None]) -> tuple[bool, str]:
    """Whether passing is allowed for these files, and if not, why (for the report)."""
    for path in (CONFIG_PATH, SHELL):
        if files[path] != world.originals[path]:
            return False, f"covered file {path} changed"
    if function_segment(files[PYTHON]) != world.segment:
        return False, f"covered function {PYTHON}::{FUNCTION} changed"
    raw = files[CARD]
    data = card_data_of(raw) if raw is not None else None
    if data is None:
        return False, "the card is not a card"
    if not same(approved_part(data), approved_part(world.data)):
        return False, "the approved data changed"
    if data.get("status") != "APPROVED":
        return False, "the card claims another status than its approvals give"
    entries = data.get("signoff")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return False, "the sign-off is not a list of entries"
    names = [e.get("reviewer") for e in entries]
    if sorted(map(str, names)) != sorted(REVIEWERS):
        return False, f"the sign-off names {names}, not each reviewer once"
    for entry in entries:
        name = entry["reviewer"]
        genuine = world.entries[name]
        if entry.get("verdict") != "approved" or entry.get("digest") != genuine["digest"]:
            return False, f"{name}'s entry approves something else"
        signature = entry.get("signature")
        if signature == genuine["signature"]:
            continue
        if not isinstance(signature, str):
            return False, f"{name}'s signature is not a text"
        if verifies(name, "approved", genuine["digest"], signature, world.scratch):
            continue
        return False, f"{name}'s signature is not theirs for this approval"
    return True, ""


# -- mutations ---------------------------------------------------------------------------

SPECIAL = list(" :-_[]{}#&*!|>'\"%@`,.?~\\/\t\n=+0123456789abcxyzAZ")
TEXT = st.lists(
    st.one_of(
        st.sampled_from(SPECIAL),
        st.characters(codec="utf-8"),
        st.sampled_from(["\r", "\r\n", "\x00", "\ufeff", "\u2028", "\x85", "é", "---", "..."]),
    ),
    max_size=10,
).map("".join)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


def near(value: Any) -> list[Any]:
    """Values a careless or hurried edit turns `value` into: another type, one off."""
    out: list[Any] = [str(value), None, [value], {"value": value}]
    if isinstance(value, bool):
        out += [not value, int(value), str(value).lower()]
    elif isinstance(value, int):
        out += [value + 1, value - 1, float(value), -value, value * 10]
    elif isinstance(value, float):
        out += [value * 1.0001, int(value), str(value), value + 1e-12]
    elif isinstance(value, str):
        out += [value + " ", value.upper(), value[:-1], value + "\n", "x" + value, f"{value}1"]
        if value.isdigit():
            out.append(int(value))
    elif isinstance(value, list):
        out += [value[:-1], [*value, *value[-1:]], list(reversed(value)), []]
    elif isinstance(value, dict):
        out += [{}, dict(list(value.items())[:-1])]
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def edit_data(draw: Callable[..., Any], data: dict[str, Any], m: Mutation) -> dict[str, Any]:
    """One structural edit anywhere in the data: a value, a key, an item."""
    data = copy.deepcopy(data)
    everywhere = node_paths(data)
    if not everywhere:
        data[draw(TEXT)] = draw(VALUES)
        m.steps.append("card: a field added to empty data")
        return data
    path = draw(st.sampled_from(everywhere))
    parent, last = _get(data, path[:-1]), path[-1]
    value = parent[last]
    action = draw(st.sampled_from(["near", "any", "delete", "rename", "add", "duplicate"]))
    m.steps.append(f"card: {action} at {'.'.join(map(str, path))}")
    if action == "near":
        parent[last] = draw(st.sampled_from(near(value)))
    elif action == "any":
        parent[last] = draw(VALUES)
    elif action == "delete":
        del parent[last]
    elif action == "rename" and isinstance(parent, dict):
        parent[draw(st.sampled_from([str(last).upper(), f"{last}_", f" {last}", "kind"]))] = (
            parent.pop(last)
        )
    elif action == "add" and isinstance(parent, dict):
        parent[draw(TEXT)] = draw(VALUES)
    elif isinstance(parent, list):
        parent.insert(last, value)
    return data


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def rendered(data: dict[str, Any]) -> str | None:
    """The region gate would render for `data` (an attacker makes it match)."""
    from gate import kinds

    kind = kinds.get("policy")
    assert kind is not None
    try:
        return kind.render(data, REVIEWERS)
    except Exception:  # the data is not a card's: keep the old region
        return None


def covered_contents(files: dict[str, bytes | None]) -> list[tuple[str, bytes | None]]:
    """What gate's digest reads for each `covers` entry, from these files."""
    from gate.sources.python_function import FunctionProblem, function_source

    try:
        text = (files[PYTHON] or b"").decode("utf-8")
        function: bytes | None = function_source(text, FUNCTION, where=PYTHON)
    except (UnicodeDecodeError, FunctionProblem, ValueError, RecursionError):
        function = None
    return [
        (CONFIG_PATH, files[CONFIG_PATH]),
        (SHELL, files[SHELL]),
        (f"{PYTHON}::{FUNCTION}", function),
    ]


def with_front(raw: bytes, front: str, region: str | None) -> bytes:
    parts = split_card(raw)
    assert parts is not None
    body = parts.body
    if region is not None and BEGIN in body and END in body:
        start = body.index("\n", body.index(BEGIN)) + 1
        body = body[:start] + region + body[body.index(END, start) :]
    return f"---\n{front}---\n{body}".encode()


class Mutation:
    """Files after one example's edits, and what was done (the repr hypothesis prints)."""

    def __init__(self, world: World) -> None:
        self.files: dict[str, bytes | None] = dict(world.originals)
        self.steps: list[str] = []

    def __repr__(self) -> str:
        return "Mutation(" + "; ".join(self.steps)[:2000] + ")"


def structural(draw: Callable[..., Any], world: World, m: Mutation) -> None:
    """The card with its data edited (or its sign-off): then, as an attacker would, the
    region re-rendered and each approval pointed at the new digest."""
    raw = m.files[CARD]
    data = card_data_of(raw) if raw is not None else None
    if raw is None or data is None:
        return
    target = draw(st.sampled_from(["data", "signoff", "signature"]))
    entries = data.get("signoff")
    if target == "signature" and isinstance(entries, list) and entries:
        index = draw(st.integers(0, len(entries) - 1))
        if isinstance(entries[index], dict):
            name = entries[index].get("reviewer")
            pool = world.signatures.get(name if isinstance(name, str) else "", [])
            pick = draw(st.integers(0, len(pool or world.signatures[SCAV[0]]) - 1))
            entries[index]["signature"] = (pool or world.signatures[SCAV[0]])[pick]
            m.steps.append(f"card: signature of entry {index} <- forgery {pick}")
    elif target == "signoff" and isinstance(entries, list) and entries:
        data["signoff"] = edit_data(draw, {"signoff": entries}, m).get("signoff")
        if isinstance(data["signoff"], list) and draw(st.booleans()):  # someone else, or a copy
            extra = dict(world.entries[draw(st.sampled_from(REVIEWERS))])
            extra["reviewer"] = draw(st.sampled_from([*REVIEWERS, AUTHOR[0], "scav", "Scav "]))
            data["signoff"].append(extra)
            m.steps.append(f"card: an extra entry for {extra['reviewer']!r}")
    else:
        data = edit_data(draw, data, m)
    if draw(st.booleans()) and isinstance(data.get("signoff"), list):
        from gate.card.digest import card_digest

        try:
            digest = card_digest(data, covered_contents(m.files))
        except Exception:  # the data is no longer digestible
            digest = None
        resign = draw(st.booleans())  # and signed again, with the author's own key
        for entry in data["signoff"]:
            if digest is not None and isinstance(entry, dict):
                entry["digest"] = digest
                name = entry.get("reviewer")
                if resign and isinstance(name, str) and "\n" not in name:
                    text = approval_text(name, str(entry.get("verdict")), digest)
                    entry["signature"] = sshsig_sign(AUTHOR[0], text)
        m.steps.append(f"card: approvals pointed at the new digest{', author-signed' * resign}")
    try:
        front = dump(data)
    except (yaml.YAMLError, RecursionError):
        m.steps.append("card: (the edited data does not dump; left alone)")
        return
    region = rendered(data) if draw(st.booleans()) else None
    m.steps.append("card: region re-rendered" if region is not None else "card: region kept")
    m.files[CARD] = with_front(raw, front, region)


EDITS = [
    "delete",
    "duplicate",
    "insert",
    "replace",
    "span",
    "indent",
    "dedent",
    "swap",
    "bytes",
    "cut",
    "crlf",
    "bom",
    "truncate",
]


def edit_lines(draw: Callable[..., Any], m: Mutation, path: str) -> None:
    """One edit of a file's text as an editor makes it: a line, a span, bytes."""
    raw = m.files[path] or b""
    lines = raw.split(b"\n")
    at = draw(st.integers(0, len(lines) - 1))
    line = lines[at]
    action = draw(st.sampled_from(EDITS))
    new_text = draw(TEXT).encode("utf-8", "surrogatepass")
    m.steps.append(f"{path}: {action} at line {at + 1} ({new_text!r})")
    if action == "delete":
        del lines[at]
    elif action == "duplicate":
        lines.insert(at, line)
    elif action == "insert":
        lines.insert(at, new_text)
    elif action == "replace":
        lines[at] = new_text
    elif action == "span":
        start = draw(st.integers(0, len(line)))
        end = draw(st.integers(start, min(len(line), start + 8)))
        lines[at] = line[:start] + new_text + line[end:]
    elif action == "indent":
        lines[at] = b"  " + line
    elif action == "dedent":
        lines[at] = line[1:] if line[:1] in (b" ", b"\t") else b" " + line
    elif action == "swap" and at + 1 < len(lines):
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    elif action == "bytes":
        offset = draw(st.integers(0, len(raw)))
        m.files[path] = raw[:offset] + draw(st.binary(min_size=1, max_size=6)) + raw[offset:]
        return
    elif action == "cut":
        offset = draw(st.integers(0, len(raw)))
        m.files[path] = raw[:offset] + raw[offset + draw(st.integers(1, 16)) :]
        return
    elif action == "crlf":
        m.files[path] = raw.replace(b"\n", b"\r\n")
        return
    elif action == "bom":
        m.files[path] = b"\xef\xbb\xbf" + raw
        return
    elif action == "truncate":
        m.files[path] = raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
        return
    m.files[path] = b"\n".join(lines)


@st.composite
def card_mutations(draw: Callable[..., Any], world: World) -> Mutation:
    m = Mutation(world)
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            structural(draw, world, m)
        else:
            edit_lines(draw, m, CARD)
    return m


@st.composite
def file_mutations(draw: Callable[..., Any], world: World) -> Mutation:
    m = Mutation(world)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([CONFIG_PATH, SHELL, PYTHON, PYTHON, MANIFEST_PATH]))
        if draw(st.integers(0, 15)) == 0:
            m.files[path] = None
            m.steps.append(f"{path}: deleted")
        else:
            edit_lines(draw, m, path)
    if draw(st.booleans()):  # and the card, an attacker re-pointing its approvals
        structural(draw, world, m)
    return m


SCOPES = ["verify", "verify-covered", "files", "staged"]
RUNS: dict[str, int] = {}  # runs per scope and per exit code, for the closing figures


def attempt(world: World, files: dict[str, bytes | None], scope: str) -> tuple[int, str]:
    """Write the mutation, run the gate in `scope`, put everything back."""
    root = world.root
    changed = [p for p, raw in files.items() if raw != world.originals[p]]
    for path in changed:
        raw = files[path]
        if raw is None:
            (root / path).unlink()
        else:
            (root / path).write_bytes(raw)
    try:
        if scope in ("files", "staged") and changed:
            _git(root, "add", "-A", "--", *changed)
        if scope == "verify":
            return run_gate(root, "verify", CARD)
        if scope == "verify-covered":
            return run_gate(root, "verify", CONFIG_PATH, SHELL, PYTHON)
        if scope == "files":
            return run_gate(root, "check", CARD, CONFIG_PATH, SHELL, PYTHON)
        return run_gate(root, "check")
    finally:
        for path in changed:
            (root / path).write_bytes(world.originals[path])
        if scope in ("files", "staged") and changed:
            _git(root, "add", "--", *changed)


def judge(world: World, files: dict[str, bytes | None], scope: str) -> None:
    code, output = attempt(world, files, scope)
    allowed, why = may_pass(world, files) if judged(world, files, scope) else (True, "")
    for counted in (scope, f"exit {code}", "must not pass" if not allowed else "may pass"):
        RUNS[counted] = RUNS.get(counted, 0) + 1
    assert code in (0, 1, 2), output
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert code != 0 or allowed, f"passed ({scope}) although {why}:\n{output}"


# -- the properties ----------------------------------------------------------------------


@share(0.5)
@given(data=st.data())
def test_a_mutated_card_never_passes_with_the_old_approvals(world, data):
    mutation = data.draw(card_mutations(world), label="mutation")
    judge(world, mutation.files, data.draw(st.sampled_from(SCOPES), label="scope"))


@share(0.5)
@given(data=st.data())
def test_a_mutated_config_or_launch_script_never_passes_with_the_old_approvals(world, data):
    mutation = data.draw(file_mutations(world), label="mutation")
    judge(world, mutation.files, data.draw(st.sampled_from(SCOPES), label="scope"))


def test_the_oracle_lets_the_signed_card_pass_and_stops_a_forgery(world):
    """The harness itself: the untouched card passes everywhere; a re-wrapped signature
    passes; one data edit with a re-rendered region and re-pointed approvals is stopped."""
    for scope in SCOPES:
        judge(world, dict(world.originals), scope)
        assert attempt(world, dict(world.originals), scope)[0] == 0
    rewrapped = dict(world.originals)
    genuine = world.entries[SCAV[0]]["signature"]
    text = (world.originals[CARD] or b"").decode()
    indented = "\n".join("      " + line for line in world.signatures[SCAV[0]][1].splitlines())
    start = text.index("      -----BEGIN SSH SIGNATURE-----")
    end = text.index("-----END SSH SIGNATURE-----", start) + len("-----END SSH SIGNATURE-----")
    assert genuine.strip().startswith("-----BEGIN")
    rewrapped[CARD] = (text[:start] + indented + text[end:]).encode()
    assert may_pass(world, rewrapped)[0]
    assert attempt(world, rewrapped, "verify")[0] == 0

    forged = dict(world.originals)
    data = json.loads(json.dumps(world.data))
    data["training"]["epochs"] = 11
    from gate.card.digest import card_digest

    new = card_digest(data, covered_contents(forged))
    for entry in data["signoff"]:
        entry["digest"] = new
    forged[CARD] = with_front(world.originals[CARD], dump(data), rendered(data))
    assert not may_pass(world, forged)[0]
    for scope in SCOPES:
        code, output = attempt(world, forged, scope)
        assert code == 1, output
        assert re.search(r"signature: the signature of \w+'s approval does not match", output)


def test_the_forgery_pool_holds_only_one_verifying_signature_per_reviewer(world):
    for name in REVIEWERS:
        pool = world.signatures[name]
        good = [s for s in pool if verifies(name, "approved", world.digest, s, world.scratch)]
        assert len(good) == 2  # the genuine one and its re-wrapped twin
        assert base64.b64decode("".join(good[0].strip().split("\n")[1:-1])) == base64.b64decode(
            "".join(good[1].strip().split("\n")[1:-1])
        )


def test_a_damaged_wrapping_of_a_genuine_signature_is_refused_as_openssh_does(world):
    from gate.review.signature import problem

    damaged = world.signatures[SCAV[0]][10]  # one base64 character of the key's length
    assert not verifies(SCAV[0], "approved", world.digest, damaged, world.scratch)
    assert problem(SCAV[0], "approved", world.digest, damaged, (public_key(SCAV[0]),))
