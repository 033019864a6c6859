"""Signatures this repository has already verified, remembered in its git folder
(`.git/gate/verified/`), so a commit that touches a signed card does not pay for
loading the SSH signature library again and again.

An entry is the sha256 of (key line, signed text, signature): it can only say "this
exact signature by this exact key over this exact text verified", so a revoked key (a
line no longer configured), another text or another signature never hits. Only a
verified signature is remembered. A fresh clone (CI) has none and verifies all; a
read-only or missing git folder only costs speed. Whoever can write the git folder can
already skip the hook, so remembering there grants nothing new.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple


class Store(NamedTuple):
    folder: Path  # <git dir>/gate/verified

    @staticmethod
    def token(key_line: str, text: str, signature: str) -> str:
        joined = "\0".join((key_line.strip(), text, signature.strip()))
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()

    def has(self, token: str) -> bool:
        return (self.folder / token).exists()

    def add(self, token: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / token).touch()
        except OSError:
            pass  # a read-only git folder only costs speed


def for_repository(git_dir: str | None) -> Store | None:
    return Store(Path(git_dir) / "gate" / "verified") if git_dir else None
