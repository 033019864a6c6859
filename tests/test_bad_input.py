"""Bad input: a finding naming file, line and field, a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os

import pytest
from conftest import MANIFEST_PATH, card_data, card_text

CARD = "worldmodel/docs/run-cards/policy-a.md"
CONFIG_PATH = "worldmodel/experiments/policy-a.yaml"


def _valid() -> str:
    return card_text(card_data())


def _replace(old: str, new: str):
    return lambda text: text.replace(old, new, 1)


CASES = [
    (
        "no front matter",
        lambda t: t.split("---\n", 2)[2],
        1,
        ": card: no YAML front matter: a card starts with a `---` line",
    ),
    (
        "unterminated",
        lambda t: t.replace("\n---\n<!--", "\n<!--", 1),
        1,
        "front matter is not terminated",
    ),
    # YAML notices the unclosed `[` on the next key's line, and gate names that line
    ("yaml syntax", _replace("goal: Pair", "goal: [Pair"), "covers:", "YAML syntax error"),
    (
        "alias bomb",
        _replace("goal: Pair a policy with the 2K world model.", "goal: &g Pair\nnote: *g"),
        6,
        "anchors and aliases are not allowed",
    ),
    (
        "not a mapping",
        lambda t: "---\n- just\n- a list\n---\nbody\n",
        2,
        ": card: front matter must be a mapping of fields, not a list",
    ),
    (
        "empty front matter",
        lambda t: "---\n---\nbody\n",
        2,
        ": card: front matter must be a mapping of fields, not empty",
    ),
    ("unknown field", _replace("goal: Pair", "gaol: typo\ngoal: Pair"), 6, "gaol: unknown field"),
    (
        "wrong type",
        _replace("  epochs: 10", "  epochs: ten"),
        29,
        "training.epochs: 'ten' is not of type 'integer'",
    ),
    (
        "covers with ..",
        _replace("- worldmodel/experiments/policy-a.yaml", "- ../outside/config.yaml"),
        8,
        "covers[0]: '../outside/config.yaml'",
    ),
    (
        "covers absolute",
        _replace("- worldmodel/experiments/policy-a.yaml", "- /etc/passwd"),
        8,
        "covers[0]: '/etc/passwd'",
    ),
    (
        "unconfigured reviewer",
        _replace(
            "signoff: []",
            "signoff:\n- {reviewer: Mallory, verdict: "
            "approved, date: '2026-11-24', digest: 'sha256:" + "0" * 64 + "'}",
        ),
        "reviewer: Mallory",
        "'Mallory' is not a configured reviewer",
    ),
    (
        "digest mismatch",
        _replace(
            "signoff: []",
            "signoff:\n- {reviewer: Scav, verdict: "
            "approved, date: '2026-11-24', digest: 'sha256:" + "0" * 64 + "'}",
        ),
        "reviewer: Scav",
        "approval by Scav is stale",
    ),
    (
        "ticked box",
        _replace("- [ ] Scav reviewed", "- [x] Scav reviewed"),
        "- [x] Scav reviewed",
        "checkbox for Scav is ticked but the data holds no approval by Scav",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "line", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_card_blocks_with_file_line_and_field(repo, gate, mutate, line, fragment):
    """`line` is the finding's line, or text: the line of the card that holds it."""
    text = mutate(_valid())
    if isinstance(line, str):
        line = next(i for i, row in enumerate(text.splitlines(), 1) if line in row)
    repo.experiment()
    repo.write(CARD, text)
    repo.add(CARD, CONFIG_PATH)
    result = gate("check")
    assert result.code == 1, result
    matching = [row for row in result.out.splitlines() if fragment in row]
    assert matching, result.out
    assert matching[0].startswith(f"{CARD}:{line}:"), (line, matching)
    assert "Traceback" not in result.out + result.err


def test_non_utf8_card(repo, gate):
    repo.experiment()
    repo.write(CARD, _valid().encode() + b"\n\xff\xfe bad bytes\n")
    repo.add(CARD, CONFIG_PATH)
    result = gate("check")
    assert result.code == 1
    line = _valid().count("\n") + 2
    assert (
        f"{CARD}:{line}: card: not UTF-8 (byte {len(_valid().encode()) + 1}: invalid start byte)\n"
    ) in result.out, result.out
    report = json.loads(gate("check", "--format", "json").out)
    assert {"path": CARD, "kind": "?", "status": "?", "passed": False} in report["cards"]
    assert [f["card"] for f in report["findings"] if f["rule"] == "card"] == [CARD]


