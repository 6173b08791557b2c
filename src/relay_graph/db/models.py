from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from relay_graph.db.base import Base, UTCDateTime, utcnow

# Provider code states. Only an ACTIVE code can be redeemed; it still may have expired.
CODE_ACTIVE = "ACTIVE"
CODE_REDEEMED = "REDEEMED"
CODE_REPLACED = "REPLACED"
CODE_REVOKED = "REVOKED"

OUTBOX_PENDING = "PENDING"
OUTBOX_SENT = "SENT"
OUTBOX_FAILED = "FAILED"


class Tenant(Base):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    code_ttl_days: Mapped[int | None] = mapped_column(Integer)
    sender_name: Mapped[str | None] = mapped_column(String(200))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    default_language: Mapped[str] = mapped_column(String(2), server_default="de")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Property(Base):
    __tablename__ = "property"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index("ix_property_tenant_name", "tenant_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    street: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProviderType(Base):
    __tablename__ = "provider_type"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        # Serves lookups and orderings by the plain last name, as other SQL clients of
        # the database (reports, PostGraphile in the benchmark) use them.
        Index("ix_contact_tenant_last_name", "tenant_id", "last_name", "id"),
        # One index per sort order of the contact list, on exactly the expressions the
        # keyset query orders by, so a page reads its rows in order instead of sorting
        # the whole tenant.
        Index(
            "ix_contact_order_name",
            "tenant_id",
            text("coalesce(last_name, company, '')"),
            text("coalesce(first_name, '')"),
            "id",
        ),
        Index(
            "ix_contact_order_company",
            "tenant_id",
            text("coalesce(company, '')"),
            text("coalesce(last_name, '')"),
            "id",
        ),
        Index("ix_contact_order_external_id", "tenant_id", text("coalesce(external_id, '')"), "id"),
        # No index covers category or updated_at, and pages are filled to 45% only, so
        # PostgreSQL can write the new version of every holder of a linked type on the
        # row's own page (HOT) without touching any index.
        {"postgresql_with": {"fillfactor": 45}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(64))
    salutation: Mapped[str | None] = mapped_column(String(50))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    email_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(2))
    category: Mapped[str | None] = mapped_column(String(32))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Assignment(Base):
    """A contact holds a provider type on a property (Zuständigkeit)."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("contact_id", "property_id", "provider_type_id"),
        Index("ix_assignment_provider_type", "provider_type_id", "contact_id"),
        Index("ix_assignment_property", "property_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id", ondelete="CASCADE"))
    provider_type_id: Mapped[int] = mapped_column(
        ForeignKey("provider_type.id", ondelete="CASCADE")
    )


class ProviderCode(Base):
    __tablename__ = "provider_code"
    __table_args__ = (
        # One live code per contact, enforced by the database so concurrent requests
        # cannot both create one.
        Index(
            "uq_provider_code_active_contact",
            "contact_id",
            unique=True,
            sqlite_where=text("state = 'ACTIVE'"),
            postgresql_where=text("state = 'ACTIVE'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    # Unique over all tenants and all time, so a code entered on Relay names one contact.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=CODE_ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailOutbox(Base):
    __tablename__ = "email_outbox"
    __table_args__ = (
        Index("ix_email_outbox_status_next", "status", "next_attempt_at"),
        # An email is stored either rendered or as the values its templates need.
        CheckConstraint(
            "template_values IS NOT NULL"
            " OR (subject IS NOT NULL AND body_text IS NOT NULL AND body_html IS NOT NULL)",
            name="content",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    provider_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("provider_code.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    # The rendered text of an email queued without template values, such as one queued
    # before template values existed.
    subject: Mapped[str | None] = mapped_column(String(500))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # JSON of the values that the kind's templates are rendered with when the email is
    # sent. They are taken when it is queued, so the text is the one it had then.
    template_values: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The technical detail of the newest failure (an SMTP reply, say) and its problem code
    # (mail.failures.DeliveryProblem); the API turns the code into a sentence.
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
