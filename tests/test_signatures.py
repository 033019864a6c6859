"""Signed approvals: the honest flow of a two-reviewer team through the real hook, the
pull-request check, a squash merge and the launch gate; and the forgeries that must
not get through, in every scope. Real keys (ssh-keygen), real git, real pre-commit."""

from __future__ import annotations

import base64
import json
import re
import struct
import subprocess
from pathlib import Path

import pytest
from cards import KEYS, PYPROJECT, public_key, reviewer_entry
from conftest import AUTHOR, CONFIG, MATTIE, SCAV, Repo, card_data, melee_repo, prepared
from test_precommit import LOCAL_CONFIG, PRE_COMMIT, commit

from gate.git import Repository
from gate.review.signature import NAMESPACE, approval_text
from gate.sources import yamlio

TEAM = ("The Team", "team@example.org")  # one git identity shared by everyone
CARD = "worldmodel/docs/run-cards/policy-a.md"
CONFIG_PATH = "worldmodel/experiments/policy-a.yaml"


def ssh_sign(person: str, text: str, namespace: str = NAMESPACE) -> str:
    """What an author can make with a key they hold: `ssh-keygen -Y sign`."""
    return subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(KEYS[person])],
        input=text.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()


def entries(repo) -> list[dict[str, str]]:
    text = repo.read(CARD)
    front = text.split("\n---\n", 1)[0].removeprefix("---\n")
    data = yamlio.load(front + "\n").data
    return list(data["signoff"])


def put_entries(repo, new: list[dict[str, str]]) -> None:
    """Rewrite the card's sign-off as an author editing the YAML by hand would: each
    value a double-quoted scalar with escapes (one line per field)."""
    import json

    text = repo.read(CARD)
    lines = text.split("\n")
    start = lines.index("signoff:")
    end = start + 1
    while end < len(lines) and lines[end] != "---" and lines[end][:1] in (" ", "-"):
        end += 1
    block = ["signoff:"]
    for entry in new:
        fields = [f"{k}: {json.dumps(v)}" for k, v in entry.items()]
        block += [f"  - {fields[0]}", *(f"    {f}" for f in fields[1:])]
    repo.write(CARD, "\n".join([*lines[:start], *block, *lines[end:]]))


@pytest.fixture
def signed(tmp_path, monkeypatch, gate):
    """Config and card on main, signed by Scav and Mattie (each with their own key)."""

    def steps(repo: Repo) -> None:
        repo.experiment()
        repo.card(card_data())
        for who in (SCAV, MATTIE):
            assert gate("sign", CARD, "--reviewer", who[0], as_=who).code == 0
        repo.commit("signed card")
        assert gate("check", "--all").code == 0

    def start(folder: Path) -> Repo:
        return melee_repo(tmp_path, into=folder)

    return prepared(tmp_path, monkeypatch, "signed", start, steps, name="repo")


# -- the honest flow ----------------------------------------------------------------------


@pytest.mark.long
def test_a_two_reviewer_team_with_one_git_identity_goes_through_without_no_verify(repo, gate):
    repo.write(".pre-commit-config.yaml", LOCAL_CONFIG)
    repo.commit("pre-commit config")
    subprocess.run([*PRE_COMMIT, "install"], cwd=repo.root, check=True, capture_output=True)
    repo.git("switch", "-q", "-c", "policy-a")
    repo.experiment()
    repo.card(card_data())
    repo.add(CONFIG_PATH, CARD)
    proposed = commit(repo, "policy-a: card", TEAM)
    assert proposed.returncode == 0, proposed.stdout
    assert "awaiting sign-off from Scav: branch 'policy-a' cannot merge or launch" in (
        proposed.stdout
    )
    for who in (SCAV, MATTIE):  # each signs with their own key, commits as the team
        assert gate("sign", CARD, "--reviewer", who[0], as_=who).code == 0
        repo.add(CARD)
        signed = commit(repo, f"{who[0]} approves", TEAM)
        assert signed.returncode == 0, signed.stdout
    assert "awaiting" not in signed.stdout

    pull_request = gate("check", "--base", "main")
    assert pull_request.code == 0, pull_request

    repo.git("switch", "-q", "main")
    repo.git("merge", "--squash", "policy-a")
    merged = commit(repo, "policy-a (#1)", TEAM)  # through the hook, on main
    assert merged.returncode == 0, merged.stdout
    assert repo.git("log", "--format=%ae", "-3").split() == [TEAM[1]] + [AUTHOR[1]] * 2
    after = gate("check", "--all")
    assert after.code == 0, after
    assert after.out.startswith("gate: passed (all)")


