"""Versioned field and value maps; cached custom field definitions of both systems.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _owner(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["integration_id"], ["integrations.id"],
        name=op.f(f"fk_{table}_integration_id_integrations"), ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "mapping_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _owner("mapping_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_versions")),
        sa.UniqueConstraint(
            "integration_id", "kind", "name", "version",
            name=op.f("uq_mapping_versions_integration_id_kind_name_version"),
        ),
    )
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("table", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=False),
        _owner("custom_fields"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_fields")),
        sa.UniqueConstraint(
            "integration_id", "system", "table", "name",
            name=op.f("uq_custom_fields_integration_id_system_table_name"),
        ),
    )


def downgrade() -> None:
    op.drop_table("custom_fields")
    op.drop_table("mapping_versions")
