"""Describe (global and per sObject), the version resource list and ``/limits/``."""

from __future__ import annotations

from typing import Any

from b1hub.sandbox.salesforce.api import ApiRequest, ApiResponse, RestApi
from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.records import schema_or_404
from b1hub.sandbox.salesforce.schema import FieldSchema, SObjectSchema
from b1hub.sandbox.salesforce.sessions import ApiUsage

VERSIONS = [("Winter '23", "56.0"), ("Spring '23", "57.0"), ("Summer '23", "58.0"),
            ("Winter '24", "59.0"), ("Spring '24", "60.0"), ("Summer '24", "61.0"),
            ("Winter '25", "62.0")]
NOT_CREATEABLE = {"User"}


def versions_body() -> list[dict[str, str]]:
    return [{"label": label, "url": f"/services/data/v{v}", "version": v}
            for label, v in VERSIONS]


def _urls(prefix: str, name: str) -> dict[str, str]:
    base = f"{prefix}/sobjects/{name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def object_summary(schema: SObjectSchema, prefix: str) -> dict[str, Any]:
    return {
        "name": schema.name, "label": schema.label, "labelPlural": schema.label_plural,
        "keyPrefix": schema.key_prefix, "custom": schema.custom,
        "createable": schema.name not in NOT_CREATEABLE, "updateable": True,
        "deletable": schema.name not in NOT_CREATEABLE, "queryable": True,
        "retrieveable": True, "searchable": True, "layoutable": True, "replicateable": True,
        "urls": _urls(prefix, schema.name),
    }


def field_describe(spec: FieldSchema) -> dict[str, Any]:
    default = spec.default if spec.default not in (None, "$user") else None
    return {
        "name": spec.name, "label": spec.label, "type": spec.type, "length": spec.length,
        "precision": spec.precision, "scale": spec.scale,
        "digits": spec.precision if spec.type == "int" else 0,
        "byteLength": spec.length * 3,
        "nillable": spec.nillable, "createable": spec.createable, "updateable": spec.updateable,
        "defaultedOnCreate": spec.defaulted_on_create, "defaultValue": default,
        "externalId": spec.external_id,
        "idLookup": spec.external_id or spec.unique or spec.name == "Id",
        "unique": spec.unique, "caseSensitive": False, "custom": spec.custom,
        "calculated": spec.calculated, "autoNumber": spec.auto_number,
        "filterable": True, "sortable": spec.type != "textarea", "groupable": True,
        "nameField": spec.name == "Name",
        "picklistValues": [
            {"value": v, "label": v, "active": True, "defaultValue": v == spec.default,
             "validFor": None}
            for v in spec.picklist_values
        ],
        "restrictedPicklist": spec.restricted_picklist,
        "referenceTo": list(spec.reference_to),
        "relationshipName": spec.relationship_name,
        "soapType": _soap_type(spec.type),
    }


def _soap_type(kind: str) -> str:
    return {"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean",
            "currency": "xsd:double", "double": "xsd:double", "percent": "xsd:double",
            "int": "xsd:int", "date": "xsd:date", "datetime": "xsd:dateTime"}.get(kind,
                                                                                 "xsd:string")


def register(api: RestApi, org: Org, usage: ApiUsage) -> None:
    @api.route("GET", r"")
    async def resources(request: ApiRequest) -> ApiResponse:
        p = request.prefix
        names = ("sobjects", "query", "queryAll", "composite", "limits", "jobs")
        return ApiResponse(200, {n: f"{p}/{n}" for n in names})

    @api.route("GET", r"limits")
    async def limits(request: ApiRequest) -> ApiResponse:
        used = usage.snapshot()
        return ApiResponse(200, {
            "DailyApiRequests": {"Max": used["max"], "Remaining": max(0, used["max"]
                                                                      - used["used"])},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            "DataStorageMB": {"Max": 1024, "Remaining": 1024},
            "FileStorageMB": {"Max": 1024, "Remaining": 1024},
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
        })

    @api.route("GET", r"sobjects")
    async def global_describe(request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, {
            "encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [object_summary(s, request.prefix) for s in org.schemas.all()],
        })

    @api.route("GET", r"sobjects/{sobject}")
    async def basic_info(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        rows = org.conn.execute(
            "SELECT id FROM records WHERE sobject = ? AND is_deleted = 0 "
            "ORDER BY system_modstamp DESC LIMIT 5", (schema.name,),
        ).fetchall()
        recent = [{"attributes": {"type": schema.name,
                                  "url": f"{request.prefix}/sobjects/{schema.name}/{r[0]}"},
                   "Id": r[0]} for r in rows]
        return ApiResponse(200, {"objectDescribe": object_summary(schema, request.prefix),
                                 "recentItems": recent})

    @api.route("GET", r"sobjects/{sobject}/describe")
    async def describe(request: ApiRequest) -> ApiResponse:
        schema = schema_or_404(org, request.params["sobject"])
        body = object_summary(schema, request.prefix)
        body["fields"] = [field_describe(f) for f in schema.fields.values() if not f.hidden]
        body["childRelationships"] = [
            {"childSObject": child.name, "field": spec.name, "cascadeDelete": False,
             "relationshipName": _plural_relationship(child, spec)}
            for child, spec in org.schemas.child_relationships(schema.name)
        ]
        body["recordTypeInfos"] = [{
            "available": True, "defaultRecordTypeMapping": True, "master": True,
            "name": "Master", "recordTypeId": "012000000000000AAA",
        }]
        return ApiResponse(200, body)


def _plural_relationship(child: SObjectSchema, spec: FieldSchema) -> str | None:
    if spec.name in ("CreatedById", "LastModifiedById", "OwnerId"):
        return None
    return child.label_plural.replace(" ", "") if not spec.custom else (
        f"{child.name}s__r")