def test_sign_off_blocks_on_a_protected_branch_and_warns_elsewhere(repo, gate):
    repo.experiment()
    repo.card(card_data())
    repo.add(CONFIG_PATH, CARD)
    on_main = gate("check")
    assert on_main.code == 1
    assert re.search(
        rf"{CARD}:\d+: sign-off: awaiting sign-off from Scav \(`gate sign", on_main.out
    )
    repo.git("switch", "-q", "-c", "feature")
    on_feature = gate("check")
    assert on_feature.code == 0, on_feature
    assert "sign-off (warning): awaiting sign-off from Mattie: branch 'feature'" in (on_feature.out)
    repo.git("switch", "-q", "--detach")  # no branch: fail closed
    assert gate("check").code == 1


def test_a_tag_named_like_the_protected_branch_keeps_sign_off_enforced(repo, gate):
    # (`git symbolic-ref --short HEAD` answers "heads/main" where a tag is named main)
    repo.git("tag", "main")
    repo.experiment()
    repo.card(card_data())
    repo.add(CONFIG_PATH, CARD)
    on_main = gate("check")
    assert on_main.code == 1, on_main
    assert re.search(
        rf"{CARD}:\d+: sign-off: awaiting sign-off from Scav \(`gate sign", on_main.out
    )
    assert Repository(repo.root).branch() == "main"  # asked for on its own, too


def test_a_range_checked_without_a_remote_branch_is_judged_as_the_branch_checked_out(
    repo, gate, monkeypatch
):
    """`pre-commit run --from-ref A --to-ref B` (CI, or by hand) names no remote branch:
    sign-off is judged as the branch checked out, here the protected main."""
    start = repo.git("rev-parse", "HEAD").strip()
    repo.experiment()
    card = repo.card(card_data())
    repo.commit("unsigned card")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", start)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", repo.git("rev-parse", "HEAD").strip())
    monkeypatch.delenv("PRE_COMMIT_REMOTE_BRANCH", raising=False)
    result = gate("check")
    assert result.code == 1, result
    assert f"{card}:5: sign-off: awaiting sign-off from Scav (" in result.out


@pytest.mark.parametrize("new", [False, True], ids=["branch the remote has", "new branch"])
def test_pushing_to_a_protected_branch_enforces_sign_off(repo, gate, monkeypatch, new):
    """Sign-off is judged as the branch pushed to, whichever branch is checked out; a
    new branch (pre-push names no old commit) is checked whole, the same way."""
    start = repo.git("rev-parse", "HEAD").strip()
    repo.git("switch", "-q", "-c", "feature")
    repo.experiment()
    card = repo.card(card_data())
    repo.commit("unsigned card")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "0" * 40 if new else start)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", repo.git("rev-parse", "HEAD").strip())
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature")
    repo.git("switch", "-q", "main")  # checked out: a protected branch, not the one pushed
    elsewhere = gate("check")
    assert elsewhere.code == 0, elsewhere
    assert (
        f"{card}:5: sign-off (warning): awaiting sign-off from Scav: branch 'feature' cannot "
        f"merge or launch until Scav approves (`gate sign {card} --reviewer Scav`)\n"
    ) in elsewhere.out
    assert elsewhere.out.splitlines()[-1].startswith("gate: passed (range)")
    repo.git("switch", "-q", "feature")
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main")
    pushed = gate("check")
    assert pushed.code == 1
    assert pushed.out == (
        f"{card}:5: sign-off: awaiting sign-off from Mattie (`gate sign {card} --reviewer Mattie`)\n"
        f"{card}:5: sign-off: awaiting sign-off from Scav (`gate sign {card} --reviewer Scav`)\n"
        f"worldmodel/experiments/policy-a.yaml: coverage: not covered by a passing card: {card} "
        "must pass every rule\n"
        "gate: BLOCKED (range): 3 error(s), 0 warning(s) in 1 gated file(s), 1 card(s)\n"
    )


