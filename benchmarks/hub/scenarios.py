"""The hub's scenarios: initial load, incremental sync, idle poll; each stage a child process.

The objects are the registry's master data (those that need initialization: accounts,
products, and contacts or leads once registered), in dependency order, so objects added
to the engine join unchanged. Documents and opportunities flow Salesforce → SAP and are
not part of these scenarios.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection
from b1hub.objects.registry import dependency_order
from benchmarks.hub.measure import ChildRun, python_module, run_child
from benchmarks.hub.world import Calls, World

TO_SALESFORCE = "sap_to_salesforce"
CHANGED_SHARE = 100
"""One record in this many is changed on each side by the incremental scenario."""


@dataclass(frozen=True)
class Stage:
    name: str
    child: ChildRun
    calls: Calls
    written: Counter[str]


def master_data() -> list[str]:
    return [spec.name for spec in dependency_order() if spec.requires_initialization]


def hub_work(action: str, *objects: str) -> list[str]:
    return python_module("benchmarks.hub.hubrun", action, *objects)


def measured(world: World, name: str, args: list[str]) -> Stage:
    """Run the hub's work as a child with fresh counters; what it did and cost."""
    before = world.last_run_id()
    world.reset_counters()
    child = run_child(args)
    unfinished = [r for r in child.output
                  if r.get("status") not in ("succeeded", "done")]
    if unfinished:
        raise RuntimeError(f"{name}: runs did not finish: {unfinished}")
    return Stage(name, child, world.calls(), world.written(before))


def per_1000(count: int, records: int) -> float | None:
    return round(count * 1000 / records, 2) if records else None


@dataclass
class Scenario:
    name: str
    stages: list[Stage]
    extra: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        written: Counter[str] = Counter()
        for s in self.stages:
            written.update(s.written)
        total = sum(written.values())
        to_sf = sum(n for k, n in written.items() if k.endswith(TO_SALESFORCE))
        wall = sum(s.child.seconds for s in self.stages)
        sf = sum(s.calls.salesforce for s in self.stages)
        sl = sum(s.calls.service_layer for s in self.stages)
        jobs = sum(s.calls.bulk_jobs for s in self.stages)
        bulk_calls = sum(s.calls.bulk_calls for s in self.stages)
        return {
            "records_written": total,
            "records_to_salesforce": to_sf,
            "wall_s": round(wall, 2),
            "records_per_s": round(total / wall, 1) if wall else None,
            "sf_calls": sf,
            "sf_calls_per_1000": per_1000(sf, total),
            "sl_requests": sl,
            "sl_requests_incl_sessions": sum(s.calls.service_layer_total for s in self.stages),
            "sl_requests_per_1000": per_1000(sl, total),
            "hub_cpu_s": round(sum(s.child.cpu_seconds for s in self.stages), 2),
            "peak_rss_mb": round(max(s.child.peak_rss_mb for s in self.stages), 1),
            "bulk_jobs": jobs,
            "bulk_calls": bulk_calls,
            "by_object": dict(sorted(written.items())),
            "stages": {s.name: {"wall_s": round(s.child.seconds, 2),
                                "cpu_s": round(s.child.cpu_seconds, 2),
                                "peak_rss_mb": round(s.child.peak_rss_mb, 1),
                                "sf_calls": s.calls.salesforce,
                                "sl_requests": s.calls.service_layer,
                                "written": sum(s.written.values())} for s in self.stages},
            **self.extra,
        }


def initial_load(world: World) -> Scenario:
    objects = master_data()
    stages = [measured(world, f"init {name}", hub_work("init", name)) for name in objects]
    stages.append(measured(world, "sync", hub_work("sync", *objects)))
    return Scenario("initial load", stages)


def marked(world: World, object_name: str) -> list[str]:
    with world.hub.repos() as repos:
        return sorted(s.sap_key for s in repos.selections.all(object_name))


def tester(world: World) -> SalesforceClient:
    """A Salesforce client that edits as a person would: a sales rep, not the hub's
    integration user (whose edits the hub takes for its own)."""
    return SalesforceClient(SalesforceConnection.from_sandbox_file(
        world.file, auth_flow="jwt_bearer", username="jane.carter@b1hub.sandbox",
        call_options_client="benchmark-user"))


def change_records(world: World, tag: str) -> dict[str, int]:
    """Change one record in a hundred on each side: partners and items in SAP, other
    accounts in Salesforce (disjoint, so no conflict); returns how many per kind."""
    customers = marked(world, "account")
    sap_partners = customers[::CHANGED_SHARE]
    sf_partners = customers[CHANGED_SHARE // 2::CHANGED_SHARE]
    items = marked(world, "product")[::CHANGED_SHARE]
    with world.hub.service_layer() as sl:
        done = sl.write_batch("BusinessPartners", "update", [
            WriteRecord(c, {"Phone1": f"555-{tag}-{i:05d}"}, c)
            for i, c in enumerate(sap_partners)])
        done += sl.write_batch("Items", "update", [
            WriteRecord(c, {"ForeignName": f"Revision {tag} {i}"}, c)
            for i, c in enumerate(items)])
    with world.hub.repos() as repos:
        links = repos.links.by_sap_keys("account", sf_partners)
    with tester(world) as sf:
        done += sf.write_batch("Account", "update", [
            WriteRecord(code, {"Phone": f"666-{tag}-{i:05d}"}, links[code].sf_id)
            for i, code in enumerate(sf_partners) if code in links], via="collections")
    failed = [o for o in done if not isinstance(o, Success)]
    if failed:
        raise RuntimeError(f"changing records failed: {failed[:3]}")
    return {"sap_partners": len(sap_partners), "sap_items": len(items),
            "salesforce_accounts": sum(1 for c in sf_partners if c in links)}


def incremental(world: World) -> Scenario:
    world.settle()
    changed = change_records(world, time.strftime("%H%M%S"))
    return Scenario("incremental", [measured(world, "sync", hub_work("sync", *master_data()))],
                    {"records_changed": sum(changed.values()), "changed": changed})


def per_object_calls(stage: Stage) -> dict[str, dict[str, int]]:
    """Billable calls by object, from the run summaries."""
    return {r["object"]: {"sl_requests": r["sap_requests"], "sf_calls": r["salesforce_api_calls"]}
            for r in stage.child.output}


def idle(world: World) -> Scenario:
    """A sync with nothing changed since the previous one, which saw nothing new either.

    The first poll after a burst of changes is not that: it re-reads the burst's last
    ``sync_overlap_seconds`` (a change can commit that late), however quiet the systems
    have been since. It is measured and reported beside the idle poll, not as it.
    """
    world.settle()
    after = measured(world, "sync", hub_work("sync", *master_data()))
    stage = measured(world, "sync", hub_work("sync", *master_data()))
    per_object = per_object_calls(stage)
    worst = max((max(v.values()) for v in per_object.values()), default=0)
    return Scenario("idle poll", [stage], {
        "per_object": per_object, "max_calls_per_object_per_system": worst,
        "first_poll_after_changes": {
            "wall_s": round(after.child.seconds, 2), "sf_calls": after.calls.salesforce,
            "sl_requests": after.calls.service_layer, "per_object": per_object_calls(after)}})
