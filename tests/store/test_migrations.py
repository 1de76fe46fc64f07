"""Migrations: the schema comes only from Alembic, matches the models, and re-running is safe."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from b1hub.store import Store, make_engine, open_store
from b1hub.store.migrate import current_revision, head_revision, upgrade
from b1hub.store.models import Base, Link
from b1hub.store.repositories import Repositories, ensure_integration
from b1hub.store.revision import is_current, script_head

from .migration_rows import fill_every_table, missing_after_upgrade

EXPECTED_TABLES = {
    "alembic_version",
    "api_tokens",
    "audit_log",
    "checkpoints",
    "conflicts",
    "custom_fields",
    "connections",
    "features",
    "general_settings",
    "integrations",
    "links",
    "login_throttle",
    "mapping_versions",
    "object_locks",
    "object_settings",
    "record_outcomes",
    "runs",
    "schedules",
    "selections",
    "users",
}


def test_upgrade_from_empty_creates_every_table_at_head(db_url: str) -> None:
    assert current_revision(db_url) is None
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES
    finally:
        engine.dispose()
    assert current_revision(db_url) == head_revision() == "0005"


def test_migrated_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_table_but_integrations_and_users_is_owned_by_an_integration() -> None:
    hub_wide = {"integrations", "users", "api_tokens", "login_throttle"}
    for name, table in Base.metadata.tables.items():
        if name in hub_wide:
            continue
        assert "integration_id" in table.c, name
        for constraint in table.constraints:
            columns = [c.name for c in getattr(constraint, "columns", [])]
            if constraint.__class__.__name__ == "UniqueConstraint":
                assert columns[0] == "integration_id", (name, columns)


def test_upgrade_on_an_up_to_date_database_is_a_no_op_keeping_data(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    with store.transaction() as session:
        repos = Repositories(session, ensure_integration(session).id)
        repos.links.insert_or_get("account", "C000001", "001000000000001AAA", sap_hash="h1")
    upgrade(url)
    reopened = open_store(url)
    try:
        with reopened.transaction() as session:
            links = session.scalars(select(Link)).all()
            assert [(x.sap_key, x.sf_id, x.sap_hash) for x in links] == [
                ("C000001", "001000000000001AAA", "h1")
            ]
    finally:
        reopened.dispose()
    assert current_revision(url) == "0005"


def test_concurrent_upgrades_of_an_empty_database_both_succeed(db_url: str) -> None:
    """Several workers starting at once must not race each other's CREATE TABLEs."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        try:
            barrier.wait()
            upgrade(db_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(db_url) == "0005"


def test_upgrade_from_the_first_migration_keeps_data(db_url: str) -> None:
    """A store created by an older release upgrades in place with nothing lost."""
    upgrade(db_url, revision="0001")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO integrations (name, created_at) VALUES ('old', :now)"),
                {"now": datetime.now(UTC).replace(tzinfo=None)},
            )
            integration_id = conn.execute(text("SELECT id FROM integrations")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO links (integration_id, object, sap_key, sf_id, sap_hash,"
                    " created_at) VALUES (:i, 'account', 'C1', '001000000000001AAA', 'h', :now)"
                ),
                {"i": integration_id, "now": datetime.now(UTC).replace(tzinfo=None)},
            )
    finally:
        engine.dispose()
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    store = open_store(db_url)
    try:
        with store.transaction() as session:
            (link,) = session.scalars(select(Link)).all()
            assert (link.sap_key, link.sf_id, link.sap_hash, link.base_values) == (
                "C1", "001000000000001AAA", "h", None
            )
    finally:
        store.dispose()


def test_upgrade_from_the_first_migration_keeps_a_row_of_every_table(db_url: str) -> None:
    """Every table of the first release holds a row; after the upgrade to head each row is
    still there with every value it had, whatever later migrations rebuilt or added."""
    upgrade(db_url, revision="0001")
    rows = fill_every_table(db_url)
    assert {"integrations", "users", "api_tokens", "links", "runs", "record_outcomes",
            "checkpoints", "connections", "conflicts", "audit_log"} <= set(rows)
    engine = make_engine(db_url)
    try:
        at_first = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert set(rows) == at_first
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    assert missing_after_upgrade(db_url, rows) == []


def test_the_scripts_head_is_alembics_head() -> None:
    assert script_head() == head_revision()


def test_a_database_is_current_only_at_the_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    assert not is_current(engine)  # no schema yet
    upgrade(str(engine.url), "0001")
    assert not is_current(engine)
    upgrade(str(engine.url))
    assert is_current(engine)
    engine.dispose()


def test_upgrade_to_0005_fills_the_links_account_type_from_their_bases(db_url: str) -> None:
    upgrade(db_url, "0004")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            integration = connection.execute(text(
                "INSERT INTO integrations (name, created_at) VALUES ('default', :now) "
                "RETURNING id"), {"now": datetime.now(UTC)}).scalar_one()
            for key, base in (("C1", '{"__type": "Customer - Direct", "name": "A"}'),
                              ("C2", '{"name": "B"}'), ("C3", None)):
                connection.execute(text(
                    "INSERT INTO links (integration_id, object, sap_key, sf_id, base_values, "
                    "created_at) VALUES (:i, 'account', :k, :s, :b, :now)"),
                    {"i": integration, "k": key, "s": f"001{key}", "b": base,
                     "now": datetime.now(UTC)})
        upgrade(db_url)
        with engine.connect() as connection:
            found = dict(connection.execute(text(
                "SELECT sap_key, account_type FROM links ORDER BY sap_key")).all())
    finally:
        engine.dispose()
    assert found == {"C1": "Customer - Direct", "C2": None, "C3": None}
