"""Delivery failures: what went wrong, and whether another attempt can help."""

from __future__ import annotations

import enum

MAX_DETAIL_LENGTH = 200


class DeliveryProblem(enum.StrEnum):
    """Problem codes stored in `email_outbox.last_error_code`, which the API translates."""

    RECIPIENT_REJECTED = "RECIPIENT_REJECTED"
    INVALID_RECIPIENT = "INVALID_RECIPIENT"
    SMTPUTF8_UNSUPPORTED = "SMTPUTF8_UNSUPPORTED"
    MESSAGE_REJECTED = "MESSAGE_REJECTED"
    SENDER_REJECTED = "SENDER_REJECTED"
    SERVER_UNREACHABLE = "SERVER_UNREACHABLE"
    CONNECTION_LOST = "CONNECTION_LOST"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    TLS_FAILED = "TLS_FAILED"
    SERVER_ERROR = "SERVER_ERROR"
    WRITE_FAILED = "WRITE_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class DeliveryError(Exception):
    """A failed attempt to hand one email to the transport.

    A `permanent` failure ends the email at once: an SMTP 5xx reply to the recipient, or an
    address the server cannot take. Other failures are retried with backoff.
    `transport_down` means the transport could not be used at all (no connection, failed
    login or TLS, a folder that is not writable), so the rest of a batch fails the same way.
    """

    def __init__(
        self,
        problem: DeliveryProblem,
        detail: str,
        *,
        permanent: bool = False,
        transport_down: bool = False,
    ) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem = problem
        self.detail = short_detail(detail)
        self.permanent = permanent
        self.transport_down = transport_down


def short_detail(text: str) -> str:
    """Fold a server reply or exception text to one line of at most MAX_DETAIL_LENGTH."""
    line = " ".join(text.split())
    if len(line) <= MAX_DETAIL_LENGTH:
        return line
    return line[: MAX_DETAIL_LENGTH - 1] + "…"
