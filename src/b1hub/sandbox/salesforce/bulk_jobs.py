"""Bulk API 2.0 jobs: their info as the API reports it, persisted as one JSON file per job.

Each job owns ``data_dir/bulk/<job id>/`` (upload, result files, ``job.json``), so a job's
data never has to fit in memory and survives a restart of the sandbox.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from b1hub.sandbox.salesforce.values import now_stamp

TERMINAL = frozenset({"JobComplete", "Failed", "Aborted"})
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


@dataclass
class Job:
    """An ingest job (``jobType`` V2Ingest) or a query job (V2Query)."""

    id: str
    kind: str
    """'ingest' or 'query'."""
    operation: str
    created_by_id: str
    api_version: str
    object: str = ""
    query: str = ""
    external_id_field_name: str | None = None
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "Open"
    created_date: str = field(default_factory=now_stamp)
    system_modstamp: str = ""
    number_records_processed: int = 0
    number_records_failed: int = 0
    error_message: str | None = None
    processing_ms: int = 0

    def __post_init__(self) -> None:
        self.system_modstamp = self.system_modstamp or self.created_date

    @property
    def delimiter(self) -> str:
        return DELIMITERS[self.column_delimiter]

    @property
    def newline(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    def touch(self, state: str | None = None) -> None:
        if state is not None:
            self.state = state
        self.system_modstamp = now_stamp()

    def info(self, *, detail: bool) -> dict[str, Any]:
        """The job info JSON; ``detail`` adds the counters GET returns but create does not."""
        version = float(self.api_version)
        out: dict[str, Any] = {"id": self.id, "operation": self.operation}
        if self.kind == "ingest":
            out["object"] = self.object
        out |= {"createdById": self.created_by_id, "createdDate": self.created_date,
                "systemModstamp": self.system_modstamp, "state": self.state}
        if self.kind == "ingest":
            if self.external_id_field_name:
                out["externalIdFieldName"] = self.external_id_field_name
            content_url = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
            out |= {"concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": version,
                    "jobType": "V2Ingest", "contentUrl": content_url,
                    "lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter}
        else:
            out |= {"concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": version,
                    "jobType": "V2Query", "lineEnding": self.line_ending,
                    "columnDelimiter": self.column_delimiter}
            if detail:
                out["query"] = self.query
        if detail:
            out |= {"numberRecordsProcessed": self.number_records_processed,
                    "retries": 0, "totalProcessingTime": self.processing_ms}
            if self.kind == "ingest":
                out |= {"numberRecordsFailed": self.number_records_failed,
                        "apiActiveProcessingTime": self.processing_ms,
                        "apexProcessingTime": 0}
            if self.error_message:
                out["errorMessage"] = self.error_message
        return out


class JobStore:
    """All jobs of the org, in memory and on disk under ``<data_dir>/bulk``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.jobs: dict[str, Job] = {}
        for path in sorted(root.glob("*/job.json")):
            job = Job(**orjson.loads(path.read_bytes()))
            if job.state not in TERMINAL and job.state != "Open":
                job.touch("Failed")
                job.error_message = "InternalServerError : the sandbox restarted"
            self.jobs[job.id] = job

    def directory(self, job: Job) -> Path:
        return self.root / job.id

    def add(self, job: Job) -> Job:
        stale = self.jobs.get(job.id)
        if stale is not None:  # an org reset restarts the Ids: the old job's files must go
            self.remove(stale)
        self.directory(job).mkdir(parents=True, exist_ok=True)
        self.jobs[job.id] = job
        self.save(job)
        return job

    def save(self, job: Job) -> None:
        target = self.directory(job) / "job.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(asdict(job)))
        tmp.replace(target)

    def remove(self, job: Job) -> None:
        self.jobs.pop(job.id, None)
        shutil.rmtree(self.directory(job), ignore_errors=True)

    def find(self, job_id: str, kind: str) -> Job | None:
        job = self.jobs.get(job_id)
        if job is None and len(job_id) == 15:
            job = next((j for j in self.jobs.values() if j.id[:15] == job_id), None)
        return job if job is not None and job.kind == kind else None

    def listing(self, kind: str) -> list[Job]:
        return sorted((j for j in self.jobs.values() if j.kind == kind),
                      key=lambda j: (j.created_date, j.id))
