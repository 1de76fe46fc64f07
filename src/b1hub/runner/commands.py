"""`b1hub schedule`, `b1hub serve`, `b1hub worker` and the queued Sync Now (`sync --queue`)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated, Any

import typer

from b1hub.commands.common import (
    IntegrationOption,
    JsonOption,
    command,
    console,
    fail,
    open_hub,
    print_json,
    print_table,
)
from b1hub.runner.enqueue import Enqueued
from b1hub.runner.schedule import ScheduleError
from b1hub.runner.timetable import ScheduleInfo

INVALID_INPUT = 2


def _schedulable(text: str) -> str:
    from b1hub.objects.registry import REGISTRY
    from b1hub.objects.spec import canonical_object_name

    try:
        name = canonical_object_name(text)
    except ValueError as exc:
        fail(str(exc), INVALID_INPUT)
    if name not in REGISTRY:
        fail(f"{name} is not synchronised yet; available: {', '.join(REGISTRY)}", INVALID_INPUT)
    return name


def _when(info: ScheduleInfo) -> tuple[str, str]:
    local, utc = info.next_run_local, info.next_run_utc
    if local is None or utc is None:
        return "never", "never"
    return f"{local:%Y-%m-%d %H:%M %Z}", f"{utc:%Y-%m-%d %H:%M} UTC"


@command
def schedule(
    target: Annotated[str, typer.Argument(help="account, product, ... or `list`")],
    daily: Annotated[str | None, typer.Option("--daily", metavar="HH:MM")] = None,
    weekly: Annotated[
        str | None, typer.Option("--weekly", metavar="mon,thu@HH:MM")
    ] = None,
    every: Annotated[str | None, typer.Option("--every", metavar="15m|2h")] = None,
    between: Annotated[
        str | None, typer.Option("--between", metavar="HH:MM-HH:MM",
                                 help="With --every: only inside this time window.")
    ] = None,
    days: Annotated[
        str | None, typer.Option("--days", metavar="mon-fri",
                                 help="With --every: only on these weekdays.")
    ] = None,
    never: Annotated[bool, typer.Option("--never", help="No automatic runs.")] = False,
    integration: IntegrationOption = "default",
    as_json: JsonOption = False,
) -> None:
    """When an object syncs by itself, in the company's time zone (setting time_zone).

    `b1hub schedule list` shows every schedule with its next run in local time and UTC.
    """
    from b1hub.runner import timetable
    from b1hub.store.types import utcnow

    listing = target.strip().lower() == "list"
    options = (daily, weekly, every, between, days)
    if listing and (never or any(v is not None for v in options)):
        fail("`schedule list` takes no schedule options", INVALID_INPUT)
    name = None if listing else _schedulable(target)
    with open_hub(integration) as hub, hub.repos() as repos:
        if name is None:
            infos = timetable.listing(repos)
        else:
            zone = repos.settings.get().time_zone
            try:
                parsed = timetable.parse_options(
                    timezone=zone, daily=daily, weekly=weekly, every=every, between=between,
                    days=days, never=never,
                )
            except ScheduleError as exc:
                fail(str(exc), INVALID_INPUT)
            timetable.save(repos, name, parsed, utcnow())
            infos = [info for info in timetable.listing(repos) if info.object == name]
    if as_json:
        print_json([info.as_json() for info in infos] if listing else infos[0].as_json())
        return
    if listing:
        print_table(
            "Schedules",
            ["object", "schedule", "next run (local)", "next run (UTC)"],
            [[info.object, info.description, *_when(info)] for info in infos],
        )
        return
    local, utc = _when(infos[0])
    console.print(f"{name}: {infos[0].description}; next run {local} ({utc})", markup=False)


def queue_sync(target: str, integration: str, as_json: bool) -> list[Enqueued]:
    """`b1hub sync OBJECT|all --queue`: queue Sync Now (joining a queued or running run)."""
    from b1hub.objects.registry import dependency_order
    from b1hub.runner.enqueue import queue_for, sync_now

    names = (
        [spec.name for spec in dependency_order()]
        if target.strip().lower() == "all"
        else [_schedulable(target)]
    )
    with open_hub(integration) as hub:
        queue = queue_for(hub)
        results = [sync_now(hub, name, queue) for name in names]
    if as_json:
        print_json([_enqueued_dict(r) for r in results])
    else:
        for r in results:
            verb = f"joined run {r.run_id} ({r.status.value})" if r.joined else (
                f"queued as run {r.run_id}"
            )
            console.print(f"{r.object}: {verb} — follow it with `b1hub runs`", markup=False)
    return results


def _enqueued_dict(r: Enqueued) -> dict[str, Any]:
    return {"object": r.object, "run_id": r.run_id, "joined": r.joined,
            "status": r.status.value}


def _exit_cleanly(*_: object) -> None:
    raise SystemExit(0)


@command
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Embedded mode: runs executed at once.", min=1)
    ] = 2,
) -> None:
    """The web app plus the runner: embedded (SQLite: dispatcher and workers in this
    process) or distributed (PostgreSQL: this process dispatches; `b1hub worker` runs)."""
    import uvicorn

    from b1hub.runner import distributed
    from b1hub.runner.embedded import EmbeddedRunner
    from b1hub.store import open_store
    from b1hub.web.app import create_app

    # uvicorn shuts down gracefully on SIGTERM, then re-raises it into the handler it
    # found: exit cleanly through our `finally` so in-flight runs get to finish.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    store = open_store()
    try:
        server = uvicorn.Server(uvicorn.Config(create_app(store), host=host, port=port))
        if store.engine.dialect.name == "postgresql":
            distributed.apply_schema(store.engine)
            console.print("runner: distributed (dispatcher here, runs on `b1hub worker`)")
            with distributed.dispatching(store):
                server.run()
            return
        runner = EmbeddedRunner(store, workers=workers)
        console.print(f"runner: embedded ({workers} workers)")
        runner.start()
        try:
            server.run()
        finally:
            runner.stop()
    finally:
        store.dispose()


@command
def worker(
    concurrency: Annotated[int, typer.Option(help="Runs executed at once.", min=1)] = 2,
) -> None:
    """Execute queued runs and dispatch schedules, without the web app, until stopped.

    On PostgreSQL it is a procrastinate worker (start any number, on any machines);
    on SQLite it is the embedded runner on its own.
    """
    from b1hub.runner import distributed
    from b1hub.runner.embedded import EmbeddedRunner
    from b1hub.store import database_url, open_store

    url = database_url()
    if url.startswith("postgresql"):
        distributed.run_worker(url, concurrency=concurrency)
        return
    store = open_store(url)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runner = EmbeddedRunner(store, workers=concurrency)
    runner.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        runner.stop()
        store.dispose()


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
    app.command("serve")(serve)
    app.command("worker")(worker)
