"""Card data against its kind's JSON Schema: every error, with field path and line."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from gate.errors import GateError

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from gate.card.document import Card
    from gate.card.findings import Finding


@functools.cache
def packaged(name: str) -> Mapping[str, Any]:
    """A schema shipped in the wheel (`schemas/` of the repository, package `gate.schemas`)."""
    try:
        text = resources.files("gate.schemas").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GateError(f"gate's schema {name} is missing from the installation") from None
    loaded: Mapping[str, Any] = json.loads(text)
    return loaded


_validators: dict[int, tuple[Mapping[str, Any], Validator]] = {}


_ANNOTATIONS = frozenset({"description", "title", "$comment", "examples"})


def inline_local_refs(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with each local `{"$ref": "#/$defs/x"}` replaced by its target, so
    validating a card walks plain dicts instead of resolving references (a third of
    the time of `gate check --all`). Only `#/...` pointers; anything else is kept."""
    root = dict(schema)

    def target(pointer: str) -> Any:
        node: Any = root
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def walk(node: Any, depth: int) -> Any:
        if depth > 32:  # a recursive schema: leave the rest to the resolver
            return node
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                merged = {k: v for k, v in node.items() if k != "$ref"}
                resolved = walk(target(ref), depth + 1)
                if set(merged) <= _ANNOTATIONS and isinstance(resolved, dict):
                    return {**resolved, **merged}
                return {"allOf": [resolved], **walk(merged, depth + 1)}
            return {k: walk(v, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, depth + 1) for item in node]
        return node

    return {k: walk(v, 0) if k != "$defs" else v for k, v in root.items()}


def validator(schema: Mapping[str, Any]) -> Validator:
    """One validator per schema object, built once. Kinds hand out the same (cached)
    mapping each time; the shipped schemas are checked against the metaschema by the
    tests, not on every run."""
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        from jsonschema import Draft202012Validator

        cached = (schema, Draft202012Validator(inline_local_refs(schema)))
        _validators[id(schema)] = cached
    return cached[1]


# The shipped schemas, compiled to Python by .ci/compile-schemas (fastjsonschema).
_COMPILED = {
    "https://gate.invalid/schemas/policy.schema.json": "gate.schemas.policy_validator",
    "https://gate.invalid/schemas/run.schema.json": "gate.schemas.run_validator",
}
_compiled: dict[int, tuple[Mapping[str, Any], Callable[[Any], Any] | None]] = {}


def fingerprint(schema: Mapping[str, Any]) -> str:
    """The hash a compiled validator records of the schema it was made from."""
    import hashlib

    text = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compiled(schema: Mapping[str, Any]) -> Callable[[Any], Any] | None:
    """The shipped compiled validator of this very schema, or None: one exists only for
    gate's own schemas, and is used only while it was made from the schema as loaded
    (a schema edited without recompiling is validated by jsonschema alone)."""
    cached = _compiled.get(id(schema))
    if cached is None or cached[0] is not schema:
        check: Callable[[Any], Any] | None = None
        name = _COMPILED.get(str(schema.get("$id")))
        if name is not None:
            import importlib

            try:
                module = importlib.import_module(name)
            except ImportError:
                module = None
            if module is not None and fingerprint(schema) == module.SCHEMA_SHA256:
                check = module.validate
        cached = (schema, check)
        _compiled[id(schema)] = cached
    return cached[1]


def valid(schema: Mapping[str, Any], data: Any) -> bool:
    """Whether the compiled validator accepts the data outright. False means "ask
    jsonschema", never "invalid": anything the compiled code raises counts as False."""
    check = compiled(schema)
    if check is None:
        return False
    try:
        check(data)
    except Exception:  # any doubt goes to jsonschema, which decides
        return False
    return True


def _field(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def findings(card: Card, schema: Mapping[str, Any]) -> list[Finding]:
    """Rule 2: every schema error of the card's data, each naming field and line. A
    card the compiled validator accepts is valid (jsonschema, and its import, are only
    needed to say what is wrong)."""
    if valid(schema, card.data):
        return []
    from jsonschema.exceptions import best_match

    from gate.card.findings import Finding

    found: list[Finding] = []
    errors = sorted(validator(schema).iter_errors(card.data), key=lambda e: list(map(str, e.path)))
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            error = best_match(error.context)  # noqa: PLW2901 - report the deepest cause
        path: tuple[str | int, ...] = tuple(error.absolute_path)
        message = error.message
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            for key in error.instance:
                if key not in allowed:
                    where = (*path, key)
                    found.append(
                        Finding(
                            card.path,
                            card.line_of(*where),
                            "schema",
                            f"{_field(where)}: unknown field (allowed here: {', '.join(allowed)})",
                            card=card.path,
                        )
                    )
            continue
        if len(message) > 200:
            message = message[:200] + "..."
        found.append(
            Finding(
                card.path,
                card.line_of(*path),
                "schema",
                f"{_field(path)}: {message}",
                card=card.path,
            )
        )
    return found
