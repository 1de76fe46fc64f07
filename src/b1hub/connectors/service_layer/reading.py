"""Streaming and incremental reads.

``iter_pages`` follows the version's next link (``@odata.nextLink`` in v2,
``odata.nextLink`` in v1) and stops at the extra empty page a full last page produces.

``iter_changes`` does not follow next links: SL pages with ``$skip`` over a live table, so
a record updated during the traversal shifts every later row by one and one row is
skipped for good. Instead each page asks for the rows after the last (UpdateDate,
UpdateTime, key) seen ("keyset" paging), which is stable under concurrent writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from b1hub.connectors.base import Checkpoint, Page, ReadItem
from b1hub.connectors.outcomes import RecordError
from b1hub.connectors.retry import TransientError
from b1hub.connectors.service_layer.errors import response_error
from b1hub.connectors.service_layer.transport import Transport


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def next_link_key(version: str) -> str:
    return "odata.nextLink" if version == "v1" else "@odata.nextLink"


def iter_pages(
    transport: Transport,
    entity: str,
    *,
    select: Sequence[str] | None = None,
    filter: str | None = None,
    orderby: str | None = None,
    top: int | None = None,
    page_size: int | None = None,
) -> Iterator[list[dict[str, Any]] | TransientError | RecordError]:
    """Yield each non-empty page; a final error item says why the read stopped early."""
    size = page_size or transport.conn.page_size
    params: dict[str, str] = {}
    if select:
        params["$select"] = ",".join(select)
    if filter:
        params["$filter"] = filter
    if orderby:
        params["$orderby"] = orderby
    if top is not None:
        params["$top"] = str(top)
    headers = {"Prefer": f"odata.maxpagesize={size}"}
    link_key = next_link_key(transport.conn.version)
    path: str | None = entity
    query: dict[str, str] | None = params
    while path is not None:
        try:
            response = transport.send("GET", path, kind="read", idempotent=True,
                                      params=query, headers=headers)
        except TransientError as exc:
            yield exc
            return
        if response.status_code != 200:
            error = response_error(response)
            yield RecordError(entity, error.code, error.message, (), response.status_code)
            return
        payload = orjson.loads(response.content)
        rows: list[dict[str, Any]] = payload.get("value", [])
        if not rows:
            return
        yield rows
        path, query = payload.get(link_key), None


def record_checkpoint(record: dict[str, Any], key_field: str) -> Checkpoint:
    date = str(record.get("UpdateDate") or record.get("CreateDate") or "")[:10]
    time = str(record.get("UpdateTime") or "00:00:00")[:8]
    return Checkpoint(f"{date}T{time}", str(record[key_field]))


NUMERIC_KEYS = frozenset({"DocEntry", "SequentialNo"})


def since_filter(since: Checkpoint, key_field: str, *, inclusive_key: bool) -> str:
    """Rows strictly after (or at, for an overlap restart) ``since`` in (date, time, key)."""
    date, time = since.timestamp[:10], since.timestamp[11:19]
    # Server-assigned keys (DocEntry, SequentialNo) are numbers: compared unquoted.
    key = since.key if key_field in NUMERIC_KEYS and since.key.isdigit() else quote(since.key)
    if inclusive_key or since.key == "":  # after (t, "") is everything from t on
        same_day = f"UpdateTime ge {quote(time)}"
    else:
        same_day = (
            f"UpdateTime gt {quote(time)} or "
            f"(UpdateTime eq {quote(time)} and {key_field} gt {key})"
        )
    return f"UpdateDate gt {quote(date)} or (UpdateDate eq {quote(date)} and ({same_day}))"


def iter_changes(
    transport: Transport,
    entity: str,
    key_field: str,
    fields: Sequence[str],
    since: Checkpoint | None,
    *,
    overlap: timedelta,
    page_size: int,
    where: str | None,
) -> Iterator[ReadItem]:
    """Records changed since ``since`` minus ``overlap``, ordered by (date, time, key)."""
    select = list(dict.fromkeys([key_field, "UpdateDate", "UpdateTime", *fields]))
    orderby = f"UpdateDate,UpdateTime,{key_field}"
    # Zero overlap continues strictly after (timestamp, key); otherwise re-read the whole
    # overlap window, since rows can commit late or share the checkpoint's second.
    cursor = since if since is not None and not overlap else None
    start = _minus(since, overlap) if since is not None and overlap else None
    high = since
    while True:
        if cursor is not None:
            position = since_filter(cursor, key_field, inclusive_key=False)
        elif start is not None:
            position = since_filter(start, key_field, inclusive_key=True)
        else:
            position = None
        parts = [f"({p})" for p in (where, position) if p]
        page_filter = " and ".join(parts) or None
        rows: list[dict[str, Any]] = []
        for item in iter_pages(transport, entity, select=select, filter=page_filter,
                               orderby=orderby, top=page_size, page_size=page_size):
            if isinstance(item, TransientError):
                yield item.outcome()
                return
            if isinstance(item, RecordError):
                yield item
                return
            rows.extend(item)
        if not rows:
            return
        cursor = record_checkpoint(rows[-1], key_field)
        high = cursor if high is None else max(high, cursor)
        yield Page(rows, high)
        if len(rows) < page_size:
            return


def _minus(since: Checkpoint, overlap: timedelta) -> Checkpoint:
    moment = datetime.fromisoformat(since.timestamp[:19]) - overlap
    return Checkpoint(moment.strftime("%Y-%m-%dT%H:%M:%S"), "")
