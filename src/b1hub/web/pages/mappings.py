"""Field mappings, UDF integration and value maps.

A refused mapping comes back on the same page with the reason next to the form and the
values the user typed, instead of a redirect that would lose both.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from b1hub.mapping.store import MappingRequest
from b1hub.mapping.transforms import TRANSFORMS
from b1hub.mapping.udfs import ADDRESS_KINDS, definition_text
from b1hub.store.types import ObjectDirection
from b1hub.web.pages.forms import read_form, text
from b1hub.web.security.principal import Admin, Viewer
from b1hub.web.services import mappings
from b1hub.web.services.errors import InvalidInput
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()
FORM_FIELDS = ("sap", "salesforce", "direction", "value_map", "transform", "udf", "field",
               "address")


def _direction(form: FormData) -> ObjectDirection | None:
    value = text(form, "direction")
    try:
        return ObjectDirection(value) if value else None
    except ValueError:
        raise InvalidInput(f"direction is one of: {', '.join(d.value for d in ObjectDirection)}"
                           ) from None


def _given(form: FormData) -> dict[str, Any]:
    given: dict[str, Any] = {k: text(form, k) or "" for k in FORM_FIELDS}
    given["required"] = form.get("required") == "on"
    return given


def _common(request: Request) -> dict[str, Any]:
    hub = console_state(request).hub
    return {"objects": mappings.object_names(), "map_names": list(mappings.value_maps(hub)),
            "directions": [d.value for d in ObjectDirection]}


@router.get("/mappings")
def mappings_index(_: Viewer) -> Response:
    return RedirectResponse(f"/mappings/{mappings.object_names()[0]}", status_code=303)


def _mapping_page(request: Request, object_name: str, *, status_code: int = 200,
                  error: str | None = None, given: dict[str, Any] | None = None) -> Response:
    hub = console_state(request).hub
    table = mappings.field_table(hub, object_name)
    return render(request, "pages/mappings.html", status_code=status_code,
                  title=f"Field mappings: {table.object}", table=table,
                  history=mappings.history(hub, table.object), error=error,
                  given=given or {}, transforms=sorted(TRANSFORMS), **_common(request))


@router.get("/mappings/{object_name}")
def mapping_page(request: Request, object_name: str, _: Viewer) -> Response:
    return _mapping_page(request, object_name)


@router.post("/mappings/{object_name}")
async def set_mapping(request: Request, object_name: str, user: Admin) -> Response:
    form = await read_form(request)
    given = _given(form)
    hub = console_state(request).hub
    try:
        if not given["sap"] or not given["salesforce"]:
            raise InvalidInput("give both the SAP field and the Salesforce field")
        wanted = MappingRequest(mappings.known(object_name), given["sap"], given["salesforce"],
                                _direction(form), given["value_map"] or None,
                                given["transform"] or None, given["required"])
        saved = await run_in_threadpool(mappings.set_row, hub, wanted, user.username)
    except InvalidInput as exc:
        return _mapping_page(request, object_name, status_code=400, error=str(exc),
                             given=given)
    flash(request, f"{object_name}: SAP {saved.sap} <-> Salesforce {saved.salesforce} saved "
                   f"(version {saved.version})")
    return RedirectResponse(f"/mappings/{mappings.known(object_name)}", status_code=303)


@router.post("/mappings/{object_name}/unmap")
async def unmap(request: Request, object_name: str, user: Admin) -> Response:
    form = await read_form(request)
    sap = text(form, "sap")
    if sap is None:
        raise InvalidInput("name the SAP field to stop syncing")
    version = await run_in_threadpool(mappings.unmap, console_state(request).hub, object_name,
                                      sap, user.username)
    flash(request, f"{object_name}: {sap} removed from the user mappings (version {version})")
    return RedirectResponse(_back_to(form, object_name), status_code=303)


def _back_to(form: FormData, object_name: str) -> str:
    page = "udfs" if text(form, "from") == "udfs" else "mappings"
    return f"/{page}/{mappings.known(object_name)}"


@router.post("/mappings/{object_name}/reset")
def reset(request: Request, object_name: str, user: Admin) -> Response:
    version = mappings.reset(console_state(request).hub, object_name, user.username)
    flash(request, f"{object_name}: default field map restored (version {version})")
    return RedirectResponse(f"/mappings/{mappings.known(object_name)}", status_code=303)


@router.get("/udfs")
def udfs_index(_: Viewer) -> Response:
    return RedirectResponse(f"/udfs/{mappings.object_names()[0]}", status_code=303)


def _udf_page(request: Request, object_name: str, *, status_code: int = 200,
              error: str | None = None, given: dict[str, Any] | None = None) -> Response:
    hub = console_state(request).hub
    table = mappings.field_table(hub, object_name)
    fields = mappings.custom_fields(hub, table.object)
    return render(request, "pages/udfs.html", status_code=status_code,
                  title=f"UDF integration: {table.object}", table=table,
                  sap_fields=[f for f in fields if f.system == "sap"],
                  sf_fields=[f for f in fields if f.system == "salesforce"],
                  mapped=[r for r in table.fields if r.udf and r.source == "user"],
                  addresses=list(ADDRESS_KINDS), type_text=definition_text, error=error,
                  given=given or {}, **_common(request))


@router.get("/udfs/{object_name}")
def udf_page(request: Request, object_name: str, _: Viewer) -> Response:
    return _udf_page(request, object_name)


@router.post("/udfs/retrieve")
async def retrieve(request: Request, _: Admin) -> Response:
    form = await read_form(request)
    report = await run_in_threadpool(mappings.retrieve, console_state(request).hub)
    sap, sf = sum(report.sap.values()), sum(report.salesforce.values())
    skipped = "".join(f"; skipped Salesforce {o}: {why}" for o, why in report.skipped.items())
    flash(request, f"retrieved {sap} SAP user-defined field(s) and {sf} Salesforce custom "
                   f"field(s){skipped}")
    shown = text(form, "object")
    return RedirectResponse(f"/udfs/{shown}" if shown in mappings.object_names() else "/udfs",
                            status_code=303)


@router.post("/udfs/{object_name}/map")
async def map_udf(request: Request, object_name: str, user: Admin) -> Response:
    form = await read_form(request)
    given = _given(form)
    hub = console_state(request).hub
    try:
        if not given["udf"] or not given["field"]:
            raise InvalidInput("choose the SAP UDF and the Salesforce field")
        wanted = mappings.udf_request(object_name, given["udf"], given["field"],
                                      address=given["address"] or None,
                                      direction=_direction(form),
                                      value_map=given["value_map"] or None)
        saved = await run_in_threadpool(mappings.set_row, hub, wanted, user.username)
    except InvalidInput as exc:
        return _udf_page(request, object_name, status_code=400, error=str(exc), given=given)
    flash(request, f"{object_name}: SAP {saved.sap} <-> Salesforce {saved.salesforce} mapped "
                   f"({saved.direction.value}; version {saved.version})")
    return RedirectResponse(f"/udfs/{mappings.known(object_name)}", status_code=303)


@router.get("/value-maps")
def value_maps_page(request: Request, _: Viewer) -> Response:
    return render(request, "pages/value_maps.html", title="Value maps",
                  maps=mappings.value_maps(console_state(request).hub))


@router.post("/value-maps")
async def extend_value_map(request: Request, user: Admin) -> Response:
    form = await read_form(request)
    name = text(form, "name")
    if name is None:
        raise InvalidInput("name the value map to extend (or a new one)")
    pairs = mappings.parse_pairs(text(form, "pairs") or "")
    extended = await run_in_threadpool(mappings.extend_values, console_state(request).hub,
                                       name, pairs, user.username)
    flash(request, f"value map {extended.name}: {len(pairs)} pair(s) added; "
                   f"{len(extended.pairs)} in all")
    return RedirectResponse(f"/value-maps#map-{extended.name}", status_code=303)
