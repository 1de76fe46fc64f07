"""Schedules, general settings, connections, activation, price lists, selections."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from b1hub.selection import Criteria
from b1hub.store.types import System
from b1hub.web.api.models import (
    CandidateOut,
    CandidatePageOut,
    ConnectionOut,
    FeatureOut,
    MarkedOut,
    MarkIn,
    Message,
    PriceBookOut,
    PriceTargetIn,
    SalesforceConnectionIn,
    SapConnectionIn,
    ScheduleIn,
    ScheduleOut,
    SelectionOut,
    UnmarkIn,
)
from b1hub.web.security.principal import Admin, Viewer
from b1hub.web.services import connections, overview, schedules, selection, settings
from b1hub.web.services.schedules import ScheduleInput
from b1hub.web.state import console_state

router = APIRouter()


@router.get("/schedules", response_model=list[ScheduleOut], tags=["schedules"])
def list_schedules(request: Request, _: Viewer) -> list[schedules.ScheduleView]:
    return schedules.list_schedules(console_state(request).hub, overview.object_names())


@router.put("/schedules/{object_name}", response_model=ScheduleOut, tags=["schedules"])
def put_schedule(request: Request, object_name: str, body: ScheduleIn,
                 user: Admin) -> schedules.ScheduleView:
    given = ScheduleInput(body.kind, body.time, body.weekdays, body.every_minutes,
                          body.window_start, body.window_end)
    return schedules.set_schedule(console_state(request).hub, object_name, given, user.username)


@router.get("/settings", tags=["settings"])
def get_settings(request: Request, _: Viewer) -> dict[str, Any]:
    return settings.get(console_state(request).hub).model_dump(mode="json")


@router.patch("/settings", tags=["settings"])
def patch_settings(request: Request, user: Admin,
                   body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Change only the given settings; all are validated together, nothing is half-applied."""
    return settings.update(console_state(request).hub, body,
                           user.username).model_dump(mode="json")


@router.get("/connections", response_model=list[ConnectionOut], tags=["connections"])
def list_connections(request: Request, _: Viewer) -> list[connections.ConnectionView]:
    hub = console_state(request).hub
    return [connections.view(hub, system) for system in System]


@router.put("/connections/sap", response_model=ConnectionOut, tags=["connections"])
def put_sap(request: Request, body: SapConnectionIn, user: Admin) -> connections.ConnectionView:
    values = body.model_dump()
    secrets = {"password": values.pop("password")}
    return connections.save(console_state(request).hub, System.SAP, values, secrets,
                            user.username)


@router.put("/connections/salesforce", response_model=ConnectionOut, tags=["connections"])
def put_salesforce(request: Request, body: SalesforceConnectionIn,
                   user: Admin) -> connections.ConnectionView:
    values = body.model_dump()
    secrets = {k: values.pop(k) for k in ("client_secret", "password", "security_token")}
    return connections.save(console_state(request).hub, System.SALESFORCE, values, secrets,
                            user.username)


@router.post("/connections/{system}/test", response_model=ConnectionOut, tags=["remote"])
def test_connection(request: Request, system: System,
                    user: Admin) -> connections.ConnectionView:
    return connections.check(console_state(request).hub, system, user.username)


@router.get("/features", response_model=FeatureOut, tags=["connections"])
def features(request: Request, _: Viewer) -> FeatureOut:
    return FeatureOut(salesforce_connector=connections.is_active(console_state(request).hub))


@router.post("/features/salesforce-connector/activate", response_model=Message,
             tags=["remote"])
def activate(request: Request, user: Admin) -> Message:
    return Message(message=connections.activate(console_state(request).hub, user.username))


@router.post("/features/salesforce-connector/deactivate", response_model=Message,
             tags=["connections"])
def deactivate(request: Request, user: Admin) -> Message:
    connections.deactivate(console_state(request).hub, user.username)
    return Message(message="Salesforce connector deactivated")


@router.get("/price-lists", tags=["price lists"])
def price_lists(request: Request, _: Viewer) -> dict[str, dict[str, str]]:
    """SAP price list number -> Salesforce price book and currency."""
    return settings.price_map(console_state(request).hub)


@router.put("/price-lists/{number}", tags=["price lists"])
def put_price_list(request: Request, number: int, body: PriceTargetIn,
                   user: Admin) -> dict[str, dict[str, str]]:
    return settings.set_price_target(console_state(request).hub, str(number), body.pricebook,
                                     body.currency, user.username)


@router.delete("/price-lists/{number}", tags=["price lists"])
def delete_price_list(request: Request, number: int,
                      user: Admin) -> dict[str, dict[str, str]]:
    return settings.set_price_target(console_state(request).hub, str(number), None, None,
                                     user.username)


@router.get("/price-books", response_model=list[PriceBookOut], tags=["remote"])
def price_books(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """Retrieve Price Books: the org's price books, read from Salesforce now."""
    return settings.retrieve_price_books(console_state(request).hub)


@router.get("/selections/{kind}", response_model=list[SelectionOut], tags=["selection"])
def marked(request: Request, kind: str, _: Viewer) -> list[Any]:
    return selection.marked(console_state(request).hub, kind)


@router.get("/selections/{kind}/candidates", response_model=CandidatePageOut, tags=["remote"])
def candidates(
    request: Request, kind: str, _: Viewer,
    code_from: Annotated[str | None, Query(max_length=100)] = None,
    code_to: Annotated[str | None, Query(max_length=100)] = None,
    group_from: int | None = None, group_to: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> CandidatePageOut:
    found = selection.find(console_state(request).hub, kind,
                           Criteria(code_from, code_to, group_from, group_to), page)
    return CandidatePageOut(
        candidates=[CandidateOut(code=c.code, name=c.name, group=c.group,
                                 marked=c.code in found.marked,
                                 account_type=found.marked.get(c.code))
                    for c in found.candidates],
        total=found.total, page=found.page, pages=found.pages)


@router.post("/selections/{kind}", response_model=MarkedOut, tags=["remote"])
def mark(request: Request, kind: str, body: MarkIn, user: Admin) -> MarkedOut:
    criteria = Criteria(body.code_from, body.code_to, body.group_from, body.group_to)
    return MarkedOut(count=selection.mark(console_state(request).hub, kind, criteria,
                                          body.codes, user.username))


@router.post("/selections/{kind}/remove", response_model=MarkedOut, tags=["selection"])
def unmark(request: Request, kind: str, body: UnmarkIn, user: Admin) -> MarkedOut:
    return MarkedOut(count=selection.unmark(console_state(request).hub, kind, body.codes,
                                            user.username))
