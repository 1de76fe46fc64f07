"""Schedules per object: frequency, days, time, interval, window; shows the next run."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from b1hub.runner.schedule import WEEKDAYS
from b1hub.store.types import ScheduleKind
from b1hub.web.pages.forms import checked, integer, read_form, text, time_of_day
from b1hub.web.security.principal import Admin, Viewer
from b1hub.web.services import overview, schedules
from b1hub.web.services.errors import InvalidInput
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()


@router.get("/schedules")
def schedules_page(request: Request, _: Viewer) -> Response:
    hub = console_state(request).hub
    return render(request, "pages/schedules.html", title="Schedules",
                  schedules=schedules.list_schedules(hub, overview.object_names()),
                  kinds=[k.value for k in ScheduleKind], weekdays=list(enumerate(WEEKDAYS)))


@router.post("/schedules/{object_name}")
async def save_schedule(request: Request, object_name: str, user: Admin) -> Response:
    form = await read_form(request)
    try:
        kind = ScheduleKind(text(form, "kind") or "never")
        days = [int(d) for d in checked(form, "weekdays")]
    except ValueError:
        raise InvalidInput("choose never, daily, weekly or interval, and days mon..sun") from None
    given = schedules.ScheduleInput(
        kind, time_of_day(form, "time"), days, integer(form, "every_minutes"),
        time_of_day(form, "window_start"), time_of_day(form, "window_end"))
    view = await run_in_threadpool(schedules.set_schedule, console_state(request).hub,
                                   object_name, given, user.username)
    flash(request, f"{object_name}: {view.description}; next run "
                   f"{view.next_run_at:%Y-%m-%d %H:%M UTC}" if view.next_run_at
          else f"{object_name}: never runs by itself")
    return RedirectResponse("/schedules", status_code=303)
