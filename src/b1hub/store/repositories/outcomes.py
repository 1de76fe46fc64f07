"""Per-record outcomes: the history of every record and the Errors page (unresolved rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from b1hub.store.models import RecordOutcome
from b1hub.store.repositories._base import ScopedRepository, chunked
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus, utcnow


@dataclass(frozen=True)
class OutcomeIn:
    """One record's result as the engine reports it."""

    object: str
    direction: Direction
    action: OutcomeAction
    status: OutcomeStatus
    sap_key: str | None = None
    sf_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_fields: list[str] = field(default_factory=list)
    payload: dict[str, Any] | None = None

    def source_key(self) -> str:
        """The key the record is known by on the side it was read from (never None)."""
        key = self.sap_key if self.direction is Direction.SAP_TO_SALESFORCE else self.sf_id
        if not key:
            side = "sap_key" if self.direction is Direction.SAP_TO_SALESFORCE else "sf_id"
            raise ValueError(f"{self.direction.value} outcome for {self.object} needs its {side}")
        return key


def _source_column(direction: Direction) -> Any:
    return (
        RecordOutcome.sap_key if direction is Direction.SAP_TO_SALESFORCE else RecordOutcome.sf_id
    )


class OutcomeRepository(ScopedRepository):
    def record(self, run_id: int, outcomes: Sequence[OutcomeIn]) -> list[RecordOutcome]:
        """Store a batch of outcomes. Each supersedes the record's open outcome (same object,
        direction and source key): that one is resolved and its attempt count carried on, so
        the Errors page shows one row per record with how often it was tried."""
        previous = self._open_attempts(outcomes)
        now = utcnow()
        rows: list[RecordOutcome] = []
        latest: dict[tuple[str, Direction, str], RecordOutcome] = {}
        for outcome in outcomes:
            identity = (outcome.object, outcome.direction, outcome.source_key())
            earlier = latest.get(identity)
            if earlier is not None:
                earlier.resolved = True
                earlier.resolved_at = earlier.resolved_at or now
                previous[identity] = earlier.attempt
            row = RecordOutcome(
                integration_id=self.integration_id,
                run_id=run_id,
                object=outcome.object,
                direction=outcome.direction,
                action=outcome.action,
                status=outcome.status,
                sap_key=outcome.sap_key,
                sf_id=outcome.sf_id,
                error_code=outcome.error_code,
                error_message=outcome.error_message,
                error_fields=list(outcome.error_fields),
                payload=outcome.payload,
                attempt=previous.get(identity, 0) + 1,
                resolved=outcome.status is OutcomeStatus.SUCCEEDED,
                resolved_at=now if outcome.status is OutcomeStatus.SUCCEEDED else None,
                created_at=now,
            )
            latest[identity] = row
            rows.append(row)
        self.session.add_all(rows)
        self.session.flush()
        return rows

    def _open_attempts(
        self, outcomes: Sequence[OutcomeIn]
    ) -> dict[tuple[str, Direction, str], int]:
        """Resolve the open outcomes the new batch supersedes; return their attempt counts."""
        attempts: dict[tuple[str, Direction, str], int] = {}
        groups: dict[tuple[str, Direction], set[str]] = {}
        for outcome in outcomes:
            groups.setdefault((outcome.object, outcome.direction), set()).add(outcome.source_key())
        for (object_name, direction), keys in groups.items():
            column = _source_column(direction)
            for batch in chunked(sorted(keys)):
                criteria = and_(
                    self._open(),
                    RecordOutcome.object == object_name,
                    RecordOutcome.direction == direction,
                    column.in_(batch),
                )
                for key, attempt in self.session.execute(
                    select(column, func.max(RecordOutcome.attempt)).where(criteria).group_by(column)
                ):
                    attempts[(object_name, direction, key)] = int(attempt)
                self.session.execute(
                    update(RecordOutcome)
                    .where(criteria)
                    .values(resolved=True, resolved_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
        return attempts

    def open_errors(self, object_name: str | None = None, limit: int = 1000) -> list[RecordOutcome]:
        """Unresolved failed / held / waiting records, oldest first (the retry order)."""
        stmt = select(RecordOutcome).where(self._open())
        if object_name is not None:
            stmt = stmt.where(RecordOutcome.object == object_name)
        return list(self.session.scalars(stmt.order_by(RecordOutcome.id).limit(limit)))

    def open_waiting(
        self, object_name: str, direction: Direction
    ) -> list[tuple[str | None, str | None, dict[str, Any] | None]]:
        """(sap_key, sf_id, payload) of the records waiting for a parent: columns, not
        outcome objects, read on every run of the object."""
        rows = self.session.execute(
            select(RecordOutcome.sap_key, RecordOutcome.sf_id, RecordOutcome.payload)
            .where(self._open(), RecordOutcome.object == object_name,
                   RecordOutcome.direction == direction,
                   RecordOutcome.status == OutcomeStatus.WAITING)
            .order_by(RecordOutcome.id))
        return [(sap_key, sf_id, payload) for sap_key, sf_id, payload in rows]

    def open_counts(self) -> dict[str, int]:
        """Open errors per object, for the dashboard badges."""
        rows = self.session.execute(
            select(RecordOutcome.object, func.count())
            .where(self._open())
            .group_by(RecordOutcome.object)
        )
        return {name: int(count) for name, count in rows}

    def get_many(self, ids: Sequence[int]) -> list[RecordOutcome]:
        """The outcomes `b1hub errors --retry ID...` names, in this integration only."""
        found: list[RecordOutcome] = []
        for batch in chunked(ids):
            found.extend(
                self.session.scalars(
                    select(RecordOutcome).where(
                        RecordOutcome.integration_id == self.integration_id,
                        RecordOutcome.id.in_(batch),
                    )
                )
            )
        return sorted(found, key=lambda row: row.id)

    def resolve(self, ids: Sequence[int]) -> int:
        """Dismiss errors by hand (e.g. the record was deleted on purpose)."""
        resolved = 0
        for batch in chunked(ids):
            result = self.session.execute(
                update(RecordOutcome)
                .where(
                    RecordOutcome.integration_id == self.integration_id,
                    RecordOutcome.id.in_(batch),
                    RecordOutcome.resolved.is_(False),
                )
                .values(resolved=True, resolved_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            resolved += int(getattr(result, "rowcount", 0))
        self.session.expire_all()
        return resolved

    def for_run(self, run_id: int, status: OutcomeStatus | None = None) -> list[RecordOutcome]:
        stmt = select(RecordOutcome).where(
            RecordOutcome.integration_id == self.integration_id, RecordOutcome.run_id == run_id
        )
        if status is not None:
            stmt = stmt.where(RecordOutcome.status == status)
        return list(self.session.scalars(stmt.order_by(RecordOutcome.id)))

    def history(
        self, object_name: str, *, sap_key: str | None = None, sf_id: str | None = None
    ) -> list[RecordOutcome]:
        """Everything that happened to one record, matched by either of its keys."""
        if sap_key is None and sf_id is None:
            raise ValueError("give sap_key, sf_id or both")
        keys = []
        if sap_key is not None:
            keys.append(RecordOutcome.sap_key == sap_key)
        if sf_id is not None:
            keys.append(RecordOutcome.sf_id == sf_id)
        stmt = select(RecordOutcome).where(
            RecordOutcome.integration_id == self.integration_id,
            RecordOutcome.object == object_name,
            or_(*keys),
        )
        return list(self.session.scalars(stmt.order_by(RecordOutcome.id)))

    def _open(self) -> ColumnElement[bool]:
        return and_(
            RecordOutcome.integration_id == self.integration_id,
            RecordOutcome.resolved.is_(False),
        )
