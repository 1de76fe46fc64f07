"""SOQL query streaming and change reads.

A query's ``nextRecordsUrl`` is a server-side cursor, so unlike Service Layer paging it
is stable while records change; ``read_changes`` uses it with an overlap window on
SystemModstamp and a stable ORDER BY SystemModstamp, Id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from b1hub.connectors.base import Checkpoint, Page, ReadItem
from b1hub.connectors.outcomes import RecordError
from b1hub.connectors.retry import TransientError
from b1hub.connectors.salesforce.errors import parse_errors
from b1hub.connectors.salesforce.transport import BudgetStop, Transport

SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f%z"


def iter_query(
    transport: Transport, soql: str, *, page_size: int | None = None, include_deleted: bool = False
) -> Iterator[list[dict[str, Any]] | ReadItem]:
    """Pages of records; a final Retryable/RateLimited/RecordError says why it stopped."""
    resource = "queryAll" if include_deleted else "query"
    headers = None
    if page_size:
        headers = {"Sforce-Query-Options": f"batchSize={max(200, min(2000, page_size))}"}
    path: str | None = f"{transport.conn.data_path}/{resource}"
    params: dict[str, str] | None = {"q": soql}
    while path is not None:
        try:
            response = transport.send("GET", path, kind="query", idempotent=True,
                                      params=params, headers=headers)
        except TransientError as exc:
            yield exc.outcome()
            return
        except BudgetStop as stop:
            yield stop.outcome
            return
        if response.status_code != 200:
            error = parse_errors(response.content)[0]
            yield RecordError(soql, error.code, error.message, error.fields,
                              response.status_code)
            return
        payload = orjson.loads(response.content)
        records: list[dict[str, Any]] = payload.get("records", [])
        if records:
            yield records
        path = None if payload.get("done", True) else payload.get("nextRecordsUrl")
        params = None


def soql_datetime(timestamp: str) -> str:
    """SOQL literal keeping the milliseconds, so a strict comparison is exact."""
    moment = datetime.strptime(timestamp, SF_DATETIME)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iter_changes(
    transport: Transport,
    sobject: str,
    fields: Sequence[str],
    since: Checkpoint | None,
    *,
    overlap: timedelta,
    page_size: int,
    where: str | None,
) -> Iterator[ReadItem]:
    columns = ", ".join(dict.fromkeys(["Id", "SystemModstamp", *fields]))
    conditions = [f"({where})"] if where else []
    if since is not None and not overlap:
        # Zero overlap continues strictly after (SystemModstamp, Id).
        stamp = soql_datetime(since.timestamp)
        conditions.append(f"(SystemModstamp > {stamp} OR "
                          f"(SystemModstamp = {stamp} AND Id > '{since.key}'))")
    elif since is not None:
        start = datetime.strptime(since.timestamp, SF_DATETIME) - overlap
        conditions.append(f"SystemModstamp >= {start.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    soql = f"SELECT {columns} FROM {sobject}"
    if conditions:
        soql += " WHERE " + " AND ".join(conditions)
    soql += " ORDER BY SystemModstamp, Id"
    high = since
    for item in iter_query(transport, soql, page_size=page_size):
        if not isinstance(item, list):
            yield item
            return
        last = item[-1]
        seen = Checkpoint(str(last["SystemModstamp"]), str(last["Id"]))
        high = seen if high is None else max(high, seen)
        yield Page(item, high)
