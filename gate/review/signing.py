"""Making an approval's signature: `ssh-keygen -Y sign -n gate-run-card`, so the stored
signature is exactly what OpenSSH makes (and `ssh-keygen -Y verify` accepts).

The key, in order: `--key PATH` (a private key, or a public key whose private half
is in the ssh-agent), git's `user.signingkey` (a path, or a `key::` literal as git
accepts it), `~/.ssh/id_ed25519`. Nothing is written when signing fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from gate.errors import GateError
from gate.review.signature import ARMOR_BEGIN, NAMESPACE

DEFAULT_KEY = "~/.ssh/id_ed25519"
LITERAL = "key::"


class SigningKey(NamedTuple):
    path: Path | None  # a key file; None for a `key::` literal
    literal: str | None  # "ssh-ed25519 AAAA..." from `user.signingkey = key::...`
    source: str  # where it came from, for messages


def choose_key(given: str | None, git_signing_key: str | None) -> SigningKey:
    """The key to sign with: `--key`, else git's `user.signingkey`, else the default."""
    if given:
        return SigningKey(Path(given).expanduser(), None, f"--key {given}")
    if git_signing_key:
        if git_signing_key.startswith(LITERAL):
            return SigningKey(None, git_signing_key[len(LITERAL) :].strip(), "user.signingkey")
        if git_signing_key.startswith(("ssh-", "ecdsa-", "sk-")):
            return SigningKey(None, git_signing_key.strip(), "user.signingkey")
        return SigningKey(Path(git_signing_key).expanduser(), None, "git's user.signingkey")
    return SigningKey(Path(DEFAULT_KEY).expanduser(), None, DEFAULT_KEY)


def sign(text: str, key: SigningKey) -> str:
    """The armored SSH signature of `text` by `key`, made by ssh-keygen."""
    program = shutil.which("ssh-keygen")
    if program is None:
        raise GateError(
            "ssh-keygen is not on PATH: gate signs approvals with OpenSSH's ssh-keygen "
            "(install openssh-client); nothing was written"
        )
    with tempfile.TemporaryDirectory(prefix="gate-sign-") as folder:
        if key.literal is not None:
            path = Path(folder) / "signing_key.pub"
            path.write_text(key.literal + "\n", encoding="utf-8")
        else:
            assert key.path is not None
            path = key.path
            if not path.is_file():
                raise GateError(
                    f"{key.source}: no key file at {path}; pass --key PATH (or set git's "
                    "user.signingkey); nothing was written"
                )
        try:
            result = subprocess.run(
                [program, "-Y", "sign", "-n", NAMESPACE, "-f", os.fspath(path)],
                input=text.encode("utf-8"),
                capture_output=True,
                check=False,
            )
        except OSError as exc:
            raise GateError(f"ssh-keygen could not run: {exc}; nothing was written") from None
    signature = result.stdout.decode("utf-8", "replace")
    if result.returncode != 0 or not signature.startswith(ARMOR_BEGIN):
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        why = detail[-1] if detail else f"exit code {result.returncode}"
        raise GateError(f"ssh-keygen -Y sign with {key.source} failed: {why}; nothing was written")
    return signature
