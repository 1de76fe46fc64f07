"""Performance scenarios of b1hub, run against the sandboxes (``python -m benchmarks.run``)."""
