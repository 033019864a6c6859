"""Rule 5, signatures: each approval is an SSH signature by the reviewer it names.

The signed text (namespace `gate-run-card`) names the reviewer, the verdict and the
digest of what was reviewed, so a signature copied onto another card, digest,
verdict or reviewer does not verify. Verification runs in-process with `sshsig`
(OpenSSH's SSHSIG format, on `cryptography`), imported only when a card has
approvals; it must agree with `ssh-keygen -Y verify` (a test holds the two together).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sshsig import PublicKey

    from gate.review.verified import Store

NAMESPACE = "gate-run-card"
VERSION = "gate-approval-v1"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"


def _plain_base64(body: str) -> bool:
    """Whether the armor's body is base64 alone (in lines), as OpenSSH decodes it."""
    import re

    compact = re.sub(r"[ \t\n\v\f\r]", "", body)  # C's isspace, as b64_pton skips
    return len(compact) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", compact) is not None


def approval_text(reviewer: str, verdict: str, digest: str) -> str:
    """The text a reviewer signs (each line ends with a newline)."""
    return f"{VERSION}\nreviewer: {reviewer}\nverdict: {verdict}\ndigest: {digest}\n"


class Key(NamedTuple):
    line: str
    key: PublicKey | None
    problem: str | None  # why the line is not a usable key


@functools.lru_cache(maxsize=4096)
def parse_key(line: str) -> Key:
    """One configured key line ("ssh-ed25519 AAAA... comment"), parsed once per run."""
    from sshsig import PublicKey

    try:
        return Key(line, PublicKey.from_openssh_str(line.strip()), None)
    except NotImplementedError as exc:
        return Key(line, None, f"unsupported key type ({exc or line.split(maxsplit=1)[0]})")
    except Exception as exc:  # a malformed line: base64, length, algorithm name
        detail = f" ({exc})" if str(exc) else ""
        return Key(line, None, f"not an OpenSSH public key line{detail}")


def fingerprint(key: PublicKey) -> str:
    return key.sha256_str()


@functools.lru_cache(maxsize=8192)
def problem(
    reviewer: str,
    verdict: str,
    digest: str,
    signature: str,
    keys: tuple[str, ...],
    *,
    store: Store | None = None,
) -> str | None:
    """Why this approval's signature does not prove that `reviewer` made it, or None.
    A `store` remembers verified signatures (and answers before any library loads)."""
    who = f"{reviewer}'s approval"
    if not signature.strip():
        return f"{who} has no signature; approvals are signed with `gate sign`"
    if not keys:
        return (
            f"cannot verify {who}: [tool.gate.reviewers] gives {reviewer} no keys; add "
            f'{reviewer} = {{ keys = ["ssh-ed25519 AAAA... {reviewer.lower()}"] }} (their '
            "public key line) in a change of its own, merged before the approval"
        )
    text = signature.strip()
    signed = approval_text(reviewer, verdict, digest)
    if store is not None and any(store.has(store.token(k, signed, text)) for k in keys):
        return None
    parsed = [parse_key(line) for line in keys]
    bad = [f"key {i} of {reviewer}: {k.problem}" for i, k in enumerate(parsed, 1) if k.problem]
    usable = [k.key for k in parsed if k.key is not None]
    if not usable:
        return f"cannot verify {who}: " + "; ".join(bad)
    if not (text.startswith(ARMOR_BEGIN) and text.endswith(ARMOR_END)):
        return f"the signature of {who} is not an armored SSH signature ({ARMOR_BEGIN} ...)"
    if not _plain_base64(text[len(ARMOR_BEGIN) : -len(ARMOR_END)]):
        # OpenSSH decodes everything between the markers as base64 (a second marker, a
        # stray character): it refuses what the library's lenient reader would accept.
        return f"the signature of {who} is damaged: its armor holds more than base64"
    found = _check(signed, text)
    if isinstance(found, str):
        return f"the signature of {who} {found}"
    if found not in usable:
        return (
            f"the signature of {who} was made with another key ({fingerprint(found)}), "
            f"not one of {reviewer}'s keys in [tool.gate.reviewers]"
        )
    if store is not None:
        line = next(k.line for k in parsed if k.key == found)
        store.add(store.token(line, signed, text))
    return None


def _check(text: str, armored: str) -> PublicKey | str:
    """The key that signed `text` in the namespace, or why the signature does not hold."""
    import base64

    import sshsig
    from sshsig.sshsig import SshsigSignature, ssh_dearmor_sshsig

    try:
        raw = ssh_dearmor_sshsig(armored)
        parsed = SshsigSignature(raw)
    except Exception as exc:  # bad base64, a short blob, no SSHSIG preamble
        return f"is damaged or truncated ({str(exc) or type(exc).__name__})"
    if bytes(parsed) != raw:
        # OpenSSH reads the blob strictly; a wrapping that only parses leniently (a
        # field's length bent, bytes left over) is refused as `ssh-keygen -Y verify` does.
        return "is damaged: its SSHSIG wrapping does not read back exactly"
    try:
        key = sshsig.check_signature(text, armored, namespace=NAMESPACE)
        if base64.b64decode(key.openssh_str().split()[1]) != parsed.public_key:
            return "is damaged: the public key it embeds does not read back exactly"
        return key
    except NotImplementedError as exc:
        return f"uses a format gate cannot verify ({exc})"
    except sshsig.InvalidSignature as exc:
        reason = str(exc)
        if "Namespace" in reason:
            return f"is for another purpose ({reason}), not namespace {NAMESPACE!r}"
        return (
            "does not match this approval: it was made over another reviewer, verdict or "
            "digest (a signature cannot be moved to another approval)"
        )
    except Exception as exc:  # whatever a damaged blob makes the parser raise
        return f"is damaged or truncated ({type(exc).__name__}: {exc})"