def test_a_card_with_a_byte_order_mark_reads_as_without(repo, gate):
    """Windows editors may start a UTF-8 file with U+FEFF: the card still starts with
    its `---` line."""
    repo.experiment()
    repo.write(CARD, b"\xef\xbb\xbf" + _valid().encode())
    repo.add(CARD, CONFIG_PATH)
    marked = gate("check")
    repo.write(CARD, _valid())
    repo.add(CARD)
    assert marked.out == gate("check").out
    assert "front matter" not in marked.out


def test_a_card_of_exactly_one_mebibyte_is_read(repo, gate):
    repo.experiment()
    text = _valid()
    text += "x" * (1024 * 1024 - len(text.encode()) - 1) + "\n"
    assert len(text.encode()) == 1024 * 1024
    repo.write(CARD, text)
    repo.add(CARD, CONFIG_PATH)
    result = gate("check")
    assert result.code == 1  # awaiting sign-off
    assert "over the 1 MiB limit" not in result.out
    assert f"{CARD}:5: sign-off: awaiting sign-off from Scav" in result.out


def test_card_over_one_mebibyte(repo, gate):
    """The size is the file's as a whole: the finding names no line."""
    repo.experiment()
    text = _valid() + "x" * (1024 * 1024)
    repo.write(CARD, text)
    repo.add(CARD, CONFIG_PATH)
    result = gate("check")
    assert result.code == 1
    size = len(text.encode())
    assert f"{CARD}: card: card is {size:,} bytes, over the 1 MiB limit\n" in result.out


def test_covered_symlink_pointing_outside(repo, gate, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("model: {}\n")
    (repo.root / "worldmodel/experiments").mkdir(parents=True)
    (repo.root / "worldmodel/experiments/linked.yaml").symlink_to(outside)
    data = card_data(covers=["worldmodel/experiments/linked.yaml"])
    repo.write(CARD, card_text(data))
    repo.add(CARD, "worldmodel/experiments/linked.yaml")
    result = gate("check")
    assert result.code == 1
    assert "is a symlink to" in result.out and "outside the repository" in result.out


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (
            "{not json",
            "not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
            "(char 1))",
        ),
        (
            '{"config": {"data": {}}}',
            "has no game count: config.data.num_games_loaded must be a whole number",
        ),
        (
            '{"config": {"data": {"num_games_loaded": "many"}}}',
            "has no game count: config.data.num_games_loaded must be a whole number, got 'many'",
        ),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_bad_manifest_blocks(repo, gate, manifest, problem):
    """Named on the card's `manifest:` line, with the manifest's path and what is wrong."""
    repo.write(MANIFEST_PATH, manifest)
    repo.experiment()
    repo.write(CARD, _valid())
    repo.add(CARD, CONFIG_PATH, MANIFEST_PATH)
    result = gate("check")
    assert result.code == 1
    line = _valid().splitlines().index(f"  manifest: {MANIFEST_PATH}") + 1
    assert (
        f"{CARD}:{line}: distribution: world-model manifest '{MANIFEST_PATH}' {problem}"
    ) in result.out.splitlines(), result.out


def test_manifest_path_leaving_the_repository(repo, gate):
    data = card_data()
    data["world_model"]["manifest"] = "../elsewhere/manifest.json"
    repo.experiment()
    repo.write(CARD, card_text(data))
    repo.add(CARD, CONFIG_PATH)
    result = gate("check")
    assert result.code == 1
    assert "world_model.manifest" in result.out
    assert "leaves the repository" in result.out


def test_malformed_covered_config(repo, gate):
    repo.experiment(text="model: [unclosed\n")
    repo.write(CARD, _valid())
    repo.add(CARD, CONFIG_PATH)
    result = gate("check")
    assert result.code == 1
    assert f"covered config '{CONFIG_PATH}' cannot be read" in result.out


def test_internal_error_exits_2_with_a_short_message(repo, gate, monkeypatch):
    from gate.check import engine

    def boom(scope):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(engine, "run", boom)
    repo.experiment()
    repo.add(CONFIG_PATH)
    result = gate("check")
    assert result.code == 2
    assert result.err.strip() == (
        "gate: internal error: RuntimeError: kaboom (run with --debug "
        "for the traceback, and please report it)"
    )
    with pytest.raises(RuntimeError):
        gate("check", "--debug")


def test_outside_a_repository_is_a_usage_error(tmp_path, gate, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = gate("check", "--all")
    assert result.code == 2
    assert "not inside a git repository" in result.err


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('[tool.gate]\ncard_dir = "x"\n', "unknown key 'card_dir'; did you mean 'cards_dir'?"),
        ('[tool.gate]\nstrict = "yes"\n', "strict: expected true or false"),
        ('[tool.gate]\ngated = "*.yaml"\n', "gated: expected a list of non-empty strings"),
        (
            '[tool.gate.reviewers]\nA = { key = ["ssh-ed25519 AAAA"] }\n',
            "[tool.gate.reviewers.A] unknown key 'key'; did you mean 'keys'?",
        ),
        ('[tool.gate.reviewers]\nA = "a@x.org"\n', "reviewers.A: expected a table { keys ="),
        (
            '[tool.gate.reviewers]\nA = { keys = "ssh-ed25519 AAAA" }\n',
            "reviewers.A.keys: expected",
        ),
        ('[tool.gate]\nidentity = "gpg"\n', "identity: expected one of 'ssh', 'none'"),
        ('[tool.gate]\nprotected = "main"\n', "protected: expected a list of non-empty strings"),
        ("[tool.gate]\nreviewer = {}\n", "unknown key 'reviewer'; did you mean 'reviewers'?"),
        ("[tool.gate\n", "not valid TOML"),
    ],
)
def test_bad_config_is_exit_2_naming_the_key(repo, gate, table, fragment):
    repo.write("pyproject.toml", table)
    repo.experiment()
    repo.add("pyproject.toml", CONFIG_PATH)
    result = gate("check")
    assert result.code == 2
    assert fragment in result.err
    assert "pyproject.toml" in result.err


