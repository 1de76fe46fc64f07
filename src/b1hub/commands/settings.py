"""``b1hub settings``: the seed's General Settings tab."""

from __future__ import annotations

from typing import Annotated

import typer

from b1hub.commands.common import (
    IntegrationOption,
    JsonOption,
    actor,
    command,
    console,
    fail,
    open_hub,
    print_json,
    print_table,
)

app = typer.Typer(help="Show and change general settings.", no_args_is_help=True)


@app.command("set")
@command
def settings_set(
    key: Annotated[str, typer.Argument(help="Setting name (see `b1hub settings show`).")],
    value: Annotated[str, typer.Argument(help="Lists are comma-separated; 'none' clears.")],
    integration: IntegrationOption = "default",
) -> None:
    """Change one general setting; an invalid value is refused and nothing is stored."""
    from pydantic import ValidationError

    from b1hub.store.repositories import parse_setting_text

    with open_hub(integration) as hub, hub.repos() as repos:
        try:
            updated = repos.settings.set(key, parse_setting_text(key, value))
        except KeyError as exc:
            fail(str(exc.args[0]))
        except ValidationError as exc:
            reasons = "; ".join(str(e.get("msg")) for e in exc.errors())
            fail(f"invalid value {value!r} for {key}: {reasons}")
        stored = updated.model_dump(mode="json")[key]
        repos.audit.record(actor(), "settings.set", key, {"value": stored})
    console.print(f"{key} = {stored}", markup=False)


@app.command("show")
@command
def settings_show(integration: IntegrationOption = "default", as_json: JsonOption = False) -> None:
    """Every general setting with its value; unset ones show their default."""
    with open_hub(integration) as hub, hub.repos() as repos:
        values = repos.settings.get().model_dump(mode="json")
        chosen = repos.settings.explicitly_set()
    if as_json:
        print_json(values)
        return
    print_table(None, ["setting", "value", "source"], [
        (key, ", ".join(map(str, value)) if isinstance(value, list) else value,
         "set" if key in chosen else "default")
        for key, value in values.items()
    ])
