"""What the app holds for its whole life: the hub it serves, its settings, its jobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from b1hub.hub import Hub
from b1hub.web.config import WebSettings
from b1hub.web.services.jobs import Jobs


@dataclass
class ConsoleState:
    hub: Hub
    settings: WebSettings
    jobs: Jobs = field(default_factory=Jobs)


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state
