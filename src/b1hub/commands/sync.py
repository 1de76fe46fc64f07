"""``b1hub init`` and ``b1hub sync``: initialization and Sync Now, in the foreground."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from b1hub.commands.common import (
    IntegrationOption,
    JsonOption,
    command,
    console,
    fail,
    object_name,
    open_hub,
    print_json,
)
from b1hub.commands.progress import progress_bars

if TYPE_CHECKING:
    from b1hub.sync.api import InitSummary, RunSummary

ObjectArgument = Annotated[str, typer.Argument(help="account, product, ... or all")]
QuietOption = Annotated[bool, typer.Option("--no-progress", help="Do not draw progress bars.")]


def _objects(text: str) -> list[str] | None:
    """None for "all" (the engine's dependency order), else the one canonical name."""
    return None if text.strip().lower() == "all" else [object_name(text)]


def _known_object(name: str) -> None:
    from b1hub.objects.registry import REGISTRY

    if name not in REGISTRY:
        fail(f"{name} is not synchronised yet; available: {', '.join(REGISTRY)}")


@command
def init(
    target: ObjectArgument, integration: IntegrationOption = "default",
    as_json: JsonOption = False, no_progress: QuietOption = False,
) -> None:
    """Initialize an object (once): link existing matches, hold ambiguous ones, first load.

    Sync Now and schedules stay locked until an object is initialized.
    """
    from b1hub.objects.registry import REGISTRY
    from b1hub.sync.api import initialize

    names = _objects(target) or [n for n in REGISTRY if REGISTRY[n].requires_initialization]
    for name in names:
        _known_object(name)
    summaries: list[InitSummary] = []
    with open_hub(integration) as hub:
        for name in names:
            with progress_bars(f"init {name}", enabled=not (no_progress or as_json)) as bars:
                summaries.append(initialize(hub, name, progress=bars))
    if as_json:
        print_json([_init_dict(s) for s in summaries])
    else:
        for s in summaries:
            line = (f"{s.object}: {s.status.value} — linked {s.linked}, created {s.created}, "
                    f"held {s.held}")
            console.print(line + (f" ({s.message})" if s.message else ""), markup=False)
            if s.held:
                console.print(f"  {s.held} held for review: `b1hub errors --object {s.object}`",
                              markup=False)
    if any(s.status.value != "done" for s in summaries):
        raise typer.Exit(1)


@command
def sync(
    target: ObjectArgument, integration: IntegrationOption = "default",
    as_json: JsonOption = False, no_progress: QuietOption = False,
    queue: Annotated[bool, typer.Option(
        "--queue", help="Queue the run for the runner (`b1hub serve`/`worker`) instead; "
        "joins a run of the object already queued or running.")] = False,
) -> None:
    """Sync Now, in the foreground, with progress bars and a summary.

    Exit 0 when the run finished, even if some records failed (see `b1hub errors`);
    1 when it could not run or stopped early (rate limit, remote down).
    """
    from b1hub.sync.api import run_all, run_object

    if queue:
        from b1hub.runner.commands import queue_sync

        queue_sync(target, integration, as_json)
        return
    names = _objects(target)
    if names is not None:
        _known_object(names[0])
    bars_on = not (no_progress or as_json)
    with open_hub(integration) as hub, progress_bars(f"sync {target}", enabled=bars_on) as bars:
        summaries = (run_all(hub, progress=bars) if names is None
                     else [run_object(hub, names[0], progress=bars)])
    print_summaries(summaries, as_json)
    if any(s.status.value != "succeeded" for s in summaries):
        raise typer.Exit(1)


def print_summaries(summaries: list[RunSummary], as_json: bool) -> None:
    if as_json:
        print_json([_run_dict(s) for s in summaries])
        return
    for s in summaries:
        console.print(
            f"{s.object}: run {s.run_id} {s.status.value} — created {s.created}, "
            f"updated {s.updated}, skipped {s.skipped}, failed {s.failed}, held {s.held}, "
            f"waiting {s.waiting} (SAP requests {s.sap_requests}, Salesforce API calls "
            f"{s.salesforce_api_calls})", markup=False)
        if s.message:
            console.print(f"  {s.message}", markup=False)
        if s.failed or s.held:
            console.print(f"  see `b1hub errors --object {s.object}`", markup=False)


def _run_dict(s: RunSummary) -> dict[str, Any]:
    return {"run_id": s.run_id, "object": s.object, "status": s.status.value,
            "created": s.created, "updated": s.updated, "skipped": s.skipped,
            "failed": s.failed, "held": s.held, "waiting": s.waiting,
            "sap_requests": s.sap_requests, "salesforce_api_calls": s.salesforce_api_calls,
            "message": s.message}


def _init_dict(s: InitSummary) -> dict[str, Any]:
    return {"object": s.object, "status": s.status.value, "linked": s.linked,
            "created": s.created, "held": s.held, "message": s.message}


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("sync")(sync)
