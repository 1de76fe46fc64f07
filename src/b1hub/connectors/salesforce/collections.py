"""sObject Collections writes: 200 records a call, allOrNone false, one result per record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from b1hub.connectors.base import WriteOperation, WriteRecord
from b1hub.connectors.outcomes import (
    RateLimited,
    RecordError,
    RecordOutcome,
    Retryable,
    Success,
    with_key,
)
from b1hub.connectors.retry import TransientError
from b1hub.connectors.salesforce.errors import TRANSIENT_RECORD_CODES, parse_errors
from b1hub.connectors.salesforce.transport import BudgetStop, Transport

CHUNK = 200


def write_collections(
    transport: Transport,
    sobject: str,
    operation: WriteOperation,
    records: Sequence[WriteRecord],
    external_id: str | None,
) -> list[RecordOutcome]:
    """One call per 200 records; once the budget stops, the rest are RateLimited."""
    outcomes: list[RecordOutcome] = []
    for start in range(0, len(records), CHUNK):
        chunk = records[start:start + CHUNK]
        try:
            outcomes.extend(_call(transport, sobject, operation, chunk, external_id))
        except BudgetStop as stop:
            remaining = len(records) - start
            for record in records[start:]:
                outcome = with_key(stop.outcome, record.key)
                assert isinstance(outcome, RateLimited)
                outcomes.append(RateLimited(outcome.reason, outcome.used, outcome.limit,
                                            outcome.retry_after, record.key, remaining))
            break
        except TransientError as exc:
            outcomes.extend(exc.outcome(r.key) for r in chunk)
    return outcomes


def _call(
    transport: Transport,
    sobject: str,
    operation: WriteOperation,
    chunk: Sequence[WriteRecord],
    external_id: str | None,
) -> list[RecordOutcome]:
    body_records: list[dict[str, Any]] = []
    for record in chunk:
        values: dict[str, Any] = {"attributes": {"type": sobject}, **record.data}
        if operation == "update":
            values["id"] = record.remote_id
        body_records.append(values)
    body = {"allOrNone": False, "records": body_records}
    base = f"{transport.conn.data_path}/composite/sobjects"
    if operation == "upsert":
        if not external_id:
            raise ValueError("upsert needs an external id field")
        method, path, idempotent = "PATCH", f"{base}/{sobject}/{external_id}", True
    elif operation == "update":
        method, path, idempotent = "PATCH", base, True
    else:
        method, path, idempotent = "POST", base, False
    response = transport.send(method, path, kind=f"collections.{operation}",
                              idempotent=idempotent, json=body)
    if response.status_code != 200:
        error = parse_errors(response.content)[0]
        return [RecordError(r.key, error.code, error.message, error.fields,
                            response.status_code) for r in chunk]
    results = orjson.loads(response.content)
    return [_outcome(record, result) for record, result in zip(chunk, results, strict=True)]


def _outcome(record: WriteRecord, result: dict[str, Any]) -> RecordOutcome:
    if result.get("success"):
        created = result.get("created")
        return Success(record.key, result.get("id"), created, None)
    errors = result.get("errors") or [{}]
    first = errors[0]
    code = str(first.get("statusCode") or first.get("errorCode") or "UNKNOWN")
    if code in TRANSIENT_RECORD_CODES:
        return Retryable(str(first.get("message", code)), code, record.key)
    return RecordError(record.key, code, str(first.get("message", "")),
                       tuple(first.get("fields") or ()))
