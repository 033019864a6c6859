"""Sign-off: approvals read from a card's data, the status they give, and the rules
that tie them to the configured reviewers and their keys.

May import `gate.card`, `gate.sources`, `gate.git`, `gate.config`, `gate.errors`.
"""
