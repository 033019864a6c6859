"""Line endings and git's clean filter: a reviewer whose files are CRLF on disk
(`core.autocrlf=true`, `.gitattributes` `eol=crlf`, a `working-tree-encoding`) signs
what git will commit, so the approval stays fresh in every scope; a card saved with
CRLF reads, renders and is rewritten without a whole-file diff. Real git throughout."""

from __future__ import annotations

import pytest
from cards import CONFIG, MATTIE, SCAV, card_data, card_text

from gate.card import document
from gate.git import Repository

CARD = "worldmodel/docs/run-cards/policy-a.md"
CONFIG_PATH = "worldmodel/experiments/policy-a.yaml"
LAUNCHED = "launched.txt"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def utf16(text: str, newline: str = "\r\n") -> bytes:
    return "\ufeff".encode("utf-16-le") + text.replace("\n", newline).encode("utf-16-le")


def utf16_lf(text: str) -> bytes:
    return utf16(text, "\n")


def lf(text: str) -> bytes:
    return text.encode()


def _autocrlf(repo) -> None:
    repo.git("config", "core.autocrlf", "true")


def _eol_crlf(repo) -> None:
    repo.write(".gitattributes", "*.yaml text eol=crlf\n*.md text eol=crlf\n")
    repo.commit("checkouts use CRLF")


def _utf16_configs(repo) -> None:
    repo.write(
        ".gitattributes",
        "*.yaml text working-tree-encoding=UTF-16LE-BOM eol=crlf\n*.md text eol=crlf\n",
    )
    repo.commit("configs are UTF-16 in the working tree")


# setup -> (configure the repository, the config's bytes on disk as that reviewer has
# them, the same text saved with LF endings)
SETUPS = {
    "core.autocrlf=true": (_autocrlf, crlf, lf),
    ".gitattributes eol=crlf": (_eol_crlf, crlf, lf),
    "working-tree-encoding=UTF-16": (_utf16_configs, utf16, utf16_lf),
}


def _windows_card(repo, encode, gate) -> None:
    """Config and card as the reviewer's working tree has them (CRLF), both signed."""
    data = card_data()
    data["launch"] = [{"player": "0", "command": f"echo ran > {LAUNCHED}"}]
    repo.write(CONFIG_PATH, encode(CONFIG))
    repo.write(CARD, crlf(card_text(data)))
    for who in (SCAV, MATTIE):
        signed = gate("sign", CARD, "--reviewer", who[0], as_=who)
        assert signed.code == 0, signed


def _is_crlf(raw: bytes) -> bool:
    return raw.count(b"\n") == raw.count(b"\r\n") > 0


@pytest.mark.parametrize("setup", list(SETUPS))
def test_a_reviewer_with_crlf_files_signs_and_every_scope_passes(repo, gate, setup):
    configure, encode, _ = SETUPS[setup]
    configure(repo)
    repo.git("switch", "-q", "-c", "policy-a")
    _windows_card(repo, encode, gate)
    assert _is_crlf((repo.root / CARD).read_bytes())  # gate sign kept the card's CRLF
    assert gate("render", CARD).err.endswith("already up to date\n")

    repo.add(CONFIG_PATH, CARD)
    staged = gate("check")
    assert staged.code == 0, staged
    assert "awaiting" not in staged.out
    assert "\r" not in repo.git("show", f":{CONFIG_PATH}")  # git stores LF
    repo.git("commit", "-q", "--no-verify", "-m", "policy-a: signed card")
    pull_request = gate("check", "--base", "main")
    assert pull_request.code == 0, pull_request
    assert gate("check", "--all").code == 0

    verified = gate("verify", CONFIG_PATH)
    assert verified.code == 0, verified
    launched = gate("launch", CARD)
    assert launched.code == 0, launched
    assert (repo.root / LAUNCHED).read_text().strip() == "ran"
    repo.add(CARD)  # the launch record, outside the digest
    repo.git("commit", "-q", "--no-verify", "-m", "policy-a: launched")

    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--squash", "policy-a")
    repo.git("commit", "-q", "--no-verify", "-m", "policy-a (#1)")
    merged = gate("check", "--all")
    assert merged.code == 0, merged