@pytest.mark.parametrize("length", [173, 174], ids=["200 characters", "201 characters"])
def test_a_schema_message_over_200_characters_is_cut_there(repo, gate, length):
    """jsonschema's message quotes the value; past 200 characters the rest is `...`."""
    value = "x" * length
    message = f"{value!r} is not of type 'integer'"
    assert len(message) == length + 27
    repo.experiment()
    repo.write(CARD, _replace("  epochs: 10", f"  epochs: {value}")(_valid()))
    repo.add(CARD, CONFIG_PATH)
    result = gate("check")
    assert result.code == 1
    shown = message if len(message) <= 200 else message[:200] + "..."
    assert f": schema: training.epochs: {shown}\n" in result.out, result.out


def test_a_card_that_is_a_symlink_out_of_the_repository_is_blocked_naming_it(repo, gate):
    (repo.root / CARD).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / CARD).symlink_to("/etc/hostname")
    repo.add(CARD)
    result = gate("check")
    assert result.code == 1
    assert result.out == (
        f"{CARD}: card: card '{CARD}' is a symlink to '/etc/hostname', outside the repository\n"
        "gate: BLOCKED (staged): 1 error(s), 0 warning(s) in 0 gated file(s), 1 card(s)\n"
    )
    report = json.loads(gate("check", "--format", "json").out)
    assert report["cards"] == [{"path": CARD, "kind": "?", "status": "?", "passed": False}]
    assert report["findings"] == [
        {
            "path": CARD,
            "line": 0,
            "rule": "card",
            "severity": "error",
            "message": f"card '{CARD}' is a symlink to '/etc/hostname', outside the repository",
            "card": CARD,
        }
    ]


def test_a_card_named_in_bytes_that_are_not_utf8_is_reported_in_every_format(repo, gate):
    """git keeps a file name's bytes; gate reads them with `surrogateescape`. Every report
    names the file (the byte escaped, or percent-encoded in a URI) instead of failing
    with an internal error."""
    folder = repo.root / "worldmodel/docs/run-cards"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / os.fsdecode(b"caf\xe9.md")).write_text(card_text(card_data()))
    repo.experiment()
    repo.git("add", "-A")
    text = gate("check")
    assert text.code == 1, text
    assert (
        "worldmodel/docs/run-cards/caf\\xe9.md:5: sign-off: awaiting sign-off from Scav "
        "(`gate sign worldmodel/docs/run-cards/caf\\xe9.md --reviewer Scav`)\n"
    ) in text.out, text.out
    report = json.loads(gate("check", "--format", "json").out)
    assert {c["path"] for c in report["cards"]} == {"worldmodel/docs/run-cards/caf\udce9.md"}
    github = gate("check", "--format", "github")
    assert github.code == 1, github
    sarif = gate("check", "--format", "sarif")
    assert sarif.code == 1, sarif
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(sarif.out)["runs"][0]["results"]
    }
    assert "worldmodel/docs/run-cards/caf%E9.md" in uris


def test_front_matter_closed_by_yamls_document_end_marker_is_read(repo, gate):
    """`...` ends a YAML document as `---` does: the card reads the same either way."""
    text = _valid()
    closing = "\n---\n<!-- gate:generated:begin"
    assert text.count(closing) == 1
    repo.experiment()
    repo.write(CARD, text.replace(closing, "\n...\n<!-- gate:generated:begin"))
    repo.add(CARD, CONFIG_PATH)
    dots = gate("check")
    repo.write(CARD, text)
    repo.add(CARD)
    dashes = gate("check")
    assert dots.code == dashes.code == 1  # awaiting sign-off, and nothing else
    assert dots.out == dashes.out
    assert "front matter is not terminated" not in dots.out
