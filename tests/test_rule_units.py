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


@pytest.mark.parametrize("name", ["frame_dim", "analog_dim", "button_dim", "trunk_dim"])
def test_a_bad_model_dimension_is_named_by_its_config_key(name):
    from gate.kinds.policy.estimate import policy_mlp_parameters

    dims = {"context_len": 10, "hidden_dim": 512, "trunk_dim": 256, name: 0}
    with pytest.raises(GateError) as error:
        policy_mlp_parameters(**dims)
    assert str(error.value) == f"model.{name}: expected a whole number >= 1, got 0"


def test_an_encoded_size_from_no_frames_names_the_frames():
    from gate.kinds.run.estimate import estimated_gb

    with pytest.raises(GateError) as error:
        estimated_gb(0)
    assert str(error.value) == "frames: expected a whole number >= 1, got 0"


def test_train_examples_of_no_frames_are_none_and_of_fewer_the_frames_are_named():
    from gate.kinds.run.estimate import train_examples

    assert train_examples(0, 0.9) == 0
    with pytest.raises(GateError) as error:
        train_examples(-1, 0.9)
    assert str(error.value) == "frames: expected a whole number >= 0, got -1"


@pytest.mark.parametrize(
    "original",
    ["# Run Card: x\n\nends with a newline\n", "# Run Card: x\n\nno newline", "", "\n\n"],
)
def test_the_adopted_block_gives_the_original_back_byte_for_byte(original):
    from gate.card.adopted import block, kept

    card = f"---\nkind: policy\n---\nbody\n\n{block(original)}\nafter\nmore\n"
    assert kept(card) == original


def test_gates_own_markers_are_recognised_and_nothing_else():
    from gate.card.adopted import has_markers

    assert has_markers("text <!-- gate:generated:begin --> text")
    assert not has_markers("<!-- GATE: a comment of the team's -->")
    assert not has_markers("<!-- gate -->")


def test_the_end_marker_says_no_newline_only_when_the_original_had_none():
    from gate.card.adopted import BEGIN, END, END_NO_NEWLINE, block

    assert block("x\n") == f"{BEGIN}\nx\n{END}\n"
    assert block("x") == f"{BEGIN}\nx\n{END_NO_NEWLINE}\n"


def test_local_refs_are_inlined_through_escaped_pointers():
    """`~1` is `/` and `~0` is `~` in a JSON pointer (RFC 6901)."""
    from gate.card.schema import inline_local_refs

    schema = {
        "$defs": {"a/b": {"type": "integer"}, "c~d": {"type": "string"}},
        "properties": {
            "x": {"$ref": "#/$defs/a~1b", "description": "kept"},
            "y": {"$ref": "#/$defs/c~0d", "minLength": 2},
        },
    }
    assert inline_local_refs(schema)["properties"] == {
        "x": {"type": "integer", "description": "kept"},
        "y": {"allOf": [{"type": "string"}], "minLength": 2},
    }


def test_a_recursive_schema_is_inlined_a_bounded_depth_and_validates_the_same():
    import jsonschema

    from gate.card.schema import inline_local_refs

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"value": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}},
            }
        },
        "type": "object",
        "properties": {"head": {"$ref": "#/$defs/node"}},
    }
    inlined = inline_local_refs(schema)
    assert inlined["$defs"] == schema["$defs"]  # the definitions are kept as written
    assert inlined["properties"]["head"]["properties"]["next"]["type"] == "object"
    deep: dict = {"value": "bad"}
    for _ in range(60):
        deep = {"value": 1, "next": deep}
    deep = {"head": deep}
    errors = [
        [
            (list(e.absolute_path), e.message)
            for e in jsonschema.Draft202012Validator(s).iter_errors(deep)
        ]
        for s in (schema, inlined)
    ]
    assert (
        errors[0]
        == errors[1]
        == [(["head", *["next"] * 60, "value"], "'bad' is not of type 'integer'")]
    )


def test_a_change_to_tool_gate_is_a_notice_on_its_line_and_nothing_else_is():
    from gate.check.configchange import findings

    assert findings(None, None) == []
    assert findings(b'[project]\nname = "x"\n', b'[project]\nname = "y"\n') == []
    assert findings(b"[tool.gate]\nstrict = false\n", b"[tool.gate]\nstrict = false\n") == []
    # `tool` that is not a table holds no [tool.gate] (as the configuration reads it)
    assert findings(b'[project]\nname = "x"\n', b'tool = "x"\n') == []
    (notice,) = findings(
        b"[tool.gate]\nstrict = false\n", b'[project]\nname = "x"\n\n[tool.gate]\nstrict = true\n'
    )
    assert (notice.path, notice.line, notice.rule, notice.severity) == (
        "pyproject.toml",
        4,
        "config",
        "notice",
    )
    assert notice.message.startswith("this change edits [tool.gate]: it was checked with")


def test_a_run_without_a_log_interval_has_no_logging_cadence_not_an_error():
    from gate.kinds.run import estimate as ge
    from gate.kinds.run import gpus

    a100 = gpus.lookup("A100", gpus.gpu_table({}))
    common = {
        "frames": 206_754_081,
        "train_split": 0.9,
        "batch_size": 1024,
        "epochs": 3,
        "speed": ge.batch_speed(a100, 1024),
        "usd_per_hour": 2.78,
        "gpus": 1,
        "size_gb": 74.4,
    }
    silent = ge.estimate_run(**common, log_interval=None)
    assert (silent.time_between_logs_s, silent.logs_per_epoch) == (None, None)
    logged = ge.estimate_run(**common, log_interval=1000)
    assert (logged.time_between_logs_s, logged.logs_per_epoch) == (60.0, 181)