def test_a_stored_signature_verifies_with_plain_ssh_keygen(signed, tmp_path):
    entry = next(e for e in entries(signed) if e["reviewer"] == "Scav")
    signature = tmp_path / "approval.sig"
    signature.write_text(entry["signature"])
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"Scav {public_key('Scav')}\n")
    text = f"gate-approval-v1\nreviewer: Scav\nverdict: approved\ndigest: {entry['digest']}\n"
    result = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(allowed),
            "-I",
            "Scav",
            "-n",
            "gate-run-card",
            "-s",
            str(signature),
        ],
        input=text.encode(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert b'Good "gate-run-card" signature for Scav' in result.stdout


def test_the_benchmarks_in_process_signer_is_byte_identical_to_ssh_keygen():
    from cards import sshsig_sign

    text = approval_text("Mattie", "approved", "sha256:" + "5" * 64)
    assert sshsig_sign("Mattie", text) == ssh_sign("Mattie", text)


# -- forgeries ----------------------------------------------------------------------------


def _forge(kind: str, honest: list[dict[str, str]]) -> list[dict[str, str]]:
    scav, mattie = honest
    if kind == "author's own key":
        text = approval_text("Mattie", "approved", mattie["digest"])
        return [scav, {**mattie, "signature": ssh_sign(AUTHOR[0], text)}]
    if kind == "another reviewer's signature":
        return [scav, {**mattie, "signature": scav["signature"]}]
    if kind == "another namespace":
        text = approval_text("Mattie", "approved", mattie["digest"])
        return [scav, {**mattie, "signature": ssh_sign(AUTHOR[0], text, "git")}]
    if kind == "no signature":
        return [scav, {k: v for k, v in mattie.items() if k != "signature"}]
    if kind == "truncated":
        return [scav, {**mattie, "signature": mattie["signature"][:120] + "\n"}]
    raise AssertionError(kind)


MOVED = (
    "the signature of Mattie's approval does not match this approval: it was made over "
    "another reviewer, verdict or digest (a signature cannot be moved to another approval)"
)
FORGERIES = [
    (
        "author's own key",
        "the signature of Mattie's approval was made with another key (SHA256:",
        "), not one of Mattie's keys in [tool.gate.reviewers]",
    ),
    ("another reviewer's signature", MOVED, ""),
    (
        "another namespace",
        "the signature of Mattie's approval is for another purpose (",
        "), not namespace 'gate-run-card'",
    ),
    (
        "no signature",
        "Mattie's approval has no signature; approvals are signed with `gate sign`",
        "",
    ),
    (
        "truncated",
        "the signature of Mattie's approval is not an armored SSH signature "
        "(-----BEGIN SSH SIGNATURE----- ...)",
        "",
    ),
]


@pytest.mark.parametrize(("kind", "message", "ending"), FORGERIES)
def test_a_forged_approval_is_blocked_in_every_scope(signed, gate, kind, message, ending):
    repo = signed
    repo.git("branch", "base", "HEAD~0")
    repo.git("switch", "-q", "-c", "forgery")
    repo.git("reset", "-q", "--hard", "HEAD")
    honest = entries(repo)
    put_entries(repo, _forge(kind, honest))
    repo.add(CARD)
    staged = gate("check")
    assert staged.code == 1, staged
    whole = rf"{CARD}:\d+: signature: {re.escape(message)}" + (
        rf"[^\n]*{re.escape(ending)}$" if ending else "$"
    )
    assert re.search(whole, staged.out, re.MULTILINE), staged.out
    repo.commit(f"forged: {kind}")
    for scope in (("--base", "main"), ("--all",)):
        result = gate("check", *scope)
        assert result.code == 1, (scope, result)
        assert message in result.out


def test_a_signature_moved_to_another_digest_or_verdict_does_not_verify(signed, gate):
    repo = signed
    repo.git("switch", "-q", "-c", "rescope")
    repo.experiment(text=CONFIG.replace("batch_size: 512", "batch_size: 4096"))
    repo.commit("bigger batches")  # the approvals are now stale
    scav, mattie = entries(repo)
    from gate.card.digest import card_digest

    card = repo.read(CARD)
    data = yamlio.load(card.split("\n---\n", 1)[0].removeprefix("---\n") + "\n").data
    new = card_digest(data, [(CONFIG_PATH, repo.read(CONFIG_PATH).encode())])
    assert new != scav["digest"]
    put_entries(repo, [{**scav, "digest": new}, {**mattie, "verdict": "blocked", "reason": "x"}])
    repo.commit("carry the approvals over")
    result = gate("check", "--base", "main")
    assert result.code == 1
    assert result.out.count(MOVED) == 1  # Mattie's entry, moved to "blocked"
    assert result.out.count(MOVED.replace("Mattie", "Scav")) == 1  # Scav's, to the new digest


def test_a_forgery_arriving_through_a_merge_commit_is_blocked(signed, gate):
    repo = signed
    repo.git("switch", "-q", "-c", "side")
    put_entries(repo, _forge("author's own key", entries(repo)))
    repo.commit("forged on a side branch")
    repo.git("switch", "-q", "-c", "feature", "main")
    repo.write("README.md", "# melee\n\nmore\n")
    repo.commit("unrelated")
    repo.git("merge", "-q", "--no-edit", "side")
    result = gate("check", "--base", "main")
    assert result.code == 1
    assert "Mattie's approval was made with another key" in result.out


def test_a_pull_request_cannot_add_the_key_it_signs_with(repo, gate):
    repo.git("switch", "-q", "-c", "sneaky")
    repo.experiment()
    repo.card(card_data())
    # The PR swaps Mattie's key for the author's, and signs as Mattie with it.
    mine = reviewer_entry(MATTIE).replace(public_key("Mattie"), public_key(AUTHOR[0]))
    repo.write("pyproject.toml", PYPROJECT.replace(reviewer_entry(MATTIE), mine))
    assert gate("sign", CARD, "--reviewer", "Scav", as_=SCAV).code == 0
    assert gate("sign", CARD, "--reviewer", "Mattie", as_=AUTHOR).code == 0  # its own config
    repo.commit("policy-a, approved")
    result = gate("check", "--base", "main")
    assert result.code == 1
    assert "Mattie's approval was made with another key" in result.out
    assert "this change edits [tool.gate]" in result.out


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("[]", "gives Mattie no keys"),
        ('["ssh-ed25519 AAAA-not-base64"]', "key 1 of Mattie: not an OpenSSH public key line"),
        ('["ecdsa-sha2-nistp256 AAAAE2VjZHNh"]', "key 1 of Mattie:"),
    ],
)
def test_a_reviewer_without_a_usable_key_is_named_with_the_card_line(signed, gate, keys, message):
    repo = signed
    bad = f'Mattie = {{ keys = {keys}, emails = ["{MATTIE[1]}"] }}\n'
    repo.write("pyproject.toml", PYPROJECT.replace(reviewer_entry(MATTIE), bad))
    repo.commit("Mattie's key changes")
    result = gate("check", "--all")
    assert result.code == 1
    assert re.search(rf"{CARD}:\d+: signature: .*{re.escape(message)}", result.out), result.out


