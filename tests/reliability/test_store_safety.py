"""Store safety: a store locked or unreachable for a while pauses runs, never loses outcomes.

SQLite is locked by another connection (``BEGIN EXCLUSIVE``) for longer than the hub's
retry window in the middle of a sync; PostgreSQL is reached through a TCP proxy that is
stopped in the middle of a sync (open connections cut, new ones refused) and started
again. Each run must end paused with the store named as the reason (or, for an outage
shorter than the retry window, succeed), the next run must complete, and both systems
must then hold every record exactly once, linked as the store says. Migrations keeping a
row of every table are checked in tests/store/test_migrations.py; their figure is
measured here again for the report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import sqlite3
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rel_world import ACCOUNT_TYPE, World, open_world
from report import Figures
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from b1hub.hub import Hub
from b1hub.runner.embedded import recover_stalled_runs
from b1hub.runner.execute import execute_run
from b1hub.runner.locks import stale_limit
from b1hub.store import make_engine
from b1hub.store.availability import StoreUnavailable
from b1hub.store.migrate import upgrade
from b1hub.store.models import RecordOutcome
from b1hub.store.repositories import SelectionEntry
from b1hub.store.types import (
    Direction,
    InitStatus,
    OutcomeStatus,
    RunStatus,
    RunTrigger,
    utcnow,
)
from b1hub.sync import api
from b1hub.sync.api import Progress, RunSummary

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from store.migration_rows import fill_every_table, missing_after_upgrade

PG_ADMIN_URL = os.environ.get(
    "B1HUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RETRY_ENV = "B1HUB_STORE_RETRY_SECONDS"
RETRY_SECONDS = 1.0
LOCK_SECONDS = 1.6
"""The SQLite lock outlasts the retry window, so the run must pause."""
PG_RETRY_SECONDS = 2.0
OUTAGE_SECONDS = 3.0
FIRST = 20
"""Customers marked and loaded at initialization; the next ones are marked afterwards."""
LATER = 60
PASSWORD = "not-for-logs"
RESUMES = "; the next run resumes from the checkpoint"


class TcpProxy:
    """127.0.0.1:port → upstream. ``stop()`` behaves like a database host going away:
    open connections are cut and new ones refused until ``start()``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._accepting is not None:
            self._accepting.join()
        with self._lock:
            cut, self._open = list(self._open), set()
        for sock in cut:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, server))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(src, dst), daemon=True).start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    _close(src)
    _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@dataclass
class Pending:
    """The work a sync has to do: accounts marked after initialization (created in
    Salesforce by the sync) and accounts created in Salesforce by a person."""

    marked: list[str]
    later: list[str]
    new_in_salesforce: list[str]


def _pending_work(world: World) -> Pending:
    summary = api.initialize(world.hub, "account")
    assert summary.status is InitStatus.DONE, summary
    later = world.all_customers[FIRST:FIRST + LATER]
    with world.hub.repos() as repos:
        repos.selections.mark("account", [SelectionEntry(c, ACCOUNT_TYPE) for c in later])
    new = [world.create_account({"Name": f"Store Safety {n} GmbH", "Type": ACCOUNT_TYPE,
                                 "BillingCity": "Lübeck"}) for n in range(2)]
    return Pending(world.customers + later, later, new)


def _at_first_write(action: Callable[[], None]) -> Callable[[Progress], None]:
    """A progress callback that calls ``action`` once, as the run's first Salesforce
    write goes out: mid-run, with outcomes about to be recorded."""
    done = threading.Event()

    def progress(step: Progress) -> None:
        if step.stage == "write salesforce" and step.done == 0 and step.total \
                and not done.is_set():
            done.set()
            action()

    return progress


