"""Line edits of a card's front matter that leave every other line as written.

Signer identity looks at who wrote each approval line, so `gate sign` must change
only the signing reviewer's entry (and the status line), never re-serialise the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def approval_line(entry: Mapping[str, str], indent: str = "  ") -> str:
    """One approval as a one-line YAML flow mapping (JSON strings are YAML scalars)."""
    fields = ", ".join(f"{key}: {json.dumps(value)}" for key, value in entry.items())
    return f"{indent}- {{{fields}}}"


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


def set_approval(front: str, entry: Mapping[str, str], index: int | None, starts: list[int]) -> str:
    """Replace entry `index` of `signoff` (its items start on the 0-based lines `starts`),
    or append `entry` when `index` is None, touching no other line."""
    lines = front.split("\n")
    block = _block(lines, "signoff")
    if index is not None and block is not None:
        first = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else block[1]
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        lines[first:end] = [approval_line(entry, indent)]
        return "\n".join(lines)
    if block is None:
        body = "\n".join(lines).rstrip("\n")
        return f"{body}\nsignoff:\n{approval_line(entry)}\n"
    first, end = block
    if lines[first].split(":", 1)[1].strip() not in ("", "[]", "null", "~"):
        raise ValueError("`signoff` is written in flow style on one line; write it as a list")
    existing = lines[first + 1 : end]
    indent = "  "
    for line in existing:
        if line.lstrip().startswith("-"):
            indent = line[: len(line) - len(line.lstrip())]
            break
    lines[first:end] = ["signoff:", *existing, approval_line(entry, indent)]
    return "\n".join(lines)
