"""The sync engine: read changes, map, plan, write in batches, record outcomes, checkpoint."""