def test_identity_none_reports_approvals_as_unverified(signed, gate):
    repo = signed
    repo.write("pyproject.toml", PYPROJECT.replace("strict = false", 'identity = "none"'))
    put_entries(repo, _forge("no signature", entries(repo)))
    repo.commit("trusting team")
    result = gate("check", "--all")
    assert result.code == 0, result
    assert "signature (notice): approval by Mattie is unverified" in result.out
    assert "signature (notice): approval by Scav is unverified" in result.out


def test_sign_fails_cleanly_without_a_key(repo, gate, tmp_path):
    repo.experiment()
    repo.card(card_data())
    before = repo.read(CARD)
    nope = tmp_path / "nope"
    missing = gate("sign", CARD, "--reviewer", "Scav", "--key", str(nope))
    assert missing.code == 2
    assert (
        f"--key {nope}: no key file at {nope}; pass --key PATH (or set git's "
        "user.signingkey); nothing was written"
    ) in missing.err
    junk = tmp_path / "junk"
    junk.write_text("not a key\n")
    broken = gate("sign", CARD, "--reviewer", "Scav", "--key", str(junk))
    assert broken.code == 2
    # ssh-keygen's own last line of complaint, as it says it
    assert (
        f"ssh-keygen -Y sign with --key {junk} failed: Couldn't load public key {junk}: "
        "No such file or directory; nothing was written"
    ) in broken.err
    assert repo.read(CARD) == before


def test_sign_takes_a_key_literal_from_git_config_with_the_agent(
    repo, gate, monkeypatch, tmp_path, capsys
):
    """`user.signingkey = key::ssh-ed25519 ...` signs through the ssh-agent."""
    agent = subprocess.run(["ssh-agent", "-s"], capture_output=True, text=True, check=True).stdout
    sock = re.search(r"SSH_AUTH_SOCK=([^;]+);", agent)[1]
    pid = re.search(r"SSH_AGENT_PID=(\d+);", agent)[1]
    monkeypatch.setenv("SSH_AUTH_SOCK", sock)
    try:
        subprocess.run(["ssh-add", "-q", str(KEYS["Scav"])], check=True, capture_output=True)
        repo.experiment()
        repo.card(card_data())
        monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
        monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.signingkey")
        monkeypatch.setenv("GIT_CONFIG_VALUE_0", f"key::{public_key('Scav')}")
        from gate.cli import main

        capsys.readouterr()
        assert main(["sign", CARD, "--reviewer", "Scav"]) == 0
        assert ", signed with user.signingkey; commit the card" in capsys.readouterr().err
        assert "-----BEGIN SSH SIGNATURE-----" in repo.read(CARD)
    finally:
        subprocess.run(["kill", pid], check=False)


# -- the launch gate ----------------------------------------------------------------------

LAUNCHED = "launched.txt"


def launchable(repo, gate, *, sign: bool = True):
    data = card_data()
    data["launch"] = [
        {
            "player": "0",
            "command": f'echo "$GATE_CARD|$GATE_RUN_NAME|$GATE_CARD_DIGEST" > {LAUNCHED}',
        },
        {"player": "1", "command": "echo player-1 > other.txt"},
    ]
    repo.experiment()
    repo.card(data)
    if sign:
        for who in (SCAV, MATTIE):
            assert gate("sign", CARD, "--reviewer", who[0], as_=who).code == 0
    repo.commit("card")


def test_launch_refuses_a_pending_card_and_runs_nothing(repo, gate):
    launchable(repo, gate, sign=False)
    result = gate("launch", CARD, "--index", "0")
    assert result.code == 1
    assert "awaiting sign-off from Scav" in result.out
    assert "NOT LAUNCHED" in result.out
    assert not (repo.root / LAUNCHED).exists()
    assert gate("verify", CONFIG_PATH).code == 1


