"""Schedules, Sync Now and run locking; the embedded and the distributed runner."""
