"""``query`` and ``queryAll`` with ``nextRecordsUrl`` paging.

A cursor remembers the SOQL text and page size; each page re-runs the compiled SQL with
LIMIT/OFFSET, which stays correct because compiled queries always order by a total key.
Cursors live in memory (a restart answers INVALID_QUERY_LOCATOR, as an expired one does).
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from b1hub.sandbox.salesforce.api import ApiFailure, ApiRequest, ApiResponse, RestApi
from b1hub.sandbox.salesforce.org import Org

DEFAULT_BATCH = 2000
MAX_CURSORS = 1000


@dataclass(frozen=True)
class Cursor:
    soql: str
    include_deleted: bool
    batch: int
    total: int


def batch_size(header: str | None) -> int:
    """``Sforce-Query-Options: batchSize=N`` (200..2000; other values give the default)."""
    match = re.search(r"batchSize\s*=\s*(\d+)", header or "", re.IGNORECASE)
    if match is None:
        return DEFAULT_BATCH
    return max(200, min(DEFAULT_BATCH, int(match.group(1))))


class QueryRunner:
    def __init__(self, org: Org) -> None:
        self.org = org
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()

    def page(self, cursor: Cursor, offset: int, version: str) -> dict[str, Any]:
        from b1hub.sandbox.salesforce.soql import SoqlError, compile_query

        try:
            compiled = compile_query(cursor.soql, self.org.schemas,
                                     include_deleted=cursor.include_deleted, api_version=version,
                                     hidden_fields=self.org.runtime.hidden_fields)
        except SoqlError as exc:
            raise ApiFailure(400, exc.error_code, exc.message) from None
        conn = self.org.conn
        if cursor.total < 0:
            (total,) = conn.execute(f"SELECT COUNT(*) FROM ({compiled.sql})",
                                    compiled.params).fetchone()
            cursor = Cursor(cursor.soql, cursor.include_deleted, cursor.batch, int(total))
        if compiled.count_only:
            return {"totalSize": cursor.total, "done": True, "records": []}
        rows = conn.execute(f"SELECT * FROM ({compiled.sql}) LIMIT ? OFFSET ?",
                            [*compiled.params, cursor.batch, offset]).fetchall()
        records = [compiled.shape(r) for r in rows]
        body: dict[str, Any] = {"totalSize": cursor.total, "done": True, "records": records}
        end = offset + len(rows)
        if end < cursor.total and rows:
            cursor_id = self._remember(cursor)
            body["done"] = False
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor_id}-{end}"
        return body

    def _remember(self, cursor: Cursor) -> str:
        cursor_id = "01g5S" + secrets.token_hex(7)[:13]
        self._cursors[cursor_id] = cursor
        while len(self._cursors) > MAX_CURSORS:
            self._cursors.popitem(last=False)
        return cursor_id

    def register(self, api: RestApi) -> None:
        async def run(request: ApiRequest, include_deleted: bool) -> ApiResponse:
            soql = request.query.get("q")
            if not soql:
                raise ApiFailure(400, "MALFORMED_QUERY", "SOQL query must be specified")
            batch = batch_size(request.headers.get("sforce-query-options"))
            cursor = Cursor(soql, include_deleted, batch, -1)
            return ApiResponse(200, self.page(cursor, 0, request.version))

        @api.route("GET", r"query")
        async def query(request: ApiRequest) -> ApiResponse:
            return await run(request, False)

        @api.route("GET", r"queryAll")
        async def query_all(request: ApiRequest) -> ApiResponse:
            return await run(request, True)

        @api.route("GET", r"(?:query|queryAll)/(?P<cursor>[A-Za-z0-9]+)-(?P<offset>\d+)")
        async def more(request: ApiRequest) -> ApiResponse:
            cursor = self._cursors.get(request.params["cursor"])
            if cursor is None:
                raise ApiFailure(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            return ApiResponse(200, self.page(cursor, int(request.params["offset"]),
                                              request.version))
