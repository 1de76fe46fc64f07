"""Links: SAP key <-> Salesforce Id, the memory that prevents duplicates and echoes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from b1hub.store.models import Link
from b1hub.store.models.sync import account_type_of
from b1hub.store.repositories._base import ScopedRepository, chunked, insert_for
from b1hub.store.types import utcnow


class LinkConflictError(RuntimeError):
    """The pair asked for contradicts an existing link (one side is linked elsewhere).

    Raised instead of silently returning the other link: the caller is about to treat two
    different records as one, which is a data problem to surface, not to paper over.
    """

    def __init__(self, wanted: tuple[str, str], existing: list[Link]) -> None:
        pairs = ", ".join(f"{link.sap_key} <-> {link.sf_id}" for link in existing)
        super().__init__(f"cannot link {wanted[0]} <-> {wanted[1]}: already linked as {pairs}")
        self.wanted = wanted
        self.existing = existing


@dataclass(frozen=True)
class LinkResult:
    link: Link
    created: bool


@dataclass(frozen=True)
class LinkState:
    """What one pair was just synced with: its link is created if missing, then updated."""

    sap_key: str
    sf_id: str
    base_values: dict[str, Any] | None
    sap_hash: str | None = None
    sf_hash: str | None = None


@dataclass
class SavedLinks:
    links: dict[str, Link] = field(default_factory=dict)
    """By SAP key: the links saved."""
    conflicts: list[LinkConflictError] = field(default_factory=list)
    """Pairs not saved: one side is linked to another record."""


class LinkRepository(ScopedRepository):
    def insert_or_get(
        self,
        object_name: str,
        sap_key: str,
        sf_id: str,
        *,
        sap_hash: str | None = None,
        sf_hash: str | None = None,
        sap_updated: datetime | None = None,
        sf_updated: datetime | None = None,
        synced_at: datetime | None = None,
    ) -> LinkResult:
        """Create the link, or return the identical one another writer created first.

        INSERT ... ON CONFLICT DO NOTHING lets the database arbitrate races (both unique
        constraints at once), then the row is read back: concurrent callers all end up with
        the same single row. Hashes are only written when this call created the link.
        """
        stmt = insert_for(self.session, Link).values(
            integration_id=self.integration_id,
            object=object_name,
            sap_key=sap_key,
            sf_id=sf_id,
            sap_hash=sap_hash,
            sf_hash=sf_hash,
            sap_updated=sap_updated,
            sf_updated=sf_updated,
            last_synced_at=synced_at,
            created_at=utcnow(),
        )
        inserted = self.session.execute(stmt.on_conflict_do_nothing().returning(Link.id))
        created = inserted.first() is not None
        rows = list(
            self.session.scalars(
                select(Link)
                .where(
                    Link.integration_id == self.integration_id,
                    Link.object == object_name,
                    or_(Link.sap_key == sap_key, Link.sf_id == sf_id),
                )
                .execution_options(populate_existing=True)
            )
        )
        if len(rows) == 1 and rows[0].sap_key == sap_key and rows[0].sf_id == sf_id:
            return LinkResult(rows[0], created)
        raise LinkConflictError((sap_key, sf_id), rows)

    def save_many(
        self, object_name: str, states: Sequence[LinkState], *, synced_at: datetime
    ) -> SavedLinks:
        """Create the missing links and record the sync on every pair, a few statements per
        500 pairs: an initial load links thousands, and one INSERT and SELECT per link
        was a quarter of its time.

        The same arbitration as ``insert_or_get``: ON CONFLICT DO NOTHING, then the rows
        are read back; a pair contradicting an existing link is returned as a conflict.
        """
        saved = SavedLinks()
        for batch in chunked(states):
            found = self._sync_batch(object_name, batch, synced_at)
            updates: list[dict[str, Any]] = []
            for state in batch:
                link = found.get(state.sap_key)
                if link is None or link.sf_id != state.sf_id:
                    saved.conflicts.append(LinkConflictError(
                        (state.sap_key, state.sf_id),
                        [x for x in found.values() if x.sf_id == state.sf_id] + (
                            [link] if link is not None else [])))
                    continue
                saved.links[state.sap_key] = link
                changes = _changes(link, state, synced_at)
                if changes:
                    updates.append({"id": link.id, **changes})
            if updates:
                self.session.execute(update(Link), updates)
                for values in updates:  # the objects returned show what the rows now hold
                    link = self.session.get_one(Link, values["id"])
                    for key, value in values.items():
                        set_committed_value(link, key, value)
        return saved

    def _sync_batch(
        self, object_name: str, batch: Sequence[LinkState], synced_at: datetime
    ) -> dict[str, Link]:
        """Insert the batch's missing links with their state; the batch's links by key.

        Every pair is offered to the INSERT (the existing are left alone by ON CONFLICT):
        looking the existing up first loaded every link of the batch twice.
        """
        keys = [s.sap_key for s in batch]
        now = utcnow()
        rows = [{"integration_id": self.integration_id, "object": object_name,
                 "sap_key": s.sap_key, "sf_id": s.sf_id, "sap_hash": s.sap_hash,
                 "sf_hash": s.sf_hash, "base_values": s.base_values,
                 "account_type": account_type_of(s.base_values),
                 "last_synced_at": synced_at, "created_at": now} for s in batch]
        self.session.execute(insert_for(self.session, Link).on_conflict_do_nothing(), rows)
        sf_ids = [s.sf_id for s in batch]
        return {link.sap_key: link for link in self.session.scalars(
            self._query(object_name)
            .where(or_(Link.sap_key.in_(keys), Link.sf_id.in_(sf_ids)))
            .execution_options(populate_existing=True))}

    def by_sap_key(self, object_name: str, sap_key: str) -> Link | None:
        return self.session.scalar(self._query(object_name).where(Link.sap_key == sap_key))

    def by_sf_id(self, object_name: str, sf_id: str) -> Link | None:
        return self.session.scalar(self._query(object_name).where(Link.sf_id == sf_id))

    def by_sap_keys(self, object_name: str, sap_keys: Iterable[str]) -> dict[str, Link]:
        """Batch lookup for a page of source records: one query per 500 keys."""
        found: dict[str, Link] = {}
        for batch in chunked(set(sap_keys)):
            for link in self.session.scalars(
                self._query(object_name).where(Link.sap_key.in_(batch))
            ):
                found[link.sap_key] = link
        return found

    def pairs(self, object_name: str) -> dict[str, str]:
        """SAP key -> Salesforce Id of every link of the object, streamed (no objects)."""
        rows = self.session.execute(
            select(Link.sap_key, Link.sf_id)
            .where(Link.integration_id == self.integration_id, Link.object == object_name)
            .execution_options(yield_per=5000))
        return {key: sf_id for key, sf_id in rows}

    def by_sf_ids(self, object_name: str, sf_ids: Iterable[str]) -> dict[str, Link]:
        found: dict[str, Link] = {}
        for batch in chunked(set(sf_ids)):
            for link in self.session.scalars(self._query(object_name).where(Link.sf_id.in_(batch))):
                found[link.sf_id] = link
        return found

    def record_sync(
        self,
        link: Link,
        *,
        sap_hash: str | None = None,
        sf_hash: str | None = None,
        sap_updated: datetime | None = None,
        sf_updated: datetime | None = None,
        synced_at: datetime | None = None,
    ) -> Link:
        """Remember what was just written/read each way; only the given values change."""
        if link.integration_id != self.integration_id:
            raise ValueError("link belongs to another integration")
        if sap_hash is not None:
            link.sap_hash = sap_hash
        if sf_hash is not None:
            link.sf_hash = sf_hash
        if sap_updated is not None:
            link.sap_updated = sap_updated
        if sf_updated is not None:
            link.sf_updated = sf_updated
        link.last_synced_at = synced_at or utcnow()
        return link

    def page(self, object_name: str, *, limit: int = 100, offset: int = 0) -> list[Link]:
        return list(
            self.session.scalars(
                self._query(object_name).order_by(Link.sap_key).limit(limit).offset(offset)
            )
        )

    def count(self, object_name: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(Link)
                .where(Link.integration_id == self.integration_id, Link.object == object_name)
            )
            or 0
        )

    def unlink(self, object_name: str, sap_key: str) -> bool:
        """Forget a link (admin repair); the next sync treats both records as unlinked."""
        result = self.session.execute(
            delete(Link).where(
                Link.integration_id == self.integration_id,
                Link.object == object_name,
                Link.sap_key == sap_key,
            )
        )
        return int(getattr(result, "rowcount", 0)) == 1

    def _query(self, object_name: str) -> Select[Link]:
        return select(Link).where(
            Link.integration_id == self.integration_id, Link.object == object_name
        )


def _changes(link: Link, state: LinkState, synced_at: datetime) -> dict[str, Any]:
    """The columns of ``link`` that differ from ``state`` (hashes given as None stay)."""
    wanted: dict[str, Any] = {"base_values": state.base_values,
                              "account_type": account_type_of(state.base_values),
                              "last_synced_at": synced_at}
    if state.sap_hash is not None:
        wanted["sap_hash"] = state.sap_hash
    if state.sf_hash is not None:
        wanted["sf_hash"] = state.sf_hash
    return {k: v for k, v in wanted.items() if getattr(link, k) != v}
