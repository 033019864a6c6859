"""`[tool.gate]` as gate reads it: a bad value is refused (exit 2) with the whole message
naming the file, the key, what was expected and what was found; a good one reads as
written. Through the pure functions; tests/test_bad_input.py runs a few through the CLI."""

from __future__ import annotations

import pytest

from gate.config import KEYS, NO_REVIEWERS, Reviewer, from_table, parse
from gate.errors import GateError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample scav@laptop"
SCAV = {"keys": [KEY], "emails": ["scav@example.org"]}
FOLDER = "expected a folder inside the repository (relative, no '..')"
SHARE = "\\\\server\\cards"  # a Windows network path


def _refused(table: dict[str, object]) -> str:
    with pytest.raises(GateError) as error:
        from_table(table, source="pyproject.toml")
    return str(error.value)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"strict": "yes"}, "strict: expected true or false, got str 'yes'"),
        ({"cards_dir": 5}, "cards_dir: expected a non-empty string, got int 5"),
        ({"cards_dir": "/"}, f"cards_dir: {FOLDER}, got str '/'"),
        ({"cards_dir": SHARE}, f"cards_dir: {FOLDER}, got str " + repr(SHARE)),
        ({"cards_dir": "C:/cards"}, f"cards_dir: {FOLDER}, got str 'C:/cards'"),
        ({"dataset": ""}, "dataset: expected a non-empty string, got str ''"),
        (
            {"gated": ["*.yaml", ""]},
            "gated: expected a list of non-empty strings, got list ['*.yaml', '']",
        ),
        (
            {"reviewers": "Scav"},
            "reviewers: expected a table of NAME = { keys = [...] }, got str 'Scav'",
        ),
        (
            {"reviewers": {"Scav": "scav@example.org"}},
            'reviewers.Scav: expected a table { keys = ["ssh-ed25519 AAAA..."], emails = [...] }, '
            "got str 'scav@example.org'",
        ),
        (  # gate 0.1's form: a list of emails
            {"reviewers": {"Scav": ["scav@example.org", 1]}},
            "reviewers.Scav: expected a list of non-empty strings, got list ['scav@example.org', 1]",
        ),
        (
            {"reviewers": {"Scav": {"keys": [KEY], "emails": "scav@example.org"}}},
            "reviewers.Scav.emails: expected a list of non-empty strings, got str "
            "'scav@example.org'",
        ),
        ({"run_card_hours": -1}, "run_card_hours: expected a finite number >= 0, got int -1"),
        (
            {"run_card_cost_usd": float("inf")},
            "run_card_cost_usd: expected a finite number >= 0, got float inf",
        ),
        ({"kinds": ["run"]}, "kinds: expected a table of kind tables, got list ['run']"),
        ({"kinds": {"run": "Scav"}}, "kinds.run: expected a table, got str 'Scav'"),
        (
            {"kinds": {"run": {"reviewers": "Scav"}}},
            "kinds.run.reviewers: expected a list of non-empty strings, got str 'Scav'",
        ),
        (
            {"kinds": {"run": {"launch_function": 5}}},
            "kinds.run.launch_function: expected a non-empty string, got int 5",
        ),
        (
            {"kinds": {"run": {"launch": ""}}},
            "kinds.run.launch: expected a non-empty string, got str ''",
        ),
        *(
            (
                {"kinds": {"run": {"max_timeout": value}}},
                f"kinds.run.max_timeout: expected a whole number of seconds > 0, got {shown}",
            )
            for value, shown in (
                (True, "bool True"),
                ("3600", "str '3600'"),
                (0, "int 0"),
                (1.5, "float 1.5"),
            )
        ),
        (
            {"run_card_cost_usd": "5"},
            "run_card_cost_usd: expected a finite number >= 0, got str '5'",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_the_key_and_what_was_found(table, message):
    assert _refused(table) == f"pyproject.toml: [tool.gate] {message}"


def test_no_reviewers_at_all_is_refused():
    assert _refused({"reviewers": {}}) == (
        "pyproject.toml: [tool.gate] reviewers: name at least one reviewer"
    )


def test_an_unknown_key_is_named_with_the_nearest_known_one_or_all_of_them():
    assert _refused({"card_dir": "x"}) == (
        "pyproject.toml: [tool.gate] unknown key 'card_dir'; did you mean 'cards_dir'?"
    )
    assert _refused({"owner": "x"}) == (
        f"pyproject.toml: [tool.gate] unknown key 'owner' (known: {', '.join(KEYS)})"
    )
    assert _refused({"reviewers": {"Scav": {"key": [KEY]}}}) == (
        "pyproject.toml: [tool.gate.reviewers.Scav] unknown key 'key'; did you mean 'keys'?"
    )


def test_a_kind_table_names_its_own_unknown_key():
    assert _refused({"kinds": {"run": {"colour": 1}}}) == (
        "pyproject.toml: [tool.gate.kinds.run] unknown key 'colour' "
        "(known: reviewers, launch_function, max_timeout, launch)"
    )


def test_a_one_second_platform_maximum_is_a_maximum():
    kinds = from_table({"kinds": {"run": {"max_timeout": 1}}}, source="pyproject.toml").kinds
    assert kinds["run"].max_timeout == 1


def test_a_kinds_reviewer_must_be_a_configured_reviewer():
    table = {"reviewers": {"Scav": SCAV, "Mattie": SCAV}}
    table["kinds"] = {"policy": {"reviewers": ["Scav", "Nobody"]}}
    assert _refused(table) == (
        "pyproject.toml: [tool.gate.kinds.policy] reviewers: 'Nobody' is not in "
        "[tool.gate.reviewers]"
    )
    table["kinds"] = {"policy": {"reviewers": ["Scav"]}}
    config = from_table(table, source="pyproject.toml")
    # A policy card needs Scav's approval; a card of another kind, every reviewer's.
    assert config.reviewers_for("policy") == ("Scav",)
    assert config.reviewers_for("run") == ("Scav", "Mattie")


def test_good_values_read_as_written():
    config = from_table(
        {
            "cards_dir": "/XR/run-cards/",  # slashes around the folder are trimmed, not letters
            "reviewers": {
                "Scav": {"keys": [KEY]},  # keys without emails, and emails without keys
                "Mattie": {"emails": ["mattie@example.org"]},
                "Old": ["old@example.org"],  # gate 0.1's form: emails only
            },
        },
        source="pyproject.toml",
    )
    assert config.cards_dir == "XR/run-cards"
    assert dict(config.reviewers) == {
        "Scav": Reviewer(keys=(KEY,)),
        "Mattie": Reviewer(emails=("mattie@example.org",)),
        "Old": Reviewer(emails=("old@example.org",)),
    }
    # A colon past a drive letter's place is part of a folder's name.
    assert from_table({"cards_dir": "wm:cards"}, source="p").cards_dir == "wm:cards"


def test_thresholds_of_zero_ask_a_card_of_every_run():
    """`run_card_cost_usd = 0` and `run_card_hours = 0`: no run is cheap enough to go
    without a card (a team that wants every run reviewed); 0 is a number >= 0."""
    config = from_table({"run_card_cost_usd": 0, "run_card_hours": 0.0}, source="p")
    assert (config.run_card_cost_usd, config.run_card_hours) == (0.0, 0.0)


@pytest.mark.parametrize(
    "text",
    [None, '[project]\nname = "melee"\n', 'tool = "x"\n', "[tool.gate]\nstrict = true\n"],
    ids=["no pyproject.toml", "no [tool.gate]", "tool is not a table", "no reviewers"],
)
def test_without_reviewers_the_message_names_the_file_and_says_how(text):
    source = "pyproject.toml (the index)"
    with pytest.raises(GateError) as error:
        parse(text, source=source).require_reviewers()
    assert str(error.value) == f"{source}: {NO_REVIEWERS.format()}"
    assert 'one line per reviewer, NAME = { keys = ["ssh-ed25519 AAAA... name"] }' in str(
        error.value
    )


def test_a_tool_gate_that_is_not_a_table_is_refused():
    with pytest.raises(GateError) as error:
        parse("[tool]\ngate = 1\n", source="pyproject.toml")
    assert str(error.value) == "pyproject.toml: [tool.gate] : expected a table, got int 1"


@pytest.mark.parametrize(
    ("branch", "protected"),
    [("main", True), ("release/2.1", True), ("feature", False), ("mainline", False), (None, True)],
)
def test_protected_branches_are_globs_and_no_branch_is_protected(branch, protected):
    config = from_table({"protected": ["main", "release/*"]}, source="pyproject.toml")
    assert config.is_protected(branch) is protected
