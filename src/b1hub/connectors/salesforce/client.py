"""The Salesforce client the engine uses: reads, describe, Collections and Bulk 2.0 writes."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Literal

import orjson

from b1hub.connectors.base import Checkpoint, ReadItem, WriteOperation, WriteRecord
from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.outcomes import (
    RateLimited,
    RecordError,
    RecordOutcome,
    Retryable,
)
from b1hub.connectors.retry import TransientError, call_with_retry
from b1hub.connectors.salesforce import reading
from b1hub.connectors.salesforce.bulk import BulkIngest
from b1hub.connectors.salesforce.collections import write_collections
from b1hub.connectors.salesforce.errors import LOCKED, parse_errors
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.salesforce.transport import BudgetStop, Transport

Route = Literal["auto", "collections", "bulk"]
USERINFO = "/services/oauth2/userinfo"


class SalesforceClient:
    """One org. Thread-safe. ``budget`` shows the last seen ``Sforce-Limit-Info``."""

    def __init__(self, conn: SalesforceConnection) -> None:
        self.conn = conn
        self.counters = ClientCounters()
        self.transport = Transport(conn, self.counters)
        self.budget = self.transport.budget
        self._describes: dict[str, dict[str, Any]] = {}
        self._describe_lock = threading.Lock()
        self._user_id: str | None = None

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    # reads

    def query(
        self, soql: str, *, page_size: int | None = None, include_deleted: bool = False
    ) -> Iterator[list[dict[str, Any]] | ReadItem]:
        return reading.iter_query(self.transport, soql, page_size=page_size,
                                  include_deleted=include_deleted)

    def read_changes(
        self,
        entity: str,
        fields: Sequence[str],
        since: Checkpoint | None,
        *,
        overlap: timedelta = timedelta(minutes=5),
        page_size: int = 2000,
        where: str | None = None,
    ) -> Iterator[ReadItem]:
        return reading.iter_changes(self.transport, entity, fields, since, overlap=overlap,
                                    page_size=page_size, where=where)

    def get_updated(
        self, sobject: str, start: datetime, end: datetime
    ) -> dict[str, Any] | Retryable | RateLimited | RecordError:
        """``{"ids": [...], "latestDateCovered": ...}``; use latestDateCovered as next start."""
        return self._get_json(f"sobjects/{sobject}/updated/", _window(start, end))

    def get_deleted(
        self, sobject: str, start: datetime, end: datetime
    ) -> dict[str, Any] | Retryable | RateLimited | RecordError:
        return self._get_json(f"sobjects/{sobject}/deleted/", _window(start, end))

    def describe(self, sobject: str) -> dict[str, Any] | Retryable | RateLimited | RecordError:
        """Cached per client: describes change only when an admin edits the schema."""
        with self._describe_lock:
            cached = self._describes.get(sobject.lower())
        if cached is not None:
            return cached
        result = self._get_json(f"sobjects/{sobject}/describe/", None)
        if isinstance(result, dict):
            with self._describe_lock:
                self._describes[sobject.lower()] = result
        return result

    def forget_describes(self) -> None:
        with self._describe_lock:
            self._describes.clear()

    def integration_user_id(self) -> str | Retryable | RateLimited | RecordError:
        """The Id of the user this client writes as: what ``LastModifiedById`` holds on
        records the hub changed last. Taken from the token's identity URL, else from
        ``/services/oauth2/userinfo``; asked once per client."""
        if self._user_id is not None:
            return self._user_id
        try:
            token = call_with_retry(self.transport.tokens.current, self.conn.retry,
                                    self.counters)
        except TransientError as exc:
            return exc.outcome()
        user = token.user_id
        if user is None:
            info = self._get_json_at(USERINFO, None)
            if not isinstance(info, dict):
                return info
            user = info.get("user_id")
            if not isinstance(user, str) or not user:
                return RecordError("userinfo", "NO_USER_ID",
                                   "neither the token nor userinfo named the user", (), 200)
        self._user_id = user
        return user

    def userinfo(self) -> dict[str, Any] | Retryable | RateLimited | RecordError:
        """The OpenID Connect userinfo of the logged-in user (``user_id``, ``organization_id``)."""
        return self._get_json_at(USERINFO, None)

    def _get_json(
        self, resource: str, params: dict[str, str] | None
    ) -> dict[str, Any] | Retryable | RateLimited | RecordError:
        return self._get_json_at(f"{self.conn.data_path}/{resource}", params, resource)

    def _get_json_at(
        self, path: str, params: dict[str, str] | None, resource: str | None = None
    ) -> dict[str, Any] | Retryable | RateLimited | RecordError:
        try:
            response = self.transport.send("GET", path, kind="read", idempotent=True,
                                           params=params)
        except TransientError as exc:
            return exc.outcome()
        except BudgetStop as stop:
            return stop.outcome
        if response.status_code != 200:
            error = parse_errors(response.content)[0]
            return RecordError(resource or path, error.code, error.message, error.fields,
                               response.status_code)
        payload: dict[str, Any] = orjson.loads(response.content)
        return payload

    # writes

    def write_batch(
        self,
        entity: str,
        operation: WriteOperation,
        records: Iterable[WriteRecord],
        *,
        external_id: str | None = None,
        via: Route = "auto",
        key_column: str | None = None,
        lock_rounds: int = 3,
    ) -> list[RecordOutcome]:
        """One outcome per record, in input order.

        ``via="auto"`` uses Bulk API 2.0 above ``bulk_threshold`` records, Collections
        otherwise; only the first ``bulk_threshold + 1`` records are read ahead, so a
        bulk load streams from the iterator to disk and is never held in memory.
        Records that failed with UNABLE_TO_LOCK_ROW are sent again (only those) up to
        ``lock_rounds`` times. Bulk maps results back through ``key_column`` (default:
        the external id for upsert, Id for update; required for create).
        """

        def collections(items: list[WriteRecord]) -> list[RecordOutcome]:
            return self._collections(entity, operation, items, external_id, lock_rounds)

        stream = iter(records)
        if via == "collections":
            return _count_remaining(collections(list(stream)))
        head = list(itertools.islice(stream, self.conn.bulk_threshold + 1))
        if via == "auto" and len(head) <= self.conn.bulk_threshold:
            return _count_remaining(collections(head))
        defaults = {"upsert": external_id, "update": "Id", "create": None}
        column = key_column or defaults[operation]
        if column is None:
            raise ValueError("bulk insert needs key_column: a unique column to match results")
        outcomes = BulkIngest(self.transport).write(
            entity, operation, itertools.chain(head, stream), column, external_id,
            lock_rounds=lock_rounds, resend=collections,
        )
        return _count_remaining(outcomes)

    def _collections(
        self, entity: str, operation: WriteOperation, items: list[WriteRecord],
        external_id: str | None, lock_rounds: int,
    ) -> list[RecordOutcome]:
        outcomes = write_collections(self.transport, entity, operation, items, external_id)
        for _round in range(lock_rounds):
            locked = [i for i, o in enumerate(outcomes)
                      if isinstance(o, Retryable) and o.remote_code == LOCKED]
            if not locked:
                break
            again = write_collections(self.transport, entity, operation,
                                      [items[i] for i in locked], external_id)
            for index, outcome in zip(locked, again, strict=True):
                outcomes[index] = outcome
        return outcomes

    def create(self, sobject: str, data: dict[str, Any], key: str) -> RecordOutcome:
        return self.write_batch(sobject, "create", [WriteRecord(key, data)],
                                via="collections")[0]

    def upsert(
        self, sobject: str, external_id: str, data: dict[str, Any], key: str
    ) -> RecordOutcome:
        return self.write_batch(sobject, "upsert", [WriteRecord(key, data)],
                                external_id=external_id, via="collections")[0]

    def update(
        self, sobject: str, record_id: str, data: dict[str, Any], key: str
    ) -> RecordOutcome:
        return self.write_batch(sobject, "update", [WriteRecord(key, data, record_id)],
                                via="collections")[0]


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds")}


def _count_remaining(outcomes: list[RecordOutcome]) -> list[RecordOutcome]:
    """Every RateLimited outcome reports how many records of this write were not written."""
    limited = sum(1 for o in outcomes if isinstance(o, RateLimited))
    if not limited:
        return outcomes
    return [
        RateLimited(o.reason, o.used, o.limit, o.retry_after, o.key, limited)
        if isinstance(o, RateLimited) else o
        for o in outcomes
    ]
