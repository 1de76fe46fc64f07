"""Job files across an org reset: Ids restart, so a new job can take an old job's Id."""

from __future__ import annotations

from pathlib import Path

from b1hub.sandbox.salesforce.bulk_jobs import Job, JobStore

JOB_ID = "750000000000001AAA"


def _job(operation: str) -> Job:
    return Job(id=JOB_ID, kind="ingest", operation=operation, created_by_id="005",
               api_version="62.0", object="Account")


def test_a_new_job_under_a_reused_id_does_not_inherit_the_old_jobs_results(
    tmp_path: Path,
) -> None:
    store = JobStore(tmp_path / "bulk")
    old = store.add(_job("upsert"))
    (store.directory(old) / "successfulResults.csv").write_text("sf__Id,sf__Created\n")
    new = store.add(_job("update"))
    assert store.find(JOB_ID, "ingest") is new
    assert list(store.directory(new).iterdir()) == [store.directory(new) / "job.json"]
    reloaded = JobStore(tmp_path / "bulk").find(JOB_ID, "ingest")
    assert reloaded is not None and reloaded.operation == "update"
