"""`b1hub user add NAME --role ROLE` (the first admin, from the shell) and `b1hub demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from b1hub.store.types import Role


def register(app: typer.Typer) -> None:
    users = typer.Typer(no_args_is_help=True, help="Console users.")
    app.add_typer(users, name="user")

    @users.command("add")
    def add(
        name: Annotated[str, typer.Argument(help="Login name (lowercase).")],
        role: Annotated[Role, typer.Option(help="admin, operator or viewer.")] = Role.VIEWER,
        generate: Annotated[bool, typer.Option(
            "--generate", help="Generate a password and print it once instead of asking.")
        ] = False,
    ) -> None:
        """Add a console user. The password is prompted (hidden) or generated and printed
        once; only its argon2 hash is stored."""
        from b1hub.hub import Hub
        from b1hub.web.services import accounts
        from b1hub.web.services.errors import ActionRefused, InvalidInput

        password = None if generate else typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True)
        hub = Hub.open()
        try:
            user, generated = accounts.create_user(hub, name, role, password, "cli")
        except (ActionRefused, InvalidInput) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        finally:
            hub.close()
        typer.echo(f"user {user.username} added with role {user.role.value}")
        if generated:
            typer.echo(f"password (shown once): {generated}")

    @app.command()
    def demo(
        data_dir: Annotated[Path, typer.Option("--data-dir", help="Where the demo keeps "
                                               "its sandboxes and store.")] = Path(".b1hub-demo"),
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port of the console.")] = 8000,
    ) -> None:
        """Both sandboxes, connected, activated, initialized and scheduled, with the console
        and the embedded runner: open the printed URL and log in as admin."""
        from b1hub.web.demo import run_demo

        run_demo(data_dir, host, port)
