"""store an invitation's template values and render it when it is sent

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 00:10:00
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTENT_CHECK = (
    "template_values IS NOT NULL"
    " OR (subject IS NOT NULL AND body_text IS NOT NULL AND body_html IS NOT NULL)"
)


@contextmanager
def quiet_reflection() -> Iterator[None]:
    # On SQLite, batch mode copies email_outbox and reflects the tables it refers to.
    # SQLAlchemy cannot reflect the contact table's expression indexes and warns about
    # each, although the copy does not need them.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index"
        )
        yield


def upgrade() -> None:
    # A queued invitation keeps the values its templates need, about 300 bytes, instead of
    # its rendered subject and bodies, about 2.5 KB, so inviting thousands of providers at
    # once writes a fraction of the data. Rows queued before keep their text.
    with quiet_reflection(), op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_values", sa.Text(), nullable=True))
        batch_op.alter_column("subject", existing_type=sa.String(length=500), nullable=True)
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("body_html", existing_type=sa.Text(), nullable=True)
        batch_op.create_check_constraint(op.f("ck_email_outbox_content"), CONTENT_CHECK)


def downgrade() -> None:
    unrendered = op.get_bind().execute(
        sa.text("SELECT count(*) FROM email_outbox WHERE subject IS NULL AND status = 'PENDING'")
    )
    count = unrendered.scalar_one()
    if count:
        raise RuntimeError(
            f"{count} queued emails are not rendered yet; let the outbox worker send them, "
            "then run the downgrade again"
        )

    # Sent and failed emails are never rendered again, so empty text keeps them valid.
    op.execute(
        "UPDATE email_outbox SET subject = '', body_text = '', body_html = '' "
        "WHERE subject IS NULL"
    )
    with quiet_reflection(), op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_email_outbox_content"), type_="check")
        batch_op.alter_column("body_html", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("subject", existing_type=sa.String(length=500), nullable=False)
        batch_op.drop_column("template_values")