@pytest.mark.parametrize("setup", list(SETUPS))
def test_a_content_change_is_stale_and_an_ending_change_is_not(repo, gate, setup):
    configure, encode, resave = SETUPS[setup]
    configure(repo)
    _windows_card(repo, encode, gate)
    repo.commit("signed card")
    assert gate("check", "--all").code == 0

    # Saved again with LF endings: git would commit the same bytes, nothing to approve.
    repo.write(CONFIG_PATH, resave(CONFIG))
    assert gate("verify", CONFIG_PATH).code == 0
    repo.add(CONFIG_PATH)
    assert gate("check").code == 0

    # A real edit, in the reviewer's own encoding: stale everywhere.
    repo.write(CONFIG_PATH, encode(CONFIG.replace("data/parsed-v2", "data/parsed-v3")))
    verified = gate("verify", CONFIG_PATH)
    assert verified.code == 1
    assert "approval by Scav is stale" in verified.out
    assert gate("launch", CARD).code == 1
    assert not (repo.root / LAUNCHED).exists()
    repo.add(CONFIG_PATH)
    staged = gate("check")
    assert staged.code == 1
    assert "approval by Mattie is stale" in staged.out
    repo.commit("edited after approval")
    assert gate("check", "--all").code == 1


# -- a card saved with CRLF, no conversion: git stores CRLF ----------------------------


def test_a_crlf_card_is_signed_in_its_own_endings_with_a_small_diff(repo, gate):
    data = card_data()
    repo.experiment()
    repo.write(CARD, crlf(card_text(data)))
    repo.commit("card saved on Windows")
    before = (repo.root / CARD).read_bytes()
    assert gate("render", CARD).err.endswith("already up to date\n")
    assert (repo.root / CARD).read_bytes() == before
    for who in (SCAV, MATTIE):
        assert gate("sign", CARD, "--reviewer", who[0], as_=who).code == 0
    after = (repo.root / CARD).read_bytes()
    assert _is_crlf(after)
    added, removed, _ = repo.git("diff", "--numstat", "--", CARD).split("\t")
    assert int(removed) <= 6, repo.git("diff", "--", CARD)  # status, signoff, checkboxes
    assert int(added) > 10  # the two entries with their signatures
    repo.add(CARD)
    staged = gate("check")
    assert staged.code == 0, staged
    assert "render" not in staged.out
    repo.commit("signed")
    assert gate("check", "--all").code == 0
    assert gate("verify", CARD).code == 0


def test_a_crlf_card_whose_region_is_out_of_date_is_rendered_in_crlf(repo, gate):
    data = card_data()
    repo.experiment()
    text = card_text(data, prose="\n## Notes\n\nKept\r\nas written.\n")
    stale = text.replace("| Epochs | 10 |", "| Epochs | 11 |")
    assert stale != text
    repo.write(CARD, crlf(stale))
    repo.add(CARD, CONFIG_PATH)
    blocked = gate("check")
    assert blocked.code == 1
    assert "the generated region no longer matches the card's data" in blocked.out
    assert gate("render", CARD).err.endswith("rendered\n")
    assert (repo.root / CARD).read_bytes() == crlf(text)
    repo.add(CARD)
    assert "generated region" not in gate("check").out


def test_a_crlf_card_without_a_region_gets_one_in_crlf(repo, gate):
    text = card_text(card_data())
    front = text.split("<!-- gate:generated:begin", 1)[0]
    prose = "# Old notes\r\n\r\nWritten by hand.\r\n"
    repo.experiment()
    repo.write(CARD, crlf(front) + prose.encode())
    assert gate("render", CARD).err.endswith("rendered\n")
    raw = (repo.root / CARD).read_bytes()
    assert _is_crlf(raw)
    assert raw.endswith(prose.encode())
    assert raw.startswith(crlf(front))
    assert gate("render", CARD).err.endswith("already up to date\n")


