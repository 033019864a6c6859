"""Line edits of a card's front matter that leave every other line as written.

`gate sign` changes only the signing reviewer's entry (and the status line), never
re-serialising the rest: a reviewer's diff shows exactly what they signed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def _literal(value: object) -> list[str] | None:
    """The lines of a string a literal block reads back exactly (the armored signature):
    several printable lines, the first neither empty nor indented, ending in one newline;
    None for any other value, written as JSON, which reads back whatever it holds."""
    if not isinstance(value, str) or not value.endswith("\n") or value.endswith("\n\n"):
        return None
    parts = value[:-1].split("\n")
    if len(parts) < 2 or not parts[0][:1].strip() or not all(p.isprintable() for p in parts):
        return None
    return parts


def entry_lines(entry: Mapping[str, Any], indent: str = "  ") -> list[str]:
    """One approval as a YAML block mapping: values as JSON (which is YAML), but the
    armored signature, and any value like it, as a literal block, readable in review."""
    lines: list[str] = []
    for number, (key, value) in enumerate(entry.items()):
        lead = f"{indent}- " if number == 0 else f"{indent}  "
        parts = _literal(value)
        if parts is not None:
            lines.append(f"{lead}{key}: |")
            lines += [f"{indent}    {part}" for part in parts]
        else:
            lines.append(f"{lead}{key}: {json.dumps(value)}")
    return lines


def set_status(front: str, status: str) -> str:
    lines = front.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("status:"):
            lines[i] = f"status: {status}"
            return "\n".join(lines)
    return f"status: {status}\n{front}"


def _block(lines: list[str], key: str) -> tuple[int, int] | None:
    """(first, end) line indexes of a top-level key's block; end is exclusive."""
    for i, line in enumerate(lines):
        if line.startswith(f"{key}:"):
            end = i + 1
            while end < len(lines) and (
                not lines[end].strip()
                or lines[end][0] in " \t#"
                or (lines[end].startswith("-") and not _KEY.match(lines[end]))
            ):
                end += 1
            while end > i + 1 and not lines[end - 1].strip():
                end -= 1
            return i, end
    return None


def set_approval(
    front: str, entry: Mapping[str, str | int], index: int | None, starts: list[int]
) -> str:
    """Replace entry `index` of `signoff` (its items start on the 0-based lines `starts`),
    or append `entry` when `index` is None, touching no other line."""
    lines = front.split("\n")
    block = _block(lines, "signoff")
    if index is not None and block is not None:
        first = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else block[1]
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        lines[first:end] = entry_lines(entry, indent)
        return "\n".join(lines)
    return append_item(front, "signoff", entry)


def append_item(front: str, key: str, entry: Mapping[str, Any]) -> str:
    """Append `entry` to the top-level list `key` (made when missing), touching no
    other line."""
    lines = front.split("\n")
    block = _block(lines, key)
    if block is None:
        body = "\n".join(lines).rstrip("\n")
        return "\n".join([body, f"{key}:", *entry_lines(entry), ""])
    first, end = block
    if lines[first].split(":", 1)[1].strip() not in ("", "[]", "null", "~"):
        raise ValueError(f"`{key}` is written in flow style on one line; write it as a list")
    existing = lines[first + 1 : end]
    indent = "  "
    for line in existing:
        if line.lstrip().startswith("-"):
            indent = line[: len(line) - len(line.lstrip())]
            break
    lines[first:end] = [f"{key}:", *existing, *entry_lines(entry, indent)]
    return "\n".join(lines)
