"""Build RFC 5322 messages (multipart/alternative, text and HTML) from queued emails."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from relay_graph.domain.read_models import QueuedEmail
from relay_graph.mail.failures import DeliveryError, DeliveryProblem
from relay_graph.mail.rendering import email_content


@dataclass(frozen=True)
class Mailbox:
    """An address split for the wire: the domain in IDNA (ASCII) form, the local part as is.

    `smtputf8` is true when the local part has non-ASCII characters; only a server with the
    SMTPUTF8 extension (RFC 6531) can take such an address.
    """

    local_part: str
    ascii_domain: str
    smtputf8: bool

    @property
    def addr_spec(self) -> str:
        return f"{self.local_part}@{self.ascii_domain}"


@dataclass(frozen=True)
class OutgoingMessage:
    outbox_id: int
    message_id: str
    message: EmailMessage
    envelope_sender: str
    envelope_recipient: str
    smtputf8: bool

    def as_bytes(self) -> bytes:
        """Serialize with CRLF line ends, with raw UTF-8 headers only when SMTPUTF8 is needed."""
        return self.message.as_bytes(policy=message_policy(self.smtputf8))


def parse_mailbox(address: str) -> Mailbox:
    """Split and check an address without DNS, raising EmailNotValidError if it is invalid."""
    result = validate_email(address, check_deliverability=False)
    return Mailbox(result.local_part, result.ascii_domain, bool(result.smtputf8))


def one_line(text: str) -> str:
    # Names come from imported data; a line break in a header would end it early.
    return " ".join(text.split())


def message_policy(smtputf8: bool) -> EmailPolicy[EmailMessage]:
    return policy.SMTPUTF8 if smtputf8 else policy.SMTP


@lru_cache(maxsize=4096)
def folded_header(name: str, value: str, smtputf8: bool) -> str:
    """Encode (RFC 2047) and fold a header value with the policy's own header registry.

    Encoding and folding non-ASCII headers takes the standard library milliseconds, and a
    tenant's From, Reply-To and Subject repeat in every email of a batch, so the result is
    cached and stored ready-made.
    """
    chosen = message_policy(smtputf8)
    line: str = chosen.header_factory(name, value).fold(policy=chosen)
    return line[len(name) + 2 :].rstrip("\r\n")


def set_header(message: EmailMessage, name: str, value: str, smtputf8: bool) -> None:
    # set_raw stores the value as the generator will write it, already encoded and folded.
    message.set_raw(name, folded_header(name, value, smtputf8))


def build_message(email: QueuedEmail, sender: Mailbox) -> OutgoingMessage:
    """Build the message for one outbox row; a bad address raises a permanent DeliveryError.

    An email queued with template values is rendered here, so a rendering error raises
    from this function too.
    """
    try:
        recipient = parse_mailbox(email.recipient)
    except EmailNotValidError as error:
        problem = DeliveryProblem.INVALID_RECIPIENT
        raise DeliveryError(problem, str(error), permanent=True) from error
    content = email_content(email)

    utf8 = recipient.smtputf8 or sender.smtputf8
    message = EmailMessage(policy=message_policy(utf8))
    sender_name = one_line(email.sender_name)
    from_address = Address(sender_name, sender.local_part, sender.ascii_domain)
    set_header(message, "From", str(from_address), utf8)
    reply_to = reply_to_mailbox(email.reply_to)
    if reply_to is not None:
        reply_address = Address(sender_name, reply_to.local_part, reply_to.ascii_domain)
        set_header(message, "Reply-To", str(reply_address), utf8)
    to_address = Address(
        one_line(email.recipient_name or ""), recipient.local_part, recipient.ascii_domain
    )
    set_header(message, "To", str(to_address), utf8)
    set_header(message, "Subject", one_line(content.subject), utf8)
    # The queue time, not the send time, so a message sent again is the same message.
    set_header(message, "Date", format_datetime(email.created_at), utf8)
    set_header(message, "Message-ID", email.message_id, utf8)
    # Asks mail servers not to send vacation notices back (RFC 3834).
    set_header(message, "Auto-Submitted", "auto-generated", utf8)
    message.set_content(content.text, subtype="plain", cte="quoted-printable")
    message.add_alternative(content.html, subtype="html", cte="quoted-printable")
    # After the content, because set_content() removes every Content-* header set before.
    set_header(message, "Content-Language", email.language, utf8)

    return OutgoingMessage(
        outbox_id=email.id,
        message_id=email.message_id,
        message=message,
        envelope_sender=sender.addr_spec,
        envelope_recipient=recipient.addr_spec,
        smtputf8=utf8,
    )


def reply_to_mailbox(address: str | None) -> Mailbox | None:
    # updateRelaySettings stores only valid addresses, but an older value may be invalid.
    if not address:
        return None
    try:
        return parse_mailbox(address)
    except EmailNotValidError:
        return None
