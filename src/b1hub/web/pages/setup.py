"""Connections and activation, General settings, Initialization, Price lists."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from b1hub.store.repositories import GeneralSettings
from b1hub.store.types import ConflictPolicy, System
from b1hub.web.pages.forms import read_form, text
from b1hub.web.security.principal import Admin, Viewer
from b1hub.web.services import actions, connections, overview, review, settings
from b1hub.web.services.errors import InvalidInput
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()


@router.get("/connections")
def connections_page(request: Request, _: Viewer) -> Response:
    hub = console_state(request).hub
    return render(request, "pages/connections.html", title="Connections",
                  sap=connections.view(hub, System.SAP),
                  salesforce=connections.view(hub, System.SALESFORCE),
                  active=connections.is_active(hub), editable=connections.EDITABLE,
                  secret_fields=connections.SECRETS)


@router.post("/connections/{system}")
async def save_connection(request: Request, system: System, user: Admin) -> Response:
    form = await read_form(request)
    values: dict[str, Any] = {k: text(form, k) for k in connections.EDITABLE[system]}
    values["verify_tls"] = form.get("verify_tls") == "on"
    secrets = {k: text(form, k) for k in connections.SECRETS[system]}
    await run_in_threadpool(connections.save, console_state(request).hub, system, values,
                            secrets, user.username)
    flash(request, f"{system.value} connection saved")
    return RedirectResponse("/connections", status_code=303)


@router.post("/connections/{system}/test")
def test_connection(request: Request, system: System, user: Admin) -> Response:
    result = connections.check(console_state(request).hub, system, user.username)
    flash(request, result.last_test_message or "tested", "ok" if result.last_test_ok else "error")
    return RedirectResponse("/connections", status_code=303)


@router.post("/features/activate")
def activate(request: Request, user: Admin) -> Response:
    flash(request, connections.activate(console_state(request).hub, user.username))
    return RedirectResponse("/connections", status_code=303)


@router.post("/features/deactivate")
def deactivate(request: Request, user: Admin) -> Response:
    connections.deactivate(console_state(request).hub, user.username)
    flash(request, "Salesforce connector deactivated")
    return RedirectResponse("/connections", status_code=303)


def _setting_value(key: str, raw: str | None) -> Any:
    default = GeneralSettings.model_fields[key].default
    if isinstance(default, bool):
        return raw == "on"
    if isinstance(default, list):
        return [part.strip() for part in (raw or "").split(",") if part.strip()]
    return raw if raw is not None else default


@router.get("/settings")
def settings_page(request: Request, _: Viewer) -> Response:
    current = settings.get(console_state(request).hub)
    return render(request, "pages/settings.html", title="General settings",
                  values=current.model_dump(mode="json"), fields=settings.general_fields(),
                  booleans={k for k in settings.general_fields()
                            if isinstance(GeneralSettings.model_fields[k].default, bool)})


@router.post("/settings")
async def save_settings(request: Request, user: Admin) -> Response:
    form = await read_form(request)
    changes = {key: _setting_value(key, text(form, key)) for key in settings.general_fields()}
    await run_in_threadpool(settings.update, console_state(request).hub, changes, user.username)
    flash(request, "settings saved")
    return RedirectResponse("/settings", status_code=303)


@router.get("/initialization")
def initialization_page(request: Request, _: Viewer) -> Response:
    state = console_state(request)
    names = overview.object_names()
    return render(request, "pages/initialization.html", title="Initialization",
                  objects=overview.objects_overview(state.hub),
                  active=connections.is_active(state.hub),
                  held=review.held_matches(state.hub),
                  conflicts=review.open_conflicts(state.hub),
                  object_settings=review.object_settings(state.hub, names),
                  general_policy=settings.get(state.hub).conflict_policy.value,
                  policies=[p.value for p in ConflictPolicy],
                  jobs={name: state.jobs.latest("initialize", name) for name in names})


@router.post("/initialization/{object_name}")
def initialize(request: Request, object_name: str, user: Admin) -> Response:
    state = console_state(request)
    flash(request, actions.initialize(state.hub, state.jobs, object_name, user.username))
    return RedirectResponse("/initialization", status_code=303)


@router.get("/price-lists")
def price_lists_page(request: Request, _: Viewer) -> Response:
    hub = console_state(request).hub
    books = request.session.get("price_books")
    return render(request, "pages/price_lists.html", title="Price lists",
                  mapping=settings.price_map(hub), books=books)


@router.post("/price-lists")
async def map_price_list(request: Request, user: Admin) -> Response:
    form = await read_form(request)
    number = text(form, "price_list")
    if number is None:
        raise InvalidInput("choose the SAP price list number")
    await run_in_threadpool(settings.set_price_target, console_state(request).hub, number,
                            text(form, "pricebook"), text(form, "currency"), user.username)
    flash(request, f"price list {number} saved")
    return RedirectResponse("/price-lists", status_code=303)


@router.post("/price-lists/retrieve")
def retrieve_price_books(request: Request, _: Admin) -> Response:
    books = settings.retrieve_price_books(console_state(request).hub)
    # Names only, kept for the next page view: small and not secret.
    request.session["price_books"] = [[b["name"], b["standard"], b["active"]] for b in books]
    flash(request, f"{len(books)} price book(s) retrieved from Salesforce")
    return RedirectResponse("/price-lists", status_code=303)
