"""What one run carries around: the hub, its clients, settings, counts and progress."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.outcomes import RecordError, StopOutcome
from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.hub import Hub
from b1hub.objects.spec import ObjectSpec
from b1hub.store.repositories import GeneralSettings
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import ConflictPolicy, OutcomeAction, OutcomeStatus
from b1hub.sync.api import Progress, ProgressCallback


class Paused(Exception):
    """A remote stopped answering or the API budget is spent: stop, keep the checkpoint.

    ``refused`` is set when the remote answered but refused the request itself (a field
    or object it lacks): no later run gets past that by itself, see :mod:`b1hub.sync.refused`.
    """

    def __init__(self, reason: StopOutcome | str) -> None:
        self.refused = reason if isinstance(reason, RecordError) else None
        if isinstance(reason, str):
            text = reason
        elif isinstance(reason, RecordError):
            text = f"request refused: {reason.message} ({reason.code})"
        else:
            text = reason.reason
        super().__init__(text)
        self.reason = text


@dataclass
class RunContext:
    hub: Hub
    spec: ObjectSpec
    run_id: int
    sap: ServiceLayerClient
    sf: SalesforceClient
    settings: GeneralSettings
    policy: ConflictPolicy
    progress: ProgressCallback | None = None
    counts: Counter[str] = field(default_factory=Counter)
    integration_user: str | None = None
    sap_written: int = 0
    pending_reason: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    """Set when some record could not be finished (API limit, remote down)."""
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def overlap(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settings.sync_overlap_seconds)

    def report(self, stage: str, done: int, total: int | None = None) -> None:
        if self.progress is not None:
            self.progress(Progress(stage, done, total))

    def count(self, outcomes: list[OutcomeIn]) -> None:
        """Tally outcomes into the run's counters (held and waiting kept apart)."""
        for o in outcomes:
            if o.status is OutcomeStatus.SUCCEEDED:
                key = {OutcomeAction.CREATE: "created", OutcomeAction.UPDATE: "updated"}.get(
                    o.action, "skipped")
            else:
                key = {OutcomeStatus.FAILED: "failed", OutcomeStatus.HELD: "held",
                       OutcomeStatus.WAITING: "waiting"}[o.status]
            self.counts[key] += 1
