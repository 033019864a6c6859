"""gate: no training config reaches the repository without a signed, fresh run card."""

__version__ = "0.1.0"
