"""Example workspaces shipped in the wheel as `gate.examples`, for `gate demo`."""