def test_launch_runs_the_approved_command_with_the_card_in_its_environment(repo, gate):
    launchable(repo, gate)
    listed = gate("launch", CARD)  # two commands: gate lists them and runs nothing
    assert listed.code == 2
    assert "[0] echo" in listed.err and "[1] echo player-1" in listed.err
    assert not (repo.root / LAUNCHED).exists()
    verified = gate("verify", CONFIG_PATH)
    assert verified.code == 0, verified
    digest = re.search(r"digest ([0-9a-f]{12})", verified.out)[1]
    launched = gate("launch", CARD, "--index", "0")
    assert launched.code == 0, launched
    card, run_name, full = (repo.root / LAUNCHED).read_text().strip().split("|")
    assert (card, run_name) == (CARD, "policy-a")
    assert full.startswith(f"sha256:{digest}")
    assert not (repo.root / "other.txt").exists()
    record = yamlio.load(repo.read(CARD).split("\n---\n", 1)[0][4:] + "\n").data["launches"]
    assert record[0]["digest"] == full and record[0]["index"] == 0
    assert record[0]["commit"] == repo.git("rev-parse", "HEAD").strip()
    # The launch record is outside the digest: the card still verifies and checks.
    assert gate("verify", CARD).code == 0
    repo.add(CARD)
    assert gate("check").code == 0


def test_an_uncommitted_edit_to_the_covered_config_stops_the_launch(repo, gate):
    launchable(repo, gate)
    repo.write(CONFIG_PATH, CONFIG.replace("batch_size: 512", "batch_size: 4096"))
    verified = gate("verify", CONFIG_PATH)
    assert verified.code == 1
    assert "approval by Scav is stale" in verified.out
    assert f"{CONFIG_PATH}: NOT APPROVED" in verified.out
    launched = gate("launch", CARD, "--index", "0")
    assert launched.code == 1 and "stale" in launched.out
    assert not (repo.root / LAUNCHED).exists()


def test_launch_keys_come_from_the_protected_branch(repo, gate):
    """A feature branch that swaps in the author's key cannot launch with it."""
    repo.git("switch", "-q", "-c", "sneaky")
    mine = reviewer_entry(MATTIE).replace(public_key("Mattie"), public_key(AUTHOR[0]))
    repo.write("pyproject.toml", PYPROJECT.replace(reviewer_entry(MATTIE), mine))
    repo.commit("my key for Mattie")
    data = card_data()
    data["launch"] = [{"player": "0", "command": f"echo ran > {LAUNCHED}"}]
    repo.experiment()
    repo.card(data)
    assert gate("sign", CARD, "--reviewer", "Scav", as_=SCAV).code == 0
    assert gate("sign", CARD, "--reviewer", "Mattie", as_=AUTHOR).code == 0
    repo.commit("approved by myself")
    result = gate("launch", CARD)
    assert result.code == 1
    assert "reviewers' keys from main" in result.out
    assert "Mattie's approval was made with another key" in result.out
    assert not (repo.root / LAUNCHED).exists()


def _protecting(branches: str) -> str:
    return PYPROJECT.replace("strict = false\n", f"strict = false\nprotected = {branches}\n")


@pytest.mark.parametrize(
    ("protected", "refs", "label"),
    [
        ('["main"]', ["refs/remotes/origin/main", "refs/heads/main"], "origin/main"),
        ('["release/*", "main"]', ["refs/heads/main"], "main"),  # a glob names no branch
        ('["stable-X", "main"]', ["refs/heads/stable-X", "refs/heads/main"], "stable-X"),
        ('["stable-X"]', [], "HEAD"),  # no protected branch here yet
    ],
)
def test_launch_reads_the_keys_from_the_first_protected_branch_there_is(
    repo, gate, protected, refs, label
):
    """The working tree's `protected` list names the branches; the first one found (its
    remote-tracking ref first) gives the configuration, else HEAD does."""
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("switch", "-q", "-c", "feature")
    repo.write("notes.txt", "feature work\n")
    repo.commit("on the feature branch")
    repo.git("branch", "-q", "-D", "main")
    for ref in refs:
        repo.git("update-ref", ref, base)
    repo.write("pyproject.toml", _protecting(protected))  # not committed: the tree's list
    result = gate("verify", CONFIG_PATH)
    assert result.code == 1, result
    assert result.out == (
        f"{CONFIG_PATH}:0: coverage: no run card covers this file: it was never approved\n"
        f"{CONFIG_PATH}: NOT APPROVED to run (reviewers' keys from {label})\n"
    )


def test_launch_without_a_pyproject_in_the_working_tree_reads_the_protected_branch(repo, gate):
    (repo.root / "pyproject.toml").unlink()
    result = gate("verify", CONFIG_PATH)
    assert result.code == 1, result
    assert "(reviewers' keys from main)" in result.out


