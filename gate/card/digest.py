"""What an approval approves: the card's data (minus sign-off, status, results and the
launch record) and the path and content of every covered file, as one sha256.

Any later change to either gives a different digest, so the approval is stale.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

UNSIGNED_FIELDS = frozenset({"signoff", "status", "results", "launches"})
PREFIX = "sha256:"


def card_digest(data: Mapping[str, Any], covered: Iterable[tuple[str, bytes | None]]) -> str:
    """sha256 over canonical JSON of the data and (path, content) of each covered file."""
    approved = {k: v for k, v in data.items() if k not in UNSIGNED_FIELDS}
    h = hashlib.sha256()
    h.update(json.dumps(approved, sort_keys=True, separators=(",", ":"), default=str).encode())
    for path, content in sorted(covered, key=lambda pair: pair[0]):
        h.update(b"\0file\0" + path.encode() + b"\0")
        if content is None:
            h.update(b"<missing>")
        else:
            h.update(hashlib.sha256(content).digest())
    return PREFIX + h.hexdigest()


def content_hash(content: bytes | None) -> str:
    """One covered file's (or function's) content as a finished card records it."""
    return "missing" if content is None else PREFIX + hashlib.sha256(content).hexdigest()


def short(digest: str) -> str:
    return digest.removeprefix(PREFIX)[:12]
