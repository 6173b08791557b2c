"""index the sort orders of the lists and let category updates stay in place

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contact_order_name",
        "contact",
        [
            "tenant_id",
            sa.text("coalesce(last_name, company, '')"),
            sa.text("coalesce(first_name, '')"),
            "id",
        ],
    )
    op.create_index(
        "ix_contact_order_company",
        "contact",
        ["tenant_id", sa.text("coalesce(company, '')"), sa.text("coalesce(last_name, '')"), "id"],
    )
    op.create_index(
        "ix_contact_order_external_id",
        "contact",
        ["tenant_id", sa.text("coalesce(external_id, '')"), "id"],
    )
    op.create_index("ix_property_tenant_name", "property", ["tenant_id", "name", "id"])
    # Linking a type rewrites the category of thousands of contacts. Without an index on
    # category and with free space in each page, PostgreSQL updates those rows in place
    # (heap-only tuples) instead of adding an entry to every index of the table.
    op.drop_index("ix_contact_tenant_category", table_name="contact")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE contact SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE contact RESET (fillfactor)")
    op.create_index("ix_contact_tenant_category", "contact", ["tenant_id", "category"])
    op.drop_index("ix_property_tenant_name", table_name="property")
    op.drop_index("ix_contact_order_external_id", table_name="contact")
    op.drop_index("ix_contact_order_company", table_name="contact")
    op.drop_index("ix_contact_order_name", table_name="contact")
