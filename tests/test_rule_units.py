"""Small rules, by hand, through their pure functions: each case pins what a user sees
(a message, a severity, a line). Written from the mutation run (.ci/mutation)."""

from __future__ import annotations

import pytest

from gate.card.findings import Finding, promote_warnings
from gate.config import from_table
from gate.errors import GateError


def test_strict_makes_warnings_block_but_not_notices_nor_an_awaited_sign_off():
    found = [
        Finding("a.md", 1, "flag:epochs", "few epochs", severity="warning"),
        Finding("a.md", 2, "sign-off", "awaiting Scav", severity="warning"),
        Finding("x.yaml", 0, "coverage", "no card needed", severity="notice"),
        Finding("a.md", 3, "schema", "bad", severity="error"),
    ]
    assert [f.severity for f in promote_warnings(found)] == ["error", "warning", "notice", "error"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"hardware": {"a100": 3}},
            "pyproject.toml: [tool.gate] hardware: expected a table of tables, got dict "
            "{'a100': 3}",
        ),
        (
            {"gpus": ["A100"]},
            "pyproject.toml: [tool.gate] gpus: expected a table of tables, got list ['A100']",
        ),
        (
            {"identity": "gpg"},
            "pyproject.toml: [tool.gate] identity: expected one of 'ssh', 'none', got str 'gpg'",
        ),
    ],
)
def test_a_bad_tool_gate_value_names_the_key_what_was_expected_and_what_was_found(table, message):
    with pytest.raises(GateError) as error:
        from_table(table, source="pyproject.toml")
    assert str(error.value) == message
