"""Processing of a Bulk API 2.0 ingest job: CSV rows -> Org writes -> result CSV files.

Rows are streamed from the uploaded files and written in chunks, one transaction and one
event-loop yield per chunk, so a 100,000-row job neither fills memory nor stalls the
other requests of the sandbox.
"""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from b1hub.sandbox.salesforce.bulk_jobs import Job, JobStore
from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.results import CallContext, SaveResult
from b1hub.sandbox.salesforce.schema import FieldSchema

CHUNK_ROWS = 200
NULL_MARKER = "#N/A"
_TRUE = frozenset({"true", "1", "yes", "y"})
_FALSE = frozenset({"false", "0", "no", "n"})


class InvalidBatch(Exception):
    """The upload as a whole is unusable: the job fails with this ``errorMessage``."""


@dataclass(frozen=True)
class Column:
    """One CSV column: a field of the object, or ``Relationship.ExternalId__c``."""

    spec: FieldSchema
    relationship: str | None = None
    parent_field: str | None = None


def upload_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("upload-*.csv"), key=lambda p: int(p.stem.split("-")[1]))


def _rows(job: Job, files: list[Path]) -> Iterator[tuple[list[str], list[str]]]:
    """(header, row) for every data row of every upload, in upload order."""
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter=job.delimiter)
            header = next(reader, None)
            if header is None:
                continue
            for row in reader:
                if row:
                    yield header, row


class IngestProcessor:
    """Runs one ingest job to JobComplete, Failed or Aborted."""

    def __init__(self, org: Org, store: JobStore, job: Job, ctx: CallContext) -> None:
        self.org = org
        self.store = store
        self.job = job
        self.ctx = ctx
        self.schema = org.schemas.get(job.object)
        self.directory = store.directory(job)

    async def run(self) -> None:
        job = self.job
        started = time.perf_counter()
        try:
            files = upload_files(self.directory)
            header = self._first_header(files)
            columns = self.columns(header)
            job.touch("InProgress")
            self.store.save(job)
            await asyncio.sleep(0)
            self._process(files, header, columns)
            await self._drain()
        except InvalidBatch as exc:
            job.error_message = str(exc)
            job.touch("Failed")
        except Exception as exc:  # the job reports any failure, as a real one does
            job.error_message = f"InternalServerError : {exc}"
            job.touch("Failed")
        finally:
            job.processing_ms += int((time.perf_counter() - started) * 1000)
            self.store.save(job)

    def _first_header(self, files: list[Path]) -> list[str]:
        for header, _ in _rows(self.job, files):
            return header
        raise InvalidBatch("InvalidBatch : Records not processed : no data was uploaded")

    def columns(self, header: list[str]) -> list[Column]:
        """Resolve the header against the schema, failing the job as a real org would."""
        assert self.schema is not None
        columns: list[Column] = []
        for name in header:
            relationship, _, leaf = name.rpartition(".")
            if relationship:
                found = self.org.schemas.by_relationship(self.schema.name, relationship)
                parent_spec = found[1].field(leaf) if found else None
                if found is None or parent_spec is None or not parent_spec.external_id:
                    raise InvalidBatch(f"InvalidBatch : Field name not found : {name}")
                columns.append(Column(found[0], str(found[0].relationship_name),
                                      parent_spec.name))
                continue
            spec = self.schema.field(name)
            if spec is None:
                raise InvalidBatch(f"InvalidBatch : Field name not found : {name}")
            columns.append(Column(spec))
        names = {c.spec.name for c in columns if c.relationship is None}
        operation = self.job.operation
        if operation in ("update", "delete", "hardDelete") and "Id" not in names:
            raise InvalidBatch(f"InvalidBatch : Field name not found : Id ({operation} "
                               "requires the Id column)")
        external = self.job.external_id_field_name
        if operation == "upsert" and external not in names:
            raise InvalidBatch(f"InvalidBatch : Field name not found : {external} "
                               "(upsert requires the external id column)")
        return columns

    def _process(self, files: list[Path], header: list[str], columns: list[Column]) -> None:
        self._rows = _rows(self.job, files)
        self._header = header
        self._columns = columns
        self._handles: list[IO[str]] = []
        self._ok = self._writer("successfulResults.csv", ["sf__Id", "sf__Created", *header])
        self._failed = self._writer("failedResults.csv", ["sf__Id", "sf__Error", *header])
        self._unprocessed = self._writer("unprocessedrecords.csv", header)

    async def _drain(self) -> None:
        job = self.job
        try:
            while True:
                chunk = [row for _, row in islice(self._rows, CHUNK_ROWS)]
                if not chunk:
                    break
                if job.state == "Aborted":
                    self._skip(chunk)
                    continue
                with self.org.transaction():
                    for row in chunk:
                        self._apply(row)
                job.touch()
                self.store.save(job)
                await asyncio.sleep(0)
        finally:
            for handle in self._handles:
                handle.close()
        if job.state != "Aborted":
            job.touch("JobComplete")

    def _writer(self, name: str, header: list[str]) -> Any:
        handle = (self.directory / name).open("w", newline="", encoding="utf-8")
        self._handles.append(handle)
        writer = csv.writer(handle, delimiter=self.job.delimiter, quoting=csv.QUOTE_ALL,
                            lineterminator=self.job.newline)
        writer.writerow(header)
        return writer

    def _skip(self, chunk: list[list[str]]) -> None:
        for row in chunk:
            self._unprocessed.writerow(row)

    def _apply(self, row: list[str]) -> None:
        raw = (row + [""] * len(self._columns))[: len(self._columns)]
        result = self._write(raw)
        self.job.number_records_processed += 1
        if result.success:
            created = "true" if result.created else "false"
            self._ok.writerow([result.id or "", created, *row])
            return
        self.job.number_records_failed += 1
        self._failed.writerow([result.id or "", error_text(result), *row])

    def _write(self, raw: list[str]) -> SaveResult:
        assert self.schema is not None
        values: dict[str, object] = {}
        for column, text in zip(self._columns, raw, strict=True):
            if text == "":
                continue
            if column.relationship is not None:
                assert column.parent_field is not None
                values[column.relationship] = {column.parent_field: text}
            else:
                values[column.spec.name] = convert(column.spec, text)
        operation = self.job.operation
        sobject = self.schema.name
        if operation == "insert":
            return self.org.insert(sobject, values, self.ctx)
        if operation == "upsert":
            assert self.job.external_id_field_name is not None
            return self.org.upsert(sobject, self.job.external_id_field_name, values, self.ctx)
        record_id = str(values.pop("Id", "") or "")
        if operation == "update":
            return self.org.update(sobject, record_id, values, self.ctx)
        return self.org.delete(record_id, self.ctx)


def convert(spec: FieldSchema, text: str) -> object:
    """A CSV cell as the JSON value Org expects (``#N/A`` clears the field)."""
    if text == NULL_MARKER:
        return None
    if spec.type == "boolean":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return text


def error_text(result: SaveResult) -> str:
    """``sf__Error``: ``CODE:message:fields --`` for each error, as Bulk API 2.0 writes it."""
    return " ".join(
        f"{e.status_code}:{e.message}:{','.join(e.fields)} --" if e.fields
        else f"{e.status_code}:{e.message}:--"
        for e in result.errors
    )
