"""The ``b1hub`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from b1hub.commands import register_all
from b1hub.sandbox.universe import PARTNERS_BY_SIZE

app = typer.Typer(no_args_is_help=True, help="b1hub: SAP Business One <-> Salesforce sync hub.")


@app.callback()
def main() -> None:
    """b1hub: SAP Business One <-> Salesforce sync hub."""


@app.command()
def sandbox(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Where the sandboxes keep state.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    sap_port: Annotated[int, typer.Option("--sap-port")] = 50000,
    sf_port: Annotated[int, typer.Option("--sf-port")] = 8443,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    size: Annotated[str, typer.Option(help="small | medium | large")] = "small",
    sf_api_limit: Annotated[
        int, typer.Option("--sf-api-limit", help="Salesforce daily API allocation.")
    ] = 1_000_000,
) -> None:
    """Run the SAP Service Layer and Salesforce sandboxes (HTTPS) until interrupted."""
    from b1hub.sandbox.server import SandboxOptions, run

    if size not in PARTNERS_BY_SIZE:
        raise typer.BadParameter(f"--size must be one of {', '.join(PARTNERS_BY_SIZE)}")
    run(
        SandboxOptions(
            data_dir=data_dir,
            host=host,
            sap_port=sap_port,
            sf_port=sf_port,
            seed=seed,
            size=size,  # type: ignore[arg-type]
            sf_daily_api_limit=sf_api_limit,
        )
    )


register_all(app)

if __name__ == "__main__":
    app()
