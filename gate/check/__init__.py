"""The check pipeline: scope -> evaluate -> engine (coverage) -> outcome, plus the
hook's fast path (`quick`), which must stay light: this `__init__` imports nothing.

May import `gate.kinds` (through its registry only, never a particular kind),
`gate.review`, `gate.card`, `gate.sources`, `gate.git`, `gate.config`, `gate.errors`.
"""
