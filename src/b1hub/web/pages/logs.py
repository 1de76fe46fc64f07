"""Runs, Errors (with retry) and a record's history across both systems."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from b1hub.store.types import OutcomeStatus, RunStatus
from b1hub.web.api.models import RowId
from b1hub.web.pages.forms import checked, read_form, text
from b1hub.web.security.principal import Operator, Viewer
from b1hub.web.services import actions, overview
from b1hub.web.services.errors import InvalidInput, NotFound
from b1hub.web.services.explain import plain_words
from b1hub.web.services.queries import RunFilter, find_runs, history, open_errors
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()
Short = Annotated[str | None, Query(max_length=32)]


E = TypeVar("E", RunStatus, OutcomeStatus)


def _enum(cls: type[E], value: str | None) -> E | None:
    if not value:
        return None
    try:
        return cls(value)
    except ValueError:
        raise InvalidInput(f"unknown status {value!r}") from None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from None


@router.get("/runs")
def runs_page(request: Request, _: Viewer, object: Short = None, status: Short = None,
              since: Short = None, until: Short = None) -> Response:
    filters = RunFilter(object or None, _enum(RunStatus, status), _date(since), _date(until),
                        200)
    return render(request, "pages/runs.html", title="Runs",
                  runs=find_runs(console_state(request).hub, filters),
                  objects=overview.object_names(), statuses=[s.value for s in RunStatus],
                  filters={"object": object or "", "status": status or "",
                           "since": since or "", "until": until or ""})


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: RowId, _: Viewer) -> Response:
    with console_state(request).hub.repos() as repos:
        run = repos.runs.get(run_id)
        if run is None:
            raise NotFound(f"no run {run_id}")
        outcomes = repos.outcomes.for_run(run_id)
    return render(request, "pages/run.html", title=f"Run {run_id}", run=run, outcomes=outcomes)


@router.get("/errors")
def errors_page(request: Request, _: Viewer, object: Short = None,
                status: Short = None) -> Response:
    rows = open_errors(console_state(request).hub, object or None,
                       _enum(OutcomeStatus, status), 500)
    return render(request, "pages/errors.html", title="Errors", errors=rows,
                  objects=overview.object_names(),
                  statuses=[s.value for s in OutcomeStatus if s is not OutcomeStatus.SUCCEEDED],
                  filters={"object": object or "", "status": status or ""},
                  plain_words=plain_words)


@router.get("/errors/{outcome_id}")
def error_page(request: Request, outcome_id: RowId, _: Viewer) -> Response:
    with console_state(request).hub.repos() as repos:
        found = repos.outcomes.get_many([outcome_id])
    if not found:
        raise NotFound(f"no outcome {outcome_id}")
    row = found[0]
    return render(request, "pages/error_detail.html", title=f"Error {outcome_id}", row=row,
                  plain=plain_words(row.error_code),
                  payload=json.dumps(row.payload, indent=2, sort_keys=True, default=str)
                  if row.payload is not None else None)


@router.post("/errors/retry")
async def retry(request: Request, user: Operator) -> Response:
    form = await read_form(request)
    scope = text(form, "scope") or "selected"
    object_name = text(form, "object")
    try:
        ids = [int(v) for v in checked(form, "id")] if scope != "all" else None
    except ValueError:
        raise InvalidInput("error ids are numbers") from None
    if scope != "all" and not ids:
        raise InvalidInput("tick the errors to retry, or choose 'retry all'")
    state = console_state(request)
    message = await run_in_threadpool(lambda: actions.retry(
        state.hub, state.jobs, user.username, object_name=object_name, outcome_ids=ids))
    flash(request, message)
    return RedirectResponse("/errors", status_code=303)


@router.get("/records/{object_name}/{key}")
def record_page(request: Request, object_name: str, key: str, _: Viewer) -> Response:
    hub = console_state(request).hub
    rows = history(hub, object_name, key)
    with hub.repos() as repos:
        link = repos.links.by_sap_key(object_name, key) or repos.links.by_sf_id(object_name, key)
    return render(request, "pages/record.html", title=f"{object_name} {key}",
                  object_name=object_name, key=key, rows=rows, link=link)
