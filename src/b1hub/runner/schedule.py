"""When an object's scheduled runs fall, in the company's time zone.

The calculator is pure: given a schedule and an instant it returns the next run
strictly after it. Daily and weekly times follow the wall clock: a time that does not
exist on a spring-forward day runs when the clock jumps past it (02:30 becomes 03:30),
and a time that occurs twice on a fall-back day runs once, at its first occurrence.
Interval schedules follow elapsed time from the start of each day's window, so a
daylight-saving change neither skips nor doubles a slot.

>>> from datetime import datetime, time, UTC
>>> s = Schedule.daily(time(2, 30), "America/New_York")
>>> s.next_run(datetime(2026, 3, 8, 0, 0, tzinfo=UTC)).isoformat()  # spring forward
'2026-03-08T07:30:00+00:00'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = frozenset(range(7))


class Frequency(StrEnum):
    NEVER = "never"
    DAILY = "daily"
    WEEKLY = "weekly"
    INTERVAL = "interval"


class ScheduleError(ValueError):
    """A schedule that cannot run, with the reason in words a user can act on."""


@dataclass(frozen=True)
class Schedule:
    frequency: Frequency
    timezone: str = "UTC"
    at: dt.time | None = None
    weekdays: frozenset[int] = ALL_DAYS
    every_minutes: int | None = None
    window: tuple[dt.time, dt.time] | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:
            raise ScheduleError(f"unknown time zone {self.timezone!r}") from exc
        if not self.weekdays:
            raise ScheduleError("choose at least one weekday (mon..sun)")
        if not self.weekdays <= ALL_DAYS:
            unknown = ", ".join(str(d) for d in sorted(self.weekdays - ALL_DAYS))
            raise ScheduleError(f"unknown weekday number {unknown}; use 0 (mon) to 6 (sun)")
        if self.frequency in (Frequency.DAILY, Frequency.WEEKLY) and self.at is None:
            raise ScheduleError(f"a {self.frequency} schedule needs a time of day (HH:MM)")
        if self.frequency is Frequency.INTERVAL:
            if not self.every_minutes or not 1 <= self.every_minutes <= 24 * 60:
                raise ScheduleError("the interval must be between 1 minute and 24 hours")
            if self.window is not None and self.window[0] >= self.window[1]:
                raise ScheduleError("the window must start before it ends (HH:MM-HH:MM)")

    @classmethod
    def never(cls) -> Schedule:
        return cls(Frequency.NEVER)

    @classmethod
    def daily(cls, at: dt.time, timezone: str = "UTC") -> Schedule:
        return cls(Frequency.DAILY, timezone, at=at)

    @classmethod
    def weekly(cls, weekdays: frozenset[int], at: dt.time, timezone: str = "UTC") -> Schedule:
        return cls(Frequency.WEEKLY, timezone, at=at, weekdays=weekdays)

    @classmethod
    def interval(
        cls,
        every_minutes: int,
        timezone: str = "UTC",
        window: tuple[dt.time, dt.time] | None = None,
        weekdays: frozenset[int] = ALL_DAYS,
    ) -> Schedule:
        return cls(
            Frequency.INTERVAL, timezone, every_minutes=every_minutes, window=window,
            weekdays=weekdays,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def next_run(self, after: dt.datetime) -> dt.datetime | None:
        """The first run strictly after ``after`` (an aware instant), in UTC; None: never."""
        if after.tzinfo is None:
            raise ValueError("next_run needs an aware datetime")
        if self.frequency is Frequency.NEVER:
            return None
        day = after.astimezone(self.zone).date() - dt.timedelta(days=1)
        for _ in range(9):  # a week plus the days around a transition
            for slot in self.slots_on(day):
                if slot > after:
                    return slot
            day += dt.timedelta(days=1)
        raise AssertionError("a valid schedule always has a slot within nine days")

    def slots_on(self, day: dt.date) -> list[dt.datetime]:
        """Every run instant (UTC) that belongs to the local calendar ``day``."""
        if self.frequency is Frequency.NEVER or day.weekday() not in self.weekdays:
            return []
        if self.frequency in (Frequency.DAILY, Frequency.WEEKLY):
            assert self.at is not None
            return [_local_instant(day, self.at, self.zone)]
        assert self.every_minutes is not None
        start_t, end_t = self.window or (dt.time(0), None)
        start = _local_instant(day, start_t, self.zone)
        end = (
            _local_instant(day + dt.timedelta(days=1), dt.time(0), self.zone)
            if end_t is None
            else _local_instant(day, end_t, self.zone)
        )
        step = dt.timedelta(minutes=self.every_minutes)
        slots, slot = [], start
        while slot < end:
            slots.append(slot)
            slot += step
        return slots

    def last_due(self, at: dt.datetime, since: dt.datetime) -> dt.datetime | None:
        """The latest slot in ``(since, at]``.

        After downtime an object gets one catch-up run, not one per missed slot. Walks
        back day by day from ``at``, so the cost does not grow with the outage's length.
        """
        if self.frequency is Frequency.NEVER or at <= since:
            return None
        day = at.astimezone(self.zone).date() + dt.timedelta(days=1)
        first_day = since.astimezone(self.zone).date() - dt.timedelta(days=1)
        while day >= first_day:
            inside = [slot for slot in self.slots_on(day) if since < slot <= at]
            if inside:
                return max(inside)
            day -= dt.timedelta(days=1)
        return None

    def describe(self) -> str:
        if self.frequency is Frequency.NEVER:
            return "never"
        days = "every day" if self.weekdays == ALL_DAYS else ",".join(
            WEEKDAYS[d] for d in sorted(self.weekdays)
        )
        if self.frequency is not Frequency.INTERVAL:
            assert self.at is not None
            return f"{days} at {self.at:%H:%M} ({self.timezone})"
        window = f" between {self.window[0]:%H:%M}-{self.window[1]:%H:%M}" if self.window else ""
        return f"every {self.every_minutes} min{window}, {days} ({self.timezone})"


def _local_instant(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of wall-clock ``at`` on ``day``.

    ``fold=0`` reads the wall time with the offset in force before a transition: a time
    that occurs twice maps to its first occurrence, and a time inside a spring-forward
    gap maps past the gap by its length (02:30 becomes 03:30).
    """
    return dt.datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def parse_weekdays(text: str) -> frozenset[int]:
    """``mon,thu`` or ``mon-fri`` (or ``*``) to weekday numbers.

    >>> sorted(parse_weekdays("mon-wed,sun"))
    [0, 1, 2, 6]
    """
    if text.strip() in ("*", ""):
        return ALL_DAYS
    days: set[int] = set()
    for part in text.lower().split(","):
        first, _, last = part.strip().partition("-")
        try:
            lo = WEEKDAYS.index(first[:3])
            hi = WEEKDAYS.index(last[:3]) if last else lo
        except ValueError:
            raise ScheduleError(f"unknown weekday in {text!r}; use mon..sun") from None
        days.update(range(lo, hi + 1) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)])
    return frozenset(days)


def parse_time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"invalid time {text!r}; use HH:MM (24-hour)") from None
