"""Dashboard, Sync Now, and the live activity fragment polled by htmx."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from b1hub.store.types import utcnow
from b1hub.web.security.principal import Operator, Viewer
from b1hub.web.services import actions, chart, overview
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()


@router.get("/")
def dashboard(request: Request, _: Viewer) -> Response:
    hub = console_state(request).hub
    return render(request, "pages/dashboard.html", title="Dashboard",
                  objects=overview.objects_overview(hub),
                  chart=chart.bar_chart(overview.daily_stats(hub)),
                  sf_calls=overview.salesforce_calls_today(hub),
                  sf_usage=overview.salesforce_org_usage(hub), today=utcnow().date())


@router.get("/fragments/activity")
def activity(request: Request, _: Viewer) -> Response:
    """Running syncs and console jobs with their counts; htmx swaps it every two seconds."""
    state = console_state(request)
    with state.hub.repos() as repos:
        active = repos.runs.active()
        recent = repos.runs.recent(limit=5)
    jobs = sorted(state.jobs.states.values(), key=lambda j: j.started_at, reverse=True)[:5]
    return render(request, "fragments/activity.html", active=active, recent=recent, jobs=jobs)


@router.post("/objects/{object_name}/sync")
def sync_now(request: Request, object_name: str, user: Operator) -> Response:
    state = console_state(request)
    flash(request, actions.sync_now(state.hub, object_name, user.username))
    return RedirectResponse("/", status_code=303)
