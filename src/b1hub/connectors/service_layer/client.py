"""The Service Layer client the engine uses: reads, single writes and ``$batch`` writes."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any

import httpx
import orjson

from b1hub.connectors.base import Checkpoint, ReadItem, WriteOperation, WriteRecord
from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.outcomes import RecordError, RecordOutcome, Retryable, Success
from b1hub.connectors.retry import TransientError
from b1hub.connectors.service_layer import reading
from b1hub.connectors.service_layer.batch import BatchPart, BatchRequest, build_batch, parse_batch
from b1hub.connectors.service_layer.errors import parse_error, response_error
from b1hub.connectors.service_layer.keys import (
    entity_path,
    key_field,
    key_from_location,
    server_assigned,
)
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.connectors.service_layer.transport import Transport

NOT_FOUND = "-2028"
DUPLICATE = "-10"
NOT_APPLIED = "create not applied (checked by key)"
REPLACE_COLLECTIONS = "B1S-ReplaceCollectionsOnPatch"


class ServiceLayerClient:
    """One company database. Thread-safe; close() logs out (a session holds a licence)."""

    def __init__(self, conn: ServiceLayerConnection) -> None:
        self.conn = conn
        self.counters = ClientCounters()
        self.transport = Transport(conn, self.counters)

    def __enter__(self) -> ServiceLayerClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    # reads

    def iter_pages(
        self,
        entity: str,
        *,
        select: Sequence[str] | None = None,
        filter: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[list[dict[str, Any]] | Retryable | RecordError]:
        """Pages of a collection; a final Retryable/RecordError item means it stopped early."""
        for item in reading.iter_pages(self.transport, entity, select=select, filter=filter,
                                       orderby=orderby, top=top, page_size=page_size):
            yield item.outcome() if isinstance(item, TransientError) else item

    def read_changes(
        self,
        entity: str,
        fields: Sequence[str],
        since: Checkpoint | None,
        *,
        overlap: timedelta = timedelta(minutes=5),
        page_size: int = 0,
        where: str | None = None,
    ) -> Iterator[ReadItem]:
        return reading.iter_changes(
            self.transport, entity, key_field(entity), fields, since, overlap=overlap,
            page_size=page_size or self.conn.page_size, where=where,
        )

    def get(
        self, entity: str, key: str, select: Sequence[str] | None = None
    ) -> Success | Retryable | RecordError:
        params = {"$select": ",".join(select)} if select else None
        try:
            response = self.transport.send("GET", entity_path(entity, key), kind="read",
                                           idempotent=True, params=params)
        except TransientError as exc:
            return exc.outcome(key)
        if response.status_code != 200:
            return _record_error(key, response)
        data = orjson.loads(response.content)
        return Success(key, str(data.get(key_field(entity), key)), None, data)

    # single writes

    def create(
        self, entity: str, data: dict[str, Any], key: str, *, return_content: bool = False
    ) -> RecordOutcome:
        """POST one record. A create whose fate is unknown is looked up by its key when
        the caller sent the key (CardCode, ItemCode); otherwise Retryable(maybe_applied)."""
        headers = {} if return_content else {"Prefer": "return-no-content"}
        try:
            response = self.transport.send("POST", entity, kind="create", idempotent=False,
                                           content=orjson.dumps(data), headers=headers)
        except TransientError as exc:
            if exc.maybe_applied:
                return self._resolve_creates(entity, [WriteRecord(key, data)])[0]
            return exc.outcome(key)
        if response.status_code in (200, 201, 204):
            return _created(entity, key, data, response.headers, response.content)
        return _record_error(key, response)

    def update(
        self, entity: str, remote_key: str, data: dict[str, Any], key: str | None = None,
        *, replace_collections: bool = False,
    ) -> RecordOutcome:
        headers = {REPLACE_COLLECTIONS: "true"} if replace_collections else {}
        return self._simple("PATCH", entity_path(entity, remote_key), key or remote_key,
                            remote_key, orjson.dumps(data), headers)

    def delete(self, entity: str, remote_key: str, key: str | None = None) -> RecordOutcome:
        return self._simple("DELETE", entity_path(entity, remote_key), key or remote_key,
                            remote_key, None, {})

    def action(
        self, entity: str, remote_key: str, name: str, body: dict[str, Any] | None = None
    ) -> RecordOutcome:
        """Document actions (Close, Cancel, Reopen): POSTs, but repeating one is harmless."""
        content = orjson.dumps(body) if body is not None else None
        return self._simple("POST", f"{entity_path(entity, remote_key)}/{name}", remote_key,
                            remote_key, content, {}, idempotent=True)

    def _simple(
        self, method: str, path: str, key: str, remote_key: str, content: bytes | None,
        headers: dict[str, str], idempotent: bool = True,
    ) -> RecordOutcome:
        try:
            response = self.transport.send(method, path, kind=method.lower(),
                                           idempotent=idempotent, content=content,
                                           headers=headers)
        except TransientError as exc:
            return exc.outcome(key)
        if response.status_code in (200, 201, 204):
            body = orjson.loads(response.content) if response.content else None
            return Success(key, remote_key, False, body)
        return _record_error(key, response)

    # batch writes

    def write_batch(
        self,
        entity: str,
        operation: WriteOperation,
        records: Iterable[WriteRecord],
        *,
        external_id: str | None = None,
        requests_per_batch: int = 100,
        changeset_size: int = 1,
        max_rounds: int = 5,
    ) -> list[RecordOutcome]:
        """Write through ``$batch``: one outcome per record, in input order.

        ``upsert`` PATCHes by key and creates the records that answered 404 -2028.
        Records left unanswered (the Service Layer stops a batch at the first failed
        changeset) or whose batch failed transiently are re-sent, creates only after a
        lookup by key shows they were not written; it gives up after ``max_rounds``
        rounds in a row that settle no record.
        """
        items = list(records)
        outcomes: list[RecordOutcome | None] = [None] * len(items)
        ops = {i: ("create" if operation == "create" else "update") for i in range(len(items))}
        pending = list(range(len(items)))
        uncertain: set[int] = set()
        stalled, first_round = 0, True
        while pending and stalled < max_rounds:
            retry: list[int] = []
            progress = False
            for start in range(0, len(pending), requests_per_batch):
                chunk = pending[start:start + requests_per_batch]
                if not first_round:
                    self.counters.retry()
                for index, result in self._send_batch(entity, items, ops, chunk,
                                                      changeset_size, uncertain).items():
                    if result == "resend":
                        retry.append(index)
                    elif (
                        operation == "upsert" and ops[index] == "update"
                        and isinstance(result, RecordError) and result.code == NOT_FOUND
                    ):
                        ops[index] = "create"
                        retry.append(index)
                        progress = True
                    elif not isinstance(result, str):
                        outcomes[index] = _settle(result, index in uncertain,
                                                  items[index].data.get(key_field(entity)))
                        progress = True
            stalled = 0 if progress else stalled + 1
            first_round = False
            pending = sorted(retry)
        for index in pending:
            outcomes[index] = Retryable("batch kept failing", None, items[index].key)
        return [o if o is not None else Retryable("not sent", None, items[i].key)
                for i, o in enumerate(outcomes)]

    def _request(self, entity: str, record: WriteRecord, op: str) -> BatchRequest:
        if op == "create":
            return BatchRequest("POST", entity, record.data, (("Prefer", "return-no-content"),))
        remote = record.remote_id or str(record.data.get(key_field(entity), record.key))
        headers = ((REPLACE_COLLECTIONS, "true"),) if record.options.get(
            "replace_collections") else ()
        return BatchRequest("PATCH", entity_path(entity, remote), record.data, headers)

    def _send_batch(
        self, entity: str, items: list[WriteRecord], ops: dict[int, str], chunk: list[int],
        changeset_size: int, uncertain: set[int],
    ) -> dict[int, RecordOutcome | str]:
        requests = [self._request(entity, items[i], ops[i]) for i in chunk]
        service_path = httpx.URL(self.conn.service_root).path
        content_type, body = build_batch(requests, service_path, changeset_size)
        has_creates = any(ops[i] == "create" for i in chunk)
        try:
            response = self.transport.send(
                "POST", "$batch", kind="batch", idempotent=not has_creates, content=body,
                headers={"Content-Type": content_type, "Prefer": "odata.continue-on-error"},
            )
        except TransientError as exc:
            if not exc.maybe_applied:
                return {i: exc.outcome(items[i].key) for i in chunk}
            creates = [i for i in chunk if ops[i] == "create"]
            uncertain.update(creates)
            resolved = self._resolve_creates(entity, [items[i] for i in creates])
            result: dict[int, RecordOutcome | str] = {i: "resend" for i in chunk}
            for index, outcome in zip(creates, resolved, strict=True):
                if not (isinstance(outcome, Retryable) and outcome.reason == NOT_APPLIED):
                    result[index] = outcome
            return result
        if response.status_code != 200:
            error = response_error(response)
            return {i: RecordError(items[i].key, error.code, error.message, (),
                                   response.status_code) for i in chunk}
        parts = parse_batch(response.headers["content-type"], response.content)
        return self._map_parts(entity, items, ops, chunk, parts, changeset_size)

    def _map_parts(
        self, entity: str, items: list[WriteRecord], ops: dict[int, str], chunk: list[int],
        parts: list[BatchPart], changeset_size: int,
    ) -> dict[int, RecordOutcome | str]:
        result: dict[int, RecordOutcome | str] = {}
        for position, part in enumerate(parts):
            cid = part.content_id
            if cid is None and changeset_size == 1:
                cid = position + 1
            if cid is None or not 1 <= cid <= len(chunk):
                continue
            index = chunk[cid - 1]
            record = items[index]
            if part.status in (200, 201, 204):
                if ops[index] == "create":
                    result[index] = _created(entity, record.key, record.data, part.headers,
                                             part.body)
                else:
                    remote = record.remote_id or str(record.data.get(key_field(entity), ""))
                    result[index] = Success(record.key, remote, False, None)
            elif part.status >= 500 or part.status == 401:
                result[index] = "resend" if ops[index] != "create" else Retryable(
                    f"HTTP {part.status} in batch", parse_error(part.status, part.body).code,
                    record.key, maybe_applied=False)
            else:
                error = parse_error(part.status, part.body)
                result[index] = RecordError(record.key, error.code, error.message, (),
                                            part.status)
        for index in chunk:
            result.setdefault(index, "resend")
        return result

    def _resolve_creates(self, entity: str, records: list[WriteRecord]) -> list[RecordOutcome]:
        """After a create whose fate is unknown, look each record up by its key.

        Found: Success (created unknown). Missing: Retryable(NOT_APPLIED): safe to re-send.
        Entities with server-assigned keys cannot be looked up: Retryable(maybe_applied).
        """
        field = key_field(entity)
        time.sleep(self.conn.settle_seconds)
        if server_assigned(entity):
            return [Retryable("create outcome unknown", None, r.key, True) for r in records]
        found: set[str] = set()
        codes = [str(r.data.get(field, "")) for r in records]
        for start in range(0, len(codes), 40):
            group = [c for c in codes[start:start + 40] if c]
            if not group:
                continue
            condition = " or ".join(f"{field} eq {reading.quote(c)}" for c in group)
            for page in reading.iter_pages(self.transport, entity, select=[field],
                                           filter=condition, page_size=len(group)):
                if not isinstance(page, list):
                    return [Retryable("create outcome unknown", None, r.key, True)
                            for r in records]
                found.update(str(row[field]) for row in page)
        return [
            Success(r.key, code, None, None) if code in found
            else Retryable(NOT_APPLIED, None, r.key)
            for r, code in zip(records, codes, strict=True)
        ]


def _created(
    entity: str, key: str, data: dict[str, Any], headers: httpx.Headers | dict[str, str],
    content: bytes,
) -> Success:
    body = orjson.loads(content) if content else None
    remote: str | None = None
    if isinstance(body, dict) and key_field(entity) in body:
        remote = str(body[key_field(entity)])
    location = headers.get("location") or headers.get("Location")
    if remote is None and location:
        remote = key_from_location(location)
    if remote is None and key_field(entity) in data:
        remote = str(data[key_field(entity)])
    return Success(key, remote, True, body if isinstance(body, dict) else None)


def _settle(outcome: RecordOutcome, uncertain: bool, code: Any) -> RecordOutcome:
    """A re-sent create that hits "code already assigned" after an uncertain first try
    found its own first try, applied after the lookup: that is a success."""
    if uncertain and isinstance(outcome, RecordError) and outcome.code == DUPLICATE:
        return Success(outcome.key, str(code), None, None)
    return outcome


def _record_error(key: str, response: httpx.Response) -> RecordError:
    error = response_error(response)
    return RecordError(key, error.code, error.message, (), response.status_code)
