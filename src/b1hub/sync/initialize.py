"""Initialization: link what exists on both sides, hold the ambiguous, then first load.

Both sides are read whole, in few large pages (SOQL pages of 2,000, Service Layer pages
as large as the server allows), and matched in memory; only then does the first load
create the selected records that had no counterpart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from b1hub.hub import Hub
from b1hub.mapping.store import effective_spec
from b1hub.objects.registry import get_spec
from b1hub.objects.spec import ObjectSpec
from b1hub.runner.locks import object_lock
from b1hub.store.repositories import LinkState
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import (
    Direction,
    InitStatus,
    OutcomeAction,
    OutcomeStatus,
    RunStatus,
    RunTrigger,
)
from b1hub.sync import memory
from b1hub.sync.api import InitSummary, Progress, ProgressCallback
from b1hub.sync.engine import check_allowed, execute
from b1hub.sync.hashing import record_hash
from b1hub.sync.matching import Index, MatchResult

MATCH_FIELDS: dict[str, dict[str, Any]] = {
    "account": {"natural": "AccountNumber", "name_sap": "CardName",
                "contact_rules": [("EmailAddress", "Email__c"), ("Phone1", "Phone")],
                "sap_select": ["CardCode", "CardName", "EmailAddress", "Phone1"]},
    "product": {"natural": "ProductCode", "name_sap": "ItemName", "contact_rules": [],
                "sap_select": ["ItemCode", "ItemName"]},
}


LINK_BATCH = 2000
"""Pairs saved per transaction while linking."""


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
    """Match, then link the pairs with Salesforce's values as their merge base.

    Matching holds only the few fields it compares for every record; the base values of
    the pairs come from a second, streamed read of the whole records, saved a page at a
    time — holding whole records of 100,000 accounts took 700 MB.
    """
    rules = MATCH_FIELDS[spec.name]
    matched_on = list(dict.fromkeys(["Id", "Name", spec.salesforce_external_id,
                                     rules["natural"], *(f for _, f in rules["contact_rules"])]))
    with hub.repos() as repos:
        already = repos.links.pairs(spec.name)
    linked_sf = set(already.values())
    index = Index(external_id=spec.salesforce_external_id, natural=rules["natural"],
                  contact_rules=rules["contact_rules"])
    for row in _salesforce_rows(hub, spec, matched_on, progress):
        if str(row["Id"]) not in linked_sf:
            index.add(row)
    result, read = MatchResult(), 0
    with hub.service_layer() as sap:
        for sap_page in sap.iter_pages(spec.sap_entity, select=rules["sap_select"],
                                       filter=spec.sap_filter):
            if not isinstance(sap_page, list):
                raise RuntimeError(f"reading SAP {spec.sap_entity}: {sap_page}")
            for record in sap_page:
                if str(record[spec.sap_key]) not in already:
                    index.match(record, key=spec.sap_key, name_sap=rules["name_sap"],
                                result=result)
            read += len(sap_page)
            _report(progress, "read sap", read)
    del index
    memory.release()
    named = {c for found in result.ambiguous.values() for c in found}
    linked, names = _link_pairs(hub, spec, result.pairs, named, progress)
    with hub.repos() as repos:
        held: list[OutcomeIn] = []
        for code, candidates in result.ambiguous.items():
            listed = ", ".join(f"{c} ({names.get(c)})" for c in candidates)
            message = (f"{spec.name} SAP {code} matches {len(candidates)} Salesforce records: "
                       f"{listed}; link one by hand (b1hub link) — held, not guessed")
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


def _salesforce_rows(
    hub: Hub, spec: ObjectSpec, fields: list[str], progress: ProgressCallback | None
) -> Iterator[dict[str, Any]]:
    done = 0
    with hub.salesforce() as sf:
        for page in sf.query(f"SELECT {', '.join(fields)} FROM {spec.salesforce_object}",
                             page_size=2000):
            if not isinstance(page, list):
                raise RuntimeError(f"reading Salesforce {spec.salesforce_object}: {page}")
            yield from page
            done += len(page)
            _report(progress, "read salesforce", done)


def _link_pairs(
    hub: Hub, spec: ObjectSpec, pairs: dict[str, str], named: set[str],
    progress: ProgressCallback | None,
) -> tuple[int, dict[str, Any]]:
    """Save the pairs a page of Salesforce records at a time; how many were linked (a pair
    contradicting a link made meanwhile is left to the first load), and the names of the
    ``named`` records (candidates of ambiguous matches, for their message)."""
    if not pairs and not named:
        return 0, {}
    code_of = {sf_id: code for code, sf_id in pairs.items()}
    fields = ["Id", "Name", *spec.field_map.salesforce_select()]
    linked, states, names = 0, [], {}
    for row in _salesforce_rows(hub, spec, list(dict.fromkeys(fields)), progress):
        sf_id = str(row["Id"])
        if sf_id in named:
            names[sf_id] = row.get("Name")
        code = code_of.get(sf_id)
        if code is None:
            continue
        base = spec.field_map.from_salesforce(row).values
        states.append(LinkState(code, str(row["Id"]), base, sf_hash=record_hash(base)))
        if len(states) >= LINK_BATCH:
            linked += _save(hub, spec, states)
            states = []
    return linked + _save(hub, spec, states), names


def _save(hub: Hub, spec: ObjectSpec, states: list[LinkState]) -> int:
    with hub.repos() as repos:
        return len(repos.links.save_many(spec.name, states,
                                         synced_at=dt.datetime.now(dt.UTC)).links)


def _report(progress: ProgressCallback | None, stage: str, done: int) -> None:
    if progress is not None:
        progress(Progress(stage, done, None))
