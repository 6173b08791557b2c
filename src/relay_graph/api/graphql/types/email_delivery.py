from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.domain.read_models import DeliveryState, DeliveryView
from relay_graph.i18n.messages import delivery_reason


@strawberry.enum(description="Delivery state of a queued email.")
class EmailDeliveryState(enum.Enum):
    QUEUED = strawberry.enum_value(
        "QUEUED",
        description=(
            "In the outbox: not sent yet, or waiting for a retry after a temporary failure."
        ),
    )
    SENT = strawberry.enum_value(
        "SENT",
        description="Accepted by the mail server, or written to a file by the file transport.",
    )
    FAILED = strawberry.enum_value(
        "FAILED",
        description=(
            "Given up: the mail server rejected it for good, or every attempt failed. "
            "Fix the cause, then send it again with resendInvitation."
        ),
    )


@strawberry.enum(description="Why the newest delivery attempt of an email failed.")
class EmailDeliveryProblem(enum.Enum):
    RECIPIENT_REJECTED = strawberry.enum_value(
        "RECIPIENT_REJECTED",
        description="The server rejected the recipient; a 5xx reply ends delivery at once.",
    )
    INVALID_RECIPIENT = strawberry.enum_value(
        "INVALID_RECIPIENT", description="The recipient address cannot be used."
    )
    SMTPUTF8_UNSUPPORTED = strawberry.enum_value(
        "SMTPUTF8_UNSUPPORTED",
        description="The address has non-ASCII characters and the server lacks SMTPUTF8.",
    )
    MESSAGE_REJECTED = strawberry.enum_value(
        "MESSAGE_REJECTED", description="The server rejected the message after receiving it."
    )
    SENDER_REJECTED = strawberry.enum_value(
        "SENDER_REJECTED",
        description="The server rejected the sender address; check RELAY_MAIL_FROM.",
    )
    SERVER_UNREACHABLE = strawberry.enum_value(
        "SERVER_UNREACHABLE", description="No connection to the mail server."
    )
    CONNECTION_LOST = strawberry.enum_value(
        "CONNECTION_LOST", description="The connection broke or timed out while sending."
    )
    AUTHENTICATION_FAILED = strawberry.enum_value(
        "AUTHENTICATION_FAILED", description="The mail server did not accept the SMTP login."
    )
    TLS_FAILED = strawberry.enum_value(
        "TLS_FAILED", description="The encrypted connection to the mail server failed."
    )
    SERVER_ERROR = strawberry.enum_value(
        "SERVER_ERROR", description="The mail server returned an unexpected error."
    )
    WRITE_FAILED = strawberry.enum_value(
        "WRITE_FAILED", description="The file transport could not write the .eml file."
    )
    INTERNAL_ERROR = strawberry.enum_value(
        "INTERNAL_ERROR", description="relay-graph failed while sending; the log has details."
    )


@strawberry.type(description="Delivery of one email from the outbox.")
class EmailDelivery:
    queued_at: datetime = strawberry.field(description="When the email was queued.")
    attempts: int = strawberry.field(description="Delivery attempts so far.")
    sent_at: datetime | None = strawberry.field(
        description="When the mail server accepted the email; null unless SENT."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="Earliest time of the next attempt; null unless QUEUED."
    )

    # strawberry-graphql 0.341 types strawberry.field(...) with arguments as returning Any,
    # so strict mypy reports these resolvers' decorators as untyped.
    @strawberry.field(description="Delivery state of the email.")  # type: ignore[untyped-decorator]
    @staticmethod
    def state(root: DeliveryView) -> EmailDeliveryState:
        return EmailDeliveryState(root.state.value)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Why the newest attempt failed; null if none failed or the email was SENT."
    )
    @staticmethod
    def problem(root: DeliveryView) -> EmailDeliveryProblem | None:
        if root.state is DeliveryState.SENT or root.problem is None:
            return None
        try:
            return EmailDeliveryProblem(root.problem)
        except ValueError:
            return EmailDeliveryProblem.INTERNAL_ERROR

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "The problem for a person, in German or English by Accept-Language, with the "
            "mail server's reply, e.g. 'Empfänger abgelehnt: 550 mailbox unavailable'."
        )
    )
    @staticmethod
    def reason(root: DeliveryView, info: Info) -> str | None:
        if root.state is DeliveryState.SENT or root.problem is None:
            return None
        return delivery_reason(root.problem, root.detail, root.attempts, info.context.language)
