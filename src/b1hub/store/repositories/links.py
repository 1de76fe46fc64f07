"""Links: SAP key <-> Salesforce Id, the memory that prevents duplicates and echoes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, or_, select

from b1hub.store.models import Link
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
        self.session.flush()
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
