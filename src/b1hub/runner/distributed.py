"""The distributed runner: runs are procrastinate jobs on the hub's PostgreSQL database.

Each queued run row has one job ``b1hub.run_object(integration, object_name, run_id)``,
deferred in the transaction that created the row (no row without its job, no job without
its row), with ``lock`` = ``queueing_lock`` = ``"<integration>:<object>"``: procrastinate
never runs two jobs of one object at once and keeps at most one waiting per object. Workers
(`b1hub worker`, any number of processes) execute them; a worker killed mid-run stops its
heartbeat, and any dispatcher hands its job back to the queue (procrastinate's stalled-job
query and retry) once the stale limit has passed. The retried job resumes the same run from
the checkpoint; the object lock taken by the engine keeps it exclusive meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc
from procrastinate import sql as psql
from procrastinate.schema import SchemaManager
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from b1hub.hub import Hub
from b1hub.runner.clock import Clock
from b1hub.runner.dispatcher import Dispatcher
from b1hub.runner.execute import RunFunction, engine_run, execute_run, executor_name
from b1hub.runner.locks import ObjectBusy, heartbeat_interval, stale_limit
from b1hub.store import Store, open_store
from b1hub.store.availability import StoreUnavailable
from b1hub.store.models import Integration, Run
from b1hub.store.repositories import Repositories

log = logging.getLogger(__name__)

TASK_NAME = "b1hub.run_object"
BUSY_RETRY_SECONDS = 2
# Any constants: serialise schema creation and stalled-job recovery across processes.
_SCHEMA_LOCK = 0x0B1_0B6
_RECOVERY_LOCK = 0x0B1_0B7


def object_lock_key(integration: str, object_name: str) -> str:
    return f"{integration}:{object_name}"


def conninfo(url: str) -> str:
    """libpq connection string of a SQLAlchemy PostgreSQL URL (for procrastinate's pool)."""
    resolved = make_url(url)
    if resolved.get_backend_name() != "postgresql":
        raise ValueError("the distributed runner needs B1HUB_DATABASE_URL to be PostgreSQL")
    return resolved.set(drivername="postgresql").render_as_string(hide_password=False)


def _register(app: procrastinate.App, store_url: str | None, run: RunFunction) -> None:
    stores: dict[str, Store] = {}
    guard = threading.Lock()

    def store() -> Store:
        with guard:
            if "store" not in stores:
                stores["store"] = open_store(store_url, migrate=False)
            return stores["store"]

    @app.task(
        name=TASK_NAME,
        retry=procrastinate.RetryStrategy(
            wait=BUSY_RETRY_SECONDS, retry_exceptions={ObjectBusy, StoreUnavailable}
        ),
    )
    def run_object_job(integration: str, object_name: str, run_id: int) -> None:
        opened = store()
        with opened.transaction() as session:
            integration_id = session.scalar(
                select(Integration.id).where(Integration.name == integration)
            )
        if integration_id is None:
            log.error("job for unknown integration %r dropped", integration)
            return
        execute_run(Hub(opened, integration, integration_id), run_id, run,
                    worker=executor_name())


def worker_app(url: str, run: RunFunction = engine_run) -> procrastinate.App:
    """The app a worker process runs: async connector, the task bound to ``run``."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
    _register(app, url, run)
    return app


def _deferring_app() -> procrastinate.App:
    """Defers on a caller's connection only, so it never opens a pool of its own."""
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())
    _register(app, None, engine_run)
    return app


class ProcrastinateQueue:
    """Defers the job of a new run inside the transaction that creates the run row."""

    def __init__(self) -> None:
        self.app = _deferring_app()

    def submit(self, repos: Repositories, integration: str, run: Run) -> int | None:
        key = object_lock_key(integration, run.object)
        raw = repos.session.connection().connection.driver_connection
        try:
            with repos.session.begin_nested():
                self.app.tasks[TASK_NAME].configure(
                    lock=key, queueing_lock=key, connection=raw
                ).defer(integration=integration, object_name=run.object, run_id=run.id)
        except pexc.AlreadyEnqueued:
            waiting = repos.session.execute(
                text(
                    "SELECT (args->>'run_id')::bigint FROM procrastinate_jobs "
                    "WHERE queueing_lock = :key AND status = 'todo'"
                ),
                {"key": key},
            ).scalar()
            if waiting is None:  # the waiting job started meanwhile: queue ours after it
                return self.submit(repos, integration, run)
            return int(waiting)
        return None

    def notify(self) -> None:
        """Nothing to do: PostgreSQL notifies listening workers when the job commits."""


def apply_schema(engine: Engine) -> bool:
    """Create procrastinate's tables once (idempotent, safe when processes race); True if
    this call created them."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
            return False
        connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
        return True


def recover_stalled_jobs(engine: Engine) -> list[int]:
    """Hand jobs of dead workers back to the queue; the ids of the jobs retried.

    Uses procrastinate's own stalled-job query (workers whose heartbeat is older than the
    stale limit) and retry procedure, under an advisory lock so two dispatchers never both
    retry one job (the second would re-queue a job a live worker had already taken).
    """
    seconds = stale_limit().total_seconds()
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RECOVERY_LOCK})
        stalled = connection.exec_driver_sql(
            psql.queries["select_stalled_jobs_by_heartbeat"],
            {"queue": None, "task_name": TASK_NAME, "seconds_since_heartbeat": seconds},
        ).mappings().all()
        for job in stalled:
            connection.exec_driver_sql(
                psql.queries["retry_job"],
                {
                    "job_id": job["id"], "retry_at": None, "new_priority": None,
                    "new_queue_name": None, "new_lock": None,
                },
            )
    ids = [int(job["id"]) for job in stalled]
    if ids:
        log.warning("retried stalled jobs %s (their worker stopped responding)", ids)
    return ids


def worker_options(concurrency: int, name: str | None = None) -> dict[str, Any]:
    """Worker heartbeats on the runner's stale limit, so recovery delays agree."""
    options: dict[str, Any] = {
        "concurrency": concurrency,
        "update_heartbeat_interval": heartbeat_interval().total_seconds(),
        "stalled_worker_timeout": stale_limit().total_seconds(),
        "delete_jobs": "successful",
    }
    if name is not None:
        options["name"] = name
    return options


def dispatcher(store: Store, clock: Clock | None = None) -> Dispatcher:
    """The distributed dispatcher: defers due runs and recovers stalled jobs each tick."""
    return Dispatcher(
        store, ProcrastinateQueue(), clock,
        maintenance=lambda: recover_stalled_jobs(store.engine),
    )


@contextmanager
def dispatching(
    store: Store, *, clock: Clock | None = None, interval: float = 2.0
) -> Iterator[Dispatcher]:
    """Run the distributed dispatcher in a thread for the length of the block."""
    stop = threading.Event()
    found = dispatcher(store, clock)
    thread = found.start(stop, interval)
    try:
        yield found
    finally:
        stop.set()
        thread.join()


def run_worker(
    url: str,
    *,
    run: RunFunction = engine_run,
    concurrency: int = 2,
    clock: Clock | None = None,
    tick_interval: float = 2.0,
    name: str | None = None,
    dispatch: bool = True,
) -> None:
    """`b1hub worker`: a procrastinate worker plus a dispatcher, until SIGINT/SIGTERM."""
    store = open_store(url)
    apply_schema(store.engine)
    app = worker_app(url, run)
    try:
        if not dispatch:
            app.run_worker(**worker_options(concurrency, name))
            return
        with dispatching(store, clock=clock, interval=tick_interval):
            app.run_worker(**worker_options(concurrency, name))
    finally:
        store.dispose()
