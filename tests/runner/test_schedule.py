"""The schedule calculator over a year, in three time zones, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b1hub.runner.schedule import (
    Schedule,
    ScheduleError,
    parse_time,
    parse_weekdays,
)

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]
YEAR_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
instants = st.integers(0, 366 * 24 * 60).map(lambda m: YEAR_START + dt.timedelta(minutes=m))
times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
weekday_sets = st.frozensets(st.integers(0, 6), min_size=1)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(["daily", "weekly", "interval"]))
    if kind == "daily":
        return Schedule.daily(draw(times), zone)
    if kind == "weekly":
        return Schedule.weekly(draw(weekday_sets), draw(times), zone)
    every = draw(st.sampled_from([5, 15, 60, 90, 240]))
    window = None
    if draw(st.booleans()):
        start = draw(st.integers(0, 20))
        window = (dt.time(start), dt.time(draw(st.integers(start + 1, 23))))
    return Schedule.interval(every, zone, window, draw(weekday_sets))


def local(t: dt.datetime, zone: str) -> dt.datetime:
    return t.astimezone(ZoneInfo(zone))


@settings(max_examples=300, deadline=None)
@given(schedules(), instants)
def test_next_run_is_the_first_slot_after(schedule: Schedule, after: dt.datetime) -> None:
    nxt = schedule.next_run(after)
    assert nxt is not None and nxt > after
    # no slot of any day lies strictly between `after` and the answer
    day = local(after, schedule.timezone).date() - dt.timedelta(days=2)
    while day <= local(nxt, schedule.timezone).date() + dt.timedelta(days=1):
        for slot in schedule.slots_on(day):
            assert not after < slot < nxt
        day += dt.timedelta(days=1)
    # the answer is a slot of a chosen weekday
    nxt_day = local(nxt, schedule.timezone).date()
    owners = [d for d in (nxt_day - dt.timedelta(days=1), nxt_day) if nxt in schedule.slots_on(d)]
    assert owners and all(d.weekday() in schedule.weekdays for d in owners)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), times, st.integers(0, 364))
def test_daily_runs_once_per_local_day_at_its_wall_time(
    zone: str, at: dt.time, day_offset: int
) -> None:
    schedule = Schedule.daily(at, zone)
    day = dt.date(2026, 1, 1) + dt.timedelta(days=day_offset)
    (slot,) = schedule.slots_on(day)
    wall = local(slot, zone)
    if wall.time() != at:
        # only inside a spring-forward gap: shifted forward by the gap
        gap = wall.utcoffset() - local(slot - dt.timedelta(hours=3), zone).utcoffset()  # type: ignore[operator]
        assert gap > dt.timedelta(0)
        assert (dt.datetime.combine(day, at) + gap).time() == wall.time()


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", dt.date(2026, 3, 8), 23),
        ("America/New_York", dt.date(2026, 11, 1), 25),
        ("Europe/Berlin", dt.date(2026, 3, 29), 23),
        ("Europe/Berlin", dt.date(2026, 10, 25), 25),
        ("Australia/Sydney", dt.date(2026, 4, 5), 25),
        ("Australia/Sydney", dt.date(2026, 10, 4), 23),
    ],
)
def test_hourly_interval_neither_skips_nor_doubles_on_dst_days(
    zone: str, day: dt.date, hours: int
) -> None:
    slots = Schedule.interval(60, zone).slots_on(day)
    assert len(slots) == hours
    assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(slots))


def test_fall_back_time_runs_once_at_first_occurrence() -> None:
    schedule = Schedule.daily(dt.time(1, 30), "America/New_York")
    first = schedule.next_run(dt.datetime(2026, 11, 1, 0, tzinfo=dt.UTC))
    assert first == dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)  # 01:30 EDT
    assert schedule.next_run(first) == dt.datetime(2026, 11, 2, 6, 30, tzinfo=dt.UTC)


def test_weekly_on_chosen_days() -> None:
    schedule = Schedule.weekly(parse_weekdays("mon,thu"), dt.time(9), "Europe/Berlin")
    runs = []
    t = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # a Monday
    for _ in range(4):
        nxt = schedule.next_run(t)
        assert nxt is not None
        runs.append(local(nxt, "Europe/Berlin").strftime("%a %H:%M"))
        t = nxt
    assert runs == ["Mon 09:00", "Thu 09:00", "Mon 09:00", "Thu 09:00"]


def test_window_limits_interval_runs() -> None:
    schedule = Schedule.interval(
        30, "UTC", (parse_time("08:00"), parse_time("10:00")), parse_weekdays("mon-fri")
    )
    slots = schedule.slots_on(dt.date(2026, 6, 1))
    assert [s.strftime("%H:%M") for s in slots] == ["08:00", "08:30", "09:00", "09:30"]
    assert schedule.slots_on(dt.date(2026, 6, 6)) == []  # Saturday


def test_one_catch_up_after_an_outage() -> None:
    schedule = Schedule.interval(15, "UTC")
    since = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    now = since + dt.timedelta(hours=3, minutes=5)
    assert schedule.last_due(now, since) == dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)
    assert schedule.last_due(since + dt.timedelta(minutes=10), since) is None


def test_never_has_no_next_run() -> None:
    assert Schedule.never().next_run(YEAR_START) is None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Schedule.daily(dt.time(9), "Mars/Olympus"), "unknown time zone"),
        (lambda: Schedule.interval(0), "between 1 minute"),
        (lambda: Schedule.interval(15, window=(dt.time(10), dt.time(9))), "start before"),
        (lambda: parse_weekdays("mon,funday"), "unknown weekday"),
        (lambda: parse_time("25:99"), "invalid time"),
    ],
)
def test_invalid_schedules_are_refused_with_a_reason(build: object, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        build()  # type: ignore[operator]
