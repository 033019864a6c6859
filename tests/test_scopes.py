"""Ranges: pull requests, pre-commit's --from-ref/--to-ref, pre-push, shallow clones."""

from __future__ import annotations

import json
import os

from cards import reviewer_entry
from conftest import MATTIE, PYPROJECT, SCAV, Repo, card_data

from gate.git import Repository


def _signed(repo, gate, name="policy-a"):
    repo.experiment(name)
    card = repo.card(card_data(name))
    repo.commit("card")
    for who in (SCAV, MATTIE):
        assert gate("sign", card, "--reviewer", who[0], as_=who).code == 0
        repo.commit(f"{who[0]} signs", author=who)
    return card


def test_a_pull_request_cannot_loosen_its_own_rules(repo, gate):
    repo.git("branch", "base")
    repo.experiment()
    card = repo.card(card_data())
    repo.commit("card")
    assert gate("sign", card, "--reviewer", "Scav", as_=SCAV).code == 0
    repo.commit("Scav signs", author=SCAV)
    # The PR also drops Mattie from the required reviewers.
    repo.write("pyproject.toml", PYPROJECT.replace(reviewer_entry(MATTIE), ""))
    repo.commit("no need for Mattie")
    result = gate("check", "--base", "base")
    assert result.code == 1
    assert "awaiting sign-off from Mattie" in result.out
    assert "pyproject.toml:4: config (notice): this change edits [tool.gate]" in result.out


def test_pre_commit_from_and_to_refs_check_that_range(repo, gate, monkeypatch):
    start = repo.git("rev-parse", "HEAD").strip()
    repo.experiment("uncovered")
    repo.commit("config without card")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", start)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    result = gate("check")
    assert result.code == 1
    assert result.out.splitlines()[-1].startswith("gate: BLOCKED (range)")
    assert "worldmodel/experiments/uncovered.yaml: coverage" in result.out


def test_pre_push_of_a_new_branch_checks_the_whole_commit(repo, gate, monkeypatch):
    _signed(repo, gate)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "0" * 40)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", repo.git("rev-parse", "HEAD").strip())
    assert gate("check").code == 0
    repo.experiment("orphan")
    repo.commit("orphan config")
    monkeypatch.setenv("PRE_COMMIT_TO_REF", repo.git("rev-parse", "HEAD").strip())
    result = gate("check")
    assert result.code == 1 and "orphan.yaml: coverage" in result.out


def test_shallow_clone_under_base_is_an_error_not_a_pass(repo, gate, tmp_path, monkeypatch):
    _signed(repo, gate)
    clone = tmp_path / "clone"
    Repo(tmp_path).git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    monkeypatch.chdir(clone)
    result = gate("check", "--base", "origin/main")
    assert result.code == 2
    assert "fetch-depth: 0" in result.err and "shallow" in result.err
    # --all needs no history (approvals prove themselves): a shallow clone is enough.
    assert gate("check", "--all").code == 0


def test_unknown_base_ref_is_an_error(repo, gate):
    result = gate("check", "--base", "origin/nope")
    assert result.code == 2
    assert "unknown revision 'origin/nope'" in result.err


def test_all_scope_in_an_empty_repository(tmp_path, gate, monkeypatch):
    r = Repo(tmp_path)
    r.git("init", "-q", "-b", "main")
    monkeypatch.chdir(tmp_path)
    result = gate("check", "--all")
    assert result.code == 2
    assert result.err == (
        "gate: error: --all checks the HEAD commit, and this repository has no commits yet\n"
    )