def _check_end_state(world: World, pending: Pending) -> dict[str, int]:
    """Lost and duplicated records and stuck runs, after asserting the exact end state."""
    accounts = world.soql("SELECT Id, Name, SAP_CardCode__c FROM Account")
    per_code = Counter(a["SAP_CardCode__c"] for a in accounts if a["SAP_CardCode__c"])
    id_of = {a["SAP_CardCode__c"]: a["Id"] for a in accounts if a["SAP_CardCode__c"]}
    partners = {sf_id: world.partners_of(sf_id) for sf_id in pending.new_in_salesforce}
    lost = sum(1 for c in pending.marked if per_code[c] == 0) + sum(
        1 for found in partners.values() if not found)
    duplicated = sum(per_code[c] - 1 for c in pending.marked if per_code[c] > 1) + sum(
        len(found) - 1 for found in partners.values() if len(found) > 1)
    with world.hub.repos() as repos:
        links = {lk.sap_key: lk.sf_id for lk in repos.links.page("account", limit=10_000)}
        stuck = len(repos.runs.active())
        done = repos.session.scalars(select(RecordOutcome).where(
            RecordOutcome.integration_id == world.hub.integration_id,
            RecordOutcome.object == "account",
            RecordOutcome.status == OutcomeStatus.SUCCEEDED)).all()
        open_errors = repos.outcomes.open_errors("account")
    assert (lost, duplicated, stuck) == (0, 0, 0), (lost, duplicated, stuck)
    assert open_errors == [], [o.error_message for o in open_errors]
    for code in pending.marked:
        assert links.get(code) == id_of[code], (code, links.get(code), id_of[code])
    for sf_id, [partner] in partners.items():
        assert links.get(partner["CardCode"]) == sf_id, partner
    recorded_sap = {o.sap_key for o in done if o.direction is Direction.SAP_TO_SALESFORCE}
    recorded_sf = {o.sf_id for o in done if o.direction is Direction.SALESFORCE_TO_SAP}
    assert set(pending.later) <= recorded_sap, sorted(set(pending.later) - recorded_sap)
    assert set(pending.new_in_salesforce) <= recorded_sf
    return {"records_lost": lost, "records_duplicated": duplicated, "runs_left_stuck": stuck}


def _assert_paused_on_the_store(world: World, summary: RunSummary, reason: str) -> None:
    message = summary.message or ""
    assert message.startswith(f"paused: the hub's store was unavailable ({reason}"), message
    assert message.endswith(RESUMES), message
    assert PASSWORD not in message
    with world.hub.repos() as repos:
        row = repos.runs.get(summary.run_id)
    assert row is not None and (row.status, row.message) == (RunStatus.PAUSED, message)


@pytest.fixture
def sqlite_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("B1HUB_DATABASE_URL", raising=False)
    monkeypatch.setenv(RETRY_ENV, str(RETRY_SECONDS))
    return tmp_path / "home" / "b1hub.db"


def test_sqlite_locked_past_the_retry_window_pauses_then_the_next_run_completes(
    sqlite_home: Path, tmp_path: Path, figures: Figures
) -> None:
    with open_world(tmp_path / "sandbox", "sqlite_locked", customers=FIRST, items=0) as world:
        pending = _pending_work(world)
        locked, held = threading.Event(), []

        def hold_lock() -> None:
            other = sqlite3.connect(sqlite_home, timeout=10, isolation_level=None)
            try:
                other.execute("BEGIN EXCLUSIVE")
                held.append(time.monotonic())
                locked.set()
                time.sleep(LOCK_SECONDS)
                other.execute("ROLLBACK")
                held.append(time.monotonic())
            finally:
                other.close()

        locker = threading.Thread(target=hold_lock)

        def take_lock() -> None:
            locker.start()
            assert locked.wait(10), "the test could not take the lock"

        first = api.run_object(world.hub, "account", progress=_at_first_write(take_lock))
        locker.join()
        assert locked.is_set(), "the run never reached a Salesforce write"
        assert first.status is RunStatus.PAUSED, first
        _assert_paused_on_the_store(world, first, "database is locked")
        second = api.run_object(world.hub, "account")
        assert second.status is RunStatus.SUCCEEDED, second
        assert second.failed == 0, second
        counts = _check_end_state(world, pending)
    figures.record(
        "Store safety",
        sqlite_locked=(f"locked {held[1] - held[0]:.1f} s > retry window {RETRY_SECONDS:g} s "
                       f"mid-run: paused, next run succeeded; {len(pending.marked)} accounts "
                       f"and {len(pending.new_in_salesforce)} new partners exactly once"),
        sqlite_pause_message=first.message, **counts)


def test_sqlite_still_locked_when_the_runner_records_the_pause(
    sqlite_home: Path, figures: Figures
) -> None:
    """The store stays locked even for recording the pause: the runner says so with
    ``StoreUnavailable`` (a queue retries the job, recovery finishes the run) and, once
    the store is free, a run stopped by the store is recorded paused, never failed."""
    hub = Hub.open("runner")
    try:
        with hub.repos() as repos:
            run_ids = [repos.runs.create("account", RunTrigger.MANUAL).id for _ in range(2)]
        other = sqlite3.connect(sqlite_home, timeout=10, isolation_level=None,
                                check_same_thread=False)

        def locked_store_run(hub: Hub, _object: str, _trigger: RunTrigger, run_id: int) -> None:
            with hub.repos() as repos:
                repos.runs.start(run_id)
            other.execute("BEGIN EXCLUSIVE")
            with hub.repos() as repos:
                repos.runs.heartbeat(run_id)

        with pytest.raises(StoreUnavailable, match=f"run {run_ids[0]} could not be recorded"):
            execute_run(hub, run_ids[0], locked_store_run)
        other.execute("ROLLBACK")

        def released_late(hub: Hub, object_name: str, trigger: RunTrigger, run_id: int) -> None:
            threading.Timer(RETRY_SECONDS * 1.5, lambda: other.execute("ROLLBACK")).start()
            locked_store_run(hub, object_name, trigger, run_id)

        assert execute_run(hub, run_ids[1], released_late) is RunStatus.PAUSED
        other.close()
        with hub.repos() as repos:
            first, second = (repos.runs.get(i) for i in run_ids)
        assert first is not None and first.status is RunStatus.RUNNING
        assert second is not None and second.status is RunStatus.PAUSED
        assert second.message == ("paused: the hub's store was unavailable (database is "
                                  "locked)" + RESUMES)
        later = utcnow() + stale_limit() + dt.timedelta(seconds=1)
        assert recover_stalled_runs(hub.store, now=later) == [run_ids[0]]
    finally:
        hub.close()
    figures.record("Store safety", sqlite_locked_while_recording=(
        "runner raised StoreUnavailable, run left to recovery; paused once recordable"))


