"""The engine knows kinds only through the registry: a third, toy kind from a test-local
module, loaded with `[tool.gate] extra_kinds`, is checked, signed and exempted like the
built-in ones; and nothing in gate/ outside a kind's own modules compares card kinds."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
from cards import reviewer_entry
from conftest import MATTIE, SCAV

from gate import kinds

GATE = Path(__file__).resolve().parent.parent / "gate"
MODULE = "gate_test_toy_kind"
TOY_KIND = textwrap.dedent('''\
    """A toy card kind: a budget that must stay at 10 or under."""

    from gate.card.findings import Finding
    from gate.kinds import Kind, register
    SCHEMA = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "run_name", "status", "covers", "budget", "signoff"],
        "properties": {
            "kind": {"const": "toy"},
            "run_name": {"type": "string"},
            "status": {"type": "string"},
            "covers": {"type": "array", "items": {"type": "string"}},
            "budget": {"type": "integer"},
            "signoff": {"type": "array"},
        },
    }


    def render(data, required):
        return f"# Toy: {data.get('run_name')}\\n\\nBudget: {data.get('budget')}\\n"


    def collect(card, snapshot, config):
        lines = sum((snapshot.read(p) or b"").count(b"\\n") for p in card.data["covers"])
        # a kind's facts are whatever record its rules take; it reads the configuration
        return f"{lines} line(s) covered, {len(config.reviewers)} reviewer(s) configured"


    def rules(card, facts, config):
        found = []
        if card.data.get("budget", 0) > 10:
            found.append(Finding(card.path, card.line_of("budget"), "toy:budget",
                                 f"budget {card.data['budget']} is over 10 "
                                 f"({facts})", card=card.path))
        return found


    def claims(path, snapshot, config):
        return "a toy file" if path.endswith(".toy") else None


    def exempt(path, snapshot, config):
        if (snapshot.read(path) or b"").startswith(b"# free"):
            return "the toy kind says this file is free"
        return None


    register(Kind(name="toy", title="Toy Card", schema=lambda: SCHEMA, render=render,
                  collect=collect, rules=rules, exempt=exempt, claims=claims,
                  describe=lambda card, facts: f"budget {card.data.get('budget')}"))
''')
PYPROJECT = f"""\
[tool.gate]
cards_dir = "cards"
gated = ["toys/*.toy"]
extra_kinds = ["{MODULE}"]

[tool.gate.reviewers]
{reviewer_entry(SCAV)}{reviewer_entry(MATTIE)}"""
CARD = "cards/toy-a.md"


@pytest.fixture
def toy(repo, tmp_path, monkeypatch):
    """The repository with the toy kind's module importable and configured; the registry
    and sys.modules are restored afterwards."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / f"{MODULE}.py").write_text(TOY_KIND, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    repo.write("pyproject.toml", PYPROJECT)
    repo.commit("toy config")
    yield repo
    sys.modules.pop(MODULE, None)


def card(budget: int) -> str:
    return textwrap.dedent(f"""\
        ---
        kind: toy
        run_name: toy-a
        status: PENDING REVIEW
        covers:
        - toys/toy-a.toy
        budget: {budget}
        signoff: []
        ---
        <!-- gate:generated:begin (rendered from the front matter: edit the data, then run `gate render`) -->
        # Toy: toy-a

        Budget: {budget}
        <!-- gate:generated:end -->
        """)


def test_a_toy_kind_from_a_test_module_is_checked_signed_and_passes(toy, gate):
    toy.write("toys/toy-a.toy", "one\ntwo\n")
    toy.write(CARD, card(20))
    toy.add("toys/toy-a.toy", CARD)
    blocked = gate("check")
    assert blocked.code == 1
    assert (
        f"{CARD}:7: toy:budget: budget 20 is over 10 (2 line(s) covered, 2 reviewer(s) configured)"
        in blocked.out
    )
    assert "awaiting sign-off from Scav" in blocked.out
    toy.write(CARD, card(5))
    toy.add(CARD)
    waiting = gate("check")
    assert "toy:budget" not in waiting.out
    assert all(
        "sign-off" in line or "coverage" in line for line in waiting.out.splitlines()[:-1]
    ), waiting.out
    toy.commit("toy card")
    for who in (SCAV, MATTIE):
        assert gate("sign", CARD, "--reviewer", who[0], as_=who).code == 0
        toy.commit(f"{who[0]} signs", author=who)
    passed = gate("check", "--all")
    assert passed.code == 0, passed
    status = gate("status")
    assert "toy" in status.out and "budget 5" in status.out and "APPROVED" in status.out


