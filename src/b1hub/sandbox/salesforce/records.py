"""REST record resources: create, retrieve, update, delete, upsert and get by external id,
getUpdated and getDeleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from b1hub.sandbox.salesforce import ids
from b1hub.sandbox.salesforce.api import ApiFailure, ApiRequest, ApiResponse, RestApi, not_found
from b1hub.sandbox.salesforce.org import Org, StoredRecord
from b1hub.sandbox.salesforce.results import SaveResult
from b1hub.sandbox.salesforce.schema import SObjectSchema
from b1hub.sandbox.salesforce.values import format_datetime, parse_datetime

STATUS_BY_CODE = {"ENTITY_IS_DELETED": 404, "NOT_FOUND": 404}


def shape_record(
    schema: SObjectSchema, record: StoredRecord, version: str, fields: list[str] | None = None
) -> dict[str, Any]:
    """A record as REST returns it: attributes first, then every (or each asked) field."""
    out: dict[str, Any] = {"attributes": {
        "type": schema.name, "url": f"/services/data/v{version}/sobjects/{schema.name}/{record.id}",
    }}
    specs = ([schema.fields[f] for f in fields] if fields is not None
             else [f for f in schema.fields.values() if not f.hidden])
    for spec in specs:
        value = record.data.get(spec.name)
        if spec.type == "boolean":
            value = bool(value)
        out[spec.name] = value
    return out


def schema_or_404(org: Org, name: str) -> SObjectSchema:
    schema = org.schemas.get(name)
    if schema is None:
        raise not_found()
    return schema


def field_list(schema: SObjectSchema, raw: str | None) -> list[str] | None:
    if not raw:
        return None
    names = []
    for name in (n.strip() for n in raw.split(",") if n.strip()):
        spec = schema.field(name)
        if spec is None:
            raise ApiFailure(400, "INVALID_FIELD",
                             f"No such column '{name}' on entity '{schema.name}'. If you are "
                             "attempting to use a custom field, be sure to append the '__c' "
                             "after the custom field name. Please reference your WSDL or the "
                             "describe call for the appropriate names.")
        names.append(spec.name)
    return names


def failure_response(result: SaveResult) -> ApiResponse:
    error = result.errors[0]
    status = STATUS_BY_CODE.get(error.status_code, 400)
    return ApiResponse(status, [e.as_rest_error() for e in result.errors])


def live_record(org: Org, schema: SObjectSchema, raw_id: str) -> StoredRecord:
    rid = ids.normalize(raw_id)
    if rid is None or rid[:3] != schema.key_prefix:
        raise not_found()
    record = org.fetch(rid)
    if record is None:
        raise not_found()
    if record.is_deleted:
        raise ApiFailure(404, "ENTITY_IS_DELETED", "entity is deleted", [])
    return record


def register(api: RestApi, org: Org) -> None:
    @api.route("POST", r"sobjects/{sobject}")
    async def create(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        result = org.insert(schema.name, request.json_object(), request.ctx)
        if not result.success:
            return failure_response(result)
        return ApiResponse(201, result.as_json(), {
            "Location": f"{request.prefix}/sobjects/{schema.name}/{result.id}"})

    @api.route("GET", r"sobjects/{sobject}/(?P<rid>(?!describe$|updated$|deleted$)[^/]+)")
    async def retrieve(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        record = live_record(org, schema, request.params["rid"])
        fields = field_list(schema, request.query.get("fields"))
        return ApiResponse(200, shape_record(schema, record, request.version, fields))

    @api.route("PATCH", r"sobjects/{sobject}/{rid}")
    async def update(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        record = live_record(org, schema, request.params["rid"])
        result = org.update(schema.name, record.id, request.json_object(), request.ctx)
        return ApiResponse(204) if result.success else failure_response(result)

    @api.route("DELETE", r"sobjects/{sobject}/{rid}")
    async def delete(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        record = live_record(org, schema, request.params["rid"])
        result = org.delete(record.id, request.ctx)
        return ApiResponse(204) if result.success else failure_response(result)

    @api.route("PATCH", r"sobjects/{sobject}/{field}/{value}")
    async def upsert(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        name, value = request.params["field"], request.params["value"]
        spec = schema.field(name)
        if spec is None or not (spec.external_id or spec.name == "Id"):
            raise ApiFailure(404, "NOT_FOUND",
                             f"Provided external ID field does not exist or is not "
                             f"accessible: {name}")
        body = request.json_object()
        if any(k.lower() == spec.name.lower() for k in body) and spec.name != "Id":
            raise ApiFailure(400, "INVALID_FIELD",
                             f"The {spec.name} field should not be specified in the sobject "
                             "data.")
        matches = ([] if spec.name == "Id"
                   else org.find_by_external(schema.name, spec.name, value))
        if len(matches) > 1:
            return ApiResponse(300, [f"{request.prefix}/sobjects/{schema.name}/{m}"
                                     for m in matches])
        if request.query.get("updateOnly", "").lower() == "true" and not matches:
            raise not_found()
        result = org.upsert(schema.name, spec.name, body | {spec.name: value}, request.ctx)
        if not result.success:
            return failure_response(result)
        status = 201 if result.created else 200
        return ApiResponse(status, result.as_json(with_created=True), {
            "Location": f"{request.prefix}/sobjects/{schema.name}/{result.id}"})

    @api.route("GET", r"sobjects/{sobject}/{field}/{value}")
    async def by_external(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        spec = schema.field(request.params["field"])
        if spec is None or not spec.external_id:
            raise not_found()
        matches = org.find_by_external(schema.name, spec.name, request.params["value"])
        if not matches:
            raise not_found()
        if len(matches) > 1:
            return ApiResponse(300, [f"{request.prefix}/sobjects/{schema.name}/{m}"
                                     for m in matches])
        record = org.fetch(matches[0])
        assert record is not None
        fields = field_list(schema, request.query.get("fields"))
        return ApiResponse(200, shape_record(schema, record, request.version, fields))

    @api.route("GET", r"sobjects/{sobject}/updated")
    async def updated(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        start, end = _window(request)
        rows = org.conn.execute(
            "SELECT id FROM records WHERE sobject = ? AND is_deleted = 0 "
            "AND system_modstamp >= ? AND system_modstamp <= ? ORDER BY system_modstamp, id",
            (schema.name, start, end),
        ).fetchall()
        return ApiResponse(200, {"ids": [r[0] for r in rows], "latestDateCovered": end})

    @api.route("GET", r"sobjects/{sobject}/deleted")
    async def deleted(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        start, end = _window(request)
        earliest = format_datetime(datetime.now(UTC) - timedelta(days=15))
        rows = org.conn.execute(
            "SELECT id, system_modstamp FROM records WHERE sobject = ? AND is_deleted = 1 "
            "AND system_modstamp >= ? AND system_modstamp <= ? ORDER BY system_modstamp, id",
            (schema.name, max(start, earliest), end),
        ).fetchall()
        return ApiResponse(200, {
            "deletedRecords": [{"id": r[0], "deletedDate": r[1]} for r in rows],
            "earliestDateAvailable": earliest,
            "latestDateCovered": end,
        })


def _window(request: ApiRequest) -> tuple[str, str]:
    """``start``/``end`` as stored timestamps; ``end`` is capped at now (to the
    millisecond, where Salesforce truncates to the minute, so tests need not wait)."""
    moments = []
    for name in ("start", "end"):
        raw = request.query.get(name)
        moment = parse_datetime(raw) if raw else None
        if moment is None:
            raise ApiFailure(400, "MALFORMED_QUERY" if raw is None else "INVALID_REPLICATION_DATE",
                             f"{name}: a valid dateTime is required")
        moments.append(moment)
    start, end = moments
    now = datetime.now(UTC)
    end = min(end, now)
    if end < start:
        raise ApiFailure(400, "INVALID_REPLICATION_DATE",
                         "startDate must chronologically precede endDate by more than one "
                         "minute")
    return format_datetime(start), format_datetime(end)
