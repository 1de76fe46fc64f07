"""Two integrations with the same keys everywhere: nothing one does is visible to the other."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from b1hub.store import Store
from b1hub.store.models import Base, Link, ObjectLock
from b1hub.store.repositories import (
    IntegrationNotFound,
    OutcomeIn,
    Repositories,
    SelectionEntry,
    delete_integration,
    ensure_integration,
    get_integration,
    list_integrations,
)
from b1hub.store.types import (
    Direction,
    ObjectDirection,
    OutcomeAction,
    OutcomeStatus,
    RunTrigger,
    ScheduleKind,
    System,
)


def _fill(repos: Repositories, sf_id: str, tag: str) -> None:
    """The same keys in every aggregate, with values that tell the integrations apart."""
    repos.connections.save(System.SAP, {"company_db": tag}, {"password": f"pw-{tag}"})
    repos.features.set_active("salesforce_connector", tag == "default")
    repos.settings.set("account_types", [f"Type {tag}"])
    repos.objects.ensure("account", ObjectDirection.BOTH)
    repos.selections.mark("account", [SelectionEntry("C000001", account_type=tag)])
    repos.links.insert_or_get("account", "C000001", sf_id, sap_hash=tag)
    repos.checkpoints.save("account", Direction.SAP_TO_SALESFORCE, {"tag": tag})
    run = repos.runs.create("account", RunTrigger.MANUAL)
    repos.outcomes.record(
        run.id,
        [
            OutcomeIn(
                "account",
                Direction.SAP_TO_SALESFORCE,
                OutcomeAction.ERROR,
                OutcomeStatus.FAILED,
                "C000001",
                error_message=tag,
            )
        ],
    )
    repos.conflicts.hold("account", "C000001", sf_id, {"v": tag}, {"v": tag}, run.id)
    repos.schedules.set("account", ScheduleKind.INTERVAL, interval_minutes=5)
    repos.audit.record("admin", "settings.set", "account_types", {"tag": tag})
    repos.mappings.save("fields", "account", [{"tag": tag}], "admin")
    repos.custom_fields.replace("sap", ["OCRD"], [("OCRD", "U_Tag", {"tag": tag})])
    repos.session.add(
        ObjectLock(integration_id=repos.integration_id, object="account", holder=tag)
    )


def test_same_keys_in_two_integrations_do_not_bleed(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    ids = dict(zip(("default", "acme"), two_integrations, strict=True))
    sf_ids = {"default": "001000000000001AAA", "acme": "001000000000001AAA"}
    with store.transaction() as session:
        for tag, integration_id in ids.items():
            _fill(Repositories(session, integration_id), sf_ids[tag], tag)
    with store.transaction() as session:
        for tag, integration_id in ids.items():
            repos = Repositories(session, integration_id)
            connection = repos.connections.get(System.SAP)
            assert connection is not None
            assert connection.settings == {"company_db": tag}
            assert connection.secrets == {"password": f"pw-{tag}"}
            assert repos.features.all() == {"salesforce_connector": tag == "default"}
            assert repos.settings.get().account_types == [f"Type {tag}"]
            assert [o.object for o in repos.objects.all()] == ["account"]
            assert [(s.sap_key, s.account_type) for s in repos.selections.all("account")] == [
                ("C000001", tag)
            ]
            link = repos.links.by_sap_key("account", "C000001")
            assert link is not None and link.sap_hash == tag
            assert repos.checkpoints.load("account", Direction.SAP_TO_SALESFORCE) == {"tag": tag}
            assert len(repos.runs.recent()) == 1
            assert [e.error_message for e in repos.outcomes.open_errors()] == [tag]
            assert [c.sap_version for c in repos.conflicts.open()] == [{"v": tag}]
            assert len(repos.schedules.all()) == 1
            assert [a.details for a in repos.audit.recent()] == [{"tag": tag}]
        assert session.scalar(select(func.count()).select_from(Link)) == 2


def test_deleting_an_integration_removes_only_its_rows(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, acme = two_integrations
    with store.transaction() as session:
        _fill(Repositories(session, default), "001000000000001AAA", "default")
        _fill(Repositories(session, acme), "001000000000001AAA", "acme")
    with store.transaction() as session:
        delete_integration(session, "acme")
    with store.transaction() as session:
        assert [i.name for i in list_integrations(session)] == ["default"]
        with pytest.raises(IntegrationNotFound):
            get_integration(session, "acme")
        for table in Base.metadata.sorted_tables:
            if "integration_id" not in table.c:
                continue
            owners = set(session.scalars(select(table.c.integration_id).distinct()))
            assert owners == {default}, table.name


def test_ensure_integration_is_idempotent_and_validates_names(store: Store) -> None:
    with store.transaction() as session:
        first = ensure_integration(session, "default")
        assert ensure_integration(session, "default").id == first.id
        with pytest.raises(ValueError, match="invalid integration name"):
            ensure_integration(session, "Bad Name")
