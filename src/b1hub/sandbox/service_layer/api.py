"""One Service Layer request (plain or inside ``$batch``) to a :class:`Reply`.

Resource paths: ``Set``, ``Set/$count``, ``Set(key)``, ``Set(key)/Action``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from b1hub.sandbox.service_layer.query import parse_select
from b1hub.sandbox.service_layer.render import render
from b1hub.sandbox.service_layer.schema import ENTITIES, Entity
from b1hub.sandbox.service_layer.service import Service, etag
from b1hub.sandbox.service_layer.wire import (
    Reply,
    SLError,
    Version,
    annotation,
    context_url,
    json_reply,
    protocol_headers,
    query_error,
)

PATH = re.compile(r"^(?P<set>[A-Za-z_]+)(?:\((?P<key>[^)]*)\))?(?:/(?P<tail>[$A-Za-z]+))?$")
MAXPAGESIZE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)")


@dataclass
class ApiRequest:
    method: str
    path: str
    """Relative to the service root, e.g. ``BusinessPartners('C1')``."""
    query: str
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes
    version: Version
    base_url: str
    page_size: int
    params: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.params = dict(parse_qsl(self.query, keep_blank_values=True))


def parse_key(entity: Entity, raw: str) -> Any:
    raw = unquote(raw).strip()
    if entity.key_fields:
        parts = dict(p.split("=", 1) for p in raw.split(",") if "=" in p)
        table = parts.get("TableName", "").strip().strip("'")
        try:
            return f"{table}:{int(parts.get('FieldID', '')):05d}"
        except ValueError as exc:
            raise SLError(400, -1000, "Invalid key predicate") from exc
    if "=" in raw:
        raw = raw.split("=", 1)[1].strip()
    if entity.key_type == "str":
        if len(raw) < 2 or raw[0] != "'" or raw[-1] != "'":
            raise SLError(400, -1000, f"Invalid key predicate '{raw}'")
        return raw[1:-1].replace("''", "'")
    try:
        return int(raw)
    except ValueError as exc:
        raise SLError(400, -1000, f"Invalid key predicate '{raw}'") from exc


def key_literal(entity: Entity, key: Any) -> str:
    if entity.key_fields:
        table, number = str(key).split(":")
        return f"TableName='{table}',FieldID={int(number)}"
    if entity.key_type == "str":
        return "'" + str(key).replace("'", "''") + "'"
    return str(key)


def _int_param(req: ApiRequest, name: str) -> int | None:
    raw = req.params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise query_error(f"Query string error - invalid {name} value") from exc
    if value < 0:
        raise query_error(f"Query string error - invalid {name} value")
    return value


class Api:
    def __init__(self, service: Service) -> None:
        self.service = service

    def handle(self, req: ApiRequest) -> Reply:
        match = PATH.match(req.path)
        entity = ENTITIES.get(match.group("set")) if match else None
        if match is None or entity is None:
            raise SLError(400, -1, "Service Not Found")
        raw_key, tail = match.group("key"), match.group("tail")
        method = req.method
        if raw_key is None:
            if tail == "$count" and method == "GET":
                where = self.service.where(entity, req.params.get("$filter"))
                count = self.service.store.count(entity.set_name, where)
                return Reply(200, str(count).encode(), {"Content-Type": "text/plain"})
            if tail is not None:
                raise SLError(400, -1, "Service Not Found")
            if method == "GET":
                return self._collection(entity, req)
            if method == "POST":
                return self._create(entity, req)
            raise SLError(405, -1000, "Method not allowed")
        key = parse_key(entity, raw_key)
        if tail is not None:
            if method != "POST":
                raise SLError(405, -1000, "Method not allowed")
            self.service.action(entity, key, tail)
            return Reply(204, b"", protocol_headers(req.version))
        if method == "GET":
            return self._entity(entity, key, req)
        if method in ("PATCH", "MERGE", "PUT"):
            self._check_if_match(entity, key, req)
            replace = req.headers.get("b1s-replacecollectionsonpatch", "").lower() == "true"
            self.service.update(entity, key, self._body(req), replace or method == "PUT")
            return Reply(204, b"", protocol_headers(req.version))
        if method == "DELETE":
            self._check_if_match(entity, key, req)
            self.service.delete(entity, key)
            return Reply(204, b"", protocol_headers(req.version))
        raise SLError(405, -1000, "Method not allowed")

    @staticmethod
    def _body(req: ApiRequest) -> Any:
        if not req.body.strip():
            return {}
        try:
            return orjson.loads(req.body)
        except orjson.JSONDecodeError as exc:
            raise SLError(400, -1000, "Invalid JSON in request body") from exc

    def _udfs(self, entity: Entity) -> dict[str | None, Any]:
        tables = {entity.udf_table, *(c.udf_table for c in entity.collections.values())}
        return {table: self.service.udfs(table) for table in tables if table}

    def _check_if_match(self, entity: Entity, key: Any, req: ApiRequest) -> None:
        expected = req.headers.get("if-match")
        if not expected or expected == "*":
            return
        doc = self.service.store.get(entity.set_name, key)
        if doc is not None and etag(doc) != expected:
            raise SLError(412, -2039, "Another user or another operation modified data; to "
                                      "continue, open the window again (ODBC -2039)")

    def _entity(self, entity: Entity, key: Any, req: ApiRequest) -> Reply:
        doc = self.service.get(entity, key)
        select = parse_select(entity, self.service.udf_fields(entity.udf_table),
                              req.params.get("$select"))
        payload: dict[str, Any] = {
            annotation(req.version, "metadata"):
                context_url(req.version, req.base_url, entity.set_name, True)}
        tag = etag(doc)
        payload[annotation(req.version, "etag")] = tag
        payload.update(render(entity, doc, req.version, self._udfs(entity), select))
        headers = {} if select else {"ETag": tag}
        return json_reply(req.version, 200, payload, headers)

    def _create(self, entity: Entity, req: ApiRequest) -> Reply:
        key, doc = self.service.create(entity, self._body(req))
        location = f"{req.base_url}/b1s/{req.version}/{entity.set_name}({key_literal(entity, key)})"
        tag = etag(doc)
        headers = {"Location": location, "ETag": tag}
        if "return-no-content" in req.headers.get("prefer", ""):
            return Reply(204, b"", {**protocol_headers(req.version), **headers,
                                    "Preference-Applied": "return-no-content"})
        payload: dict[str, Any] = {
            annotation(req.version, "metadata"):
                context_url(req.version, req.base_url, entity.set_name, True),
            annotation(req.version, "etag"): tag,
        }
        payload.update(render(entity, doc, req.version, self._udfs(entity), None))
        return json_reply(req.version, 201, payload, headers)

    def _collection(self, entity: Entity, req: ApiRequest) -> Reply:
        service = self.service
        select = parse_select(entity, service.udf_fields(entity.udf_table),
                              req.params.get("$select"))
        where = service.where(entity, req.params.get("$filter"))
        top, skip = _int_param(req, "$top"), _int_param(req, "$skip") or 0
        headers: dict[str, str] = {}
        prefer = MAXPAGESIZE.search(req.headers.get("prefer", ""))
        size = req.page_size
        if prefer:
            size = int(prefer.group(1))
            headers["Preference-Applied"] = f"odata.maxpagesize={size}"
        elif req.headers.get("b1s-pagesize", "").isdigit():
            size = int(req.headers["b1s-pagesize"])
        limit = top if size == 0 else (size if top is None else min(size, top))
        docs = service.query(entity, where, req.params.get("$orderby"), limit, skip)
        udfs = self._udfs(entity)
        rows = []
        for doc in docs:
            row = {annotation(req.version, "etag"): etag(doc)} if select is None else {}
            row.update(render(entity, doc, req.version, udfs, select))
            rows.append(row)
        payload: dict[str, Any] = {
            annotation(req.version, "metadata"):
                context_url(req.version, req.base_url, entity.set_name, False)}
        if req.params.get("$count") == "true" or req.params.get("$inlinecount") == "allpages":
            payload[annotation(req.version, "count")] = service.store.count(
                entity.set_name, where)
        payload["value"] = rows
        if size and len(docs) == size and (top is None or top > size):
            payload[annotation(req.version, "nextLink")] = self._next_link(
                entity, req, None if top is None else top - size, skip + size)
        return json_reply(req.version, 200, payload, headers)

    @staticmethod
    def _next_link(entity: Entity, req: ApiRequest, top: int | None, skip: int) -> str:
        """Relative to the service root, repeating the query options as sent."""
        kept = []
        for part in req.query.split("&"):
            name, sep, value = part.partition("=")
            if part and unquote(name) not in ("$top", "$skip"):
                kept.append(f"{unquote(name)}{sep}{value}")
        if top is not None:
            kept.append(f"$top={top}")
        kept.append(f"$skip={skip}")
        return f"{entity.set_name}?{'&'.join(kept)}"
