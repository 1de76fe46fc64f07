"""Dashboard status, Sync Now, initialization, runs, errors and record history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from b1hub.store.models import Conflict, RecordOutcome, Run
from b1hub.store.types import OutcomeStatus, RunStatus
from b1hub.web.api.models import (
    ConflictOut,
    JobOut,
    Message,
    ObjectStatus,
    OrgApiUsageOut,
    OutcomeOut,
    RetryIn,
    RowId,
    RunOut,
    SalesforceApiUsageOut,
)
from b1hub.web.security.principal import Admin, Operator, Viewer
from b1hub.web.services import actions, overview
from b1hub.web.services.errors import NotFound
from b1hub.web.services.queries import RunFilter, find_runs, history, open_errors
from b1hub.web.state import console_state

router = APIRouter()


@router.get("/objects", response_model=list[ObjectStatus], tags=["status"])
def objects(request: Request, _: Viewer) -> list[overview.ObjectRow]:
    return overview.objects_overview(console_state(request).hub)


@router.get("/salesforce/api-usage", response_model=SalesforceApiUsageOut, tags=["status"])
def salesforce_api_usage(request: Request, _: Viewer) -> SalesforceApiUsageOut:
    """The dashboard's Salesforce API budget: the org's usage and b1hub's share today."""
    hub = console_state(request).hub
    usage = overview.salesforce_org_usage(hub)
    return SalesforceApiUsageOut(
        org=None if usage is None else OrgApiUsageOut.model_validate(usage),
        b1hub_calls_today=overview.salesforce_calls_today(hub))


@router.post("/objects/{object_name}/sync", response_model=Message,
             status_code=status.HTTP_202_ACCEPTED, tags=["remote"])
def sync_now(request: Request, object_name: str, user: Operator) -> Message:
    state = console_state(request)
    return Message(message=actions.sync_now(state.hub, object_name, user.username))


@router.post("/objects/{object_name}/initialize", response_model=Message,
             status_code=status.HTTP_202_ACCEPTED, tags=["remote"])
def initialize(request: Request, object_name: str, user: Admin) -> Message:
    state = console_state(request)
    return Message(message=actions.initialize(state.hub, state.jobs, object_name,
                                              user.username))


@router.get("/jobs", response_model=list[JobOut], tags=["status"])
def jobs(request: Request, _: Viewer) -> list[object]:
    """Work started from this console process, running or finished, with live progress."""
    return list(console_state(request).jobs.states.values())


@router.get("/runs", response_model=list[RunOut], tags=["runs"])
def runs(
    request: Request, _: Viewer,
    object: Annotated[str | None, Query(max_length=32)] = None,
    status: RunStatus | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Run]:
    return find_runs(console_state(request).hub, RunFilter(object, status, since, until, limit))


@router.get("/runs/{run_id}", response_model=RunOut, tags=["runs"])
def run(request: Request, run_id: RowId, _: Viewer) -> Run:
    with console_state(request).hub.repos() as repos:
        found = repos.runs.get(run_id)
    if found is None:
        raise NotFound(f"no run {run_id}")
    return found


@router.get("/runs/{run_id}/outcomes", response_model=list[OutcomeOut], tags=["runs"])
def run_outcomes(request: Request, run_id: RowId, _: Viewer,
                 status: OutcomeStatus | None = None) -> list[RecordOutcome]:
    with console_state(request).hub.repos() as repos:
        if repos.runs.get(run_id) is None:
            raise NotFound(f"no run {run_id}")
        return repos.outcomes.for_run(run_id, status)


@router.get("/errors", response_model=list[OutcomeOut], tags=["errors"])
def errors(
    request: Request, _: Viewer,
    object: Annotated[str | None, Query(max_length=32)] = None,
    status: OutcomeStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RecordOutcome]:
    return open_errors(console_state(request).hub, object, status, limit)


@router.get("/errors/{outcome_id}", response_model=OutcomeOut, tags=["errors"])
def error(request: Request, outcome_id: RowId, _: Viewer) -> RecordOutcome:
    with console_state(request).hub.repos() as repos:
        found = repos.outcomes.get_many([outcome_id])
    if not found:
        raise NotFound(f"no outcome {outcome_id}")
    return found[0]


@router.post("/errors/retry", response_model=Message, status_code=status.HTTP_202_ACCEPTED,
             tags=["remote"])
def retry(request: Request, body: RetryIn, user: Operator) -> Message:
    state = console_state(request)
    return Message(message=actions.retry(state.hub, state.jobs, user.username,
                                         object_name=body.object, outcome_ids=body.ids))


@router.get("/records/{object_name}/{key}/history", response_model=list[OutcomeOut],
            tags=["errors"])
def record_history(request: Request, object_name: str, key: str,
                   _: Viewer) -> list[RecordOutcome]:
    """Every outcome of one record in both directions; ``key`` is its SAP key or SF Id."""
    return history(console_state(request).hub, object_name, key)


@router.get("/conflicts", response_model=list[ConflictOut], tags=["errors"])
def conflicts(request: Request, _: Viewer,
              object: Annotated[str | None, Query(max_length=32)] = None) -> list[Conflict]:
    with console_state(request).hub.repos() as repos:
        return repos.conflicts.open(object)