def test_the_toy_kind_can_exempt_a_gated_file(toy, gate):
    toy.write("toys/free.toy", "# free\n")
    toy.add("toys/free.toy")
    result = gate("check")
    assert result.code == 0, result
    assert (
        "toys/free.toy: coverage (notice): no card needed: the toy kind says this file is free"
    ) in result.out
    assert json.loads(gate("check", "--format", "json").out)["findings"] == [
        {
            "path": "toys/free.toy",
            "line": 0,
            "rule": "coverage",
            "severity": "notice",
            "message": "no card needed: the toy kind says this file is free",
            "card": "",
        }
    ]


def test_without_extra_kinds_the_toy_kind_is_unknown(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace(f'extra_kinds = ["{MODULE}"]\n', ""))
    repo.write("toys/toy-a.toy", "one\n")
    repo.write(CARD, card(5))
    repo.add("pyproject.toml", "toys/toy-a.toy", CARD)
    result = gate("check")
    assert result.code == 1
    assert "'toy' is not a card kind gate knows (known: policy, run)" in result.out
    report = json.loads(gate("check", "--format", "json").out)
    assert report["cards"] == [{"path": CARD, "kind": "toy", "status": "?", "passed": False}]
    kind_line = card(5).split("\n").index("kind: toy") + 1
    assert {
        "path": CARD,
        "line": kind_line,
        "rule": "schema",
        "severity": "error",
        "message": "kind: 'toy' is not a card kind gate knows (known: policy, run)",
        "card": CARD,
    } in report["findings"]


# Comparisons with `kind` that are not about card kinds: the record type of a wandb run
# file.
NOT_CARD_KINDS = {
    ("sources/wandb_runs.py", 'if kind == "run":'),
    ("sources/wandb_runs.py", 'elif kind == "config":'),
    ("sources/wandb_runs.py", 'elif kind == "summary":'),
    ("sources/wandb_runs.py", 'elif kind == "history":'),
    ("sources/wandb_runs.py", 'elif kind == "exit":'),
}
# `kind ==`, `card.kind !=`, `kind.name ==`, `data["kind"] ==`, `== card.kind`, `== "policy"`
KIND_TEST = re.compile(
    r"""\bkind\b(\.name)?\s*[!=]=|["']kind["'](\]|\))\s*[!=]="""
    r"""|[!=]=\s*[\w.]*\bkind\b(\.name)?(?![\w.(])|[!=]=\s*["'](policy|run)["']"""
)


def test_no_card_kind_is_hard_wired_outside_its_own_modules():
    own = re.compile(rf"^kinds/({'|'.join(kinds.BUILTIN)})/\w+\.py$")
    found, allowed = [], set()
    for path in sorted(GATE.rglob("*.py")):
        where = path.relative_to(GATE).as_posix()
        if own.match(where):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not KIND_TEST.search(line):
                continue
            if (where, line.strip()) in NOT_CARD_KINDS:
                allowed.add((where, line.strip()))
            else:
                found.append(f"gate/{where}:{number}: {line.strip()}")
    assert found == []
    assert allowed == NOT_CARD_KINDS  # the exceptions are still what they say they are


@pytest.fixture
def toy_in_repo(repo, monkeypatch):
    """The toy kind as a module inside the repository (importable from its root)."""
    monkeypatch.syspath_prepend(str(repo.root))
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    monkeypatch.setattr(kinds, "_origin", dict(kinds._origin))
    repo.write(f"{MODULE}.py", TOY_KIND)
    repo.write("pyproject.toml", PYPROJECT)
    repo.commit("toy kind, in the repository")
    yield repo
    sys.modules.pop(MODULE, None)


