"""Field mappings, UDFs, value maps and the Master Data Mapping Tool, for scripts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from b1hub.mapping.store import MappingRequest
from b1hub.mapping.values import ValueMap
from b1hub.web.api.mapping_models import (
    CustomFieldOut,
    FieldRowIn,
    FieldTableOut,
    HistoryOut,
    PairsIn,
    RetrieveOut,
    SavedRowOut,
    UdfMapIn,
    UploadOut,
    ValueMapOut,
    VersionOut,
)
from b1hub.web.security.principal import Admin, Operator, Viewer
from b1hub.web.services import link_tool, mappings
from b1hub.web.state import console_state

router = APIRouter()
XLSX = link_tool.FORMATS["xlsx"]


def _value_map(vmap: ValueMap) -> ValueMapOut:
    return ValueMapOut.model_validate(
        {"name": vmap.name, "pairs": [{"sap": s, "salesforce": f} for s, f in vmap.pairs]})


@router.get("/mappings/{object_name}", response_model=FieldTableOut, tags=["mappings"])
def field_table(request: Request, object_name: str, _: Viewer) -> mappings.FieldTable:
    """The object's effective field table: defaults with the user's rows laid over them."""
    return mappings.field_table(console_state(request).hub, object_name)


@router.put("/mappings/{object_name}/fields", response_model=SavedRowOut, tags=["remote"])
def set_field(request: Request, object_name: str, body: FieldRowIn,
              user: Admin) -> mappings.SavedRow:
    """Add or change a row, checked against both systems first (400 with the reason)."""
    wanted = MappingRequest(mappings.known(object_name), body.sap, body.salesforce,
                            body.direction, body.value_map, body.transform, body.required)
    return mappings.set_row(console_state(request).hub, wanted, user.username)


@router.delete("/mappings/{object_name}/fields", response_model=VersionOut, tags=["mappings"])
def remove_field(request: Request, object_name: str, user: Admin,
                 sap: Annotated[str, Query(min_length=1, max_length=200)]) -> VersionOut:
    """Remove the user's row for SAP field ``sap``: that field stops syncing (or its
    default row applies again), nothing else changes."""
    return VersionOut(version=mappings.unmap(console_state(request).hub, object_name, sap,
                                             user.username))


@router.post("/mappings/{object_name}/reset", response_model=VersionOut, tags=["mappings"])
def reset(request: Request, object_name: str, user: Admin) -> VersionOut:
    return VersionOut(version=mappings.reset(console_state(request).hub, object_name,
                                             user.username))


@router.get("/mappings/{object_name}/history", response_model=list[HistoryOut],
            tags=["mappings"])
def history(request: Request, object_name: str, _: Viewer) -> list[mappings.HistoryEntry]:
    """Every saved version of the object's user rows, newest first."""
    return mappings.history(console_state(request).hub, object_name)


@router.post("/mappings/{object_name}/udfs", response_model=SavedRowOut, tags=["remote"])
def map_udf(request: Request, object_name: str, body: UdfMapIn,
            user: Admin) -> mappings.SavedRow:
    """Map a SAP UDF to a Salesforce field; an incompatible pair is refused (400) with the
    reason."""
    wanted = mappings.udf_request(object_name, body.udf, body.field, address=body.address,
                                  direction=body.direction, value_map=body.value_map)
    return mappings.set_row(console_state(request).hub, wanted, user.username)


@router.get("/custom-fields", response_model=list[CustomFieldOut], tags=["mappings"])
def custom_fields(
    request: Request, _: Viewer,
    object: Annotated[str | None, Query(max_length=32)] = None,
) -> list[object]:
    """SAP UDFs and Salesforce custom fields as last retrieved, with what maps them."""
    return list(mappings.custom_fields(console_state(request).hub, object))


@router.post("/custom-fields/retrieve", response_model=RetrieveOut, tags=["remote"])
def retrieve(request: Request, _: Admin) -> object:
    """Retrieve custom fields: read UserFieldsMD and describe the synced sObjects now."""
    return mappings.retrieve(console_state(request).hub)


@router.get("/value-maps", response_model=list[ValueMapOut], tags=["mappings"])
def value_maps(request: Request, _: Viewer) -> list[ValueMapOut]:
    return [_value_map(v) for v in mappings.value_maps(console_state(request).hub).values()]


@router.get("/value-maps/{map_name}", response_model=ValueMapOut, tags=["mappings"])
def value_map(request: Request, map_name: str, _: Viewer) -> ValueMapOut:
    return _value_map(mappings.value_map(console_state(request).hub, map_name))


@router.post("/value-maps/{map_name}", response_model=ValueMapOut, tags=["mappings"])
def extend_value_map(request: Request, map_name: str, body: PairsIn,
                     user: Admin) -> ValueMapOut:
    """Add pairs (a new map when ``map_name`` does not exist); a user pair comes first."""
    pairs = [(p.sap, p.salesforce) for p in body.pairs]
    return _value_map(mappings.extend_values(console_state(request).hub, map_name, pairs,
                                             user.username))


@router.get("/link-templates/{kind}", tags=["remote"], response_class=Response,
            responses={200: {"content": {XLSX: {}, "text/csv": {}},
                             "description": "the template file"}})
def link_template(
    request: Request, kind: str, _: Operator,
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
) -> Response:
    """The Salesforce records of ``kind`` (account, lead, contact, product) not linked
    yet, with empty SAP key columns to fill."""
    filename, content, _count = link_tool.template(console_state(request).hub, kind, format)
    return Response(content, media_type=link_tool.FORMATS[format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/link-uploads", response_model=UploadOut, tags=["remote"])
async def link_upload(
    request: Request, user: Admin, file: Annotated[UploadFile, File()],
    valid_rows_only: Annotated[bool, Form()] = False,
) -> object:
    """Validate every row of a filled template and link them: all rows when every row is
    valid, else nothing (``applied`` false) unless ``valid_rows_only``."""
    content = await file.read()
    report, stash_id = await run_in_threadpool(
        link_tool.upload_bytes, console_state(request).hub, file.filename, content,
        valid_rows_only=valid_rows_only, by=user.username)
    if stash_id is not None:
        link_tool.discard(stash_id)  # scripts upload again; only the console keeps files
    return report.to_json()
