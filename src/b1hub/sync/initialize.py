"""Initialization: link what exists on both sides, hold the ambiguous, then first load.

Both sides are read whole, in few large pages (SOQL pages of 2,000, Service Layer pages
as large as the server allows), and matched in memory; only then does the first load
create the selected records that had no counterpart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from b1hub.hub import Hub
from b1hub.mapping.store import effective_spec
from b1hub.objects.registry import get_spec
from b1hub.objects.spec import ObjectSpec
from b1hub.runner.locks import object_lock
from b1hub.store.repositories import LinkConflictError
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import (
    Direction,
    InitStatus,
    OutcomeAction,
    OutcomeStatus,
    RunStatus,
    RunTrigger,
)
from b1hub.sync.api import InitSummary, Progress, ProgressCallback
from b1hub.sync.engine import check_allowed, execute
from b1hub.sync.hashing import record_hash
from b1hub.sync.matching import match

MATCH_FIELDS: dict[str, dict[str, Any]] = {
    "account": {"natural": "AccountNumber", "name_sap": "CardName",
                "contact_rules": [("EmailAddress", "Email__c"), ("Phone1", "Phone")],
                "sap_select": ["CardCode", "CardName", "EmailAddress", "Phone1"]},
    "product": {"natural": "ProductCode", "name_sap": "ItemName", "contact_rules": [],
                "sap_select": ["ItemCode", "ItemName"]},
}


def initialize_object(
    hub: Hub, object_name: str, *, progress: ProgressCallback | None
) -> InitSummary:
    spec = effective_spec(hub, get_spec(object_name))
    check_allowed(hub, spec, initializing=True)
    with object_lock(hub, spec.name):
        with hub.repos() as repos:
            repos.objects.start_initialization(spec.name)
        try:
            # objects with their own passes match unlinked records on their first run
            linked, held = (_link_existing(hub, spec, progress) if spec.name in MATCH_FIELDS
                            else (0, 0))
            summary = execute(hub, spec, trigger=RunTrigger.INITIALIZATION, run_id=None,
                              progress=progress)
        except Exception as exc:
            with hub.repos() as repos:
                repos.objects.finish_initialization(spec.name, succeeded=False, linked=0,
                                                    created=0, held=0, message=str(exc))
            raise
        ok = summary.status is RunStatus.SUCCEEDED
        message = summary.message or (f"{summary.failed} record(s) failed; see b1hub errors"
                                      if summary.failed else None)
        with hub.repos() as repos:
            repos.objects.finish_initialization(spec.name, succeeded=ok, linked=linked,
                                                created=summary.created, held=held,
                                                message=message)
    return InitSummary(spec.name, linked, summary.created, held,
                       InitStatus.DONE if ok else InitStatus.FAILED, message)


def _link_existing(
    hub: Hub, spec: ObjectSpec, progress: ProgressCallback | None
) -> tuple[int, int]:
    rules = MATCH_FIELDS[spec.name]
    fields = list(dict.fromkeys(["Id", "Name", spec.salesforce_external_id, rules["natural"],
                                 *spec.field_map.salesforce_select()]))
    with hub.salesforce() as sf:
        sf_rows: list[dict[str, Any]] = []
        for page in sf.query(f"SELECT {', '.join(fields)} FROM {spec.salesforce_object}",
                             page_size=2000):
            if not isinstance(page, list):
                raise RuntimeError(f"reading Salesforce {spec.salesforce_object}: {page}")
            sf_rows.extend(page)
            _report(progress, "read salesforce", len(sf_rows))
    with hub.service_layer() as sap:
        sap_rows: list[dict[str, Any]] = []
        for sap_page in sap.iter_pages(spec.sap_entity, select=rules["sap_select"],
                                       filter=spec.sap_filter, page_size=1000):
            if not isinstance(sap_page, list):
                raise RuntimeError(f"reading SAP {spec.sap_entity}: {sap_page}")
            sap_rows.extend(sap_page)
            _report(progress, "read sap", len(sap_rows))
    with hub.repos() as repos:
        linked_sap = repos.links.by_sap_keys(spec.name, [str(r[spec.sap_key]) for r in sap_rows])
        linked_sf = repos.links.by_sf_ids(spec.name, [str(r["Id"]) for r in sf_rows])
    result = match([r for r in sap_rows if str(r[spec.sap_key]) not in linked_sap],
                   [r for r in sf_rows if str(r["Id"]) not in linked_sf],
                   key=spec.sap_key, external_id=spec.salesforce_external_id,
                   natural=rules["natural"], name_sap=rules["name_sap"],
                   contact_rules=rules["contact_rules"])
    by_id = {str(r["Id"]): r for r in sf_rows}
    linked = 0
    now = dt.datetime.now(dt.UTC)
    with hub.repos() as repos:
        for code, sf_id in result.pairs.items():
            base = spec.field_map.from_salesforce(by_id[sf_id]).values
            try:
                link = repos.links.insert_or_get(spec.name, code, sf_id, synced_at=now).link
            except LinkConflictError:
                continue
            link.base_values = base
            repos.links.record_sync(link, sf_hash=record_hash(base), synced_at=now)
            linked += 1
        held: list[OutcomeIn] = []
        for code, candidates in result.ambiguous.items():
            names = ", ".join(f"{c} ({by_id[c].get('Name')})" for c in candidates)
            message = (f"{spec.name} SAP {code} matches {len(candidates)} Salesforce records: "
                       f"{names}; link one by hand (b1hub link) — held, not guessed")
            held.append(OutcomeIn(spec.name, Direction.SAP_TO_SALESFORCE, OutcomeAction.HELD,
                                  OutcomeStatus.HELD, sap_key=code, sf_id=candidates[0],
                                  error_code="AMBIGUOUS_MATCH", error_message=message,
                                  payload={"candidates": candidates}))
            held.extend(OutcomeIn(spec.name, Direction.SALESFORCE_TO_SAP, OutcomeAction.HELD,
                                  OutcomeStatus.HELD, sap_key=code, sf_id=c,
                                  error_code="AMBIGUOUS_MATCH", error_message=message,
                                  payload={"candidates": candidates}) for c in candidates)
        run = repos.runs.create(spec.name, RunTrigger.INITIALIZATION)
        repos.outcomes.record(run.id, held)
        repos.runs.start(run.id)
        repos.runs.add_counts(run.id, held=len(result.ambiguous))
        repos.runs.finish(run.id, RunStatus.SUCCEEDED,
                          f"linked {linked}, held {len(result.ambiguous)}")
    return linked, len(result.ambiguous)


def _report(progress: ProgressCallback | None, stage: str, done: int) -> None:
    if progress is not None:
        progress(Progress(stage, done, None))
