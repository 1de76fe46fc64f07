"""Read-only queries of the Runs and Errors pages (filters the repositories do not offer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select

from b1hub.hub import Hub
from b1hub.store.models import RecordOutcome, Run
from b1hub.store.types import OutcomeStatus, RunStatus


@dataclass(frozen=True)
class RunFilter:
    object: str | None = None
    status: RunStatus | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = 100


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def find_runs(hub: Hub, filters: RunFilter) -> list[Run]:
    """Newest first; ``since``/``until`` are inclusive UTC days of the queue time."""
    with hub.repos() as repos:
        stmt = select(Run).where(Run.integration_id == repos.integration_id)
        if filters.object:
            stmt = stmt.where(Run.object == filters.object)
        if filters.status is not None:
            stmt = stmt.where(Run.status == filters.status)
        if filters.since is not None:
            stmt = stmt.where(Run.queued_at >= _day_start(filters.since))
        if filters.until is not None and filters.until < dt.date.max:
            stmt = stmt.where(Run.queued_at < _day_start(filters.until + dt.timedelta(days=1)))
        return list(repos.session.scalars(stmt.order_by(Run.id.desc()).limit(filters.limit)))


def open_errors(
    hub: Hub, object_name: str | None, status: OutcomeStatus | None, limit: int
) -> list[RecordOutcome]:
    with hub.repos() as repos:
        rows = repos.outcomes.open_errors(object_name or None, limit=limit)
    return [row for row in rows if status is None or row.status is status]


def history(hub: Hub, object_name: str, key: str) -> list[RecordOutcome]:
    """Outcomes of a record found by either key, plus those under its linked other key."""
    with hub.repos() as repos:
        link = repos.links.by_sap_key(object_name, key) or repos.links.by_sf_id(object_name, key)
        keys = [RecordOutcome.sap_key == key, RecordOutcome.sf_id == key]
        if link is not None:
            keys += [RecordOutcome.sap_key == link.sap_key, RecordOutcome.sf_id == link.sf_id]
        return list(repos.session.scalars(
            select(RecordOutcome)
            .where(RecordOutcome.integration_id == repos.integration_id,
                   RecordOutcome.object == object_name, or_(*keys))
            .order_by(RecordOutcome.id)
        ))
