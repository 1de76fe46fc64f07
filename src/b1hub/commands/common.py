"""What every command shares: the integration option, JSON output, one-line errors.

Commands never let a traceback reach the user: the exceptions a user can cause or fix
(no connection, refused login, busy object, bad value) become one line on stderr that says
what happened and what to do, and a non-zero exit code.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from b1hub.hub import Hub

P = ParamSpec("P")
R = TypeVar("R")

IntegrationOption = Annotated[
    str,
    typer.Option(
        "--integration",
        envvar="B1HUB_INTEGRATION",
        help="Integration (SAP company + Salesforce org pair) to work on.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

PIPED_WIDTH = 200
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class CommandError(Exception):
    """A failure the user can act on; its text is printed as is, without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int = 1) -> NoReturn:
    raise CommandError(message, exit_code)


def _known_errors() -> dict[type[BaseException], Callable[[BaseException], str]]:
    """Exception types a user can cause, with how each reads on one line."""
    from pydantic import ValidationError

    from b1hub.connectors.salesforce.auth import AuthenticationFailed as SalesforceAuthFailed
    from b1hub.connectors.service_layer.session import AuthenticationFailed as SapAuthFailed
    from b1hub.hub import NotConnected
    from b1hub.runner.locks import ObjectBusy
    from b1hub.store.secrets import SecretKeyError

    def plain(exc: BaseException) -> str:
        return str(exc)

    return {
        NotConnected: plain,
        SapAuthFailed: lambda e: f"{e} — check the SAP user, password and company database "
        "(`b1hub connect sap ...`)",
        SalesforceAuthFailed: lambda e: f"{e} — check the Salesforce credentials "
        "(`b1hub connect salesforce ...`)",
        ObjectBusy: lambda e: f"{e} — wait for it to finish, or follow it with `b1hub runs`",
        SecretKeyError: plain,
        ValidationError: _validation_message,
    }


def _validation_message(exc: BaseException) -> str:
    errors: list[Any] = exc.errors() if hasattr(exc, "errors") else []
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ())) or "value"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "invalid value — " + "; ".join(parts)


def command(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a user can act on into one line on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except CommandError as exc:
            err_console.print(f"error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            render = _render(exc)
            if render is None:
                raise
            err_console.print(f"error: {render(exc)}", markup=False)
            raise typer.Exit(1) from None

    return wrapper


def _render(exc: BaseException) -> Callable[[BaseException], str] | None:
    for kind, render in _known_errors().items():
        if isinstance(exc, kind):
            return render
    for kind, hint in _engine_errors().items():
        if isinstance(exc, kind):
            return functools.partial(_with_hint, hint=hint)
    return None


def _with_hint(exc: BaseException, hint: str) -> str:
    """The engine's own message when it already names the command to run."""
    text = str(exc)
    return f"{text} — {hint}" if hint and "`b1hub " not in text else text


def _engine_errors() -> dict[type[BaseException], str]:
    """The engine's gate errors, with the command that clears each."""
    from b1hub.objects.registry import UnknownObject
    from b1hub.objects.udfs import MissingUdfs
    from b1hub.sync import api

    return {
        api.NotActivated: "run `b1hub activate` first",
        api.NotInitialized: "run `b1hub init OBJECT` first",
        MissingUdfs: "",
        UnknownObject: "",
    }


@contextmanager
def open_hub(integration: str) -> Iterator[Hub]:
    from b1hub.hub import Hub

    hub = Hub.open(integration)
    try:
        yield hub
    finally:
        hub.close()


def object_name(text: str) -> str:
    from b1hub.objects.spec import canonical_object_name

    try:
        return canonical_object_name(text)
    except ValueError as exc:
        fail(str(exc))


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    typer.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(to_jsonable(v)) for v in row))
    # Piped output (scripts, grep) gets whole rows instead of the 80-column fallback.
    target = console if console.is_terminal else Console(highlight=False, width=PIPED_WIDTH)
    target.print(table)


def actor() -> str:
    """Who the audit log names for a CLI action."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