@pytest.mark.parametrize(
    ("broken", "source"),
    [
        ("working tree", "pyproject.toml (working tree)"),
        ("main", "pyproject.toml (main)"),
        ("HEAD", "pyproject.toml (HEAD)"),
    ],
)
def test_a_configuration_launch_cannot_read_is_named_by_where_it_was_read(
    repo, gate, broken, source
):
    repo.git("switch", "-q", "-c", "feature")
    if broken == "HEAD":  # no protected branch: HEAD's configuration is the one
        repo.git("branch", "-q", "-D", "main")
        repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = 3"))
        repo.commit("a broken configuration")
        repo.write("pyproject.toml", PYPROJECT)  # mended, not committed
    elif broken == "main":
        repo.git("switch", "-q", "main")
        repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = 3"))
        repo.commit("a broken configuration on main")
        repo.git("switch", "-q", "feature")
    else:
        repo.write("pyproject.toml", PYPROJECT.replace("strict = false", "strict = 3"))
    result = gate("verify", CONFIG_PATH)
    assert result.code == 2, result
    assert f"{source}: [tool.gate] strict: expected true or false, got int 3" in result.err


def test_launch_before_the_first_commit_reads_the_working_tree(repo, gate):
    repo.git("update-ref", "-d", "HEAD")  # main has no commit yet
    result = gate("verify", CONFIG_PATH)
    assert result.code == 1, result
    assert result.out.endswith(
        f"{CONFIG_PATH}: NOT APPROVED to run "
        "(reviewers' keys from the working tree (no commits yet))\n"
    )


@pytest.mark.parametrize("given", ["..", "../outside.yaml", "worldmodel/../../x.py::main"])
def test_launch_refuses_a_path_outside_the_repository(repo, gate, given):
    result = gate("verify", given)
    assert result.code == 2, result
    assert result.err == f"gate: error: {given}: not inside the repository {repo.root}\n"


def test_launch_reads_a_function_of_a_linked_script_as_its_target(repo, gate):
    repo.write("worldmodel/launch/train.py", "def main():\n    pass\n")
    (repo.root / "train.py").symlink_to("worldmodel/launch/train.py")
    result = gate("verify", "train.py::main")
    assert result.code == 1, result
    assert result.out.startswith("worldmodel/launch/train.py::main:0: coverage: "), result.out


def test_launch_with_an_explicit_configuration_names_that_file(repo, gate, tmp_path):
    other = tmp_path / "launch.toml"
    other.write_text(PYPROJECT.replace("Mattie", "Mattea"), encoding="utf-8")
    result = gate("verify", "--config", str(other), CONFIG_PATH)
    assert result.code == 1, result
    assert f"(reviewers' keys from {other})" in result.out
    other.write_text(PYPROJECT.replace("strict = false", "strict = 3"), encoding="utf-8")
    broken = gate("verify", "--config", str(other), CONFIG_PATH)
    assert broken.code == 2, broken
    assert f"{other}: [tool.gate] strict: expected true or false, got int 3" in broken.err


def test_verify_as_a_python_api(repo, gate, monkeypatch):
    import gate as gate_package

    launchable(repo, gate)
    approved = gate_package.verify(Path(CONFIG_PATH))
    assert (approved.card, approved.run_name) == (CARD, "policy-a")
    assert approved.digest.startswith("sha256:")
    repo.write(CONFIG_PATH, CONFIG.replace("lr: 0.0003", "lr: 0.1"))
    with pytest.raises(gate_package.NotApproved) as refused:
        gate_package.verify(CONFIG_PATH)
    stale = [f for f in refused.value.findings if f.rule == "freshness"]
    assert [(f.path, f.message.split(":")[0]) for f in stale] == [
        (CARD, "approval by Scav is stale"),
        (CARD, "approval by Mattie is stale"),
    ]
    reasons = "; ".join(f"{f.path}:{f.line}: {f.message}" for f in refused.value.findings)
    assert str(refused.value) == f"{CONFIG_PATH} is not approved to run: {reasons}"
    # named by its absolute path from outside the repository: the same repository, found
    # from the file's own folder
    monkeypatch.chdir(repo.root.parent)
    with pytest.raises(gate_package.NotApproved) as elsewhere:
        gate_package.verify(repo.root / CONFIG_PATH)
    assert elsewhere.value.findings == refused.value.findings


def test_sign_without_ssh_keygen_says_so_and_writes_nothing(repo, gate, monkeypatch, tmp_path):
    import shutil

    bin_dir = tmp_path / "bin"  # git, and no ssh-keygen
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    repo.experiment()
    repo.card(card_data())
    before = repo.read(CARD)
    monkeypatch.setenv("PATH", str(bin_dir))
    result = gate("sign", CARD, "--reviewer", "Scav", as_=SCAV)
    assert result.code == 2
    assert "ssh-keygen is not on PATH" in result.err and "nothing was written" in result.err
    assert repo.read(CARD) == before


def test_a_launch_of_a_card_without_a_command_runs_nothing(repo, gate):
    data = card_data()
    data["launch"] = []
    repo.experiment()
    repo.card(data)
    for who in (SCAV, MATTIE):
        assert gate("sign", CARD, "--reviewer", who[0], as_=who).code == 0
    repo.commit("card without a launch command")
    result = gate("launch", CARD)
    assert result.code == 2
    assert "the card has no launch command" in result.err


