"""Records marked for SAP -> Salesforce sync (Set Customers / Set Items for Synchronization)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, or_, select

from b1hub.store.models import Link, Selection
from b1hub.store.repositories._base import ScopedRepository, chunked, insert_for
from b1hub.store.types import utcnow

# Objects whose selection needs an Account Type (mandatory in the seed's window).
OBJECTS_NEEDING_ACCOUNT_TYPE = frozenset({"account"})


@dataclass(frozen=True)
class SelectionEntry:
    sap_key: str
    account_type: str | None = None
    label: str | None = None


class SelectionRepository(ScopedRepository):
    def mark(
        self, object_name: str, entries: Sequence[SelectionEntry], by: str | None = None
    ) -> int:
        """Mark (or re-mark with a new Account Type) in one statement per chunk; idempotent."""
        if object_name in OBJECTS_NEEDING_ACCOUNT_TYPE:
            missing = [e.sap_key for e in entries if not (e.account_type or "").strip()]
            if missing:
                raise ValueError(f"an Account Type is mandatory for {object_name}: {missing}")
        now = utcnow()
        for batch in chunked(entries, 200):
            stmt = insert_for(self.session, Selection).values(
                [
                    {
                        "integration_id": self.integration_id,
                        "object": object_name,
                        "sap_key": e.sap_key,
                        "account_type": e.account_type,
                        "label": e.label,
                        "selected_at": now,
                        "selected_by": by,
                    }
                    for e in batch
                ]
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["integration_id", "object", "sap_key"],
                set_={
                    "account_type": stmt.excluded.account_type,
                    "label": stmt.excluded.label,
                    "selected_at": stmt.excluded.selected_at,
                    "selected_by": stmt.excluded.selected_by,
                },
            )
            self.session.execute(stmt)
        self.session.expire_all()
        return len(entries)

    def unmark(self, object_name: str, sap_keys: Iterable[str]) -> int:
        removed = 0
        for batch in chunked(sap_keys):
            result = self.session.execute(
                delete(Selection).where(
                    Selection.integration_id == self.integration_id,
                    Selection.object == object_name,
                    Selection.sap_key.in_(batch),
                )
            )
            removed += int(getattr(result, "rowcount", 0))
        return removed

    def get(self, object_name: str, sap_key: str) -> Selection | None:
        return self.session.scalar(
            select(Selection).where(
                Selection.integration_id == self.integration_id,
                Selection.object == object_name,
                Selection.sap_key == sap_key,
            )
        )

    def all(self, object_name: str) -> list[Selection]:
        return list(
            self.session.scalars(
                select(Selection)
                .where(
                    Selection.integration_id == self.integration_id,
                    Selection.object == object_name,
                )
                .order_by(Selection.sap_key)
            )
        )

    def types_of(self, object_name: str, sap_keys: Iterable[str]) -> dict[str, str]:
        """The marked ones of these keys, with their Account Type ("" when none)."""
        found: dict[str, str] = {}
        for batch in chunked(set(sap_keys)):
            for key, kind in self.session.execute(
                select(Selection.sap_key, Selection.account_type).where(
                    Selection.integration_id == self.integration_id,
                    Selection.object == object_name, Selection.sap_key.in_(batch))):
                found[key] = kind or ""
        return found

    def unsynced(self, object_name: str) -> tuple[set[str], set[str]]:
        """Marked keys without a link, and linked ones whose link holds another Account
        Type (re-marked with a new type).

        Answered by the database from two indexes (a join on columns), so a run reads
        neither every selection and link nor every link's base to find the few due.
        """
        linked_type = func.coalesce(Link.account_type, "")
        rows = self.session.execute(
            select(Selection.sap_key, Link.id.is_(None))
            .outerjoin(Link, and_(Link.integration_id == Selection.integration_id,
                                  Link.object == Selection.object,
                                  Link.sap_key == Selection.sap_key))
            .where(Selection.integration_id == self.integration_id,
                   Selection.object == object_name,
                   or_(Link.id.is_(None),
                       and_(func.coalesce(Selection.account_type, "") != "",
                            linked_type != Selection.account_type))))
        unlinked: set[str] = set()
        retyped: set[str] = set()
        for key, missing in rows:
            (unlinked if missing else retyped).add(key)
        return unlinked, retyped

    def keys(self, object_name: str) -> set[str]:
        """The marked SAP keys: what the engine reads from SAP for this object."""
        return set(
            self.session.scalars(
                select(Selection.sap_key).where(
                    Selection.integration_id == self.integration_id,
                    Selection.object == object_name,
                )
            )
        )

    def count(self, object_name: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(Selection)
                .where(
                    Selection.integration_id == self.integration_id,
                    Selection.object == object_name,
                )
            )
            or 0
        )
