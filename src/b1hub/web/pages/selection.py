"""Set Customers / Set Items for Synchronization: criteria -> ticked list -> OK."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from b1hub.selection import Criteria
from b1hub.web.pages.forms import checked, integer, read_form, text
from b1hub.web.security.principal import Admin, Viewer
from b1hub.web.services import selection
from b1hub.web.services.errors import ActionRefused, InvalidInput, NotFound
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()
TITLES = {"customers": "Set Customers for Synchronization",
          "items": "Set Items for Synchronization"}


def _kind(kind: str) -> str:
    if kind not in TITLES:
        raise NotFound(f"no selection window {kind!r}")
    return kind


def _criteria(form: FormData) -> Criteria:
    return Criteria(text(form, "code_from"), text(form, "code_to"),
                    integer(form, "group_from"), integer(form, "group_to"))


@router.get("/selection/{kind}")
def selection_page(
    request: Request, kind: str, _: Viewer,
    code_from: Annotated[str | None, Query(max_length=100)] = None,
    code_to: Annotated[str | None, Query(max_length=100)] = None,
    group_from: Annotated[str | None, Query(max_length=12)] = None,
    group_to: Annotated[str | None, Query(max_length=12)] = None,
    search: bool = False, page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    hub = console_state(request).hub
    _kind(kind)
    criteria = {"code_from": code_from or "", "code_to": code_to or "",
                "group_from": group_from or "", "group_to": group_to or ""}
    found, types, problem = None, [], None
    if search:
        try:
            parsed = _criteria(FormData(list(criteria.items())))
            found = selection.find(hub, kind, parsed, page)
            if kind == "customers":
                types = selection.account_types(hub)
        except (ActionRefused, InvalidInput) as exc:
            problem = str(exc)
    return render(request, "pages/selection.html", title=TITLES[kind], kind=kind,
                  criteria=criteria, found=found, types=types, problem=problem,
                  query=urlencode({**criteria, "search": 1}),
                  marked=selection.marked(hub, kind))


@router.post("/selection/{kind}")
async def mark(request: Request, kind: str, user: Admin) -> Response:
    _kind(kind)
    form = await read_form(request)
    codes = checked(form, "code")
    for_all = text(form, "type_all")
    chosen = {code: text(form, f"type_{code}") or for_all for code in codes}
    count = await run_in_threadpool(selection.mark, console_state(request).hub, kind,
                                    _criteria(form), chosen, user.username)
    flash(request, f"{count} record(s) marked for synchronization")
    return RedirectResponse(f"/selection/{kind}", status_code=303)


@router.post("/selection/{kind}/remove")
async def unmark(request: Request, kind: str, user: Admin) -> Response:
    _kind(kind)
    form = await read_form(request)
    count = await run_in_threadpool(selection.unmark, console_state(request).hub, kind,
                                    checked(form, "marked"), user.username)
    flash(request, f"{count} record(s) unmarked")
    return RedirectResponse(f"/selection/{kind}", status_code=303)
