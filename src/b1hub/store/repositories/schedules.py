"""Schedules: Never, Daily at hh:mm, Weekly on days at hh:mm, or every N minutes in a window.

Computing next_run_at is the runner's job; the store validates the shape and persists it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from b1hub.store.models import Schedule
from b1hub.store.repositories._base import ScopedRepository
from b1hub.store.types import ScheduleKind


def _validate(
    kind: ScheduleKind,
    time_of_day: time | None,
    weekdays: Sequence[int],
    interval_minutes: int | None,
    window: tuple[time, time] | None,
    timezone: str,
) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc
    if kind in (ScheduleKind.DAILY, ScheduleKind.WEEKLY) and time_of_day is None:
        raise ValueError(f"a {kind.value} schedule needs a time of day")
    if kind is ScheduleKind.WEEKLY and not weekdays:
        raise ValueError("a weekly schedule needs at least one weekday")
    if any(day not in range(7) for day in weekdays):
        raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
    if kind is ScheduleKind.INTERVAL and (interval_minutes is None or interval_minutes < 1):
        raise ValueError("an interval schedule needs interval_minutes >= 1")
    if window is not None and kind is not ScheduleKind.INTERVAL:
        raise ValueError("a time window applies to interval schedules only")


class ScheduleRepository(ScopedRepository):
    def get(self, object_name: str) -> Schedule | None:
        return self.session.scalar(
            select(Schedule).where(
                Schedule.integration_id == self.integration_id, Schedule.object == object_name
            )
        )

    def set(
        self,
        object_name: str,
        kind: ScheduleKind,
        *,
        time_of_day: time | None = None,
        weekdays: Sequence[int] = (),
        interval_minutes: int | None = None,
        window: tuple[time, time] | None = None,
        timezone: str = "UTC",
        next_run_at: datetime | None = None,
    ) -> Schedule:
        _validate(kind, time_of_day, weekdays, interval_minutes, window, timezone)
        schedule = self.get(object_name)
        if schedule is None:
            schedule = Schedule(integration_id=self.integration_id, object=object_name)
            self.session.add(schedule)
        schedule.kind = kind
        schedule.time_of_day = time_of_day
        schedule.weekdays = sorted(set(weekdays))
        schedule.interval_minutes = interval_minutes
        schedule.window_start, schedule.window_end = window or (None, None)
        schedule.timezone = timezone
        schedule.next_run_at = None if kind is ScheduleKind.NEVER else next_run_at
        self.session.flush()
        return schedule

    def all(self) -> list[Schedule]:
        return list(
            self.session.scalars(
                select(Schedule)
                .where(Schedule.integration_id == self.integration_id)
                .order_by(Schedule.object)
            )
        )

    def mark_ran(self, object_name: str, ran_at: datetime, next_run_at: datetime | None) -> None:
        schedule = self.get(object_name)
        if schedule is None:
            raise LookupError(f"no schedule for {object_name!r}")
        schedule.last_run_at = ran_at
        schedule.next_run_at = next_run_at
        self.session.flush()


def due_schedules(session: Session, now: datetime) -> list[Schedule]:
    """Schedules of every integration whose next run is due: what the runner starts."""
    return list(
        session.scalars(
            select(Schedule)
            .where(Schedule.kind != ScheduleKind.NEVER, Schedule.next_run_at <= now)
            .order_by(Schedule.next_run_at, Schedule.id)
        )
    )
