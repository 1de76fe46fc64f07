"""Per-record outcomes: the history of every record and the Errors page (unresolved rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update

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


INSERT_ROWS = 1000
"""Outcome rows per INSERT."""


@dataclass(frozen=True)
class Recorded:
    """A stored outcome: its row id, attempt number and whether it is resolved."""

    id: int
    attempt: int
    resolved: bool


def _source_column(direction: Direction) -> Any:
    return (
        RecordOutcome.sap_key if direction is Direction.SAP_TO_SALESFORCE else RecordOutcome.sf_id
    )


class OutcomeRepository(ScopedRepository):
    def record(self, run_id: int, outcomes: Sequence[OutcomeIn]) -> list[Recorded]:
        """Store a batch of outcomes. Each supersedes the record's open outcome (same object,
        direction and source key): that one is resolved and its attempt count carried on, so
        the Errors page shows one row per record with how often it was tried.

        Multi-row INSERTs of ``INSERT_ROWS``: an initial load records a row per record
        (40,000 for 5,000 items with their prices), and ORM objects for them were a tenth
        of its CPU; rows are built a slice at a time so their parameters never all sit in
        memory at once.
        """
        previous = self._open_attempts(outcomes)
        now = utcnow()
        states: list[Recorded] = []
        latest: dict[tuple[str, Direction, str], int] = {}
        for i, outcome in enumerate(outcomes):
            identity = (outcome.object, outcome.direction, outcome.source_key())
            earlier = latest.get(identity)
            if earlier is not None:  # the same record twice in one batch: the first is done
                states[earlier] = Recorded(0, states[earlier].attempt, True)
                previous[identity] = states[earlier].attempt
            latest[identity] = i
            states.append(Recorded(0, previous.get(identity, 0) + 1,
                                   outcome.status is OutcomeStatus.SUCCEEDED))
        stored: list[Recorded] = []
        for start in range(0, len(outcomes), INSERT_ROWS):
            rows = [self._row(run_id, outcome, state, now) for outcome, state in zip(
                outcomes[start:start + INSERT_ROWS], states[start:start + INSERT_ROWS],
                strict=True)]
            ids = self.session.scalars(
                insert(RecordOutcome).returning(RecordOutcome.id, sort_by_parameter_order=True),
                rows)
            stored.extend(Recorded(int(i), state.attempt, state.resolved) for i, state in zip(
                ids, states[start:start + INSERT_ROWS], strict=True))
        return stored

    def _row(
        self, run_id: int, outcome: OutcomeIn, state: Recorded, now: datetime
    ) -> dict[str, Any]:
        return {
            "integration_id": self.integration_id,
            "run_id": run_id,
            "object": outcome.object,
            "direction": outcome.direction,
            "action": outcome.action,
            "status": outcome.status,
            "sap_key": outcome.sap_key,
            "sf_id": outcome.sf_id,
            "error_code": outcome.error_code,
            "error_message": outcome.error_message,
            "error_fields": list(outcome.error_fields),
            "payload": outcome.payload,
            "attempt": state.attempt,
            "resolved": state.resolved,
            "resolved_at": now if state.resolved else None,
            "created_at": now,
        }

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

    def open_states(
        self, object_name: str, direction: Direction
    ) -> list[tuple[str, OutcomeStatus, datetime]]:
        """(source key, status, recorded at) of the object's unresolved outcomes in one
        direction: what a run decides with, without loading the rows' messages and payloads
        (a large initialization holds thousands of ambiguous matches)."""
        column = _source_column(direction)
        rows = self.session.execute(
            select(column, RecordOutcome.status, RecordOutcome.created_at)
            .where(self._open(), RecordOutcome.object == object_name,
                   RecordOutcome.direction == direction, column.is_not(None))
            .order_by(RecordOutcome.id))
        return [(str(key), status, at) for key, status, at in rows]

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
