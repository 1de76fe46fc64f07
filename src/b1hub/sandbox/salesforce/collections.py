"""sObject Collections: up to 200 records per call, per-record SaveResults, allOrNone.

A call's writes share one transaction (one commit per call); each record still succeeds
or fails on its own through a savepoint, unless ``allOrNone`` rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b1hub.sandbox.salesforce import ids
from b1hub.sandbox.salesforce.api import ApiFailure, ApiRequest, ApiResponse, RestApi
from b1hub.sandbox.salesforce.org import Org, Rollback
from b1hub.sandbox.salesforce.records import field_list, schema_or_404, shape_record
from b1hub.sandbox.salesforce.results import ApiError, SaveResult

MAX_RECORDS = 200
ROLLED_BACK = ApiError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
)


def _limit(count: int) -> None:
    if count > MAX_RECORDS:
        raise ApiFailure(400, "EXCEEDED_ID_LIMIT",
                         f"record limit reached. cannot submit more than {MAX_RECORDS} "
                         "records into this call")


def _payload(request: ApiRequest) -> tuple[bool, list[dict[str, Any]]]:
    body = request.json_object()
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ApiFailure(400, "INVALID_FIELD", "records: a list of records is required")
    _limit(len(records))
    return bool(body.get("allOrNone", False)), records


def run_batch(
    org: Org, items: list[Any], all_or_none: bool, write: Callable[[Any], SaveResult]
) -> list[SaveResult]:
    """Apply ``write`` to each item inside one transaction, honouring allOrNone."""
    results: list[SaveResult] = []
    try:
        with org.transaction():
            results = [write(item) for item in items]
            if all_or_none and not all(r.success for r in results):
                raise Rollback
    except Rollback:
        return [r if not r.success else SaveResult(None, False, [ROLLED_BACK])
                for r in results]
    return results


def _type_of(record: dict[str, Any]) -> str | None:
    attributes = record.get("attributes")
    if isinstance(attributes, dict) and isinstance(attributes.get("type"), str):
        return str(attributes["type"])
    return None


def register(api: RestApi, org: Org) -> None:
    @api.route("POST", r"composite/sobjects")
    async def create(request: ApiRequest) -> ApiResponse:
        all_or_none, records = _payload(request)

        def write(record: dict[str, Any]) -> SaveResult:
            sobject = _type_of(record)
            if sobject is None:
                return SaveResult.fail(ApiError("INVALID_TYPE",
                                                "Must send a concrete entity type."))
            return org.insert(sobject, record, request.ctx)

        results = run_batch(org, records, all_or_none, write)
        return ApiResponse(200, [r.as_json() for r in results])

    @api.route("PATCH", r"composite/sobjects")
    async def update(request: ApiRequest) -> ApiResponse:
        all_or_none, records = _payload(request)

        def write(record: dict[str, Any]) -> SaveResult:
            sobject = _type_of(record)
            record_id = next((v for k, v in record.items() if k.lower() == "id"), None)
            if sobject is None:
                return SaveResult.fail(ApiError("INVALID_TYPE",
                                                "Must send a concrete entity type."))
            if not record_id:
                return SaveResult.fail(ApiError("MISSING_ARGUMENT",
                                                "Id not specified in an update call", ["Id"]))
            values = {k: v for k, v in record.items() if k.lower() != "id"}
            return org.update(sobject, str(record_id), values, request.ctx)

        results = run_batch(org, records, all_or_none, write)
        return ApiResponse(200, [r.as_json() for r in results])

    @api.route("PATCH", r"composite/sobjects/{sobject}/{field}")
    async def upsert(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        spec = schema.field(request.params["field"])
        if spec is None or not spec.external_id:
            raise ApiFailure(400, "INVALID_FIELD",
                             f"Field name provided, {request.params['field']} is not an "
                             f"External ID or indexed field for {schema.name}")
        all_or_none, records = _payload(request)

        def write(record: dict[str, Any]) -> SaveResult:
            sobject = _type_of(record)
            if sobject is None or sobject.lower() != schema.name.lower():
                return SaveResult.fail(ApiError(
                    "INVALID_INPUT",
                    f"All records must be of type {schema.name}" if sobject
                    else "Must send a concrete entity type."))
            return org.upsert(schema.name, spec.name, record, request.ctx)

        results = run_batch(org, records, all_or_none, write)
        return ApiResponse(200, [r.as_json(with_created=True) for r in results])

    @api.route("DELETE", r"composite/sobjects")
    async def delete(request: ApiRequest) -> ApiResponse:
        raw = [i for i in request.query.get("ids", "").split(",") if i]
        if not raw:
            raise ApiFailure(400, "MISSING_ARGUMENT", "ids: at least one id is required")
        _limit(len(raw))
        all_or_none = request.query.get("allOrNone", "false").lower() == "true"

        def write(record_id: str) -> SaveResult:
            return org.delete(record_id, request.ctx)

        results = run_batch(org, raw, all_or_none, write)
        return ApiResponse(200, [r.as_json() for r in results])

    async def retrieve(request: ApiRequest, id_list: list[str], fields_raw: str) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        _limit(len(id_list))
        fields = field_list(schema, fields_raw)
        if not fields:
            raise ApiFailure(400, "MISSING_ARGUMENT", "fields: at least one field is required")
        out: list[dict[str, Any] | None] = []
        for raw in id_list:
            rid = ids.normalize(raw)
            record = org.fetch(rid) if rid and rid[:3] == schema.key_prefix else None
            if record is None or record.is_deleted:
                out.append(None)
            else:
                out.append(shape_record(schema, record, request.version, ["Id", *fields]
                                        if "Id" not in fields else fields))
        return ApiResponse(200, out)

    @api.route("GET", r"composite/sobjects/{sobject}")
    async def retrieve_get(request: ApiRequest) -> ApiResponse:
        id_list = [i for i in request.query.get("ids", "").split(",") if i]
        return await retrieve(request, id_list, request.query.get("fields", ""))

    @api.route("POST", r"composite/sobjects/{sobject}")
    async def retrieve_post(request: ApiRequest) -> ApiResponse:
        body = request.json_object()
        return await retrieve(request, [str(i) for i in body.get("ids", [])],
                              ",".join(str(f) for f in body.get("fields", [])))