@pytest.fixture
def pg_through_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TcpProxy]:
    """A throwaway database reached through a proxy: B1HUB_DATABASE_URL points at it."""
    name = f"b1hub_safety_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    upstream = make_url(PG_ADMIN_URL)
    proxy = TcpProxy((upstream.host or "127.0.0.1", upstream.port or 5432))
    proxy.start()
    url = upstream.set(host="127.0.0.1", port=proxy.port, database=name, password=PASSWORD)
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("B1HUB_DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setenv(RETRY_ENV, str(PG_RETRY_SECONDS))
    try:
        yield proxy
    finally:
        proxy.stop()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgresql_unreachable_mid_run_pauses_then_the_next_run_completes(
    pg_through_proxy: TcpProxy, tmp_path: Path, figures: Figures
) -> None:
    proxy = pg_through_proxy
    with open_world(tmp_path / "sandbox", "pg_outage", customers=FIRST, items=0) as world:
        pending = _pending_work(world)
        down: list[float] = []

        def outage() -> None:
            proxy.stop()
            down.append(time.monotonic())

            def back() -> None:
                proxy.start()
                down.append(time.monotonic())

            threading.Timer(OUTAGE_SECONDS, back).start()

        first = api.run_object(world.hub, "account", progress=_at_first_write(outage))
        assert down, "the run never reached a Salesforce write"
        while len(down) < 2:
            time.sleep(0.05)
        assert first.status in (RunStatus.PAUSED, RunStatus.SUCCEEDED), first
        if first.status is RunStatus.PAUSED:
            _assert_paused_on_the_store(world, first, "")
        second = api.run_object(world.hub, "account")
        assert second.status is RunStatus.SUCCEEDED, second
        assert second.failed == 0, second
        counts = _check_end_state(world, pending)
    figures.record(
        "Store safety",
        postgres_outage=(f"unreachable {down[1] - down[0]:.1f} s mid-run (retry window "
                         f"{PG_RETRY_SECONDS:g} s): run {first.status.value}, next run "
                         f"succeeded; {len(pending.marked)} accounts and "
                         f"{len(pending.new_in_salesforce)} new partners exactly once"),
        postgres_pause_message=first.message or "-", **counts)


def test_postgresql_outage_shorter_than_the_retry_window_is_waited_out(
    pg_through_proxy: TcpProxy, figures: Figures
) -> None:
    engine = make_engine()
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        pg_through_proxy.stop()
        threading.Timer(0.8, pg_through_proxy.start).start()
        started = time.monotonic()
        with engine.connect() as connection:  # the pooled connection is dead: reconnects
            assert connection.execute(text("SELECT 2")).scalar() == 2
        waited = time.monotonic() - started
    finally:
        engine.dispose()
    assert 0.7 < waited < PG_RETRY_SECONDS, waited
    figures.record("Store safety", postgres_short_outage=(
        f"refused for {waited:.1f} s < retry window {PG_RETRY_SECONDS:g} s: waited out, "
        "no error"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_from_the_first_keep_a_row_of_every_table(
    backend: str, tmp_path: Path, figures: Figures
) -> None:
    if backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        name = f"b1hub_migrate_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        drop = (admin, name)
    try:
        upgrade(url, revision="0001")
        rows = fill_every_table(url)
        upgrade(url)
        problems = missing_after_upgrade(url, rows)
    finally:
        if drop is not None:
            with drop[0].connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)')
            drop[0].dispose()
    migrated = dict(figures.sections.get("Store safety", {}).get("tables_with_data_migrated", {}))
    migrated[backend] = f"{len(rows) - len(problems)} of {len(rows)}"
    figures.record("Store safety", tables_with_data_migrated=migrated)
    assert problems == []
    assert len(rows) >= 15
