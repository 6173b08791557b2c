"""Ways an email leaves relay-graph: an SMTP server, or .eml files in a folder."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from relay_graph.mail.messages import OutgoingMessage


class TransportSession(Protocol):
    async def send(self, message: OutgoingMessage) -> None:
        """Hand one message over; raises DeliveryError when that failed."""
        ...


class MailTransport(Protocol):
    def session(self) -> AbstractAsyncContextManager[TransportSession]:
        """Open what a batch of messages shares, such as one SMTP connection."""
        ...
