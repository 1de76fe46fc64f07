"""Read models of the dashboard: per-object health, records per day, Salesforce API use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from b1hub.hub import Hub
from b1hub.objects.registry import dependency_order
from b1hub.store.models import RecordOutcome, Run
from b1hub.store.repositories import OrgApiUsage
from b1hub.store.types import InitStatus, OutcomeStatus, RunStatus, utcnow


@dataclass(frozen=True)
class ObjectRow:
    name: str
    enabled: bool
    direction: str
    init_status: InitStatus
    initialized: bool
    last_run_id: int | None
    last_run_at: datetime | None
    last_run_status: RunStatus | None
    created: int
    updated: int
    failed: int
    next_run_at: datetime | None
    schedule: str
    open_errors: int
    selected: int


@dataclass(frozen=True)
class DayStat:
    day: date
    records: int
    errors: int


def object_names() -> list[str]:
    return [spec.name for spec in dependency_order()]


def objects_overview(hub: Hub) -> list[ObjectRow]:
    rows: list[ObjectRow] = []
    with hub.repos() as repos:
        errors = repos.outcomes.open_counts()
        for spec in dependency_order():
            setting = repos.objects.get(spec.name)
            run = repos.runs.latest(spec.name)
            schedule = repos.schedules.get(spec.name)
            rows.append(ObjectRow(
                name=spec.name,
                enabled=setting.enabled if setting else True,
                direction=(setting.direction.value if setting else spec.direction.value),
                init_status=setting.init_status if setting else InitStatus.NOT_STARTED,
                initialized=bool(setting and setting.initialized_at),
                last_run_id=run.id if run else None,
                last_run_at=(run.finished_at or run.started_at or run.queued_at) if run else None,
                last_run_status=run.status if run else None,
                created=run.created if run else 0,
                updated=run.updated if run else 0,
                failed=run.failed if run else 0,
                next_run_at=schedule.next_run_at if schedule else None,
                schedule=schedule.kind.value if schedule else "never",
                open_errors=errors.get(spec.name, 0),
                selected=repos.selections.count(spec.name),
            ))
    return rows


def daily_stats(hub: Hub, days: int = 14, today: date | None = None) -> list[DayStat]:
    """Records written and records failed per UTC day, oldest first, zero-filled."""
    last = today or utcnow().date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    with hub.repos() as repos:
        day = func.date(RecordOutcome.created_at)
        rows = repos.session.execute(
            select(day, RecordOutcome.status, func.count())
            .where(RecordOutcome.integration_id == repos.integration_id,
                   RecordOutcome.created_at >= since)
            .group_by(day, RecordOutcome.status)
        )
        records: dict[str, int] = {}
        errors: dict[str, int] = {}
        for when, status, count in rows:
            key = str(when)[:10]
            target = records if status is OutcomeStatus.SUCCEEDED else errors
            target[key] = target.get(key, 0) + int(count)
    return [
        DayStat(d, records.get(d.isoformat(), 0), errors.get(d.isoformat(), 0))
        for d in (first + timedelta(days=i) for i in range(days))
    ]


def salesforce_calls_today(hub: Hub) -> int:
    """Salesforce API calls b1hub's runs spent since midnight UTC (the org's day)."""
    midnight = datetime.combine(utcnow().date(), datetime.min.time(), tzinfo=UTC)
    with hub.repos() as repos:
        total = repos.session.scalar(
            select(func.coalesce(func.sum(Run.sf_api_calls), 0)).where(
                Run.integration_id == repos.integration_id, Run.queued_at >= midnight
            )
        )
    return int(total or 0)


def salesforce_org_usage(hub: Hub) -> OrgApiUsage | None:
    """The org's API usage (every user's calls) from the last ``Sforce-Limit-Info`` a run
    saw; None until a run has talked to Salesforce."""
    with hub.repos() as repos:
        return repos.settings.api_usage()
