"""Schedules as the console edits them: validated by the runner's calculator, stored with
their next run so the dispatcher (and the page) see the same time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from b1hub.hub import Hub
from b1hub.runner.schedule import ALL_DAYS, Frequency, Schedule, ScheduleError
from b1hub.store.models import Schedule as ScheduleRow
from b1hub.store.types import ScheduleKind, utcnow
from b1hub.web.services.actions import known_object
from b1hub.web.services.errors import InvalidInput


@dataclass(frozen=True)
class ScheduleInput:
    kind: ScheduleKind
    time: dt.time | None = None
    weekdays: Sequence[int] = ()
    every_minutes: int | None = None
    window_start: dt.time | None = None
    window_end: dt.time | None = None


@dataclass(frozen=True)
class ScheduleView:
    object: str
    kind: ScheduleKind
    time: dt.time | None
    weekdays: list[int]
    every_minutes: int | None
    window_start: dt.time | None
    window_end: dt.time | None
    timezone: str
    description: str
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None


def calculator(
    kind: ScheduleKind, timezone: str, at: dt.time | None, weekdays: Sequence[int],
    every_minutes: int | None, window: tuple[dt.time, dt.time] | None,
) -> Schedule:
    days = frozenset(weekdays) or ALL_DAYS
    try:
        return Schedule(Frequency(kind.value), timezone, at=at,
                        weekdays=ALL_DAYS if kind is ScheduleKind.DAILY else days,
                        every_minutes=every_minutes, window=window)
    except ScheduleError as exc:
        raise InvalidInput(str(exc)) from exc


def _view(object_name: str, row: ScheduleRow | None, timezone: str) -> ScheduleView:
    if row is None:
        return ScheduleView(object_name, ScheduleKind.NEVER, None, [], None, None, None,
                            timezone, "never", None, None)
    window = (row.window_start, row.window_end) if row.window_start and row.window_end else None
    try:
        text = calculator(row.kind, row.timezone, row.time_of_day, row.weekdays,
                          row.interval_minutes, window).describe()
    except InvalidInput as exc:
        text = f"invalid: {exc}"
    return ScheduleView(object_name, row.kind, row.time_of_day, list(row.weekdays),
                        row.interval_minutes, row.window_start, row.window_end, row.timezone,
                        text, row.next_run_at, row.last_run_at)


def list_schedules(hub: Hub, objects: Sequence[str]) -> list[ScheduleView]:
    with hub.repos() as repos:
        timezone = repos.settings.get().time_zone
        return [_view(name, repos.schedules.get(name), timezone) for name in objects]


def set_schedule(hub: Hub, object_name: str, given: ScheduleInput, by: str) -> ScheduleView:
    known_object(object_name)
    window: tuple[dt.time, dt.time] | None = None
    if given.window_start is not None or given.window_end is not None:
        if given.kind is not ScheduleKind.INTERVAL:
            raise InvalidInput("a time window applies to 'every N minutes' schedules only")
        if given.window_start is None or given.window_end is None:
            raise InvalidInput("give both ends of the time window")
        window = (given.window_start, given.window_end)
    if given.kind is ScheduleKind.DAILY and given.weekdays:
        raise InvalidInput("a daily schedule runs every day: choose weekly to pick days")
    with hub.repos() as repos:
        if given.kind is not ScheduleKind.NEVER and not repos.objects.is_initialized(object_name):
            raise InvalidInput(f"{object_name} must be initialized before it can be scheduled")
        timezone = repos.settings.get().time_zone
        schedule = calculator(given.kind, timezone, given.time, given.weekdays,
                              given.every_minutes, window)
        next_run = schedule.next_run(utcnow())
        try:
            row = repos.schedules.set(
                object_name, given.kind, time_of_day=given.time,
                weekdays=list(given.weekdays) if given.kind is not ScheduleKind.DAILY else [],
                interval_minutes=given.every_minutes, window=window, timezone=timezone,
                next_run_at=next_run,
            )
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
        repos.audit.record(by, "schedule.set", object_name, {
            "kind": given.kind.value, "description": schedule.describe(),
            "next_run_at": next_run.isoformat() if next_run else None,
        })
        return _view(object_name, row, timezone)
