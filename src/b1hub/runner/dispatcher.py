"""Turn due schedules into queued runs: exactly one run per slot, however many dispatchers.

Every ``serve`` and ``worker`` process runs a dispatcher. A slot is claimed with a
compare-and-set on the schedule row (``UPDATE ... SET next_run_at = <next> WHERE id = ? AND
next_run_at = <due>``): only the dispatcher whose update matched owns the slot, and it queues
the run in that same transaction, so a slot is never run twice nor lost between claim and
queue. After downtime the claim covers every missed slot at once: one catch-up run per
object, and ``next_run_at`` moves to the next future slot.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update

from b1hub.runner import timetable
from b1hub.runner.clock import Clock, SystemClock
from b1hub.runner.enqueue import JobQueue, enqueue
from b1hub.runner.schedule import Schedule
from b1hub.store import Store
from b1hub.store.models import Schedule as ScheduleRow
from b1hub.store.repositories import Repositories, due_schedules, list_integrations
from b1hub.store.types import RunTrigger

log = logging.getLogger(__name__)

CATCH_UP_GRACE = dt.timedelta(minutes=1)
"""A slot claimed later than this is reported as a catch-up (the process was down)."""
FIRED_ACTION = "schedule.fired"


@dataclass(frozen=True)
class Fired:
    """A slot this dispatcher claimed, and the run that serves it."""

    integration: str
    object: str
    slot: dt.datetime
    run_id: int
    joined: bool
    catch_up: bool


@dataclass(frozen=True)
class _Due:
    schedule_id: int
    integration_id: int
    object: str
    due: dt.datetime
    schedule: Schedule


class Dispatcher:
    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        clock: Clock | None = None,
        *,
        maintenance: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock or SystemClock()
        self.maintenance = maintenance

    def tick(self) -> list[Fired]:
        """Claim and queue every due slot; the slots this dispatcher won."""
        now = self.clock.now()
        with self.store.transaction() as session:
            due = [
                _Due(row.id, row.integration_id, row.object, row.next_run_at,
                     timetable.from_row(row))
                for row in due_schedules(session, now)
                if row.next_run_at is not None
            ]
            names = {row.id: row.name for row in list_integrations(session)} if due else {}
        fired = [f for item in due if (f := self._claim(item, names, now)) is not None]
        if fired:
            self.queue.notify()
        return fired

    def _claim(self, item: _Due, names: dict[int, str], now: dt.datetime) -> Fired | None:
        slot = item.schedule.last_due(now, item.due - dt.timedelta(microseconds=1)) or item.due
        following = item.schedule.next_run(now)
        integration = names[item.integration_id]
        with self.store.transaction() as session:
            claimed = session.execute(
                update(ScheduleRow)
                .where(ScheduleRow.id == item.schedule_id, ScheduleRow.next_run_at == item.due)
                .values(next_run_at=following, last_run_at=slot)
            )
            if int(getattr(claimed, "rowcount", 0)) != 1:
                return None  # another dispatcher owns this slot
            repos = Repositories(session, item.integration_id)
            queued = enqueue(
                repos, integration, item.object, RunTrigger.SCHEDULE, self.queue,
                join_running=False,
            )
            catch_up = slot != item.due or now - slot > CATCH_UP_GRACE
            repos.audit.record(
                "dispatcher",
                FIRED_ACTION,
                target=item.object,
                details={
                    "slot": slot.isoformat(),
                    "due": item.due.isoformat(),
                    "run_id": queued.run_id,
                    "joined": queued.joined,
                    "catch_up": catch_up,
                },
            )
        return Fired(integration, item.object, slot, queued.run_id, queued.joined, catch_up)

    def run(self, stop: threading.Event, interval: float) -> None:
        """Tick (and run maintenance) every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                for fired in self.tick():
                    log.info(
                        "schedule fired: %s/%s slot %s -> run %s%s",
                        fired.integration, fired.object, fired.slot.isoformat(), fired.run_id,
                        " (catch-up)" if fired.catch_up else "",
                    )
                if self.maintenance is not None:
                    self.maintenance()
            except Exception:  # keep dispatching; the next tick retries
                log.exception("dispatcher tick failed")
            stop.wait(interval)

    def start(self, stop: threading.Event, interval: float) -> threading.Thread:
        thread = threading.Thread(
            target=self.run, args=(stop, interval), name="b1hub-dispatcher", daemon=True
        )
        thread.start()
        return thread
