"""`b1hub demo`: the whole product on one machine with no SAP and no Salesforce.

Starts both sandboxes (size small), connects, activates, marks a first set of customers and
items, initializes them, sets default schedules, creates an admin with a generated password,
then serves the console with the embedded runner until interrupted.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

DEMO_CUSTOMERS = ("C000001", "C000020")
DEMO_ITEMS = ("A00001", "A00020")
DEMO_ACCOUNT_TYPE = "Customer - Direct"


def prepare(home: Path, sandbox_file: Path) -> str:
    """Connect, activate, select, initialize and schedule; returns the admin's password."""
    from b1hub import selection
    from b1hub.activation import activate
    from b1hub.connectors.salesforce.settings import SalesforceConnection
    from b1hub.connectors.service_layer.settings import ServiceLayerConnection
    from b1hub.hub import Hub
    from b1hub.store.types import Role, ScheduleKind
    from b1hub.sync.api import initialize
    from b1hub.web.services import accounts, schedules

    os.environ["B1HUB_HOME"] = str(home)
    hub = Hub.open()
    try:
        hub.save_connection(ServiceLayerConnection.from_sandbox_file(sandbox_file))
        hub.save_connection(SalesforceConnection.from_sandbox_file(sandbox_file))
        activate(hub, by="demo")
        with hub.service_layer() as sap:
            customers = selection.find(sap, "customers", selection.Criteria(*DEMO_CUSTOMERS))
            items = selection.find(sap, "items", selection.Criteria(*DEMO_ITEMS))
        with hub.repos() as repos:
            selection.mark(repos, "customers", customers, DEMO_ACCOUNT_TYPE, "demo")
            selection.mark(repos, "items", items, None, "demo")
        for name in ("account", "product"):
            summary = initialize(hub, name)
            typer.echo(f"initialized {name}: {summary.linked} linked, {summary.created} "
                       f"created, {summary.held} held")
            schedules.set_schedule(hub, name, schedules.ScheduleInput(
                ScheduleKind.INTERVAL, every_minutes=15,
                window_start=dt.time(0, 0), window_end=dt.time(23, 59)), "demo")
        existing = {u.username: u for u in accounts.list_users(hub)}
        if "admin" in existing:
            password = accounts.set_password(hub, existing["admin"].id, None, "demo")
        else:
            password = accounts.create_user(hub, "admin", Role.ADMIN, None, "demo")[1]
        assert password is not None
        return password
    finally:
        hub.close()


def run_demo(data_dir: Path, host: str, port: int) -> None:
    import uvicorn

    from b1hub.runner.embedded import EmbeddedRunner
    from b1hub.sandbox.process import SandboxProcess
    from b1hub.store import open_store
    from b1hub.web.app import create_app

    data_dir = data_dir.resolve()
    home = data_dir / "home"
    typer.echo("starting the SAP and Salesforce sandboxes (size small)...")
    with SandboxProcess(data_dir / "sandbox") as sandbox:
        password = prepare(home, Path(sandbox.data_dir) / "sandbox.json")
        store = open_store()
        runner = EmbeddedRunner(store)
        runner.start()
        typer.echo(f"\nb1hub console: http://{host}:{port}/  user: admin  "
                   f"password (shown once): {password}\nPress Ctrl+C to stop.\n")
        try:
            uvicorn.Server(uvicorn.Config(create_app(store), host=host, port=port)).run()
        finally:
            runner.stop()
            store.dispose()
