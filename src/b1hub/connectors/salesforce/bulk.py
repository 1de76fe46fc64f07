"""Bulk API 2.0 ingest with the load spooled to disk, never held in memory.

Records are written once to a temporary JSON-lines file (collecting the column set),
then to CSV files of at most ``bulk_max_job_bytes`` each, one job per file. Uploads
stream from disk in chunks, so a retried upload sends the same bytes again. Results
come back in no particular order; each row is matched to its input record through the
key column (the external id for upsert, Id for update, a caller-chosen unique column for
insert), and every input record gets exactly one outcome.
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from b1hub.connectors.base import WriteOperation, WriteRecord
from b1hub.connectors.outcomes import RateLimited, RecordError, RecordOutcome, Retryable, Success
from b1hub.connectors.retry import TransientError
from b1hub.connectors.salesforce.errors import (
    LOCKED,
    TRANSIENT_RECORD_CODES,
    parse_bulk_error,
    parse_errors,
)
from b1hub.connectors.salesforce.transport import BudgetStop, Transport

UPLOAD_CHUNK = 1 << 20
Resend = Callable[[list[WriteRecord]], list[RecordOutcome]]
BULK_OPERATIONS = {"create": "insert", "update": "update", "upsert": "upsert"}
CALLS_PER_JOB = 7
"""Create, upload, close, a poll, successful, failed and unprocessed results."""


def cell(value: Any) -> str:
    if value is None:
        return "#N/A"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class BulkIngest:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.conn = transport.conn

    def write(
        self,
        sobject: str,
        operation: WriteOperation,
        records: Iterable[WriteRecord],
        key_column: str,
        external_id: str | None,
        *,
        lock_rounds: int = 3,
        resend: Resend | None = None,
    ) -> list[RecordOutcome]:
        """One outcome per record. Rows that failed with UNABLE_TO_LOCK_ROW are sent again
        from the spool: through ``resend`` (Collections) when few, else as new jobs."""
        with tempfile.TemporaryDirectory(prefix="b1hub-bulk-") as tmp:
            spool = Path(tmp) / "records.jsonl"
            keys, columns = _spool(records, spool, operation, key_column)
            outcomes: list[RecordOutcome | None] = [None] * len(keys)
            only: set[int] | None = None
            for _round in range(lock_rounds + 1):
                if only is not None and resend is not None and (
                        len(only) <= self.conn.bulk_threshold):
                    rows = _load_rows(spool, only)
                    ordered = sorted(only)
                    again = resend([_record(keys[i][0], rows[i], operation) for i in ordered])
                    for index, outcome in zip(ordered, again, strict=True):
                        outcomes[index] = outcome
                else:
                    for job_file, indexes in _csv_files(spool, columns, Path(tmp),
                                                        self.conn.bulk_max_job_bytes, only):
                        for index, outcome in self._job(sobject, operation, external_id,
                                                        job_file, indexes, keys,
                                                        key_column).items():
                            outcomes[index] = outcome
                        job_file.unlink()
                only = {i for i, o in enumerate(outcomes)
                        if isinstance(o, Retryable) and o.remote_code == LOCKED}
                if not only:
                    break
        return [o if o is not None else Retryable("no bulk result", None, keys[i][0])
                for i, o in enumerate(outcomes)]

    def _job(
        self,
        sobject: str,
        operation: WriteOperation,
        external_id: str | None,
        job_file: Path,
        indexes: list[int],
        keys: list[tuple[str, str]],
        key_column: str,
    ) -> dict[int, RecordOutcome]:
        stop = self.transport.budget.check(CALLS_PER_JOB)
        if stop is not None:
            return {i: RateLimited(stop.reason, stop.used, stop.limit, None, keys[i][0],
                                   len(indexes)) for i in indexes}
        base = f"{self.conn.data_path}/jobs/ingest"
        spec: dict[str, Any] = {"object": sobject, "operation": BULK_OPERATIONS[operation],
                                "contentType": "CSV", "lineEnding": "LF",
                                "columnDelimiter": "COMMA"}
        if operation == "upsert":
            spec["externalIdFieldName"] = external_id
        try:
            created = self.transport.send("POST", base, kind="bulk.create", idempotent=True,
                                          json=spec)
            if created.status_code not in (200, 201):
                return _all_failed(created.content, created.status_code, indexes, keys)
            job_id = created.json()["id"]
            upload = self.transport.send(
                "PUT", f"{base}/{job_id}/batches", kind="bulk.upload", idempotent=True,
                content=lambda: _read_chunks(job_file),
                headers={"Content-Type": "text/csv",
                         "Content-Length": str(job_file.stat().st_size)},
            )
            if upload.status_code != 201:
                return _all_failed(upload.content, upload.status_code, indexes, keys)
            self.transport.send("PATCH", f"{base}/{job_id}", kind="bulk.close",
                                idempotent=True, json={"state": "UploadComplete"})
            info = self._poll(f"{base}/{job_id}")
            return self._results(f"{base}/{job_id}", info, indexes, keys, key_column)
        except BudgetStop as exc:
            return {i: RateLimited(exc.outcome.reason, exc.outcome.used, exc.outcome.limit,
                                   None, keys[i][0], len(indexes)) for i in indexes}
        except TransientError as exc:
            return {i: Retryable(exc.reason, exc.remote_code, keys[i][0], True)
                    for i in indexes}

    def _poll(self, path: str) -> dict[str, Any]:
        wait, deadline = self.conn.bulk_poll_initial, time.monotonic() + self.conn.bulk_timeout
        while True:
            time.sleep(wait)
            info: dict[str, Any] = self.transport.send("GET", path, kind="bulk.poll",
                                                       idempotent=True).json()
            if info.get("state") in ("JobComplete", "Failed", "Aborted"):
                return info
            if time.monotonic() > deadline:
                raise TransientError(f"bulk job still {info.get('state')} after timeout")
            wait = min(wait * 1.6, self.conn.bulk_poll_max)

    def _results(
        self, path: str, info: dict[str, Any], indexes: list[int],
        keys: list[tuple[str, str]], key_column: str,
    ) -> dict[int, RecordOutcome]:
        waiting: dict[str, deque[int]] = defaultdict(deque)
        for index in indexes:
            waiting[keys[index][1]].append(index)
        result: dict[int, RecordOutcome] = {}

        def claim(row: dict[str, str]) -> int | None:
            value = row.get(key_column) or ""
            if key_column == "Id" and not value:
                value = row.get("sf__Id") or ""  # Id rows also carry it as sf__Id
            queue = waiting.get(_match_key(key_column, value))
            return queue.popleft() if queue else None

        processed = int(info.get("numberRecordsProcessed") or 0)
        failed = int(info.get("numberRecordsFailed") or 0)
        if processed - failed > 0:
            for row in self._csv(f"{path}/successfulResults/"):
                found = claim(row)
                if found is not None:
                    created = row.get("sf__Created", "").lower() == "true"
                    result[found] = Success(keys[found][0], row.get("sf__Id") or None, created)
        if failed > 0:
            for row in self._csv(f"{path}/failedResults/"):
                found = claim(row)
                if found is not None:
                    result[found] = _failed_row(keys[found][0], row.get("sf__Error", ""))
        if info.get("state") != "JobComplete" or processed < len(indexes):
            reason = f"bulk job {info.get('state')}: {info.get('errorMessage') or 'unprocessed'}"
            for row in self._csv(f"{path}/unprocessedrecords/"):
                found = claim(row)
                if found is not None:
                    result[found] = Retryable(reason, None, keys[found][0])
        missing = [i for i in indexes if i not in result]
        if missing:
            outcome = _unmatched(info)
            for index in missing:
                result[index] = outcome(keys[index][0])
        return result

    def _csv(self, path: str) -> Iterator[dict[str, str]]:
        response = self.transport.send("GET", path, kind="bulk.results", idempotent=True)
        if response.status_code != 200:  # e.g. a Failed job without result files
            return
        yield from csv.DictReader(io.StringIO(response.text))


def _match_key(column: str, value: str) -> str:
    """The value results are matched on: an Id by its case-sensitive 15-character form,
    so a 15-character Id sent matches an 18-character one echoed back and vice versa."""
    value = value.strip()
    if column == "Id" and len(value) == 18:
        return value[:15]
    return value


def _unmatched(info: dict[str, Any]) -> Callable[[str], RecordOutcome]:
    """The outcome of a record no result file named: the job's own error when it failed
    as a whole (InvalidBatch is the upload's fault and fails the same way again)."""
    state, message = info.get("state"), str(info.get("errorMessage") or "")
    if state == "Failed" and message.startswith("InvalidBatch"):
        return lambda key: RecordError(key, "INVALID_BATCH", message, ())
    reason = f"no bulk result (job {info.get('id')} {state}{': ' + message if message else ''})"
    return lambda key: Retryable(reason, None, key)


def _failed_row(key: str, text: str) -> RecordOutcome:
    error = parse_bulk_error(text)
    if error.code in TRANSIENT_RECORD_CODES:
        return Retryable(error.message, error.code, key)
    return RecordError(key, error.code, error.message, error.fields)


def _all_failed(
    content: bytes, status: int, indexes: list[int], keys: list[tuple[str, str]]
) -> dict[int, RecordOutcome]:
    error = parse_errors(content)[0]
    return {i: RecordError(keys[i][0], error.code, error.message, error.fields, status)
            for i in indexes}


def _spool(
    records: Iterable[WriteRecord], spool: Path, operation: WriteOperation, key_column: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """Write records to disk; return (caller key, key column value) per record and columns."""
    keys: list[tuple[str, str]] = []
    columns: dict[str, None] = {key_column: None}
    with spool.open("wb") as out:
        for record in records:
            row = dict(record.data)
            if operation == "update":
                row["Id"] = record.remote_id
            if row.get(key_column) in (None, ""):
                raise ValueError(f"record {record.key!r} has no {key_column} for bulk mapping")
            keys.append((record.key, _match_key(key_column, str(row[key_column]))))
            columns.update(dict.fromkeys(row))
            out.write(orjson.dumps(row) + b"\n")
    return keys, list(columns)


def _csv_files(
    spool: Path, columns: list[str], tmp: Path, max_bytes: int, only: set[int] | None
) -> Iterator[tuple[Path, list[int]]]:
    """CSV files of at most ``max_bytes`` each from the spool (only the ``only`` rows)."""
    header = _csv_line(columns)
    out: BinaryIO | None = None
    path, indexes, size = tmp / "none.csv", list[int](), 0
    with spool.open("rb") as source:
        for index, line in enumerate(source):
            if only is not None and index not in only:
                continue
            row = orjson.loads(line)
            encoded = _csv_line([cell(row[c]) if c in row else "" for c in columns])
            if out is not None and size + len(encoded) > max_bytes:
                out.close()
                yield path, indexes
                out = None
            if out is None:
                path = tmp / f"job-{uuid.uuid4().hex}.csv"
                out = path.open("wb")
                out.write(header)
                indexes, size = [], len(header)
            out.write(encoded)
            size += len(encoded)
            indexes.append(index)
    if out is not None:
        out.close()
        yield path, indexes


def _load_rows(spool: Path, only: set[int]) -> dict[int, dict[str, Any]]:
    with spool.open("rb") as source:
        return {i: orjson.loads(line) for i, line in enumerate(source) if i in only}


def _record(key: str, row: dict[str, Any], operation: WriteOperation) -> WriteRecord:
    if operation == "update":
        remote_id = row.pop("Id", None)
        return WriteRecord(key, row, remote_id)
    return WriteRecord(key, row)


def _csv_line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode()


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(UPLOAD_CHUNK):
            yield chunk