def test_all_reads_heads_configuration_or_the_file_named(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = 3"))
    repo.commit("a broken configuration")
    broken = gate("check", "--all")
    assert broken.code == 2
    assert broken.err == (
        "gate: error: pyproject.toml (HEAD): [tool.gate] strict: expected true or false, "
        "got int 3\n"
    )
    repo.write("ci/gate.toml", PYPROJECT)  # the configuration CI names (not committed)
    named = gate("check", "--all", "--config", "ci/gate.toml")
    assert named.code == 0, named
    assert named.out == "gate: passed (all): 0 gated file(s), 0 card(s)\n"


def test_first_commit_is_checked_too(tmp_path, gate, monkeypatch):
    r = Repo(tmp_path)
    r.git("init", "-q", "-b", "main")
    r.write("pyproject.toml", PYPROJECT)
    r.experiment()
    r.git("add", "-A")
    monkeypatch.chdir(tmp_path)
    result = gate("check")
    assert result.code == 1 and "no run card covers this gated file" in result.out


def test_renaming_a_config_to_a_gated_path_needs_a_card(repo, gate):
    repo.write("drafts/policy-b.yaml", "model: {}\n")
    repo.commit("draft")
    (repo.root / "worldmodel/experiments").mkdir(parents=True)
    repo.git("mv", "drafts/policy-b.yaml", "worldmodel/experiments/policy-b.yaml")
    result = gate("check")
    assert result.code == 1
    assert "worldmodel/experiments/policy-b.yaml: coverage" in result.out


def test_json_report_has_every_finding(repo, gate):
    import json

    repo.experiment()
    repo.add("worldmodel/experiments/policy-a.yaml")
    report = json.loads(gate("check", "--format", "json").out)
    assert report["status"] == "blocked" and report["exit_code"] == 1
    assert report["findings"][0]["rule"] == "coverage"
    assert report["findings"][0]["path"] == "worldmodel/experiments/policy-a.yaml"


def test_strict_makes_seed_flags_block(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = true"))
    repo.commit("strict")
    data = card_data(games=6000, wm_games=2000, device="cpu", epochs=60)
    data["world_model"]["games"] = 2000
    repo.experiment(text=__import__("conftest").CONFIG.replace("device: mps", "device: cpu"))
    card = repo.card(data)
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    result = gate("check")
    assert "flag:overfit: 60 epochs on 6,000 games will overfit" in result.out
    assert "flag:cpu-large: CPU for 6,000 games" in result.out


def test_strict_flag_promotes_warnings_without_editing_config(repo, gate):
    from conftest import CONFIG

    data = card_data(games=6000, wm_games=2000, device="cpu", epochs=60)
    repo.experiment(text=CONFIG.replace("device: mps", "device: cpu"))
    card = repo.card(data)
    repo.add(card, "worldmodel/experiments/policy-a.yaml")
    lenient = gate("check")
    assert "flag:overfit (warning)" in lenient.out
    strict = gate("check", "--strict")
    assert "flag:overfit: 60 epochs" in strict.out


def test_all_on_many_cores_reports_what_one_process_reports(repo, gate, monkeypatch):
    from gate.check import parallel

    _signed(repo, gate)
    for name in ("policy-b", "policy-c", "policy-d"):
        repo.experiment(name)
        repo.card(card_data(name, games=50 if name == "policy-c" else 2000))
    # policy-e lists no `covers`: its card covers the gated file with its stem, found in
    # the index of every file by stem that the workers share.
    repo.experiment("policy-e")
    repo.card(card_data("policy-e", covers=[]))
    repo.experiment("orphan")
    repo.commit("more cards")
    monkeypatch.setattr(parallel, "MIN_CARDS", 10_000)
    alone = gate("check", "--all", "--format", "json")
    monkeypatch.setattr(parallel, "MIN_CARDS", 1)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    together = gate("check", "--all", "--format", "json")
    assert together.code == alone.code == 1
    assert together.out == alone.out
    assert "policy trains on 50 games" in together.out
    coverage = {
        f["path"]: f["message"]
        for f in json.loads(together.out)["findings"]
        if f["rule"] == "coverage"
    }
    assert coverage["worldmodel/experiments/policy-e.yaml"] == (
        "not covered by a passing card: worldmodel/docs/run-cards/policy-e.md must pass every rule"
    )
    assert coverage["worldmodel/experiments/orphan.yaml"].startswith("no run card covers")


def test_a_forked_worker_reads_and_closes_the_repository_without_the_parents_reader(repo):
    """`check --all` forks its workers after the parent has read objects: a worker reads
    through a git reader of its own, and closing the repository there leaves the
    parent's reader (a process the worker did not start) answering."""
    git = Repository(repo.root)
    before = git.object("HEAD:pyproject.toml")
    assert before is not None and b"[tool.gate]" in before
    pid = os.fork()
    if pid == 0:  # the worker: whatever happens, it reports by its exit status alone
        code = 1
        try:
            read = git.object("HEAD:pyproject.toml")
            git.close()
            code = 0 if read == before else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert git.object("HEAD:pyproject.toml") == before
    git.close()


def test_explicit_config_under_base_is_read_at_the_merge_base(repo, gate):
    repo.write("ci/gate.toml", PYPROJECT)
    repo.commit("CI's gate config")
    repo.git("branch", "base")
    repo.experiment()
    repo.card(card_data())
    repo.write("ci/gate.toml", PYPROJECT.replace(reviewer_entry(MATTIE), ""))
    repo.commit("card, and drop Mattie from the CI config")
    result = gate("check", "--base", "base", "--config", "ci/gate.toml")
    assert "awaiting sign-off from Mattie" in result.out
    missing = gate("check", "--base", "base", "--config", "ci/new.toml")
    assert missing.code == 2 and "not in the merge-base" in missing.err


def test_explicit_config_under_base_is_found_from_a_subfolder_or_refused_outside(
    repo, gate, monkeypatch, tmp_path
):
    repo.write("ci/gate.toml", PYPROJECT)
    repo.commit("CI's gate config")
    repo.git("branch", "base")
    repo.write("notes.txt", "a change\n")
    repo.commit("a change")
    monkeypatch.chdir(repo.root / "ci")
    result = gate("check", "--base", "base", "--config", "gate.toml")
    assert result.code == 0, result
    outside = tmp_path / "gate.toml"
    outside.write_text(PYPROJECT, encoding="utf-8")
    refused = gate("check", "--base", "base", "--config", str(outside))
    assert refused.code == 2
    merge_base = repo.git("rev-parse", "base").strip()[:10]
    assert refused.err == (
        f"gate: error: --config {outside}: not in the merge-base {merge_base}; under --base "
        "the configuration in force is the merge-base's\n"
    )


def test_a_configuration_the_merge_base_cannot_give_is_named_with_its_commit(repo, gate):
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = 3"))
    repo.commit("a broken configuration")  # --no-verify, as the helper commits
    repo.git("branch", "base")
    repo.git("switch", "-q", "-c", "fix")
    repo.write("pyproject.toml", PYPROJECT)
    repo.commit("mended")
    merge_base = repo.git("rev-parse", "base").strip()[:10]
    result = gate("check", "--base", "base")
    assert result.code == 2
    assert result.err == (
        f"gate: error: pyproject.toml (merge-base {merge_base}): [tool.gate] strict: expected "
        "true or false, got int 3\n"
    )


def test_a_pushed_range_is_judged_from_its_own_merge_base_not_from_head(repo, gate, monkeypatch):
    """pre-push names the commits pushed; the branch checked out (main, whose
    configuration is broken here) has nothing to do with them."""
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = 3"))
    repo.commit("a broken configuration")
    repo.git("switch", "-q", "-c", "feature")
    repo.write("pyproject.toml", PYPROJECT)
    repo.commit("mended")
    start = repo.git("rev-parse", "HEAD").strip()
    repo.write("notes.txt", "a change\n")
    repo.commit("notes")
    tip = repo.git("rev-parse", "HEAD").strip()
    repo.git("switch", "-q", "main")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", start)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", tip)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature")
    result = gate("check")
    assert result.code == 0, result
    assert result.out == "gate: passed (range): 0 gated file(s), 0 card(s)\n"


def test_an_explicit_config_the_merge_base_cannot_give_is_named_with_its_commit(repo, gate):
    repo.write("ci/gate.toml", PYPROJECT.replace("strict = false", "strict = 3"))
    repo.write("ci/latin1.toml", PYPROJECT.replace('"melee"', '"mêlée"').encode("latin-1"))
    repo.commit("two configurations CI cannot read")
    repo.git("branch", "base")
    repo.write("notes.txt", "a change\n")
    repo.commit("a change")
    merge_base = repo.git("rev-parse", "base").strip()[:10]
    broken = gate("check", "--base", "base", "--config", "ci/gate.toml")
    assert broken.code == 2
    assert broken.err == (
        f"gate: error: ci/gate.toml (merge-base {merge_base}): [tool.gate] strict: expected "
        "true or false, got int 3\n"
    )
    latin1 = gate("check", "--base", "base", "--config", "ci/latin1.toml")
    assert latin1.code == 2
    assert latin1.err == "gate: error: ci/latin1.toml: not UTF-8\n"
