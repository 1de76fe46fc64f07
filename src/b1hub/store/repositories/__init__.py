"""Repositories: the only way the engine, CLI and web read and write the store.

Scoped repositories take (session, integration_id) once; `Repositories` bundles them for one
integration so callers write `repos.links.insert_or_get(...)`.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.orm import Session

from b1hub.store.repositories.audit import AuditRepository, redact
from b1hub.store.repositories.checkpoints import CheckpointRepository
from b1hub.store.repositories.conflicts import ConflictRepository
from b1hub.store.repositories.connections import ConnectionConfig, ConnectionRepository
from b1hub.store.repositories.integrations import (
    DEFAULT_INTEGRATION,
    IntegrationNotFound,
    delete_integration,
    ensure_integration,
    get_integration,
    list_integrations,
)
from b1hub.store.repositories.links import (
    LinkConflictError,
    LinkRepository,
    LinkResult,
    LinkState,
    SavedLinks,
)
from b1hub.store.repositories.locks import LockRepository
from b1hub.store.repositories.mappings import CustomFieldRepository, MappingRepository
from b1hub.store.repositories.objects import ObjectSettingsRepository
from b1hub.store.repositories.outcomes import OutcomeIn, OutcomeRepository
from b1hub.store.repositories.runs import RunRepository, stalled_runs
from b1hub.store.repositories.schedules import ScheduleRepository, due_schedules
from b1hub.store.repositories.selections import SelectionEntry, SelectionRepository
from b1hub.store.repositories.settings import (
    SALESFORCE_CONNECTOR,
    FeatureRepository,
    GeneralSettings,
    OrgApiUsage,
    SettingsRepository,
    parse_setting_text,
)
from b1hub.store.repositories.users import IssuedToken, TokenRepository, UserRepository


class Repositories:
    """Every scoped repository for one integration, sharing one session."""

    def __init__(self, session: Session, integration_id: int) -> None:
        self.session = session
        self.integration_id = integration_id

    @classmethod
    def for_name(cls, session: Session, name: str = DEFAULT_INTEGRATION) -> Repositories:
        return cls(session, get_integration(session, name).id)

    @cached_property
    def connections(self) -> ConnectionRepository:
        return ConnectionRepository(self.session, self.integration_id)

    @cached_property
    def features(self) -> FeatureRepository:
        return FeatureRepository(self.session, self.integration_id)

    @cached_property
    def settings(self) -> SettingsRepository:
        return SettingsRepository(self.session, self.integration_id)

    @cached_property
    def objects(self) -> ObjectSettingsRepository:
        return ObjectSettingsRepository(self.session, self.integration_id)

    @cached_property
    def selections(self) -> SelectionRepository:
        return SelectionRepository(self.session, self.integration_id)

    @cached_property
    def links(self) -> LinkRepository:
        return LinkRepository(self.session, self.integration_id)

    @cached_property
    def checkpoints(self) -> CheckpointRepository:
        return CheckpointRepository(self.session, self.integration_id)

    @cached_property
    def runs(self) -> RunRepository:
        return RunRepository(self.session, self.integration_id)

    @cached_property
    def outcomes(self) -> OutcomeRepository:
        return OutcomeRepository(self.session, self.integration_id)

    @cached_property
    def conflicts(self) -> ConflictRepository:
        return ConflictRepository(self.session, self.integration_id)

    @cached_property
    def schedules(self) -> ScheduleRepository:
        return ScheduleRepository(self.session, self.integration_id)

    @cached_property
    def audit(self) -> AuditRepository:
        return AuditRepository(self.session, self.integration_id)

    @cached_property
    def locks(self) -> LockRepository:
        return LockRepository(self.session, self.integration_id)

    @cached_property
    def mappings(self) -> MappingRepository:
        return MappingRepository(self.session, self.integration_id)

    @cached_property
    def custom_fields(self) -> CustomFieldRepository:
        return CustomFieldRepository(self.session, self.integration_id)


__all__ = [
    "DEFAULT_INTEGRATION",
    "SALESFORCE_CONNECTOR",
    "AuditRepository",
    "CheckpointRepository",
    "ConflictRepository",
    "ConnectionConfig",
    "ConnectionRepository",
    "CustomFieldRepository",
    "FeatureRepository",
    "GeneralSettings",
    "IntegrationNotFound",
    "IssuedToken",
    "LinkConflictError",
    "LinkRepository",
    "LinkResult",
    "LinkState",
    "LockRepository",
    "MappingRepository",
    "ObjectSettingsRepository",
    "OrgApiUsage",
    "OutcomeIn",
    "OutcomeRepository",
    "Repositories",
    "RunRepository",
    "SavedLinks",
    "ScheduleRepository",
    "SelectionEntry",
    "SelectionRepository",
    "SettingsRepository",
    "TokenRepository",
    "UserRepository",
    "delete_integration",
    "due_schedules",
    "ensure_integration",
    "get_integration",
    "list_integrations",
    "parse_setting_text",
    "redact",
    "stalled_runs",
]
