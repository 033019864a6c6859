"""The compiled validators (schemas/*_validator.py, made by .ci/compile-schemas) are
only a shortcut: a card they accept must be one jsonschema accepts, since gate then
skips jsonschema. These tests hold the shipped modules to their schemas and the two
validators to each other on thousands of damaged cards."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cards import card_data, node_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gate import kinds
from gate.card import schema
from gate.card.document import parse

ROOT = Path(__file__).resolve().parent.parent
RUN_CARD = ROOT / "examples/worldmodel/worldmodel/docs/run-cards/mamba2-22k-ss.md"


def valid_cards() -> dict[str, dict[str, Any]]:
    run = parse(str(RUN_CARD), RUN_CARD.read_bytes()).data
    return {"policy": card_data(), "run": run}


CARDS = valid_cards()


def test_the_shipped_validators_are_current():
    done = subprocess.run(
        [sys.executable, str(ROOT / ".ci/compile-schemas"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("kind", ["policy", "run"])
def test_gate_uses_the_compiled_validator_of_its_own_schemas(kind):
    """The schema as gate loads it, in a new object: compiled() keeps its answer per
    object, and this asserts the schema's fingerprint, computed now, is the recorded one."""
    loaded = copy.deepcopy(dict(kinds.get(kind).schema()))
    assert schema.compiled(loaded) is not None
    assert schema.valid(loaded, CARDS[kind])


def test_a_schema_edited_without_recompiling_is_left_to_jsonschema():
    edited = copy.deepcopy(dict(kinds.get("policy").schema()))
    edited["properties"]["run_name"]["minLength"] = 100  # stricter than the compiled one
    assert schema.compiled(edited) is None
    assert not schema.valid(edited, CARDS["policy"])  # "ask jsonschema", which says no:
    assert not Draft202012Validator(edited).is_valid(CARDS["policy"])


def test_a_compiled_validator_that_cannot_be_imported_leaves_it_to_jsonschema(monkeypatch):
    """A wheel without its compiled modules (or a broken one) still checks every card."""
    monkeypatch.setitem(sys.modules, "gate.schemas.policy_validator", None)  # ImportError
    loaded = copy.deepcopy(dict(kinds.get("policy").schema()))
    assert schema.compiled(loaded) is None
    assert schema.valid(loaded, CARDS["policy"]) is False  # "ask jsonschema", every time


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(["", "x", "0", "1.5", "none", "A100", "APPROVED", "approved", "a\n", "é"]),
    st.text(max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)


def _near(value: Any) -> list[Any]:
    """What a careless edit makes of a value: another type, one off, a trailing newline."""
    if isinstance(value, bool):
        return [int(value), str(value).lower()]
    if isinstance(value, int):
        return [value - 1, value + 1, -value, float(value), str(value), bool(value), 0]
    if isinstance(value, float):  # (an infinity, which st.floats draws, has no int)
        return [*([int(value)] if math.isfinite(value) else []), -value, str(value), 0.0]
    if isinstance(value, str):
        return [value + "\n", value.upper(), value[:-1], "", f" {value}", 1]
    if isinstance(value, list):
        return [value[:-1], [*value, *value[:1]], [], value[:1] * 2, {}]
    if isinstance(value, dict):
        return [{}, [value], {**value, "extra": 1}]
    return [0, "", []]


@st.composite
def damaged(draw: Any) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["policy", "run"]))
    data = copy.deepcopy(CARDS[kind])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(node_paths(data)))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = draw(st.sampled_from(["near", "any", "delete"]))
        if action == "delete":
            del parent[key]
        elif action == "near":
            parent[key] = draw(st.sampled_from(_near(parent[key])))
        else:
            parent[key] = draw(VALUES)
    return kind, data


@settings(
    max_examples=int(__import__("os").environ.get("GATE_PROPERTY_EXAMPLES", "150")) * 4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(damaged())
def test_what_the_compiled_validator_accepts_jsonschema_accepts(case):
    kind, data = case
    loaded = kinds.get(kind).schema()
    if schema.valid(loaded, data):
        assert Draft202012Validator(loaded).is_valid(data), data
