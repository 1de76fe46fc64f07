"""The distributed runner against the machine's real PostgreSQL (127.0.0.1:5432).

Three procrastinate worker processes and two dispatcher processes run an hour of simulated
schedules (1 simulated minute per 0.1 s) for five objects; the run records and the audit log
must show every slot run exactly once and no object ever running twice at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from b1hub.hub import Hub
from b1hub.runner import distributed, timetable
from b1hub.runner.dispatcher import FIRED_ACTION
from b1hub.runner.enqueue import queue_for, sync_now
from b1hub.runner.schedule import Schedule, parse_time
from b1hub.store.models import Run
from b1hub.store.types import RunStatus

PG_ADMIN_URL = os.environ.get(
    "B1HUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PROCS = Path(__file__).parent / "_procs.py"
SIM_START = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
FACTOR = 600.0  # one simulated minute per 0.1 s


@pytest.fixture
def pg_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new database for this test, dropped afterwards; PostgreSQL missing fails loudly."""
    name = f"b1hub_runner_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL is required by the distributed runner tests: {exc}")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("B1HUB_DATABASE_URL", url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(PROCS), *args], env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def await_ready(hub: Hub, rendezvous: Path, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until the three workers are registered and both dispatchers have their store open."""
    deadline = time.monotonic() + 60
    while True:
        assert all(p.poll() is None for p in procs), "a child process died while starting"
        with hub.store.engine.connect() as connection:
            workers = connection.execute(
                text("SELECT count(*) FROM procrastinate_workers")
            ).scalar()
        if workers == 3 and len(list(rendezvous.glob("ready-*"))) == 2:
            return
        assert time.monotonic() < deadline, "children not ready within 60 s"
        time.sleep(0.1)


SCHEDULES = {
    "account": Schedule.interval(5, "UTC"),
    "product": Schedule.interval(10, "Europe/Berlin"),
    "contact": Schedule.interval(15, "UTC", (parse_time("10:00"), parse_time("10:50"))),
    "lead": Schedule.daily(parse_time("10:37"), "UTC"),
    "order": Schedule.interval(3, "UTC"),
}


def expected_slots(schedule: Schedule, end: dt.datetime) -> list[dt.datetime]:
    slots, slot = [], schedule.next_run(SIM_START - dt.timedelta(seconds=1))
    while slot is not None and slot <= end:
        slots.append(slot)
        slot = schedule.next_run(slot)
    return slots


def test_an_hour_of_schedules_on_three_workers_and_two_dispatchers(
    pg_url: str, tmp_path: Path
) -> None:
    hub = Hub.open(url=pg_url)
    distributed.apply_schema(hub.store.engine)
    assert not distributed.apply_schema(hub.store.engine)  # idempotent
    with hub.repos() as repos:
        for name, schedule in SCHEDULES.items():
            timetable.save(repos, name, schedule, SIM_START - dt.timedelta(seconds=1))
    hour_end = SIM_START + dt.timedelta(hours=1)
    sim_end = hour_end + dt.timedelta(minutes=1)
    workers = [spawn("worker", pg_url, "0.1") for _ in range(3)]
    dispatchers = [
        spawn("dispatcher", pg_url, SIM_START.isoformat(), str(FACTOR), sim_end.isoformat(),
              "0.05", str(tmp_path))
        for _ in range(2)
    ]
    try:
        await_ready(hub, tmp_path, workers + dispatchers)
        (tmp_path / "start").write_text(str(time.time() + 0.5))  # simulated 10:00 in 0.5 s
        for proc in dispatchers:
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
        deadline = time.monotonic() + 30
        while True:
            with hub.repos() as repos:
                if not repos.runs.active():
                    break
            assert time.monotonic() < deadline, "runs still queued 30 s after the hour"
            time.sleep(0.2)
    finally:
        stop(workers + dispatchers)

    with hub.repos() as repos:
        fired = repos.audit.recent(limit=10_000, action=FIRED_ACTION)
        runs = list(repos.session.scalars(select(Run).order_by(Run.started_at)))
    by_id = {run.id: run for run in runs}
    for name, schedule in SCHEDULES.items():
        slots = sorted(dt.datetime.fromisoformat(e.details["slot"])
                       for e in fired if e.target == name)
        assert slots == expected_slots(schedule, hour_end), name  # none twice, none skipped
    assert all(by_id[e.details["run_id"]].status is RunStatus.SUCCEEDED for e in fired)
    for name in SCHEDULES:
        mine = [run for run in runs if run.object == name]
        for before, after in itertools.pairwise(mine):
            assert before.finished_at is not None and after.started_at is not None
            assert after.started_at >= before.finished_at, f"{name} ran twice at once"
    assert len({run.worker for run in runs}) == 3  # every worker process took runs
    with hub.store.engine.connect() as connection:
        leftover = connection.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'")
        ).scalar()
    assert leftover == 0
    hub.close()


def test_sync_now_joins_through_the_queueing_lock(pg_url: str) -> None:
    hub = Hub.open(url=pg_url)
    distributed.apply_schema(hub.store.engine)
    queue = queue_for(hub)
    first = sync_now(hub, "account", queue)
    second = sync_now(hub, "account", queue)
    other = sync_now(hub, "product", queue)
    assert not first.joined and second.joined and second.run_id == first.run_id
    assert not other.joined
    with hub.store.engine.connect() as connection:
        jobs = connection.execute(
            text("SELECT queueing_lock, lock, (args->>'run_id')::int FROM procrastinate_jobs "
                 "ORDER BY id")
        ).all()
    assert [tuple(job) for job in jobs] == [
        ("default:account", "default:account", first.run_id),
        ("default:product", "default:product", other.run_id),
    ]
    hub.close()


def test_db_upgrade_applies_the_queue_schema_once(pg_url: str) -> None:
    from typer.testing import CliRunner

    from b1hub.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade"])
    second = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "run queue (procrastinate) schema: created" in first.stdout
    assert "run queue (procrastinate) schema: already present" in second.stdout
