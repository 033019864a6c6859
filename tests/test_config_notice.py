"""A pull request that edits `[tool.gate]` gets a notice on the table's first line: it
was checked with the merge-base's configuration, and the new one takes effect once
merged. One that leaves the table's values as they were gets none, whatever else
changes in pyproject.toml (or whether there is one)."""

from __future__ import annotations

import json

import pytest
from cards import reviewer_entry
from conftest import MATTIE, PYPROJECT, SCAV

NOTICE = (
    "config (notice): this change edits [tool.gate]: it was checked with the merge-base's "
    "configuration, and the new one takes effect once merged. Reviewers: look at it.\n"
)
PASSED = "gate: passed (base): 0 gated file(s), 0 card(s)\n"


def _pull_request(repo, gate, pyproject: str | bytes, *options: str):
    repo.git("checkout", "-q", "-b", "change")
    repo.write("pyproject.toml", pyproject)
    repo.commit("edit pyproject.toml")
    return gate("check", "--base", "main", *options)


def test_reordering_the_table_is_no_edit(repo, gate):
    reordered = PYPROJECT.replace("strict = false\n", "").replace(
        "[tool.gate]\n", "[tool.gate]\nstrict = false\n"
    )
    reordered = reordered.replace(
        reviewer_entry(SCAV) + reviewer_entry(MATTIE), reviewer_entry(MATTIE) + reviewer_entry(SCAV)
    )
    assert reordered != PYPROJECT
    result = _pull_request(repo, gate, reordered)
    assert (result.code, result.out) == (0, PASSED)


def test_a_date_in_the_table_is_an_edit_on_its_line(repo, gate):
    # TOML has dates, which JSON has not: the table is still compared, not refused.
    dated = PYPROJECT.replace("strict = false\n", "strict = false\nreviewed = 2026-11-24\n")
    result = _pull_request(repo, gate, dated)
    assert (result.code, result.out) == (0, f"pyproject.toml:4: {NOTICE}{PASSED}")


@pytest.mark.parametrize("strict", ["false", "true"])
def test_a_pyproject_that_is_not_utf8_is_still_compared(repo, gate, strict):
    # (A Latin-1 description: the merge-base's configuration is the one in force, so
    # the check runs; `strict` flipped is the only edit to the table.)
    edited = PYPROJECT.replace('name = "melee"\n', 'name = "melee"\ndescription = "Mélée"\n')
    edited = edited.replace("strict = false", f"strict = {strict}")
    result = _pull_request(repo, gate, edited.encode("latin-1"))
    expected = f"pyproject.toml:5: {NOTICE}" if strict == "true" else ""
    assert (result.code, result.out) == (0, expected + PASSED)


def test_adding_a_pyproject_without_the_table_is_no_edit(repo, gate):
    # The team keeps its configuration in gate.toml (`--config`); a pull request adds a
    # pyproject.toml for other tools.
    repo.git("mv", "pyproject.toml", "gate.toml")
    repo.commit("gate's configuration in gate.toml")
    result = _pull_request(repo, gate, '[project]\nname = "melee"\n', "--config", "gate.toml")
    assert (result.code, result.out) == (0, PASSED)


@pytest.mark.parametrize("after", ["", '[project]\nname = "melee"\n'])
def test_emptying_the_file_or_removing_the_table_is_an_edit_on_no_line(repo, gate, after):
    result = _pull_request(repo, gate, after)
    assert (result.code, result.out) == (0, f"pyproject.toml: {NOTICE}{PASSED}")
    (notice,) = json.loads(gate("check", "--base", "main", "--format", "json").out)["findings"]
    assert (notice["path"], notice["line"], notice["rule"]) == ("pyproject.toml", 0, "config")