@pytest.mark.parametrize(
    ("payload", "effect"),
    [
        # the PR's kind would wave its own card through
        ("\ndef rules(card, facts, config):\n    return []\n", "toy:budget"),
        # the PR's kind would run code in CI
        ("\nopen('PWNED', 'w').write('x')\n", "PWNED"),
    ],
)
def test_a_pull_request_cannot_run_or_change_the_kind_that_checks_it(
    toy_in_repo, gate, payload, effect
):
    repo = toy_in_repo
    repo.git("switch", "-q", "-c", "pr")
    toy = repo.read(f"{MODULE}.py")
    at = toy.index("register(Kind(")
    repo.write(f"{MODULE}.py", toy[:at] + payload + toy[at:])
    repo.write("toys/toy-a.toy", "one\n")
    repo.write(CARD, card(20))
    repo.commit("a card over budget, and a friendlier kind")
    sys.modules.pop(MODULE, None)
    result = gate("check", "--base", "main")
    assert result.code == 1
    assert f"{CARD}:7: toy:budget: budget 20 is over 10" in result.out  # main's rules
    assert not (repo.root / "PWNED").exists()


def test_a_kind_module_only_the_pull_request_has_is_refused(repo, gate, monkeypatch):
    monkeypatch.syspath_prepend(str(repo.root))
    repo.write("pyproject.toml", PYPROJECT)
    repo.commit("extra_kinds names a module nobody merged yet")
    repo.git("switch", "-q", "-c", "pr")
    repo.write(f"{MODULE}.py", TOY_KIND)
    repo.write("toys/toy-a.toy", "one\n")
    repo.commit("the module arrives with the PR")
    sys.modules.pop(MODULE, None)
    result = gate("check", "--base", "main")
    assert result.code == 2
    assert f"{MODULE}.py) is not in the merge-base" in result.err
    assert "merge the kind first" in result.err


def test_a_kind_cannot_silently_replace_another(toy, gate, tmp_path, monkeypatch):
    """A module registering a name that is taken is an error naming both modules."""
    modules = tmp_path / "thief"
    modules.mkdir()
    (modules / "gate_test_thief.py").write_text(
        TOY_KIND.replace('name="toy"', 'name="policy"'), encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(modules))
    monkeypatch.setattr(kinds, "_origin", dict(kinds._origin))
    toy.write("pyproject.toml", PYPROJECT.replace(f'["{MODULE}"]', '["gate_test_thief"]'))
    toy.write("toys/toy-a.toy", "one\n")
    toy.add("pyproject.toml", "toys/toy-a.toy")
    result = gate("check")
    sys.modules.pop("gate_test_thief", None)
    assert result.code == 2
    assert (
        "kind 'policy' registered by gate_test_thief is already registered by "
        "gate.kinds.policy" in result.err
    )


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("raise RuntimeError('no GPU table here')\n", "RuntimeError: no GPU table here"),
        ("import gate_no_such_dependency\n", "ModuleNotFoundError"),
        ("def broken(:\n", "SyntaxError"),
    ],
)
def test_a_failing_extra_kinds_module_is_named(repo, gate, tmp_path, monkeypatch, source, fragment):
    modules = tmp_path / "broken"
    modules.mkdir()
    (modules / "gate_test_broken.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    repo.write("pyproject.toml", PYPROJECT.replace(f'["{MODULE}"]', '["gate_test_broken"]'))
    repo.write("toys/toy-a.toy", "one\n")
    repo.add("pyproject.toml", "toys/toy-a.toy")
    result = gate("check")
    sys.modules.pop("gate_test_broken", None)
    assert result.code == 2
    assert "extra_kinds: importing 'gate_test_broken' failed" in result.err
    assert fragment in result.err


def test_a_kind_rendering_without_a_final_newline_keeps_the_end_marker_on_its_line(
    repo, tmp_path, monkeypatch, gate
):
    """A kind's `render` may end its text without a newline: the region's end marker
    still goes on a line of its own, `gate render` finds the card up to date, and check
    finds the region matching the data."""
    modules = tmp_path / "modules"
    modules.mkdir()
    source = TOY_KIND.replace("Budget: {data.get('budget')}\\n\"", "Budget: {data.get('budget')}\"")
    assert source != TOY_KIND
    (modules / f"{MODULE}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("toys/toy-a.toy", "one\n")
    repo.write(CARD, card(5))
    repo.commit("toy card")
    try:
        rendered = gate("render", CARD)
        checked = gate("check", CARD)
    finally:
        sys.modules.pop(MODULE, None)
    assert rendered.code == 0, rendered
    assert rendered.err.endswith("already up to date\n"), rendered
    assert repo.read(CARD) == card(5)
    assert ": render: " not in checked.out, checked
    assert f"{CARD}:4: sign-off: awaiting sign-off from Scav" in checked.out
