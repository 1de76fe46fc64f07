"""The ``b1hub`` commands, one small module per screen of the seed, registered on the app."""

from __future__ import annotations

from importlib import import_module

import typer


def register_all(app: typer.Typer) -> None:
    from b1hub.commands import activate, connect, db, logs, mapping, select, settings, status, sync
    from b1hub.runner.commands import register as register_runner
    from b1hub.web.commands import register as register_web

    app.add_typer(connect.app, name="connect")
    activate.register(app)
    app.add_typer(settings.app, name="settings")
    app.add_typer(select.app, name="select")
    sync.register(app)
    status.register(app)
    logs.register(app)
    app.add_typer(db.app, name="db")
    register_runner(app)
    register_web(app)
    mapping.register(app)
    app.add_typer(import_module("b1hub.commands.conflicts").app, name="conflicts")
