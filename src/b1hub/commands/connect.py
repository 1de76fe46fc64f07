"""``b1hub connect``: store the SAP and Salesforce connections (secrets encrypted) and test them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

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

if TYPE_CHECKING:
    from b1hub.connectors.salesforce.settings import SalesforceConnection
    from b1hub.connectors.service_layer.settings import ServiceLayerConnection
    from b1hub.hub import Hub

app = typer.Typer(
    help="Configure and test the SAP Service Layer and Salesforce connections.",
    invoke_without_command=True,
)

CaCertOption = Annotated[
    Path | None,
    typer.Option("--ca-cert", exists=True, dir_okay=False,
                 help="PEM file of the CA that signed the server's certificate."),
]
NoVerifyOption = Annotated[
    bool,
    typer.Option("--no-verify-tls", help="Do not verify the server's certificate (unsafe)."),
]


@app.callback()
@command
def connect(
    ctx: typer.Context,
    from_sandbox: Annotated[
        Path | None,
        typer.Option("--from-sandbox", exists=True, dir_okay=False,
                     help="sandbox.json written by `b1hub sandbox`: stores both connections."),
    ] = None,
    integration: IntegrationOption = "default",
) -> None:
    """Store connections; with --from-sandbox, both at once from a running sandbox."""
    from b1hub.connectors.salesforce.settings import SalesforceConnection
    from b1hub.connectors.service_layer.settings import ServiceLayerConnection

    ctx.obj = {"integration": integration}
    if ctx.invoked_subcommand is not None:
        if from_sandbox is not None:
            fail("--from-sandbox cannot be combined with a subcommand")
        return
    if from_sandbox is None:
        console.print(ctx.get_help())
        raise typer.Exit(2)
    try:
        sap = ServiceLayerConnection.from_sandbox_file(from_sandbox)
        salesforce = SalesforceConnection.from_sandbox_file(from_sandbox)
    except (KeyError, json.JSONDecodeError) as exc:
        fail(f"{from_sandbox} is not a sandbox.json written by `b1hub sandbox` ({exc})")
    with open_hub(integration) as hub:
        _save(hub, sap)
        _save(hub, salesforce)


def _integration(ctx: typer.Context, own: str) -> str:
    """A subcommand's --integration, or the group's (`b1hub connect --integration X sap`)."""
    parent = (ctx.obj or {}).get("integration", "default")
    return own if own != "default" else str(parent)


def _secret(value: str | None, env: str | None, label: str, *, prompt: bool) -> str | None:
    """A secret from its option, an environment variable, or a hidden prompt."""
    if value is not None and env is not None:
        fail(f"give the {label} either directly or through an environment variable, not both")
    if env is not None:
        found = os.environ.get(env)
        if not found:
            fail(f"environment variable {env} (for the {label}) is not set or empty")
        return found
    if value is not None:
        return value
    if prompt:
        return str(typer.prompt(label.capitalize(), hide_input=True))
    return None


def _save(hub: Hub, model: ServiceLayerConnection | SalesforceConnection) -> None:
    from b1hub.connectors.service_layer.settings import ServiceLayerConnection
    from b1hub.store.types import System

    hub.save_connection(model)
    system = System.SAP if isinstance(model, ServiceLayerConnection) else System.SALESFORCE
    with hub.repos() as repos:
        settings = repos.connections.get(system)
        repos.audit.record(actor(), "connection.save", system.value,
                           settings.settings if settings else {})
    if isinstance(model, ServiceLayerConnection):
        console.print(f"saved SAP connection: {model.service_root} "
                      f"company {model.company_db}, user {model.username} "
                      f"(integration {hub.integration})", markup=False)
    else:
        console.print(f"saved Salesforce connection: {model.instance_url} "
                      f"({model.auth_flow}, client {model.client_id}) "
                      f"(integration {hub.integration})", markup=False)


@app.command("sap")
@command
def connect_sap(
    ctx: typer.Context,
    url: Annotated[str, typer.Option("--url", help="Service root, e.g. https://host:50000/b1s/v2")],
    company_db: Annotated[str, typer.Option("--company-db", help="Company database.")],
    username: Annotated[str, typer.Option("--username")],
    password: Annotated[
        str | None, typer.Option("--password", help="Prompted (hidden) when not given.")
    ] = None,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Read the password from this variable.")
    ] = None,
    ca_cert: CaCertOption = None,
    no_verify_tls: NoVerifyOption = False,
    integration: IntegrationOption = "default",
) -> None:
    """Store the SAP Business One Service Layer connection."""
    from pydantic import SecretStr

    from b1hub.connectors.service_layer.settings import ServiceLayerConnection

    secret = _secret(password, password_env, "SAP password", prompt=True)
    model = ServiceLayerConnection(
        url=url, company_db=company_db, username=username, password=SecretStr(secret or ""),
        ca_cert=ca_cert.resolve() if ca_cert else None, verify_tls=not no_verify_tls,
    )
    with open_hub(_integration(ctx, integration)) as hub:
        _save(hub, model)


@app.command("salesforce")
@command
def connect_salesforce(
    ctx: typer.Context,
    instance_url: Annotated[str, typer.Option("--instance-url", help="https://<org>.my.salesforce.com")],
    client_id: Annotated[str, typer.Option("--client-id", help="Connected app consumer key.")],
    login_url: Annotated[
        str | None, typer.Option("--login-url", help="Token endpoint host (default: instance URL).")
    ] = None,
    auth: Annotated[
        str, typer.Option("--auth", help="client_credentials | jwt_bearer | password")
    ] = "client_credentials",
    client_secret: Annotated[str | None, typer.Option("--client-secret")] = None,
    client_secret_env: Annotated[str | None, typer.Option("--client-secret-env")] = None,
    username: Annotated[str | None, typer.Option("--username")] = None,
    password: Annotated[str | None, typer.Option("--password")] = None,
    password_env: Annotated[str | None, typer.Option("--password-env")] = None,
    security_token: Annotated[str | None, typer.Option("--security-token")] = None,
    security_token_env: Annotated[str | None, typer.Option("--security-token-env")] = None,
    jwt_key: Annotated[
        Path | None, typer.Option("--jwt-key", exists=True, dir_okay=False,
                                  help="Private key (PEM) for the JWT bearer flow.")
    ] = None,
    ca_cert: CaCertOption = None,
    no_verify_tls: NoVerifyOption = False,
    integration: IntegrationOption = "default",
) -> None:
    """Store the Salesforce connection (OAuth client credentials, JWT bearer or password)."""
    from b1hub.connectors.salesforce.settings import SalesforceConnection

    flows: tuple[Literal["client_credentials", "jwt_bearer", "password"], ...] = (
        "client_credentials", "jwt_bearer", "password")
    flow = next((f for f in flows if f == auth), None)
    if flow is None:
        fail(f"--auth must be one of {', '.join(flows)}, not {auth!r}")
    if flow in ("jwt_bearer", "password") and not username:
        fail(f"the {flow} flow needs --username")
    if flow == "jwt_bearer" and jwt_key is None:
        fail("the jwt_bearer flow needs --jwt-key PATH")
    values: dict[str, Any] = {
        "instance_url": instance_url, "login_url": login_url or instance_url,
        "auth_flow": flow, "client_id": client_id, "username": username,
        "jwt_private_key": jwt_key.resolve() if jwt_key else None,
        "ca_cert": ca_cert.resolve() if ca_cert else None, "verify_tls": not no_verify_tls,
        "client_secret": _secret(client_secret, client_secret_env, "client secret",
                                 prompt=flow != "jwt_bearer"),
        "password": _secret(password, password_env, "Salesforce password",
                            prompt=flow == "password"),
        "security_token": _secret(security_token, security_token_env, "security token",
                                  prompt=False),
    }
    with open_hub(_integration(ctx, integration)) as hub:
        _save(hub, SalesforceConnection(**values))


@app.command("test")
@command
def connect_test(
    ctx: typer.Context, integration: IntegrationOption = "default", as_json: JsonOption = False
) -> None:
    """Log in to both systems and remember the result; exit 1 when either fails."""
    from b1hub.diagnostics import CheckResult, check_salesforce, check_sap
    from b1hub.store.types import System

    results: list[CheckResult] = []
    with open_hub(_integration(ctx, integration)) as hub:
        with hub.repos() as repos:
            configured = {s for s in System if repos.connections.get(s) is not None}
        for system in System:
            if system not in configured:
                results.append(CheckResult(system.value, False, "not configured — run "
                                           f"`b1hub connect {system.value} ...`"))
                continue
            result = (check_sap(hub.service_layer_connection()) if system is System.SAP
                      else check_salesforce(hub.salesforce_connection()))
            with hub.repos() as repos:
                repos.connections.record_test(system, result.ok, result.message)
            results.append(result)
    if as_json:
        print_json([{"system": r.system, "ok": r.ok, "message": r.message} for r in results])
    else:
        for r in results:
            console.print(f"{r.system}: {'ok' if r.ok else 'FAILED'} — {r.message}", markup=False)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command("show")
@command
def connect_show(
    ctx: typer.Context, integration: IntegrationOption = "default", as_json: JsonOption = False
) -> None:
    """The stored connections: settings and which secrets are set (never their values)."""
    from b1hub.store.types import System

    rows: list[dict[str, Any]] = []
    with open_hub(_integration(ctx, integration)) as hub, hub.repos() as repos:
        for system in System:
            config = repos.connections.get(system)
            if config is None:
                continue
            rows.append({
                "system": system.value,
                "settings": {k: v for k, v in config.settings.items()
                             if k not in ("http", "retry")},
                "secrets_set": sorted(config.secrets),
                "last_tested_at": config.last_tested_at,
                "last_test_ok": config.last_test_ok,
                "last_test_message": config.last_test_message,
            })
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no connections configured — run `b1hub connect ...`", markup=False)
        return
    print_table(None, ["system", "url", "user", "secrets set", "last test"], [
        (r["system"], r["settings"].get("url") or r["settings"].get("instance_url"),
         r["settings"].get("username") or r["settings"].get("client_id"),
         ", ".join(r["secrets_set"]),
         "never" if r["last_test_ok"] is None else
         f"{'ok' if r['last_test_ok'] else 'failed'}: {r['last_test_message']}")
        for r in rows
    ])
