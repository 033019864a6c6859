"""Readers of the outside world that more than one kind may use: YAML (`yamlio`),
world-model manifests, parsed datasets, Modal-style launch scripts (`launch_script`,
with `bindings`, `constants` and `modal_decorators`: what a module binds, and what
Python would run, read with `ast`), wandb runs.

Each returns plain records or raises `GateError`; none decides a rule. May import
`gate.errors` and the standard library (wandb only inside `wandb_runs`' functions).
"""
