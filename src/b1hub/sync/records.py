"""Small shared pieces of a pass: a Salesforce change in flight, labels, stamps."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import dataclass
from typing import Any

from b1hub.mapping.fields import FieldError
from b1hub.objects import udfs
from b1hub.objects.spec import ObjectSpec
from b1hub.store.models.sync import ACCOUNT_TYPE_KEY
from b1hub.store.repositories import Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import messages
from b1hub.sync.checkpoint import Position

LABELS = {"Account": "Account", "Product2": "Product"}
TYPE = ACCOUNT_TYPE_KEY
STAMP_GRANULARITY = dt.timedelta(seconds=1)
"""Both sources stamp changes to the second (SAP UpdateTime; SystemModstamp as read)."""


@dataclass
class SfChange:
    """A Salesforce record read this run; ``done`` once written or parked.

    The mapped values are kept pickled: a first load holds every Salesforce account of the
    synced types until its SAP pass is done (20,000 at size large: 34 MB as dicts, 13 MB
    pickled), and each is read a few times at most.
    """

    key: str
    position: Position
    raw: dict[str, Any]
    packed: bytes
    modified: dt.datetime
    errors: list[Any]
    done: bool = False

    @classmethod
    def of(cls, position: Position, raw: dict[str, Any], values: dict[str, Any],
           modified: dt.datetime, errors: list[Any]) -> SfChange:
        return cls(position.key, position, raw, pickle.dumps(values, protocol=5), modified,
                   errors)

    @property
    def values(self) -> dict[str, Any]:
        """The mapped values (a fresh copy on each access)."""
        values: dict[str, Any] = pickle.loads(self.packed)
        return values


def label_of(spec: ObjectSpec) -> str:
    return LABELS.get(spec.salesforce_object, spec.salesforce_object)


def unmapped_change(spec: ObjectSpec, change: SfChange, sap_key: str | None) -> OutcomeIn:
    """The stored error of a Salesforce change whose values could not all be mapped."""
    return mapping_error(spec, Direction.SALESFORCE_TO_SAP, change.raw.get("Name"),
                         change.errors, sap_key=sap_key, sf_id=change.key)


def mapping_error(
    spec: ObjectSpec, direction: Direction, name: str | None, errors: list[FieldError], *,
    sap_key: str | None, sf_id: str | None,
) -> OutcomeIn:
    """A record error naming the record, each field, its value and why it cannot map."""
    source = "Salesforce" if direction is Direction.SALESFORCE_TO_SAP else "SAP"
    key = sf_id if direction is Direction.SALESFORCE_TO_SAP else sap_key
    record = messages.describe(label_of(spec), name, source, key or "")
    return OutcomeIn(spec.name, direction, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                     sap_key=sap_key, sf_id=sf_id,
                     error_message=messages.unmapped(record, source, errors),
                     error_fields=[e.field for e in errors])


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sf_extras(
    spec: ObjectSpec, key: str, account_type: str | None, *, create: bool
) -> dict[str, Any]:
    """Cross-reference and sync-status fields sent with every SAP → Salesforce write."""
    extras: dict[str, Any] = {spec.salesforce_external_id: key}
    if spec.salesforce_object == "Account":
        extras.update({"SAP_LastSync__c": now_iso(), "SAP_SyncStatus__c": "OK"})
        if create and account_type:
            extras["Type"] = account_type
    return extras


def sync_stamp(sf_id: str) -> dict[str, Any]:
    """The SAP UDFs written with every Salesforce → SAP write and on linking."""
    return {udfs.SFID: sf_id, udfs.SYNCED: now_iso(), udfs.STATUS: "OK"}


@dataclass(frozen=True)
class OpenRecords:
    """The source records of one object and direction with an open outcome.

    ``held``: ambiguous at initialization, never created until a person links them.
    ``parked``: failed, with when; a record re-read inside the overlap window and not
    changed since its failure is not sent again (it would fail the same way and only burn
    API calls); a later change, or ``retry_errors``, sends it again.
    ``waiting``: a child waits for a parent (a custom price entry for its standard
    entry): its record is read again on every run until the child is written.
    """

    held: set[str]
    parked: dict[str, dt.datetime]
    waiting: set[str]

    @classmethod
    def load(cls, repos: Repositories, object_name: str, direction: Direction) -> OpenRecords:
        held: set[str] = set()
        parked: dict[str, dt.datetime] = {}
        waiting: set[str] = set()
        for key, status, at in repos.outcomes.open_states(object_name, direction):
            if status is OutcomeStatus.HELD:
                held.add(key)
            elif status is OutcomeStatus.FAILED:
                parked[key] = at
            elif status is OutcomeStatus.WAITING:
                waiting.add(record_key(key))
        return cls(held, parked, waiting)


def unchanged_since(modified: dt.datetime, failed_at: dt.datetime | None) -> bool:
    """True when a change stamped ``modified`` certainly happened before ``failed_at``."""
    return failed_at is not None and modified + STAMP_GRANULARITY <= failed_at


def record_key(outcome_key: str) -> str:
    """The source record an outcome belongs to: a price key names its item first."""
    return outcome_key.split(":")[0]
