"""General settings, feature activation, object settings and selections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from b1hub.store import Store
from b1hub.store.repositories import (
    GeneralSettings,
    OrgApiUsage,
    Repositories,
    SelectionEntry,
)
from b1hub.store.types import ConflictPolicy, InitStatus, ObjectDirection


def test_general_settings_defaults_typed_values_and_validation(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        settings = Repositories(session, default).settings
        assert settings.get() == GeneralSettings()
        assert settings.get().conflict_policy is ConflictPolicy.NEWEST_WINS
        settings.set_text("account_types", "Customer - Direct, Customer - Channel")
        settings.set_text("default_customer_group", "100")
        settings.set_text("bp_code_series", "71")
        settings.set_text("multi_currency", "true")
        settings.set_text("conflict_policy", "review")
        settings.set_text("time_zone", "Europe/Berlin")
        settings.set("exempt_tax_code", "X0")
        with pytest.raises(ValidationError):
            settings.set_text("default_customer_group", "not-a-number")
        with pytest.raises(ValidationError, match="unknown time zone"):
            settings.set("time_zone", "Mars/Olympus")
        with pytest.raises(KeyError, match="unknown setting 'colour'"):
            settings.set("colour", "blue")
    with store.transaction() as session:
        settings = Repositories(session, default).settings
        current = settings.get()
        assert current.account_types == ["Customer - Direct", "Customer - Channel"]
        assert (current.default_customer_group, current.bp_code_series) == (100, 71)
        assert current.multi_currency is True
        assert current.conflict_policy is ConflictPolicy.REVIEW
        assert (current.time_zone, current.exempt_tax_code) == ("Europe/Berlin", "X0")
        assert current.payment_terms is None
        settings.set_text("bp_code_series", "none")
        settings.unset("time_zone")
        assert settings.get().bp_code_series is None
        assert settings.get().time_zone == "UTC"
        assert "time_zone" not in settings.explicitly_set()


def test_org_api_usage_is_state_beside_the_settings_newest_kept(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, other = two_integrations
    early = OrgApiUsage(120, 15000, datetime(2025, 3, 4, 9, 30, tzinfo=UTC))
    late = OrgApiUsage(180, 15000, datetime(2025, 3, 4, 9, 45, tzinfo=UTC))
    with store.transaction() as session:
        settings = Repositories(session, default).settings
        assert settings.api_usage() is None
        settings.record_api_usage(late)
        settings.record_api_usage(early)  # read earlier, by a run that finished later
    with store.transaction() as session:
        settings = Repositories(session, default).settings
        assert settings.api_usage() == late
        assert late.percent == 1.2
        assert settings.get() == GeneralSettings()
        assert settings.explicitly_set() == set()
        assert Repositories(session, other).settings.api_usage() is None


def test_feature_activation(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        features = Repositories(session, default).features
        assert features.is_active("salesforce_connector") is False
        features.set_active("salesforce_connector", True, by="admin")
        assert features.is_active("salesforce_connector") is True
        features.set_active("salesforce_connector", False, by="admin")
        assert features.all() == {"salesforce_connector": False}


def test_object_settings_and_initialization_state(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        objects = Repositories(session, default).objects
        account = objects.ensure("account", ObjectDirection.BOTH)
        assert (account.enabled, account.direction, account.init_status) == (
            True,
            ObjectDirection.BOTH,
            InitStatus.NOT_STARTED,
        )
        assert (
            objects.ensure("account", ObjectDirection.SAP_TO_SALESFORCE).direction
            is ObjectDirection.BOTH
        )
        objects.update(
            "account",
            direction=ObjectDirection.SAP_TO_SALESFORCE,
            conflict_policy=ConflictPolicy.SAP_WINS,
        )
        assert objects.is_initialized("account") is False
        objects.start_initialization("account")
        failed = objects.finish_initialization(
            "account", succeeded=False, linked=1, created=0, held=0, message="SAP down"
        )
        assert failed.init_status is InitStatus.FAILED
        assert objects.is_initialized("account") is False
        objects.start_initialization("account")
        objects.finish_initialization("account", succeeded=True, linked=40, created=10, held=2)
        with pytest.raises(LookupError, match="ensure"):
            objects.update("lead", enabled=False)
    with store.transaction() as session:
        objects = Repositories(session, default).objects
        row = objects.get("account")
        assert row is not None
        assert (row.init_status, row.init_linked, row.init_created, row.init_held) == (
            InitStatus.DONE,
            40,
            10,
            2,
        )
        assert row.direction is ObjectDirection.SAP_TO_SALESFORCE
        assert row.conflict_policy is ConflictPolicy.SAP_WINS
        assert objects.is_initialized("account") is True
        objects.update("account", clear_conflict_policy=True)
        assert objects.get("account").conflict_policy is None  # type: ignore[union-attr]


def test_selections_mark_remark_unmark(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        selections = Repositories(session, default).selections
        with pytest.raises(ValueError, match="Account Type is mandatory"):
            selections.mark("account", [SelectionEntry("C1", "Customer"), SelectionEntry("C2")])
        assert selections.count("account") == 0
        marked = [SelectionEntry(f"C{n}", "Customer - Direct", f"BP {n}") for n in range(1, 301)]
        assert selections.mark("account", marked, by="admin") == 300
        selections.mark("account", [SelectionEntry("C5", "Customer - Channel", "BP 5")])
        selections.mark("product", [SelectionEntry("A00001")])
    with store.transaction() as session:
        selections = Repositories(session, default).selections
        assert selections.count("account") == 300
        c5 = selections.get("account", "C5")
        assert c5 is not None and (c5.account_type, c5.label) == ("Customer - Channel", "BP 5")
        assert selections.keys("product") == {"A00001"}
        assert selections.unmark("account", ["C1", "C2", "nope"]) == 2
        assert "C1" not in selections.keys("account")
        assert [s.sap_key for s in selections.all("account")][:2] == ["C10", "C100"]
