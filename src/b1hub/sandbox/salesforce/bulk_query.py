"""Bulk API 2.0 query jobs: run the SOQL into a CSV file, then serve it in locator pages.

The result file is written in chunks (yielding to the event loop between them) together
with the byte offset of every row, so any page is one seek and one read, whatever its size.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import time
from array import array

from b1hub.sandbox.salesforce.bulk_jobs import Job, JobStore
from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.soql import CompiledQuery, compile_query

CHUNK_ROWS = 2000
RESULTS = "results.csv"
OFFSETS = "results.offsets"


def compile_for(org: Org, job: Job) -> CompiledQuery:
    """Compile the job's SOQL (raises SoqlError, which the route turns into a 400)."""
    return compile_query(job.query, org.schemas, include_deleted=job.operation == "queryAll",
                         api_version=job.api_version,
                         hidden_fields=org.runtime.hidden_fields)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def run_query_job(org: Org, store: JobStore, job: Job) -> None:
    """Write every result row to ``results.csv`` and their offsets to ``results.offsets``."""
    started = time.perf_counter()
    directory = store.directory(job)
    job.touch("InProgress")
    store.save(job)
    try:
        compiled = compile_for(org, job)
        offsets = array("q")
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=job.delimiter, quoting=csv.QUOTE_ALL,
                            lineterminator=job.newline)
        with (directory / RESULTS).open("wb") as out:
            writer.writerow(compiled.columns)
            out.write(buffer.getvalue().encode())
            cursor = org.conn.execute(compiled.sql, compiled.params)
            while True:
                rows = cursor.fetchmany(CHUNK_ROWS)
                if not rows:
                    break
                for row in rows:
                    if job.state == "Aborted":
                        break
                    buffer.seek(0)
                    buffer.truncate()
                    writer.writerow([_cell(v) for v in compiled.flat(row)])
                    offsets.append(out.tell())
                    out.write(buffer.getvalue().encode())
                job.number_records_processed = len(offsets)
                if job.state == "Aborted":
                    break
                await asyncio.sleep(0)
            offsets.append(out.tell())
        (directory / OFFSETS).write_bytes(offsets.tobytes())
        if job.state != "Aborted":
            job.touch("JobComplete")
    except Exception as exc:  # the job reports any failure, as a real one does
        job.error_message = f"InternalServerError : {exc}"
        job.touch("Failed")
    finally:
        job.processing_ms += int((time.perf_counter() - started) * 1000)
        store.save(job)


def encode_locator(row: int) -> str:
    return base64.b64encode(str(row).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int | None:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode())
    except ValueError:
        return None


def read_page(store: JobStore, job: Job, start: int, max_records: int) -> tuple[bytes, int, str]:
    """(CSV page with header, number of records in it, next locator or 'null')."""
    directory = store.directory(job)
    offsets = array("q")
    offsets.frombytes((directory / OFFSETS).read_bytes())
    total = len(offsets) - 1
    start = min(start, total)
    end = min(start + max_records, total)
    with (directory / RESULTS).open("rb") as handle:
        header = handle.read(offsets[0])
        handle.seek(offsets[start])
        body = handle.read(offsets[end] - offsets[start])
    locator = encode_locator(end) if end < total else "null"
    return header + body, end - start, locator
