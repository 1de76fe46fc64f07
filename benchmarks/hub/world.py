"""One size's world: its sandbox process, a hub store connected to it, and the counters.

Salesforce API calls are the org's own usage counter (what Salesforce bills: the token
endpoint is free); Service Layer requests are the sandbox's route counters without login
and logout (sessions are not data calls), the raw total kept alongside.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from b1hub.hub import Hub
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.models import RecordOutcome, Run
from b1hub.store.types import OutcomeAction, OutcomeStatus

WRITES = (OutcomeAction.CREATE, OutcomeAction.UPDATE)
SESSION_ROUTES = ("Login", "Logout")


@dataclass(frozen=True)
class Calls:
    salesforce: int
    service_layer: int
    service_layer_total: int
    salesforce_routes: dict[str, int]

    @property
    def bulk_jobs(self) -> int:
        return self.salesforce_routes.get("POST jobs/ingest", 0)

    @property
    def bulk_calls(self) -> int:
        return sum(n for route, n in self.salesforce_routes.items() if " jobs/" in route)


def _admin(origin: str, ca: str) -> httpx.Client:
    return httpx.Client(base_url=origin, verify=ssl.create_default_context(cafile=ca),
                        timeout=600.0)


class World:
    """Counters and records of one sandbox process and the hub store beside it."""

    def __init__(self, proc: SandboxProcess, home: Path) -> None:
        os.environ["B1HUB_HOME"] = str(home)  # the hub children inherit it
        os.environ.pop("B1HUB_DATABASE_URL", None)
        self.proc = proc
        info = proc.info
        sl_url = str(info["service_layer"]["url"])
        self.sl_admin = _admin(sl_url[: sl_url.index("/b1s/")], info["service_layer"]["ca_cert"])
        self.sf_admin = _admin(info["salesforce"]["instance_url"], info["salesforce"]["ca_cert"])
        self.hub = Hub.open()

    @property
    def file(self) -> Path:
        return Path(self.proc.data_dir) / "sandbox.json"

    @property
    def info(self) -> dict[str, Any]:
        return self.proc.info

    def reset_counters(self) -> None:
        self.sl_admin.delete("/_sandbox/counters")
        self.sf_admin.delete("/_sandbox/counters")
        self.sf_admin.delete("/_sandbox/usage")

    def calls(self) -> Calls:
        sl = self.sl_admin.get("/_sandbox/counters").json()
        sf_routes = self.sf_admin.get("/_sandbox/counters").json()["routes"]
        data = sum(n for route, n in sl["routes"].items()
                   if not any(s in route for s in SESSION_ROUTES))
        return Calls(int(self.sf_admin.get("/_sandbox/usage").json()["used"]), data,
                     int(sl["total"]), dict(sf_routes))

    def reset_salesforce(self) -> None:
        """Back to the seeded org (after a baseline wrote to it)."""
        self.sf_admin.post("/_sandbox/reset", json={}).raise_for_status()
        self.reset_counters()

    def settle(self) -> float:
        """Wait until the hub's read overlap has passed since its last run; the seconds
        waited.

        A read re-covers every change of the last ``sync_overlap_seconds`` (changes commit
        late), the hub's own write-backs included: a sync less than a minute after a load
        of 100,000 partners is not idle. A scheduled poll always starts past that window,
        so the incremental and idle scenarios do too.
        """
        with self.hub.repos() as repos:
            overlap = repos.settings.get().sync_overlap_seconds
            last = repos.session.scalar(select(func.max(Run.finished_at)))
        if last is None:
            return 0.0
        wait = (last + dt.timedelta(seconds=overlap + 1) - dt.datetime.now(dt.UTC)).total_seconds()
        if wait > 0:
            time.sleep(wait)
        return float(max(wait, 0.0))

    def last_run_id(self) -> int:
        with self.hub.repos() as repos:
            return int(repos.session.scalar(select(func.coalesce(func.max(Run.id), 0))) or 0)

    def written(self, after_run: int) -> Counter[str]:
        """Records written by the runs after ``after_run``: by "object direction"."""
        price = func.coalesce(RecordOutcome.sap_key.contains(":"), False)
        with self.hub.repos() as repos:
            rows = repos.session.execute(
                select(RecordOutcome.object, RecordOutcome.direction, price, func.count())
                .where(RecordOutcome.run_id > after_run,
                       RecordOutcome.integration_id == repos.integration_id,
                       RecordOutcome.status == OutcomeStatus.SUCCEEDED,
                       RecordOutcome.action.in_(WRITES))
                .group_by(RecordOutcome.object, RecordOutcome.direction, price)
            ).all()
        counts: Counter[str] = Counter()
        for obj, direction, is_price, n in rows:
            name = "price entry" if is_price else obj
            counts[f"{name} {direction.value}"] += int(n)
        return counts

    def close(self) -> None:
        self.hub.close()
        self.sl_admin.close()
        self.sf_admin.close()
