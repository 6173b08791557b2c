"""Deliver invitation emails to a real SMTP server (aiosmtpd on 127.0.0.1, started here)."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgi_lifespan import LifespanManager
from click.testing import CliRunner
from sqlalchemy import insert, select, update
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.app import create_app
from relay_graph.cli import main
from relay_graph.config import Settings
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.db.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    Contact,
    EmailOutbox,
    Tenant,
)
from relay_graph.mail.messages import OutgoingMessage, parse_mailbox
from relay_graph.mail.retry import RetryPolicy
from relay_graph.mail.transports.smtp import SmtpOptions, SmtpSession, SmtpTransport
from relay_graph.services.outbox_delivery import OutboxDispatcher
from relay_graph.services.unit_of_work import UnitOfWorkFactory

REGISTRATION_URL = "https://relay.example/registrieren"
MAIL_FROM = "einladung@relay.example"

CREATE_CODE = """
mutation($id: ID!) { createProviderCode(contactId: $id) {
  providerCode { code } userErrors { code } } }
"""
DELIVERY = """
query($id: ID!) { contact(id: $id) { relay { delivery {
  state reason problem sentAt attempts nextAttemptAt } } } }
"""


@dataclass
class Received:
    sender: str
    recipients: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    """aiosmtpd handler that keeps every message and rejects chosen recipients."""

    messages: list[Received] = field(default_factory=list)
    rejections: dict[str, str] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rejections:
            return self.rejections[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        self.arrived.set()
        return "250 Message accepted"


class SmtpServer:
    """An aiosmtpd server in the test's event loop; stop and start keep the port."""

    def __init__(self, smtputf8: bool = True) -> None:
        self.handler = RecordingHandler()
        self.smtputf8 = smtputf8
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self.handler, hostname="smtp.test", enable_SMTPUTF8=self.smtputf8),
            "127.0.0.1",
            self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The tests below run delivery rounds themselves, so the server runs no worker.
    return Settings(
        database_url=database_url, registration_url=REGISTRATION_URL, outbox_worker=False,
        mail_from=MAIL_FROM,
    )


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def uow(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(database_url)
    yield UnitOfWorkFactory(create_session_factory(engine))
    await engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def smtp_options(port: int) -> SmtpOptions:
    return SmtpOptions(host="127.0.0.1", port=port, tls="none", timeout=5)


def make_dispatcher(
    uow: UnitOfWorkFactory, port: int, clock: Clock, *, max_attempts: int = 8,
    transport: Any = None, batch_size: int = 50,
) -> OutboxDispatcher:
    return OutboxDispatcher(
        uow,
        transport or SmtpTransport(smtp_options(port)),
        sender=parse_mailbox(MAIL_FROM),
        retry=RetryPolicy(max_attempts=max_attempts, base_delay=60, max_delay=3600),
        batch_size=batch_size,
        lease=timedelta(minutes=10),
        clock=clock,
    )


async def invite(gql: GraphQLClient, token: str, contact: Any) -> str:
    data = await gql.execute(CREATE_CODE, {"id": to_global_id("Contact", contact.id)}, token=token)
    assert data["createProviderCode"]["userErrors"] == []
    code: str = data["createProviderCode"]["providerCode"]["code"]
    return code


async def delivery(gql: GraphQLClient, token: str, contact: Any, language: str = "de") -> Any:
    data = await gql.execute(
        DELIVERY, {"id": to_global_id("Contact", contact.id)}, token=token, language=language
    )
    return data["contact"]["relay"]["delivery"]


async def outbox(factory: Factory) -> list[EmailOutbox]:
    async with factory.uow.read() as uow:
        rows = await uow.session.execute(select(EmailOutbox).order_by(EmailOutbox.id))
        return list(rows.scalars())


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.mark.parametrize(
    ("language", "greeting", "subject"),
    [("de", "Guten Tag Frau Jördis Weiß", "lädt Sie zu Relay ein"),
     ("en", "Hello Jördis Weiß", "invites you to Relay")],
)
async def test_invitation_arrives_with_headers(
    gql: GraphQLClient, demo: Any, factory: Factory, smtp: SmtpServer, uow: UnitOfWorkFactory,
    clock: Clock, language: str, greeting: str, subject: str,
) -> None:
    tenant = await factory.tenant(
        name="Hausverwaltung Müller & Söhne GmbH", sender_name="Hausverwaltung Müller & Söhne",
        reply_to="service@mueller-soehne.example",
    )
    token = await factory.token(tenant)
    contact = await factory.contact(
        tenant, salutation="Frau", first_name="Jördis", last_name="Weiß",
        email="j.weiss@example.org", category="HANDWERKER", language=language,
    )
    code = await invite(gql, token, contact)

    report = await make_dispatcher(uow, smtp.port, clock).deliver_due()

    assert report.sent == 1
    [received] = smtp.handler.messages
    [row] = await outbox(factory)
    message = received.message
    assert received.sender == MAIL_FROM
    assert received.recipients == ["j.weiss@example.org"]
    assert message["From"].addresses[0].display_name == "Hausverwaltung Müller & Söhne"
    assert message["From"].addresses[0].addr_spec == MAIL_FROM
    assert message["Reply-To"].addresses[0].addr_spec == "service@mueller-soehne.example"
    assert message["To"].addresses[0].display_name == "Jördis Weiß"
    assert message["Message-ID"] == row.message_id
    assert message["Message-ID"].endswith("@relay.example>")
    lines = received.content.split(b"\r\n")
    raw_subject = next(line for line in lines if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in raw_subject  # the umlauts travel RFC 2047-encoded
    assert subject in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == language
    text, html = parts(message)
    link = f"{REGISTRATION_URL}?code={code}"
    assert code in text
    assert link in text
    assert greeting in text
    assert code in html
    assert f'href="{link}"' in html
    state = await delivery(gql, token, contact)
    assert state["state"] == "SENT"
    assert state["sentAt"] is not None
    assert state["reason"] is None


async def test_queued_invitation_keeps_queue_time_text(
    gql: GraphQLClient, factory: Factory, smtp: SmtpServer, uow: UnitOfWorkFactory, clock: Clock
) -> None:
    # The text is rendered when the email is sent, from the values stored when it was
    # queued. The From header takes the sender name of the time of sending.
    tenant = await factory.tenant(sender_name="Hausverwaltung Alt")
    token = await factory.token(tenant)
    contact = await factory.contact(
        tenant, first_name="Jonas", last_name="Weber", category="HANDWERKER"
    )
    code = await invite(gql, token, contact)
    async with factory.uow.write() as work:
        await work.session.execute(
            update(Tenant).where(Tenant.id == tenant.id).values(sender_name="Hausverwaltung Neu")
        )
        await work.session.execute(
            update(Contact).where(Contact.id == contact.id).values(first_name="Jana", language="en")
        )
        await work.commit()

    report = await make_dispatcher(uow, smtp.port, clock).deliver_due()

    assert report.sent == 1
    [received] = smtp.handler.messages
    message = received.message
    text, html = parts(message)
    assert message["From"].addresses[0].display_name == "Hausverwaltung Neu"
    assert "Hausverwaltung Alt lädt Sie zu Relay ein" in message["Subject"]
    assert "Guten Tag Jonas Weber" in text
    assert "Hausverwaltung Alt" in html
    assert "Hausverwaltung Neu" not in text
    assert code in text


async def test_idn_domain_is_sent_as_idna(
    gql: GraphQLClient, demo: Any, factory: Factory, smtp: SmtpServer, uow: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    ascii_local = await factory.contact(
        demo.tenant, email="info@müller-bau.example", category="HANDWERKER"
    )
    utf8_local = await factory.contact(
        demo.tenant, email="jörg@müller-bau.example", category="HANDWERKER"
    )
    await invite(gql, demo.admin, ascii_local)
    await invite(gql, demo.admin, utf8_local)

    await make_dispatcher(uow, smtp.port, clock).deliver_due()

    recipients = sorted(address for item in smtp.handler.messages for address in item.recipients)
    assert recipients == ["info@xn--mller-bau-q9a.example", "jörg@xn--mller-bau-q9a.example"]
    assert all(row.status == OUTBOX_SENT for row in await outbox(factory))


async def test_utf8_mailbox_needs_smtputf8(
    gql: GraphQLClient, demo: Any, factory: Factory, uow: UnitOfWorkFactory, clock: Clock,
) -> None:
    server = SmtpServer(smtputf8=False)
    await server.start()
    try:
        contact = await factory.contact(
            demo.tenant, email="jörg@example.org", category="HANDWERKER"
        )
        await invite(gql, demo.admin, contact)
        await make_dispatcher(uow, server.port, clock).deliver_due()
    finally:
        await server.stop()

    assert server.handler.messages == []
    state = await delivery(gql, demo.admin, contact)
    assert state["state"] == "FAILED"
    assert (state["problem"], state["attempts"]) == ("SMTPUTF8_UNSUPPORTED", 1)


async def test_smtp_outage_delays_but_loses_nothing(
    gql: GraphQLClient, demo: Any, factory: Factory, smtp: SmtpServer, uow: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    await smtp.stop()
    contacts = [await factory.contact(demo.tenant, category="HAUSMEISTER") for _ in range(5)]
    for contact in contacts:
        await invite(gql, demo.admin, contact)
    dispatcher = make_dispatcher(uow, smtp.port, clock)

    down = await dispatcher.deliver_due()
    waiting = await delivery(gql, demo.admin, contacts[0])

    assert (down.claimed, down.retried, down.transport_down) == (5, 5, True)
    assert waiting["state"] == "QUEUED"
    assert waiting["problem"] == "SERVER_UNREACHABLE"
    assert waiting["reason"].startswith("Mailserver nicht erreichbar")
    assert await dispatcher.deliver_due() == type(down)()  # nothing is due before the retry time

    await smtp.start()
    clock.advance(timedelta(hours=1))
    back = await dispatcher.deliver_due()

    assert back.sent == 5
    rows = await outbox(factory)
    assert sorted(item.message["Message-ID"] for item in smtp.handler.messages) == sorted(
        row.message_id for row in rows
    )
    assert {(row.status, row.attempts) for row in rows} == {(OUTBOX_SENT, 2)}


class SimulatedCrash(BaseException):
    """Stands for the process dying: no except clause of the dispatcher catches it."""


class DyingSession(SmtpSession):
    async def send(self, message: OutgoingMessage) -> None:
        await super().send(message)
        raise SimulatedCrash


class CrashAfterSending(SmtpTransport):
    """Sends each message for real, then dies before the dispatcher records anything."""

    @asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        session = DyingSession(self.options)
        try:
            yield session
        finally:
            await session.close()


async def test_crash_after_send_resends_same_message_id(
    gql: GraphQLClient, demo: Any, factory: Factory, smtp: SmtpServer, uow: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")
    await invite(gql, demo.admin, contact)

    crashing = CrashAfterSending(smtp_options(smtp.port))
    dying = make_dispatcher(uow, smtp.port, clock, transport=crashing)
    with pytest.raises(BaseExceptionGroup) as crash:
        await dying.deliver_due()
    assert crash.group_contains(SimulatedCrash)
    [claimed] = await outbox(factory)
    restarted = make_dispatcher(uow, smtp.port, clock)
    during_lease = await restarted.deliver_due()
    clock.advance(timedelta(minutes=11))
    after_lease = await restarted.deliver_due()

    assert claimed.status == OUTBOX_PENDING
    assert (during_lease.claimed, after_lease.sent) == (0, 1)
    first, second = (item.message["Message-ID"] for item in smtp.handler.messages)
    assert first == second == claimed.message_id
    [row] = await outbox(factory)
    assert row.status == OUTBOX_SENT


async def test_rejected_recipient_fails_at_once(
    gql: GraphQLClient, demo: Any, factory: Factory, smtp: SmtpServer, uow: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    contact = await factory.contact(demo.tenant, email="gone@example.org", category="HANDWERKER")
    smtp.handler.rejections["gone@example.org"] = "550 5.1.1 mailbox unavailable"
    await invite(gql, demo.admin, contact)

    report = await make_dispatcher(uow, smtp.port, clock).deliver_due()
    german = await delivery(gql, demo.admin, contact)
    english = await delivery(gql, demo.viewer, contact, language="en")

    assert (report.failed, report.retried) == (1, 0)
    assert german["state"] == "FAILED"
    assert german["sentAt"] is None
    assert german["reason"] == "Empfänger abgelehnt: 550 5.1.1 mailbox unavailable"
    assert english["reason"] == "Recipient rejected: 550 5.1.1 mailbox unavailable"
    [row] = await outbox(factory)
    assert (row.status, row.attempts) == (OUTBOX_FAILED, 1)
    assert row.last_error_code == "RECIPIENT_REJECTED"


async def test_temporary_rejection_backs_off_then_fails(
    gql: GraphQLClient, demo: Any, factory: Factory, smtp: SmtpServer, uow: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    contact = await factory.contact(demo.tenant, email="busy@example.org", category="HANDWERKER")
    smtp.handler.rejections["busy@example.org"] = "451 4.7.1 greylisted, try again later"
    await invite(gql, demo.admin, contact)
    dispatcher = make_dispatcher(uow, smtp.port, clock, max_attempts=3)

    waits = []
    for _ in range(2):
        await dispatcher.deliver_due()
        [row] = await outbox(factory)
        waits.append(row.next_attempt_at - clock.now)
        clock.advance(timedelta(hours=2))
    await dispatcher.deliver_due()

    # Base 60 s, doubled per attempt, drawn between half and all of it.
    assert timedelta(seconds=30) <= waits[0] <= timedelta(seconds=60)
    assert timedelta(seconds=60) <= waits[1] <= timedelta(seconds=120)
    [row] = await outbox(factory)
    assert (row.status, row.attempts) == (OUTBOX_FAILED, 3)
    state = await delivery(gql, demo.admin, contact)
    assert state["reason"] == (
        "Empfänger abgelehnt: 451 4.7.1 greylisted, try again later (3 Versuche)"
    )


@pytest.mark.parametrize("draws", [1, 7])
async def test_retry_delay_doubles_with_jitter(draws: int) -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=10, max_delay=100)

    delays = [policy.delay(attempt) for attempt in range(1, 8) for _ in range(draws)]

    nominal = [
        min(100, 10 * 2 ** (attempt - 1)) for attempt in range(1, 8) for _ in range(draws)
    ]
    assert all(n / 2 <= d.total_seconds() <= n for d, n in zip(delays, nominal, strict=True))
    assert policy.gives_up(8)
    assert not policy.gives_up(7)


async def queue_rows(factory: Factory, tenant: Any, count: int) -> list[str]:
    now = datetime.now(UTC)
    rows = [
        {
            "tenant_id": tenant.id, "kind": "INVITATION", "recipient": f"p{index}@example.org",
            "language": "de", "subject": f"Einladung {index}", "body_text": "Text",
            "body_html": "<p>Text</p>", "message_id": f"<bulk-{index}@relay.example>",
            "status": OUTBOX_PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
        }
        for index in range(count)
    ]
    async with factory.uow.write() as uow:
        await uow.session.execute(insert(EmailOutbox), rows)
        await uow.commit()
    return [row["message_id"] for row in rows]


async def drain_together(
    database_url: str, port: int, clock: Clock, *, workers: int, batch_size: int
) -> list[int]:
    """Let several dispatchers, each with its own engine, drain the outbox at once."""
    engines = [create_engine(database_url) for _ in range(workers)]
    dispatchers = [
        make_dispatcher(
            UnitOfWorkFactory(create_session_factory(engine)), port, clock, batch_size=batch_size
        )
        for engine in engines
    ]

    async def drain(dispatcher: OutboxDispatcher) -> int:
        claimed = 0
        while (report := await dispatcher.deliver_due()).claimed:
            claimed += report.claimed
        return claimed

    try:
        return list(await asyncio.gather(*(drain(item) for item in dispatchers)))
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_workers_send_each_email_once(
    engine_name: str, demo: Any, factory: Factory, smtp: SmtpServer, database_url: str,
    clock: Clock,
) -> None:
    if engine_name != "postgres":
        pytest.skip("SKIP LOCKED claims need PostgreSQL; SQLite serializes all writers anyway")
    message_ids = await queue_rows(factory, demo.tenant, 1000)

    claims = await drain_together(database_url, smtp.port, clock, workers=2, batch_size=50)

    sent = Counter(item.message["Message-ID"] for item in smtp.handler.messages)
    assert [message_id for message_id, times in sent.items() if times > 1] == []
    assert set(message_ids) - set(sent) == set()
    assert sum(claims) == 1000
    assert min(claims) > 0, claims
    assert {row.status for row in await outbox(factory)} == {OUTBOX_SENT}


async def test_second_worker_beside_server_sends_nothing_twice(
    demo: Any, factory: Factory, smtp: SmtpServer, database_url: str, clock: Clock,
) -> None:
    # On SQLite this is a CLI worker beside the one in the server: the write lock of each
    # claim keeps their batches apart.
    message_ids = await queue_rows(factory, demo.tenant, 120)

    claims = await drain_together(database_url, smtp.port, clock, workers=2, batch_size=10)

    sent = Counter(item.message["Message-ID"] for item in smtp.handler.messages)
    assert [message_id for message_id, times in sent.items() if times > 1] == []
    assert set(message_ids) - set(sent) == set()
    assert sum(claims) == 120


async def test_server_worker_delivers_in_the_background(
    demo: Any, factory: Factory, smtp: SmtpServer, database_url: str,
) -> None:
    settings = Settings(
        database_url=database_url, registration_url=REGISTRATION_URL, outbox_worker=True,
        outbox_poll_interval=0.05, mail_transport="smtp", smtp_host="127.0.0.1",
        smtp_port=smtp.port, smtp_tls="none", mail_from=MAIL_FROM,
    )
    contact = await factory.contact(demo.tenant, category="HANDWERKER")

    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await invite(GraphQLClient(http), demo.admin, contact)
            await asyncio.wait_for(smtp.handler.arrived.wait(), timeout=30)

    [received] = smtp.handler.messages
    [row] = await outbox(factory)
    assert received.message["Message-ID"] == row.message_id
    assert received.recipients == [contact.email]


def test_cli_worker_writes_eml_files(
    queued_for_cli: list[str], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail_dir = tmp_path / "mail"
    for name, value in {
        "RELAY_DATABASE_URL": database_url, "RELAY_MAIL_TRANSPORT": "file",
        "RELAY_MAIL_DIR": str(mail_dir), "RELAY_MAIL_FROM": MAIL_FROM,
    }.items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, ["outbox-worker", "--once"])

    assert result.exit_code == 0, result.output
    files = sorted(path.name for path in mail_dir.iterdir())
    assert files == sorted(f"{message_id.strip('<>')}.eml" for message_id in queued_for_cli)
    content = (mail_dir / files[0]).read_bytes()
    parsed = email.message_from_bytes(content, policy=email.policy.default)
    assert parsed["Message-ID"] in queued_for_cli


@pytest.fixture
async def queued_for_cli(demo: Any, factory: Factory) -> list[str]:
    return await queue_rows(factory, demo.tenant, 3)

