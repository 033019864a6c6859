"""Hold adopted data to its kind's schema (`gate adopt`'s last step). Pure.

A value the schema refuses is dropped and listed as written; every required field
still missing is listed as `required`, with the line where the hand-written card has
(or would have) it. So `gate check` on the adopted card reports a schema error for
exactly the fields the adopt report lists as required, and for nothing else.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from gate.kinds.adoption import Adopted, Path, Unmapped, field_name


def _ordered(value: Any, schema: Mapping[str, Any]) -> Any:
    """Objects with their keys in the schema's order (the card reads like the template)."""
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    if isinstance(value, dict) and isinstance(properties, Mapping):
        order = {name: i for i, name in enumerate(properties)}
        keys = sorted(value, key=lambda k: order.get(k, len(order)))
        return {k: _ordered(value[k], properties.get(k, {})) for k in keys}
    if isinstance(value, list) and isinstance(schema, Mapping):
        items = schema.get("items", {})
        return [_ordered(v, items) for v in value]
    return value


def _drop(data: dict[str, Any], path: Path) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]


def settle(adopted: Adopted, schema: Mapping[str, Any], *, title_line: int = 1) -> Adopted:
    """Hold the data to the schema: a value it refuses is dropped (and listed, as
    written), and every required field still missing is listed as `required`, with
    the line where the card has (or would have) it."""
    from gate.card.schema import inline_local_refs, validator

    data = copy.deepcopy(adopted.data)
    unmapped = list(adopted.unmapped)
    lines = {**adopted.lines, **{u.field: u.line for u in unmapped}}
    check = validator(schema)
    for _ in range(500):
        errors = [
            e
            for e in check.iter_errors(data)
            if e.validator != "required" or any(isinstance(p, int) for p in e.absolute_path)
        ]
        if not errors:
            break
        error = min(errors, key=lambda e: len(e.absolute_path))
        path: Path = tuple(error.absolute_path)
        if error.validator == "required":  # an incomplete row of a list: drop the row
            last = max(i for i, p in enumerate(path) if isinstance(p, int))
            path = path[: last + 1]
        if not path:
            break
        name = field_name(path)
        unmapped.append(
            Unmapped(name, _line(name, lines), f"{error.message} (the card's value is left out)")
        )
        _drop(data, path)
    missing: dict[str, int] = {}
    for error in check.iter_errors(data):
        names = error.validator_value
        if error.validator == "required" and isinstance(names, list):
            parent = tuple(error.absolute_path)
            for name in names:
                if isinstance(error.instance, dict) and name not in error.instance:
                    dotted = field_name((*parent, name))
                    missing[dotted] = _line(dotted, lines) or title_line
    listed = {u.field for u in unmapped}
    settled = [u._replace(required=u.field in missing) for u in unmapped]
    settled += [
        Unmapped(name, line, "not on the hand-written card", True)
        for name, line in missing.items()
        if name not in listed
    ]
    settled.sort(key=lambda u: (not u.required, u.line, u.field))
    ordered = _ordered(data, inline_local_refs(schema))
    return Adopted(ordered, tuple(settled), adopted.notes)


def _line(name: str, lines: Mapping[str, int]) -> int:
    """The line of a field, or of the nearest enclosing one that has a line."""
    while name:
        if name in lines:
            return lines[name]
        cut = max(name.rfind("."), name.rfind("["))
        name = name[:cut] if cut > 0 else ""
    return 0
