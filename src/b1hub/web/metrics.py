"""/metrics for Prometheus, behind a token like the API (scrapers send a viewer's token).

Values are read from the store at scrape time, so every ``b1hub serve`` process reports
the same numbers and nothing is lost on restart.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from b1hub.hub import Hub
from b1hub.store.models import Run
from b1hub.web.security.principal import Viewer
from b1hub.web.services.overview import objects_overview, salesforce_calls_today
from b1hub.web.state import console_state

router = APIRouter()


class StoreCollector(Collector):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[GaugeMetricFamily]:
        integration = self.hub.integration
        errors = GaugeMetricFamily("b1hub_open_errors", "Unresolved record errors",
                                   labels=["integration", "object"])
        last_run = GaugeMetricFamily("b1hub_last_run_timestamp_seconds",
                                     "When the object's latest run ended or started",
                                     labels=["integration", "object"])
        for row in objects_overview(self.hub):
            errors.add_metric([integration, row.name], row.open_errors)
            if row.last_run_at is not None:
                last_run.add_metric([integration, row.name], row.last_run_at.timestamp())
        runs = GaugeMetricFamily("b1hub_runs", "Runs by object and status",
                                 labels=["integration", "object", "status"])
        with self.hub.repos() as repos:
            for name, status, count in repos.session.execute(
                select(Run.object, Run.status, func.count())
                .where(Run.integration_id == repos.integration_id)
                .group_by(Run.object, Run.status)
            ):
                runs.add_metric([integration, name, status.value], int(count))
        calls = GaugeMetricFamily("b1hub_salesforce_api_calls_today",
                                  "Salesforce API calls spent by b1hub runs since 00:00 UTC",
                                  labels=["integration"])
        calls.add_metric([integration], salesforce_calls_today(self.hub))
        yield from (errors, last_run, runs, calls)


def _registry(request: Request) -> CollectorRegistry:
    registry: CollectorRegistry | None = getattr(request.app.state, "metrics_registry", None)
    if registry is None:
        registry = CollectorRegistry()
        registry.register(StoreCollector(console_state(request).hub))
        request.app.state.metrics_registry = registry
    return registry


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, _: Viewer) -> Response:
    return Response(generate_latest(_registry(request)), media_type=CONTENT_TYPE_LATEST)
