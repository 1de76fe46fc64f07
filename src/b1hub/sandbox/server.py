"""Run both sandboxes over HTTPS in one process until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from b1hub.sandbox.config import (
    SalesforceSettings,
    ServiceLayerSettings,
    write_sandbox_file,
)
from b1hub.sandbox.tls import ensure_tls
from b1hub.sandbox.universe import Size


@dataclass(frozen=True)
class SandboxOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    sap_port: int = 50000
    sf_port: int = 8443
    seed: int = 42
    size: Size = "small"
    sf_daily_api_limit: int = 1_000_000


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to :func:`serve` (two run at once)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _uvicorn_config(app: object, opts: SandboxOptions, port: int, tls_dir: Path) -> uvicorn.Config:
    tls = ensure_tls(tls_dir, hosts=(opts.host, "localhost"))
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=opts.host,
        port=port,
        ssl_certfile=str(tls.server_cert),
        ssl_keyfile=str(tls.server_key),
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
        lifespan="on",
    )


def build_settings(opts: SandboxOptions) -> tuple[ServiceLayerSettings, SalesforceSettings]:
    sl = ServiceLayerSettings(
        data_dir=opts.data_dir / "service_layer",
        base_url=f"https://{opts.host}:{opts.sap_port}",
        seed=opts.seed,
        size=opts.size,
    )
    sf = SalesforceSettings(
        data_dir=opts.data_dir / "salesforce",
        instance_url=f"https://{opts.host}:{opts.sf_port}",
        seed=opts.seed,
        size=opts.size,
        daily_api_limit=opts.sf_daily_api_limit,
    )
    return sl, sf


async def serve(opts: SandboxOptions) -> None:
    """Start both sandboxes; write ``sandbox.json`` once both accept connections."""
    from b1hub.sandbox.salesforce.app import create_app as create_sf_app
    from b1hub.sandbox.service_layer.app import create_app as create_sl_app

    opts.data_dir.mkdir(parents=True, exist_ok=True)
    (opts.data_dir / "sandbox.json").unlink(missing_ok=True)
    sl_settings, sf_settings = build_settings(opts)
    tls = ensure_tls(opts.data_dir, hosts=(opts.host, "localhost"))
    servers = [
        _Server(_uvicorn_config(create_sl_app(sl_settings), opts, opts.sap_port, opts.data_dir)),
        _Server(_uvicorn_config(create_sf_app(sf_settings), opts, opts.sf_port, opts.data_dir)),
    ]

    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_all)
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise RuntimeError("a sandbox server failed to start (is the port in use?)")
        await asyncio.sleep(0.02)
    write_sandbox_file(
        opts.data_dir,
        sl_settings,
        sf_settings,
        tls.ca_cert,
        jwt_private_key=sf_settings.data_dir / "jwt-private-key.pem",
    )
    print(f"Service Layer sandbox: {sl_settings.base_url}/b1s/v2", flush=True)
    print(f"Salesforce sandbox:    {sf_settings.instance_url}", flush=True)
    print(f"Connection details:    {(opts.data_dir / 'sandbox.json').resolve()}", flush=True)
    await asyncio.gather(*tasks)


def run(opts: SandboxOptions) -> None:
    asyncio.run(serve(opts))
