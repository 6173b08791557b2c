"""Measure how many queued emails per second the outbox dispatcher hands to an SMTP server.

The SMTP server is aiosmtpd on 127.0.0.1 in a child process (so it does not share the
dispatcher's event loop), accepting every message and counting them. The database is a
fresh, migrated SQLite file, or a fresh PostgreSQL database with --engine postgres.

    .venv/bin/python -m bench.mail_throughput --count 2000
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

from sqlalchemy import insert

from bench.databases import fresh_database
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.db.models import OUTBOX_PENDING, EmailOutbox, Tenant
from relay_graph.mail.messages import parse_mailbox
from relay_graph.mail.rendering import (
    INVITATION_KIND,
    InvitationDetails,
    invitation_values,
    registration_link,
)
from relay_graph.mail.retry import RetryPolicy
from relay_graph.mail.transports.smtp import SmtpOptions, SmtpTransport
from relay_graph.services.outbox_delivery import OutboxDispatcher
from relay_graph.services.unit_of_work import UnitOfWorkFactory

DEFAULT_POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Result:
    count: int
    received: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


def run_smtp_server(port_pipe: Connection, stop_pipe: Connection) -> None:
    """Accept and count messages in a child process until the parent requests the count."""
    from aiosmtpd.smtp import SMTP, Envelope, Session

    class CountingHandler:
        received = 0

        async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
            CountingHandler.received += 1
            return "250 Message accepted"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        handler = CountingHandler()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="bench.test"), "127.0.0.1", 0
        )
        port_pipe.send(server.sockets[0].getsockname()[1])
        await loop.run_in_executor(None, stop_pipe.recv)
        stop_pipe.send(CountingHandler.received)
        server.close()

    asyncio.run(serve())


def invitation(index: int, now: datetime) -> InvitationDetails:
    code = f"BENCH-{index:05d}"
    return InvitationDetails(
        tenant_name="Hausverwaltung Müller & Söhne",
        contact_name=f"Jördis Weiß {index}",
        salutation="Frau",
        code=code,
        registration_link=registration_link("https://relay.example/register", code),
        expires_at=now + timedelta(days=14),
        valid_days=14,
        reply_to="service@mueller-soehne.example",
    )


async def queue_emails(uow: UnitOfWorkFactory, count: int) -> None:
    """Queue invitations as the API does, so the dispatcher renders each one before sending."""
    now = datetime.now(UTC) - timedelta(seconds=1)
    async with uow.write() as work:
        tenant = Tenant(slug="bench", name="Hausverwaltung Müller & Söhne", default_language="de")
        work.session.add(tenant)
        await work.session.flush()
        rows = [
            {
                "tenant_id": tenant.id,
                "kind": INVITATION_KIND,
                "language": "de",
                "recipient": f"anbieter{index}@beispiel.example",
                "template_values": invitation_values(invitation(index, now)),
                "message_id": f"<bench-{index}@relay.example>",
                "status": OUTBOX_PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for index in range(count)
        ]
        await work.session.execute(insert(EmailOutbox), rows)
        await work.commit()


async def measure(
    database_url: str, port: int, count: int, batch_size: int, connections: int
) -> float:
    engine = create_engine(database_url)
    try:
        uow = UnitOfWorkFactory(create_session_factory(engine))
        await queue_emails(uow, count)
        dispatcher = OutboxDispatcher(
            uow,
            SmtpTransport(SmtpOptions(host="127.0.0.1", port=port, tls="none")),
            sender=parse_mailbox("einladung@relay.example"),
            retry=RetryPolicy(),
            batch_size=batch_size,
            connections=connections,
        )
        started = time.perf_counter()
        sent = 0
        while (report := await dispatcher.deliver_due()).claimed:
            sent += report.sent
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    if sent != count:
        raise RuntimeError(f"the dispatcher sent {sent} of {count} emails")
    return seconds


def run(
    engine_name: str, postgres_admin_url: str, count: int, batch_size: int, connections: int
) -> Result:
    port_parent, port_child = multiprocessing.Pipe()
    stop_parent, stop_child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=run_smtp_server, args=(port_child, stop_child))
    server.start()
    try:
        port = port_parent.recv()
        with fresh_database(engine_name, postgres_admin_url) as url:
            seconds = asyncio.run(measure(url, port, count, batch_size, connections))
        stop_parent.send("stop")
        received = stop_parent.recv()
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    return Result(count=count, received=received, seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=2000, help="emails to queue and send")
    parser.add_argument("--batch-size", type=int, default=50, help="emails per claimed batch")
    parser.add_argument(
        "--connections", type=int, default=4, help="SMTP connections the dispatcher uses at once"
    )
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-admin-url",
        default=DEFAULT_POSTGRES_ADMIN_URL,
        help="server where the PostgreSQL run creates its database",
    )
    args = parser.parse_args()

    result = run(
        args.engine, args.postgres_admin_url, args.count, args.batch_size, args.connections
    )
    print(
        f"engine={args.engine} count={result.count} batch_size={args.batch_size} "
        f"connections={args.connections} "
        f"received={result.received} seconds={result.seconds:.2f} "
        f"messages_per_second={result.per_second:.0f} "
        f"python={platform.python_version()} cpus={multiprocessing.cpu_count()}"
    )


if __name__ == "__main__":
    main()
