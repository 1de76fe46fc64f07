"""Initialization's follow-up: held matches, conflicts held for review, object settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from b1hub.store.types import ConflictPolicy, ConflictResolution, ObjectDirection
from b1hub.web.api.models import RowId
from b1hub.web.pages.forms import read_form, text
from b1hub.web.security.principal import Admin
from b1hub.web.services import review
from b1hub.web.services.errors import InvalidInput
from b1hub.web.state import console_state
from b1hub.web.templating import flash

router = APIRouter()
BACK = "/initialization"


def _required(form: FormData, name: str, what: str) -> str:
    value = text(form, name)
    if value is None:
        raise InvalidInput(f"choose {what}")
    return value


@router.post("/initialization/held/{object_name}/link")
async def link_held(request: Request, object_name: str, user: Admin) -> Response:
    form = await read_form(request)
    message = await run_in_threadpool(
        review.link_held, console_state(request).hub, object_name,
        _required(form, "sap_key", "the held SAP record"),
        _required(form, "sf_id", "the Salesforce record to link"), user.username)
    flash(request, message)
    return RedirectResponse(BACK, status_code=303)


@router.post("/initialization/held/{object_name}/dismiss")
async def dismiss_held(request: Request, object_name: str, user: Admin) -> Response:
    form = await read_form(request)
    message = await run_in_threadpool(
        review.dismiss_held, console_state(request).hub, object_name,
        _required(form, "sap_key", "the held SAP record"), user.username)
    flash(request, message)
    return RedirectResponse(BACK, status_code=303)


@router.post("/conflicts/{conflict_id}/resolve")
async def resolve_conflict(request: Request, conflict_id: RowId, user: Admin) -> Response:
    form = await read_form(request)
    try:
        take = ConflictResolution(_required(form, "take", "which side wins"))
    except ValueError:
        raise InvalidInput("take is sap, salesforce or dismissed") from None
    message = await run_in_threadpool(review.resolve_conflict, console_state(request).hub,
                                      conflict_id, take, user.username)
    flash(request, message)
    return RedirectResponse(BACK, status_code=303)


@router.post("/objects/{object_name}/settings")
async def object_settings(request: Request, object_name: str, user: Admin) -> Response:
    form = await read_form(request)
    policy = text(form, "conflict_policy")
    try:
        direction = ObjectDirection(_required(form, "direction", "a direction"))
        chosen = ConflictPolicy(policy) if policy and policy != "general" else None
    except ValueError:
        raise InvalidInput("choose a listed direction and conflict policy") from None
    view = await run_in_threadpool(
        lambda: review.update_object_settings(
            console_state(request).hub, object_name, user.username,
            enabled=form.get("enabled") == "on", direction=direction, conflict_policy=chosen,
            general_policy=chosen is None))
    flash(request, f"{view.object}: {'enabled' if view.enabled else 'disabled'}, "
                   f"{view.direction.value}, conflict policy "
                   f"{view.conflict_policy.value if view.conflict_policy else 'general'}")
    return RedirectResponse(BACK, status_code=303)
