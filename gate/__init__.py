"""gate: no training config reaches the repository without a signed, fresh run card.

For training scripts, the launch gate as a function (imported on first use, so
`import gate` stays as light as the pre-commit hook needs):

    import gate
    card = gate.verify("worldmodel/experiments/policy-a.yaml")  # or raises gate.NotApproved
    wandb.init(config={"gate_card": card.card, "gate_digest": card.digest})
"""

from __future__ import annotations

__version__ = "0.2.0"
__all__ = ["ApprovedCard", "GateError", "NotApproved", "__version__", "verify"]

TYPE_CHECKING = False  # not `typing`: the hook's fast path does without it
if TYPE_CHECKING:
    from typing import Any

    from gate.check.verify import ApprovedCard, NotApproved, verify
    from gate.errors import GateError


def __getattr__(name: str) -> Any:
    if name in ("ApprovedCard", "NotApproved", "verify"):
        from gate.check import verify as module

        return getattr(module, name)
    if name == "GateError":
        from gate.errors import GateError

        return GateError
    raise AttributeError(f"module 'gate' has no attribute {name!r}")
