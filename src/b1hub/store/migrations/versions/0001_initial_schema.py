"""Initial schema: every table, each owned by an integration from the start.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Frozen copies of the model types, so later model changes never alter this revision.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
        sa.UniqueConstraint("name", name=op.f("uq_integrations_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", _enum("role", "admin", "operator", "viewer"), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_audit_log_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        op.f("ix_audit_log_integration_id_at"), "audit_log", ["integration_id", "at"], unique=False
    )

    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column(
            "direction",
            _enum("direction", "sap_to_salesforce", "salesforce_to_sap"),
            nullable=False,
        ),
        sa.Column("cursor", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_checkpoints_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
        sa.UniqueConstraint(
            "integration_id",
            "object",
            "direction",
            name=op.f("uq_checkpoints_integration_id_object_direction"),
        ),
    )
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("system", _enum("system", "sap", "salesforce"), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("secrets_ciphertext", sa.Text(), nullable=True),
        sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_test_ok", sa.Boolean(), nullable=True),
        sa.Column("last_test_message", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_connections_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint(
            "integration_id", "system", name=op.f("uq_connections_integration_id_system")
        ),
    )
    op.create_table(
        "features",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_features_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_features")),
        sa.UniqueConstraint("integration_id", "name", name=op.f("uq_features_integration_id_name")),
    )
    op.create_table(
        "general_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_general_settings_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_general_settings")),
        sa.UniqueConstraint(
            "integration_id", "key", name=op.f("uq_general_settings_integration_id_key")
        ),
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column("sap_key", sa.String(length=100), nullable=False),
        sa.Column("sf_id", sa.String(length=18), nullable=False),
        sa.Column("sap_hash", sa.String(length=128), nullable=True),
        sa.Column("sf_hash", sa.String(length=128), nullable=True),
        sa.Column("sap_updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sf_updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_links_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint(
            "integration_id",
            "object",
            "sap_key",
            name=op.f("uq_links_integration_id_object_sap_key"),
        ),
        sa.UniqueConstraint(
            "integration_id", "object", "sf_id", name=op.f("uq_links_integration_id_object_sf_id")
        ),
    )
    op.create_table(
        "object_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "direction",
            _enum("object_direction", "sap_to_salesforce", "salesforce_to_sap", "both"),
            nullable=False,
        ),
        sa.Column(
            "conflict_policy",
            _enum("conflict_policy", "sap_wins", "salesforce_wins", "newest_wins", "review"),
            nullable=True,
        ),
        sa.Column(
            "init_status",
            _enum("init_status", "not_started", "running", "done", "failed"),
            nullable=False,
        ),
        sa.Column("initialized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("init_linked", sa.Integer(), nullable=False),
        sa.Column("init_created", sa.Integer(), nullable=False),
        sa.Column("init_held", sa.Integer(), nullable=False),
        sa.Column("init_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_object_settings_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_object_settings")),
        sa.UniqueConstraint(
            "integration_id", "object", name=op.f("uq_object_settings_integration_id_object")
        ),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column(
            "trigger",
            _enum("run_trigger", "manual", "schedule", "retry", "initialization"),
            nullable=False,
        ),
        sa.Column(
            "status",
            _enum("run_status", "queued", "running", "succeeded", "failed", "paused"),
            nullable=False,
        ),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("sap_api_calls", sa.Integer(), nullable=False),
        sa.Column("sf_api_calls", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_runs_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("integration_id", "id", name=op.f("uq_runs_integration_id_id")),
    )
    op.create_index(
        op.f("ix_runs_integration_id_object_queued_at"),
        "runs",
        ["integration_id", "object", "queued_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_runs_status_heartbeat_at"), "runs", ["status", "heartbeat_at"], unique=False
    )

    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column(
            "kind", _enum("schedule_kind", "never", "daily", "weekly", "interval"), nullable=False
        ),
        sa.Column("time_of_day", sa.Time(), nullable=True),
        sa.Column("weekdays", JSON, nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=True),
        sa.Column("window_start", sa.Time(), nullable=True),
        sa.Column("window_end", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_schedules_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint(
            "integration_id", "object", name=op.f("uq_schedules_integration_id_object")
        ),
    )
    op.create_index(
        op.f("ix_schedules_kind_next_run_at"), "schedules", ["kind", "next_run_at"], unique=False
    )

    op.create_table(
        "selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column("sap_key", sa.String(length=100), nullable=False),
        sa.Column("account_type", sa.String(length=80), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("selected_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_selections_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selections")),
        sa.UniqueConstraint(
            "integration_id",
            "object",
            "sap_key",
            name=op.f("uq_selections_integration_id_object_sap_key"),
        ),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column("sap_key", sa.String(length=100), nullable=False),
        sa.Column("sf_id", sa.String(length=18), nullable=False),
        sa.Column("sap_version", JSON, nullable=False),
        sa.Column("sf_version", JSON, nullable=False),
        sa.Column("status", _enum("conflict_status", "open", "resolved"), nullable=False),
        sa.Column(
            "resolution",
            _enum("conflict_resolution", "sap", "salesforce", "dismissed"),
            nullable=True,
        ),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id", "run_id"],
            ["runs.integration_id", "runs.id"],
            name=op.f("fk_conflicts_integration_id_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_conflicts_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    op.create_index(
        op.f("ix_conflicts_integration_id_status_object"),
        "conflicts",
        ["integration_id", "status", "object"],
        unique=False,
    )
    op.create_index(
        "uq_conflicts_open_record",
        "conflicts",
        ["integration_id", "object", "sap_key"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "record_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column(
            "direction",
            _enum("direction", "sap_to_salesforce", "salesforce_to_sap"),
            nullable=False,
        ),
        sa.Column(
            "action",
            _enum("outcome_action", "create", "update", "skip", "conflict", "error", "held"),
            nullable=False,
        ),
        sa.Column(
            "status",
            _enum("outcome_status", "succeeded", "failed", "held", "waiting"),
            nullable=False,
        ),
        sa.Column("sap_key", sa.String(length=100), nullable=True),
        sa.Column("sf_id", sa.String(length=18), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_fields", JSON, nullable=False),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id", "run_id"],
            ["runs.integration_id", "runs.id"],
            name=op.f("fk_record_outcomes_integration_id_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_record_outcomes_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_outcomes")),
    )
    op.create_index(
        op.f("ix_record_outcomes_integration_id_object_sap_key"),
        "record_outcomes",
        ["integration_id", "object", "sap_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_record_outcomes_integration_id_object_sf_id"),
        "record_outcomes",
        ["integration_id", "object", "sf_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_record_outcomes_integration_id_resolved_object"),
        "record_outcomes",
        ["integration_id", "resolved", "object"],
        unique=False,
    )
    op.create_index(op.f("ix_record_outcomes_run_id"), "record_outcomes", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_record_outcomes_run_id"), table_name="record_outcomes")
    op.drop_index(
        op.f("ix_record_outcomes_integration_id_resolved_object"), table_name="record_outcomes"
    )
    op.drop_index(
        op.f("ix_record_outcomes_integration_id_object_sf_id"), table_name="record_outcomes"
    )
    op.drop_index(
        op.f("ix_record_outcomes_integration_id_object_sap_key"), table_name="record_outcomes"
    )

    op.drop_table("record_outcomes")
    op.drop_index("uq_conflicts_open_record", table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_integration_id_status_object"), table_name="conflicts")

    op.drop_table("conflicts")
    op.drop_table("selections")
    op.drop_index(op.f("ix_schedules_kind_next_run_at"), table_name="schedules")

    op.drop_table("schedules")
    op.drop_index(op.f("ix_runs_status_heartbeat_at"), table_name="runs")
    op.drop_index(op.f("ix_runs_integration_id_object_queued_at"), table_name="runs")

    op.drop_table("runs")
    op.drop_table("object_settings")
    op.drop_table("links")
    op.drop_table("general_settings")
    op.drop_table("features")
    op.drop_table("connections")
    op.drop_table("checkpoints")
    op.drop_index(op.f("ix_audit_log_integration_id_at"), table_name="audit_log")

    op.drop_table("audit_log")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("integrations")