def test_a_crlf_card_parses_as_its_lf_twin():
    text = card_text(card_data())
    lf_card = document.parse(CARD, text.encode())
    crlf_card = document.parse(CARD, crlf(text))
    assert crlf_card.data == lf_card.data and crlf_card.lines == lf_card.lines
    assert (crlf_card.newline, lf_card.newline) == ("\r\n", "\n")
    assert document.front_text(crlf_card) == document.front_text(lf_card)
    ours, theirs = document.region(crlf_card), document.region(lf_card)
    assert ours.inner == theirs.inner and ours.line == theirs.line
    assert (ours.before, ours.after) == (crlf(theirs.before).decode(), crlf(theirs.after).decode())
    assert (
        document.compose(
            document.front_text(crlf_card),
            ours.inner or "",
            before=ours.before,
            after=ours.after,
            newline="\r\n",
        )
        == crlf(text).decode()
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_with_front_edits_the_data_alone_in_the_cards_endings(newline):
    text = card_text(card_data()).replace("\n", newline)
    card = document.parse(CARD, text.encode())
    front = document.front_text(card) + "launches:\n- index: 0\n"
    new = document.with_front(card, front)
    assert new.startswith(text.split(f"{newline}---{newline}", 1)[0])
    assert new.endswith(text.split(f"{newline}---{newline}", 1)[1])
    assert f"launches:{newline}- index: 0{newline}---{newline}" in new
    assert new.count("\n") == text.count("\n") + 2
    assert new.count("\r\n") == (new.count("\n") if newline == "\r\n" else 0)


# -- reading the working tree as git would commit it ---------------------------------------


def test_as_committed_follows_git_and_touches_neither_index_nor_object_store(repo):
    repo.write("kept.yaml", b"a: 1\r\n")
    repo.commit("committed with CRLF, before autocrlf")
    repo.git("config", "core.autocrlf", "true")
    repo.write("kept.yaml", b"a: 2\r\n")
    repo.write("new.yaml", b"b: 1\r\n")
    repo.write("README.md", "# melee\r\n")
    git_dir = repo.root / ".git"
    hook = git_dir / "hooks" / "post-index-change"  # git runs it when an index is written
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\ntouch '{repo.root / 'hook-ran'}'\n")
    hook.chmod(0o755)
    index = (git_dir / "index").read_bytes()
    objects = sorted(p.name for p in (git_dir / "objects").rglob("*") if p.is_file())

    got = Repository(repo.root).as_committed(["kept.yaml", "new.yaml", "README.md", "gone.yaml"])

    # As `git add` would: a file committed with CRLF stays CRLF (git's "safer autocrlf"),
    # others are normalized, and a missing file is left out.
    assert got == {"kept.yaml": b"a: 2\r\n", "new.yaml": b"b: 1\n", "README.md": b"# melee\n"}
    assert (git_dir / "index").read_bytes() == index
    assert sorted(p.name for p in (git_dir / "objects").rglob("*") if p.is_file()) == objects
    assert not (repo.root / "hook-ran").exists()
    assert repo.git("status", "--porcelain") == " M README.md\n M kept.yaml\n?? new.yaml\n"


def test_a_file_git_refuses_is_read_from_disk(repo, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.yaml").write_bytes(b"x: 1\r\n")
    (repo.root / "linked").symlink_to(outside)  # a folder behind a symlink: git refuses it
    repo.write("plain.yaml", b"y: 1\n")
    repo.git("config", "core.autocrlf", "true")
    r = Repository(repo.root)
    assert r.as_committed(["linked/x.yaml", "plain.yaml"]) == {"plain.yaml": b"y: 1\n"}
    worktree = r.worktree()
    assert worktree.read("linked/x.yaml") == b"x: 1\r\n"
    assert worktree.read("plain.yaml") == b"y: 1\n"
    assert worktree.read("missing.yaml") is None


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_line_break_inside_a_value_is_rendered_in_the_cards_endings(repo, gate, newline):
    """A goal holding a CR LF (a YAML escape): the region is written in the card's own
    endings, and check reads it as what `gate render` wrote (up to date, no finding)."""
    data = card_data()
    data["goal"] = "line one\r\nline two"
    repo.experiment()
    repo.write(CARD, card_text(data).replace("\n", newline).encode())
    assert gate("render", CARD).code == 0
    assert gate("render", CARD).err.endswith("already up to date\n")
    raw = (repo.root / CARD).read_bytes()
    assert raw.count(b"\r\n") == (raw.count(b"\n") if newline == "\r\n" else 0)
    repo.add(CARD, CONFIG_PATH)
    checked = gate("check")
    assert ": render: " not in checked.out, checked
    assert "awaiting sign-off from Scav" in checked.out  # the card was checked


def test_a_card_is_written_in_its_first_lines_ending_whatever_its_last_line_has(repo, gate):
    """An LF card whose prose ends in a line pasted with CRLF: gate writes the front
    matter and region in LF (the first line's ending) and keeps the prose as written."""
    data = card_data()
    repo.experiment()
    text = card_text(data, prose="\n## Notes\n\nPasted from Windows.\r\n")
    stale = text.replace("| Epochs | 10 |", "| Epochs | 11 |")
    assert stale != text
    repo.write(CARD, stale.encode())
    assert gate("render", CARD).err.endswith("rendered\n")
    assert (repo.root / CARD).read_bytes() == text.encode()
