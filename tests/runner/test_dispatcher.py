"""The dispatcher on a controllable clock: slots fire exactly on time, once, with one
catch-up run per object after an outage, and never twice however many dispatchers race."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

from b1hub.hub import Hub
from b1hub.runner import timetable
from b1hub.runner.dispatcher import FIRED_ACTION, Dispatcher, Fired
from b1hub.runner.enqueue import TableQueue
from b1hub.runner.execute import execute_run
from b1hub.runner.schedule import Schedule, parse_time
from b1hub.store.models import Run
from b1hub.store.types import RunStatus, RunTrigger

from .sim import ManualClock, simple_run

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=BERLIN).astimezone(dt.UTC)


def drain(hub: Hub) -> None:
    """What a worker does between ticks: execute every queued run."""
    with hub.repos() as repos:
        queued = [run.id for run in repos.runs.active() if run.status is RunStatus.QUEUED]
    for run_id in queued:
        execute_run(hub, run_id, simple_run())


def fired_by_minute(
    dispatcher: Dispatcher, clock: ManualClock, hub: Hub, end: dt.datetime, step: int = 1
) -> list[tuple[dt.datetime, Fired]]:
    seen = []
    while clock.now() < end:
        clock.set(clock.now() + dt.timedelta(minutes=step))
        seen += [(clock.now(), fired) for fired in dispatcher.tick()]
        drain(hub)
    return seen


def test_daily_and_quarter_hourly_fire_on_time_and_catch_up_once_after_an_outage(
    hub: Hub,
) -> None:
    clock = ManualClock(berlin(1, 9))
    with hub.repos() as repos:
        repos.settings.set("time_zone", "Europe/Berlin")
        timetable.save(repos, "account", Schedule.daily(parse_time("10:30"), "Europe/Berlin"),
                       clock.now())
        timetable.save(repos, "product", Schedule.interval(15, "Europe/Berlin"), clock.now())
    dispatcher = Dispatcher(hub.store, TableQueue(), clock)

    # Day 1, 09:00-11:00, a tick every minute: every slot fires at its minute, once.
    seen = fired_by_minute(dispatcher, clock, hub, berlin(1, 11))
    assert [(at, f.object, f.slot, f.catch_up) for at, f in seen] == [
        (slot, obj, slot, False)
        for slot, obj in sorted(
            [(berlin(1, 10, 30), "account")]
            + [(berlin(1, 9, 15) + dt.timedelta(minutes=15 * i), "product") for i in range(8)]
        )
    ]
    # Up to day 2, 09:00 a tick each quarter hour (no outage), then 3 hours down.
    fired_by_minute(dispatcher, clock, hub, berlin(2, 9), step=15)
    clock.set(berlin(2, 12, 5))
    caught_up = dispatcher.tick()
    drain(hub)

    assert sorted((f.object, f.slot, f.catch_up) for f in caught_up) == [
        ("account", berlin(2, 10, 30), True),
        ("product", berlin(2, 12), True),
    ]
    with hub.repos() as repos:
        assert repos.schedules.get("account").next_run_at == berlin(3, 10, 30)  # type: ignore[union-attr]
        assert repos.schedules.get("product").next_run_at == berlin(2, 12, 15)  # type: ignore[union-attr]
    clock.set(berlin(2, 12, 15))
    assert [(f.object, f.slot, f.catch_up) for f in dispatcher.tick()] == [
        ("product", berlin(2, 12, 15), False)
    ]
    drain(hub)

    # The records agree: one audit entry and one finished scheduled run per slot.
    with hub.repos() as repos:
        fired = repos.audit.recent(limit=1000, action=FIRED_ACTION)
        runs = repos.session.query(Run).filter(Run.trigger == RunTrigger.SCHEDULE).all()
    products = [e for e in fired if e.target == "product"]
    accounts = [e for e in fired if e.target == "account"]
    assert len(accounts) == 2  # day 1 on time + day 2 catch-up
    assert len(products) == 8 + 88 + 1 + 1
    assert len({e.details["slot"] for e in products}) == len(products)
    assert {e.details["run_id"] for e in fired} == {r.id for r in runs}
    assert all(r.status is RunStatus.SUCCEEDED for r in runs)


def test_racing_dispatchers_claim_each_slot_once(hub: Hub) -> None:
    start = berlin(1, 8)
    with hub.repos() as repos:
        for name in ("account", "product", "contact", "lead"):
            timetable.save(repos, name, Schedule.interval(5, "UTC"), start)
    clocks = [ManualClock(start) for _ in range(4)]
    dispatchers = [Dispatcher(hub.store, TableQueue(), clock) for clock in clocks]
    results: list[Fired] = []
    guard = threading.Lock()

    def race(dispatcher: Dispatcher, barrier: threading.Barrier) -> None:
        barrier.wait()
        fired = dispatcher.tick()
        with guard:
            results.extend(fired)

    for minute in range(5, 65, 5):
        for clock in clocks:
            clock.set(start + dt.timedelta(minutes=minute))
        barrier = threading.Barrier(len(dispatchers))
        threads = [threading.Thread(target=race, args=(d, barrier)) for d in dispatchers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        drain(hub)

    slots = sorted((f.object, f.slot) for f in results)
    assert len(slots) == 4 * 12
    assert len(set(slots)) == len(slots)
    assert not any(f.joined for f in results)


def test_a_slot_joins_a_waiting_run_but_not_a_running_one(hub: Hub) -> None:
    start = berlin(1, 8)
    clock = ManualClock(start)
    with hub.repos() as repos:
        timetable.save(repos, "account", Schedule.interval(15, "UTC"), start)
    dispatcher = Dispatcher(hub.store, TableQueue(), clock)
    clock.set(berlin(1, 8, 15))
    (first,) = dispatcher.tick()
    clock.set(berlin(1, 8, 30))
    (second,) = dispatcher.tick()
    assert second.joined and second.run_id == first.run_id  # still waiting: one run serves both
    with hub.repos() as repos:
        repos.runs.start(first.run_id)
    clock.set(berlin(1, 8, 45))
    (third,) = dispatcher.tick()
    assert not third.joined and third.run_id != first.run_id  # started before this slot
