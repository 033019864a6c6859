"""Readers of the outside world that more than one kind may use: YAML (`yamlio`),
world-model manifests, parsed datasets, Modal-style launch scripts, wandb runs.

Each returns plain records or raises `GateError`; none decides a rule. May import
`gate.errors` and the standard library (wandb only inside `wandb_runs`' functions).
"""
