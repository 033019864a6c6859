"""A simulated GitHub runner: a base branch, a PR branch, `--format github`, the summary."""

from __future__ import annotations

from conftest import card_data, card_text

ODD = "worldmodel/experiments/run:50%,v2.yaml"
CARD = "worldmodel/docs/run-cards/policy-a.md"


def test_pull_request_annotations_and_step_summary(repo, gate, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    repo.git("checkout", "-q", "-b", "pr")
    repo.experiment()
    repo.write(ODD, "model: {}\n")
    data = card_data()
    data["goal"] = 123
    repo.write(CARD, card_text(data))
    repo.commit("a PR with problems")

    result = gate("check", "--base", "main", "--format", "github")

    assert result.code == 1
    assert result.out.splitlines() == [
        f"::error file={CARD},line=5,title=sign-off::awaiting sign-off from Mattie "
        f"(`gate sign {CARD} --reviewer Mattie`)",
        f"::error file={CARD},line=5,title=sign-off::awaiting sign-off from Scav "
        f"(`gate sign {CARD} --reviewer Scav`)",
        f"::error file={CARD},line=6,title=schema::goal: 123 is not of type 'string'",
        "::error file=worldmodel/experiments/policy-a.yaml,title=coverage::not covered by a "
        f"passing card: {CARD} must pass every rule",
        "::error file=worldmodel/experiments/run%3A50%25%2Cv2.yaml,title=coverage::no run card "
        "covers this gated file: write worldmodel/docs/run-cards/run:50%25,v2.md with `gate "
        "generate worldmodel/experiments/run:50%25,v2.yaml`, or list it in a card's `covers`",
        "gate: BLOCKED (base): 5 error(s), 0 warning(s) in 2 gated file(s), 1 card(s)",
    ]
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert f"## {result.out.splitlines()[-1]}" in text
    assert "| worldmodel/docs/run-cards/policy-a.md | policy | PENDING REVIEW | no |" in text
    assert (f"| {CARD}:6 | schema | error | goal: 123 is not of type 'string' |") in text
    assert (
        "| worldmodel/experiments/run:50%,v2.yaml | coverage | error | no run card covers "
        "this gated file"
    ) in text
