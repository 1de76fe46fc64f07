"""The hub benchmark: scenarios, baselines, Sync Now latency and the report."""