def test_a_forged_approval_approves_nothing_in_the_status(signed, gate):
    """`gate render` derives the status from proven approvals only: a forgery leaves
    the card PENDING REVIEW, and check reports the forgery, not a status mismatch."""
    repo = signed
    put_entries(repo, _forge("author's own key", entries(repo)))
    assert gate("render", CARD).code == 0
    assert "\nstatus: PENDING REVIEW\n" in repo.read(CARD)
    repo.add(CARD)
    result = gate("check")
    assert result.code == 1
    assert "Mattie's approval was made with another key" in result.out
    assert ": status:" not in result.out
    cards = json.loads(gate("check", "--format", "json").out)["cards"]
    assert cards == [{"path": CARD, "kind": "policy", "status": "PENDING REVIEW", "passed": False}]


def test_verified_signatures_are_remembered_but_never_for_another_key(signed, gate):
    repo = signed
    remembered = repo.root / ".git" / "gate" / "verified"
    assert len(list(remembered.iterdir())) == 2  # the check above verified both
    mine = reviewer_entry(MATTIE).replace(public_key("Mattie"), public_key(AUTHOR[0]))
    repo.write("pyproject.toml", PYPROJECT.replace(reviewer_entry(MATTIE), mine))
    repo.commit("Mattie's key replaced (revoked)")
    result = gate("check", "--all")
    assert result.code == 1
    assert "Mattie's approval was made with another key" in result.out
    for entry in remembered.iterdir():  # and a forged memory proves nothing either
        entry.unlink()
    (remembered / ("0" * 64)).touch()
    assert gate("check", "--all").code == 1


def test_verify_names_the_approved_digest_by_its_first_twelve_hex_digits(repo, gate):
    import gate as gate_package

    launchable(repo, gate)
    approved = gate_package.verify(CONFIG_PATH)
    assert approved.config_from == "main"
    result = gate("verify", CONFIG_PATH)
    assert result.code == 0
    assert result.out == (
        f"{CONFIG_PATH}: approved: {CARD} (run policy-a, digest {approved.digest[7:19]}; "
        "reviewers' keys from main)\n"
    )


def _openssh_verifies(signature: str, text: str, tmp_path: Path) -> bool:
    allowed, sig = tmp_path / "allowed_signers", tmp_path / "approval.sig"
    allowed.write_text(f"Mattie {public_key('Mattie')}\n")
    sig.write_text(signature)
    argv = ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "Mattie", "-n", NAMESPACE]
    done = subprocess.run(
        [*argv, "-s", str(sig)],
        input=text.encode(),
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.parametrize(
    ("rewrap", "holds"),
    [
        (lambda s: s, True),
        (lambda s: s.replace("\n", "\n\n", 2), True),  # a blank line inside
        (lambda s: s + "\n\n", True),
        (lambda s: s.replace("-----\n", "-----\n-----BEGIN SSH SIGNATURE-----\n", 1), False),
        (lambda s: s.replace("\n", "\n*\n", 2), False),  # a stray character
        (lambda s: s.replace("\n", "\n\u2028", 2), False),  # whitespace C does not know
        (lambda s: s.replace("\n", "\n==\n", 2), False),  # padding in the middle
    ],
    ids=["genuine", "blank-line", "trailing-blank", "second-begin", "stray", "u2028", "padding"],
)
def test_gate_reads_the_armor_as_strictly_as_openssh(tmp_path, rewrap, holds):
    """A genuine signature rewrapped: gate accepts exactly what `ssh-keygen -Y verify`
    accepts (the property suite found a second BEGIN line the library let through)."""
    from cards import sshsig_sign

    from gate.review.signature import problem

    digest = "sha256:" + "ab" * 32
    text = approval_text("Mattie", "approved", digest)
    signature = rewrap(sshsig_sign("Mattie", text))
    assert _openssh_verifies(signature, text, tmp_path) is holds
    found = problem("Mattie", "approved", digest, signature, (public_key("Mattie"),))
    if holds:
        assert found is None
    else:
        assert (
            found
            == "the signature of Mattie's approval is damaged: its armor holds more than base64"
        )


def _armored(blob: bytes) -> str:
    from gate.review.signature import ARMOR_BEGIN, ARMOR_END

    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END])


def _bent_key(raw: bytes) -> bytes:
    """The SSHSIG blob with four bytes after the public key inside its own field (the
    field's length says so): the blob reads back exactly, the key does not."""
    (size,) = struct.unpack(">I", raw[10:14])  # after "SSHSIG" and the version
    key = raw[14 : 14 + size]
    return raw[:10] + struct.pack(">I", size + 4) + key + b"\0\0\0\0" + raw[14 + size :]


