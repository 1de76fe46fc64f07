"""``b1hub db``: database maintenance."""

from __future__ import annotations

import typer

from b1hub.commands.common import command, console

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command("upgrade")
@command
def db_upgrade() -> None:
    """Bring the database (B1HUB_DATABASE_URL or B1HUB_HOME/b1hub.db) to the latest schema."""
    from sqlalchemy.engine import make_url

    from b1hub.store import database_url
    from b1hub.store.migrate import current_revision, head_revision, upgrade

    url = database_url()
    before = current_revision(url)
    upgrade(url)
    shown = make_url(url).render_as_string(hide_password=True)
    head = head_revision()
    if before == head:
        console.print(f"{shown}: already at {head}", markup=False)
    else:
        console.print(f"{shown}: upgraded {before or 'empty'} -> {head}", markup=False)
    if make_url(url).get_backend_name() == "postgresql":
        from b1hub.runner.distributed import apply_schema
        from b1hub.store import make_engine

        engine = make_engine(url)
        try:
            created = apply_schema(engine)
        finally:
            engine.dispose()
        state = "created" if created else "already present"
        console.print(f"run queue (procrastinate) schema: {state}", markup=False)
