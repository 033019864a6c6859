"""The text, github, sarif and json reporters, from hand-built outcomes (no git, no CLI)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gate import report
from gate.card.findings import Finding
from gate.check.outcome import CardSummary, Outcome
from gate.errors import GateError
from gate.report import github, sarif
from gate.report.json import CardJSON, FindingJSON, ReportJSON, to_json

ROOT = Path(__file__).resolve().parents[1]
REPORT_SCHEMA = ROOT / "schemas" / "report.schema.json"

CARD = "worldmodel/docs/run-cards/policy-a.md"
CONFIG = "worldmodel/experiments/policy-a.yaml"


def outcome(
    *findings: Finding,
    cards: tuple[CardSummary, ...] = (),
    notes: tuple[str, ...] = (),
    scope: str = "base",
) -> Outcome:
    return Outcome(scope, tuple(findings), cards, (CONFIG,), notes)


BLOCKED = outcome(
    Finding(CONFIG, 0, "coverage", "not covered by a passing card"),
    Finding(CARD, 12, "sign-off", "Mattie has not signed off", card=CARD),
    Finding(CARD, 40, "flag:overfit", "50 epochs on 2,000 games", "warning", CARD),
    Finding(CARD, 3, "status", "status is derived from the approvals", "notice", CARD),
    cards=(CardSummary(CARD, "policy", "PENDING REVIEW", False),),
)


def run(reporter: str, result: Outcome) -> str:
    stream = io.StringIO()
    report.get(reporter)(result, stream)
    return stream.getvalue()


def many(severity: str, count: int) -> list[Finding]:
    return [
        Finding(
            f"worldmodel/experiments/{severity}-{i:02d}.yaml",
            i + 1,
            "coverage",
            f"{severity} number {i}",
            severity,
        )  # type: ignore[arg-type]
        for i in range(count)
    ]


# text ------------------------------------------------------------------------------------


def test_text_one_line_per_finding_whatever_the_file_is_called() -> None:
    """A file name a change adds may hold a line break, a carriage return or a terminal
    escape: each finding starts its own line, nothing reaches the terminal as a control,
    and a message's or note's own lines go on indented below it."""
    sneaky = "worldmodel/experiments/a\rgate: passed\x1b[2K\n\tb\x9b.yaml"
    result = outcome(
        Finding(sneaky, 0, "coverage", f"{sneaky} is gated"),
        Finding(CARD, 7, "covers", "lists 'x\ty'", card=CARD),
        notes=("note about\nno\x07thing\n",),
    )
    assert run("text", result).splitlines() == [
        "note about",
        "    no\\x07thing",
        f"{CARD}:7: covers: lists 'x\\ty'",
        "worldmodel/experiments/a\\rgate: passed\\x1b[2K\\n\\tb\\x9b.yaml: coverage: "
        "worldmodel/experiments/a\\rgate: passed\\x1b[2K",
        "    \\tb\\x9b.yaml is gated",
        "gate: BLOCKED (base): 2 error(s), 0 warning(s) in 1 gated file(s), 0 card(s)",
    ]


# github ----------------------------------------------------------------------------------


def test_reporters_are_registered() -> None:
    from gate.cli import FORMATS

    assert set(FORMATS) <= set(report.REPORTERS)
    assert report.get("github") is github.report
    assert report.get("sarif") is sarif.report


def test_github_annotation_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    out = run("github", BLOCKED._replace(notes=("checking 1 commit",)))
    assert out.splitlines() == [
        "checking 1 commit",
        f"::notice file={CARD},line=3,title=status::status is derived from the approvals",
        f"::error file={CARD},line=12,title=sign-off::Mattie has not signed off",
        f"::warning file={CARD},line=40,title=flag%3Aoverfit::50 epochs on 2,000 games",
        f"::error file={CONFIG},title=coverage::not covered by a passing card",
        BLOCKED.verdict(),
    ]


def test_github_passed_prints_only_the_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    passed = outcome(cards=(CardSummary(CARD, "policy", "APPROVED", True),))
    assert run("github", passed) == passed.verdict() + "\n"
    assert passed.verdict().startswith("gate: passed")


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\rb", "a%0Db", "a%0Db"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("key: value", "key: value", "key%3A value"),
        ("a, b", "a, b", "a%2C b"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
        ("%0A", "%250A", "%250A"),  # an escape sequence in the input stays literal
        ("50%, 3:1\n", "50%25, 3:1%0A", "50%25%2C 3%3A1%0A"),
    ],
)
def test_github_escaping(text: str, data: str, prop: str) -> None:
    assert github.escape_data(text) == data
    assert github.escape_property(text) == prop


def test_github_escapes_paths_titles_and_messages() -> None:
    finding = Finding(
        "odd dir/a,b:c%d.yaml", 7, "flag:cpu,large", "line one\r\nline: two, 100%", "warning"
    )
    assert github.annotation(finding) == (
        "::warning file=odd dir/a%2Cb%3Ac%25d.yaml,line=7,title=flag%3Acpu%2Clarge"
        "::line one%0D%0Aline: two, 100%25"
    )


def test_github_annotation_omits_line_zero() -> None:
    finding = Finding(CONFIG, 0, "coverage", "x")
    assert github.annotation(finding) == f"::error file={CONFIG},title=coverage::x"


def test_github_newline_in_message_cannot_start_a_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    sneaky = outcome(Finding(CONFIG, 1, "config", "ok\n::error file=x::forged"))
    lines = run("github", sneaky).splitlines()
    assert [line for line in lines if line.startswith("::")] == [
        f"::error file={CONFIG},line=1,title=config::ok%0A::error file=x::forged"
    ]


@pytest.mark.parametrize(
    ("summary", "where"), [(True, "the step summary"), (False, "this step's log")]
)
def test_github_at_most_ten_annotations_of_a_kind(
    summary: bool, where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if summary:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    else:
        monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    findings = [*many("error", 13), *many("warning", 12), *many("notice", 10)]
    lines = run("github", outcome(*findings)).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    notices = [line for line in lines if line.startswith("::notice ")]
    assert (len(errors), len(warnings), len(notices)) == (10, 10, 10)
    assert errors[9] == (
        "::error file=worldmodel/experiments/error-09.yaml,line=10,title=coverage::error number 9"
        f" [3 more errors not shown as annotations (GitHub shows 10 per step); all 13 are in {where}]"
    )
    assert warnings[9].endswith(
        f"[2 more warnings not shown as annotations (GitHub shows 10 per step); all 12 are in {where}]"
    )
    assert all("more" not in line for line in errors[:9] + warnings[:9] + notices)
    # the rest are still in the log, as plain lines, before the verdict
    overflow = [line for line in lines if not line.startswith("::")]
    assert overflow == [
        "worldmodel/experiments/error-10.yaml:11: coverage: error number 10",
        "worldmodel/experiments/error-11.yaml:12: coverage: error number 11",
        "worldmodel/experiments/error-12.yaml:13: coverage: error number 12",
        "worldmodel/experiments/warning-10.yaml:11: coverage (warning): warning number 10",
        "worldmodel/experiments/warning-11.yaml:12: coverage (warning): warning number 11",
        outcome(*findings).verdict(),
    ]


def test_github_exactly_ten_needs_no_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    lines = run("github", outcome(*many("error", 10))).splitlines()
    assert len(lines) == 11
    assert all("more" not in line for line in lines)


def test_github_step_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary_file = tmp_path / "step-summary.md"
    summary_file.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    result = BLOCKED._replace(
        findings=(*BLOCKED.findings, Finding(CARD, 50, "config", "a | b\nsecond line", card=CARD))
    )
    stdout = run("github", result)
    text = summary_file.read_text(encoding="utf-8")
    assert text == (
        "# earlier step\n"
        f"## {result.verdict()}\n"
        "\n"
        "### Cards\n"
        "\n"
        "| Card | Kind | Status | Passed |\n"
        "| --- | --- | --- | --- |\n"
        f"| {CARD} | policy | PENDING REVIEW | no |\n"
        "\n"
        "### Findings\n"
        "\n"
        "| Where | Rule | Severity | Message |\n"
        "| --- | --- | --- | --- |\n"
        f"| {CARD}:3 | status | notice | status is derived from the approvals |\n"
        f"| {CARD}:12 | sign-off | error | Mattie has not signed off |\n"
        f"| {CARD}:40 | flag:overfit | warning | 50 epochs on 2,000 games |\n"
        f"| {CARD}:50 | config | error | a \\| b<br>second line |\n"
        f"| {CONFIG} | coverage | error | not covered by a passing card |\n"
        "\n"
    )
    assert "## " not in stdout  # the summary goes to the file, not the log


def test_github_step_summary_lists_every_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    findings = many("error", 25)
    run("github", outcome(*findings))
    text = summary_file.read_text(encoding="utf-8")
    for f in findings:
        assert f"| {f.path}:{f.line} | coverage | error | {f.message} |" in text
    assert "No card was checked." in text


def test_github_step_summary_without_findings() -> None:
    text = github.summary(outcome(cards=(CardSummary(CARD, "policy", "APPROVED", True),)))
    assert f"| {CARD} | policy | APPROVED | yes |" in text
    assert text.endswith("### Findings\n\nNo findings.\n")


def test_github_step_summary_stays_under_its_budget() -> None:
    findings = many("error", 50)
    text = github.summary(outcome(*findings), budget=2_000)
    assert len(text.encode()) < 2_400
    assert "more finding(s) do not fit in a step summary" in text


def test_github_step_summary_unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory
    with pytest.raises(GateError, match="GITHUB_STEP_SUMMARY"):
        run("github", BLOCKED)


def test_markdown_cell_escaping() -> None:
    assert github.cell("a|b") == "a\\|b"
    assert github.cell("a\\|b") == "a\\\\\\|b"
    assert github.cell("one\r\ntwo\nthree") == "one<br>two<br>three"


# sarif -------------------------------------------------------------------------------------


def sarif_of(result: Outcome) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(run("sarif", result))
    return document


def test_sarif_structure() -> None:
    document = sarif_of(BLOCKED)
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    (run_,) = document["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "gate"
    assert driver["informationUri"].startswith("https://")
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted({f.rule for f in BLOCKED.findings})
    assert all(rule["shortDescription"]["text"] for rule in driver["rules"])
    results = run_["results"]
    assert len(results) == len(BLOCKED.findings)
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["sign-off"] == {
        "ruleId": "sign-off",
        "ruleIndex": rule_ids.index("sign-off"),
        "level": "error",
        "message": {"text": "Mattie has not signed off"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": CARD}, "region": {"startLine": 12}}}
        ],
        "properties": {"card": CARD},
    }
    assert by_rule["flag:overfit"]["level"] == "warning"
    assert by_rule["status"]["level"] == "note"
    coverage = by_rule["coverage"]
    assert coverage["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": CONFIG}}}]
    assert "properties" not in coverage  # no card
    assert run_["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]


def test_sarif_uris_are_percent_encoded() -> None:
    document = sarif_of(outcome(Finding("odd dir/50%.yaml", 2, "config", "x")))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "odd%20dir/50%25.yaml"


def test_sarif_empty_run() -> None:
    document = sarif_of(outcome())
    (run_,) = document["runs"]
    assert run_["results"] == []
    assert run_["tool"]["driver"]["rules"] == []
    assert run_["invocations"][0]["exitCode"] == 0


# json + schemas/report.schema.json -----------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://gate.invalid/schemas/report.schema.json"
    return Draft202012Validator(schema)


def test_report_schema_ships_in_the_package() -> None:
    from importlib import resources

    shipped = resources.files("gate.schemas").joinpath("report.schema.json").read_text("utf-8")
    assert json.loads(shipped) == json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "result",
    [
        BLOCKED,
        outcome(),
        outcome(
            Finding(CARD, 40, "flag:overfit", "50 epochs", "warning", CARD),
            cards=(CardSummary(CARD, "policy", "APPROVED", True),),
        ),
        outcome(*many("error", 3), *many("notice", 2), scope="all"),
        Outcome("staged", ()),
    ],
    ids=["blocked", "empty", "warning-only", "many", "quiet-staged"],
)
def test_json_report_validates(validator: Draft202012Validator, result: Outcome) -> None:
    document = json.loads(run("json", result))
    assert document == to_json(result)
    errors = [e.message for e in validator.iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.update(extra=1), "Additional properties"),
        (lambda d: d.update(status="blocked"), "1 was expected"),
        (lambda d: d["findings"][0].update(line=-1), "less than the minimum"),
        (lambda d: d["findings"][0].update(severity="fatal"), "is not one of"),
        (lambda d: d["cards"][0].pop("passed"), "'passed' is a required property"),
    ],
    ids=["extra-key", "blocked-exit-0", "negative-line", "bad-severity", "card-missing-key"],
)
def test_json_schema_rejects(validator: Draft202012Validator, change: Any, fragment: str) -> None:
    warning_only = outcome(
        Finding(CARD, 40, "flag:overfit", "50 epochs", "warning", CARD),
        cards=(CardSummary(CARD, "policy", "APPROVED", True),),
    )
    document: Any = to_json(warning_only)
    change(document)
    # the report is one branch of a oneOf (the other: the exit-2 error document)
    messages = [c.message for e in validator.iter_errors(document) for c in [e, *e.context]]
    assert any(fragment in m for m in messages), messages


def test_json_schema_matches_the_typed_dicts() -> None:
    """schemas/report.schema.json and gate/report/json.py stay in sync."""
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    pairs: list[tuple[Any, dict[str, Any]]] = [
        (ReportJSON, schema["$defs"]["report"]),
        (CardJSON, schema["$defs"]["card"]),
        (FindingJSON, schema["$defs"]["finding"]),
    ]
    for typed, part in pairs:
        assert set(typed.__annotations__) == set(part["properties"]), typed.__name__
        assert set(typed.__required_keys__) == set(part["required"]), typed.__name__
        assert part["additionalProperties"] is False