def _inner_signature_cut(raw: bytes) -> bytes:
    """The SSHSIG blob whole, its last field (the signature itself) cut to a length
    prefix that promises more than follows."""
    fields, at = [], 10
    while at < len(raw):
        (size,) = struct.unpack(">I", raw[at : at + 4])
        fields.append(raw[at + 4 : at + 4 + size])
        at += 4 + size
    fields[-1] = b"\0\0\0\x01x"[:-1]
    return raw[:10] + b"".join(struct.pack(">I", len(f)) + f for f in fields)


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda raw: raw[:7], "is damaged or truncated (ValueError)"),
        (_inner_signature_cut, "is damaged or truncated (ValueError: Unexpected end of input.)"),
        (lambda raw: raw[:50], "is damaged or truncated (Unexpected end of input.)"),
        (
            lambda raw: raw + b"\0\0\0\0",
            "is damaged: its SSHSIG wrapping does not read back exactly",
        ),
        (_bent_key, "is damaged: the public key it embeds does not read back exactly"),
    ],
    ids=["cut-short-quietly", "signature-cut", "cut-short", "bytes-after", "key-bent"],
)
def test_a_damaged_signature_blob_is_refused_as_openssh_refuses_it(tmp_path, damage, why):
    """Inside good armor, a blob cut short (even where the library's error says nothing),
    with bytes after it, or with a public key that only parses leniently: OpenSSH
    refuses each, and so does gate, saying which."""
    from cards import sshsig_sign
    from sshsig.sshsig import ssh_dearmor_sshsig

    from gate.review.signature import problem

    digest = "sha256:" + "cd" * 32
    text = approval_text("Mattie", "approved", digest)
    signature = _armored(damage(ssh_dearmor_sshsig(sshsig_sign("Mattie", text))))
    assert not _openssh_verifies(signature, text, tmp_path)
    found = problem("Mattie", "approved", digest, signature, (public_key("Mattie"),))
    assert found == f"the signature of Mattie's approval {why}"


@pytest.mark.parametrize(
    "line",
    [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample scav",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIExample scav",
        "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tExample scav",
    ],
    ids=["ed25519", "ecdsa", "security-key"],
)
def test_a_public_key_line_as_user_signingkey_signs_through_the_agent(line):
    """git takes `user.signingkey` as a public key line (older git, without `key::`) for
    every SSH key type: gate signs with that key through the agent, not with a file of
    that name."""
    from gate.review.signing import SigningKey, choose_key

    assert choose_key(None, line) == SigningKey(None, line, "user.signingkey")
    assert choose_key(None, f"key::{line}") == SigningKey(None, line, "user.signingkey")


def test_the_key_to_sign_with_and_where_it_came_from():
    """`--key PATH`, else git's `user.signingkey` (a path, `~` expanded), else OpenSSH's
    default key: each named as `gate sign` names it in what it prints."""
    from gate.review.signing import DEFAULT_KEY, SigningKey, choose_key

    home = Path.home()
    assert choose_key("~/k", "~/ignored") == SigningKey(home / "k", None, "--key ~/k")
    assert choose_key(None, "~/.ssh/work") == SigningKey(
        home / ".ssh" / "work", None, "git's user.signingkey"
    )
    assert choose_key(None, None) == SigningKey(Path(DEFAULT_KEY).expanduser(), None, DEFAULT_KEY)
    assert choose_key(None, "") == choose_key(None, None)


def test_sign_without_ssh_keygen_on_path_says_so_and_writes_nothing(
    repo, gate, tmp_path, monkeypatch
):
    import shutil

    repo.experiment()
    card = repo.card(card_data())
    before = repo.read(card)
    tools = tmp_path / "only-git"
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(tools))
    result = gate("sign", card, "--reviewer", "Scav", as_=SCAV)
    assert result.code == 2, result
    assert (
        "ssh-keygen is not on PATH: gate signs approvals with OpenSSH's ssh-keygen "
        "(install openssh-client); nothing was written"
    ) in result.err
    assert repo.read(card) == before
    # an ssh-keygen on PATH that the system cannot run (not a program for this machine)
    (tools / "ssh-keygen").write_bytes(b"\x7fELF not really\n")
    (tools / "ssh-keygen").chmod(0o755)
    broken = gate("sign", card, "--reviewer", "Scav", as_=SCAV)
    assert broken.code == 2, broken
    assert "ssh-keygen could not run: [Errno 8] Exec format error" in broken.err
    assert broken.err.rstrip().endswith("; nothing was written")
    assert repo.read(card) == before


def _sshsig_loaded(root: Path, *args: str) -> bool:
    """Whether `python -m gate ARGS`, run in `root`, loads the SSH signature library."""
    import sys

    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gate", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    return any(line.rstrip().endswith("| sshsig") for line in done.stderr.splitlines())


def test_a_signature_verified_once_is_not_verified_again(signed):
    """Each verified signature is remembered in the git folder (.git/gate/verified): the
    next check of the same approvals answers without loading the signature library; a
    repository that remembers none (a fresh clone) verifies them all."""
    import shutil

    shutil.rmtree(signed.root / ".git" / "gate" / "verified", ignore_errors=True)
    assert _sshsig_loaded(signed.root, "check", "--all")
    assert len(list((signed.root / ".git" / "gate" / "verified").iterdir())) == 2
    assert not _sshsig_loaded(signed.root, "check", "--all")
