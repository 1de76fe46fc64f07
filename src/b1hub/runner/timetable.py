"""Stored schedules <-> the calculator: what `b1hub schedule` sets and lists.

The store keeps a schedule's shape and its ``next_run_at``; this module is the only place
that turns one into the other, so the dispatcher, the CLI and the console agree on when an
object runs next.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from b1hub.runner.schedule import (
    ALL_DAYS,
    Frequency,
    Schedule,
    ScheduleError,
    parse_time,
    parse_weekdays,
)
from b1hub.store.models import Schedule as ScheduleRow
from b1hub.store.repositories import Repositories
from b1hub.store.types import ScheduleKind

_EVERY = re.compile(r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hours?)\s*$", re.IGNORECASE)


def from_row(row: ScheduleRow) -> Schedule:
    """The calculator's view of a stored schedule."""
    days = frozenset(int(day) for day in row.weekdays) or ALL_DAYS
    window = (
        (row.window_start, row.window_end)
        if row.window_start is not None and row.window_end is not None
        else None
    )
    return Schedule(
        Frequency(row.kind.value),
        row.timezone,
        at=row.time_of_day,
        weekdays=days if row.kind in (ScheduleKind.WEEKLY, ScheduleKind.INTERVAL) else ALL_DAYS,
        every_minutes=row.interval_minutes,
        window=window,
    )


def save(
    repos: Repositories, object_name: str, schedule: Schedule, now: dt.datetime
) -> ScheduleRow:
    """Store ``schedule`` for the object with its first run strictly after ``now``."""
    weekdays = sorted(schedule.weekdays) if schedule.frequency in (
        Frequency.WEEKLY, Frequency.INTERVAL
    ) and schedule.weekdays != ALL_DAYS else []
    return repos.schedules.set(
        object_name,
        ScheduleKind(schedule.frequency.value),
        time_of_day=schedule.at,
        weekdays=weekdays,
        interval_minutes=schedule.every_minutes,
        window=schedule.window,
        timezone=schedule.timezone,
        next_run_at=schedule.next_run(now),
    )


def parse_every(text: str) -> int:
    """``15m``, ``90min`` or ``2h`` to minutes."""
    match = _EVERY.match(text)
    if not match:
        raise ScheduleError(f"invalid interval {text!r}; use e.g. 15m or 2h")
    amount, unit = int(match.group(1)), match.group(2).lower()
    return amount * 60 if unit.startswith("h") else amount


def parse_window(text: str) -> tuple[dt.time, dt.time]:
    start, sep, end = text.partition("-")
    if not sep:
        raise ScheduleError(f"invalid window {text!r}; use HH:MM-HH:MM")
    return parse_time(start), parse_time(end)


def parse_options(
    *,
    timezone: str,
    daily: str | None = None,
    weekly: str | None = None,
    every: str | None = None,
    between: str | None = None,
    days: str | None = None,
    never: bool = False,
) -> Schedule:
    """The CLI's ``--daily | --weekly | --every [--between] [--days] | --never`` as a Schedule.

    >>> parse_options(timezone="UTC", weekly="mon,thu@09:30").describe()
    'mon,thu at 09:30 (UTC)'
    """
    chosen = [name for name, value in (
        ("--daily", daily), ("--weekly", weekly), ("--every", every), ("--never", never or None),
    ) if value is not None]
    if len(chosen) != 1:
        raise ScheduleError("choose exactly one of --daily, --weekly, --every or --never")
    if (between is not None or days is not None) and every is None:
        raise ScheduleError("--between and --days go with --every")
    if never:
        return Schedule.never()
    if daily is not None:
        return Schedule.daily(parse_time(daily), timezone)
    if weekly is not None:
        day_text, sep, at = weekly.partition("@")
        if not sep:
            raise ScheduleError(f"invalid weekly schedule {weekly!r}; use e.g. mon,thu@09:30")
        return Schedule.weekly(parse_weekdays(day_text), parse_time(at), timezone)
    assert every is not None
    return Schedule.interval(
        parse_every(every),
        timezone,
        parse_window(between) if between is not None else None,
        parse_weekdays(days) if days is not None else ALL_DAYS,
    )


@dataclass(frozen=True)
class ScheduleInfo:
    """One line of `b1hub schedule list`: the next run shown in local time and in UTC."""

    object: str
    description: str
    timezone: str
    next_run_utc: dt.datetime | None
    last_run_utc: dt.datetime | None

    @property
    def next_run_local(self) -> dt.datetime | None:
        if self.next_run_utc is None:
            return None
        return self.next_run_utc.astimezone(ZoneInfo(self.timezone))

    def as_json(self) -> dict[str, str | None]:
        def iso(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "object": self.object,
            "schedule": self.description,
            "timezone": self.timezone,
            "next_run_local": iso(self.next_run_local),
            "next_run_utc": iso(self.next_run_utc),
            "last_run_utc": iso(self.last_run_utc),
        }


def listing(repos: Repositories) -> list[ScheduleInfo]:
    return [
        ScheduleInfo(
            object=row.object,
            description=from_row(row).describe(),
            timezone=row.timezone,
            next_run_utc=row.next_run_at,
            last_run_utc=row.last_run_at,
        )
        for row in repos.schedules.all()
    ]
