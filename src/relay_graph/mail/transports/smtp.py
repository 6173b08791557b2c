"""Send messages to an SMTP server with aiosmtplib, one connection per batch."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

import aiosmtplib

from relay_graph.mail.failures import DeliveryError, DeliveryProblem
from relay_graph.mail.messages import OutgoingMessage

TlsMode = Literal["none", "starttls", "ssl"]

# 421: the server is closing the connection (RFC 5321, section 3.8).
SERVICE_CLOSING = 421


@dataclass(frozen=True)
class SmtpOptions:
    host: str
    port: int
    tls: TlsMode = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


def is_permanent(code: int) -> bool:
    return 500 <= code < 600


def reply(code: int, message: str) -> str:
    return f"{code} {message}"


def connect_error(error: Exception) -> DeliveryError:
    """Classify a failure to connect, upgrade to TLS or log in, which is always temporary."""
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        problem, detail = DeliveryProblem.AUTHENTICATION_FAILED, reply(error.code, error.message)
    elif isinstance(error, ssl.SSLError | aiosmtplib.SMTPNotSupported):
        problem, detail = DeliveryProblem.TLS_FAILED, str(error)
    elif isinstance(error, aiosmtplib.SMTPResponseException):
        problem, detail = DeliveryProblem.SERVER_ERROR, reply(error.code, error.message)
    else:
        problem, detail = DeliveryProblem.SERVER_UNREACHABLE, str(error) or type(error).__name__
    return DeliveryError(problem, detail, transport_down=True)


def send_error(error: Exception) -> DeliveryError:
    """Classify a failure while sending one message on an open connection."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refusal = error.recipients[0]
        return DeliveryError(
            DeliveryProblem.RECIPIENT_REJECTED,
            reply(refusal.code, refusal.message),
            permanent=is_permanent(refusal.code),
        )
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        # The sender address is ours to fix (RELAY_MAIL_FROM), so the email waits for that.
        return DeliveryError(DeliveryProblem.SENDER_REJECTED, reply(error.code, error.message))
    if isinstance(error, aiosmtplib.SMTPDataError):
        return DeliveryError(
            DeliveryProblem.MESSAGE_REJECTED,
            reply(error.code, error.message),
            permanent=is_permanent(error.code),
        )
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return DeliveryError(DeliveryProblem.SMTPUTF8_UNSUPPORTED, str(error), permanent=True)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return DeliveryError(DeliveryProblem.SERVER_ERROR, reply(error.code, error.message))
    if isinstance(error, ValueError):
        # aiosmtplib rejects addresses that could inject SMTP commands before sending anything.
        return DeliveryError(DeliveryProblem.INVALID_RECIPIENT, str(error), permanent=True)
    return DeliveryError(DeliveryProblem.CONNECTION_LOST, str(error) or type(error).__name__)


def keeps_connection(error: Exception) -> bool:
    """Tell whether the connection can carry the next message after this failure.

    aiosmtplib resets the envelope after a refused sender, recipient or message, so those
    leave the connection usable, unless the reply was 421 (the server is closing it).
    """
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(refusal.code != SERVICE_CLOSING for refusal in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code != SERVICE_CLOSING
    return isinstance(error, aiosmtplib.SMTPNotSupported | ValueError)


class SmtpSession:
    """One SMTP connection, opened on the first send and opened again after it broke."""

    def __init__(self, options: SmtpOptions) -> None:
        self._options = options
        self._client: aiosmtplib.SMTP | None = None

    async def send(self, message: OutgoingMessage) -> None:
        client = await self._connected()
        try:
            await client.send_message(
                message.message,
                sender=message.envelope_sender,
                recipients=[message.envelope_recipient],
            )
        except (aiosmtplib.SMTPException, OSError, ValueError) as error:
            if not keeps_connection(error):
                self._drop()
            raise send_error(error) from error

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client

        options = self._options
        client = aiosmtplib.SMTP(
            hostname=options.host,
            port=options.port,
            username=options.username,
            password=options.password,
            use_tls=options.tls == "ssl",
            start_tls=options.tls == "starttls",
            timeout=options.timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            raise connect_error(error) from error
        self._client = client
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


class SmtpTransport:
    def __init__(self, options: SmtpOptions) -> None:
        self.options = options

    @asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        session = SmtpSession(self.options)
        try:
            yield session
        finally:
            await session.close()
