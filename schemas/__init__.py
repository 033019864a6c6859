"""JSON Schemas of gate's card kinds and report, shipped in the wheel as `gate.schemas`."""
