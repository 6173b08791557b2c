"""The loop that drains the email outbox, inside the server or as its own process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from relay_graph.config import Settings
from relay_graph.mail.messages import parse_mailbox
from relay_graph.mail.retry import RetryPolicy
from relay_graph.mail.transports import MailTransport
from relay_graph.mail.transports.file import FileTransport
from relay_graph.mail.transports.smtp import SmtpOptions, SmtpTransport
from relay_graph.services.outbox_delivery import DeliveryReport, OutboxDispatcher
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# After the first failed round, log every this many consecutive ones, so a database
# outage does not print a stack trace every poll interval.
FAILED_ROUND_LOG_EVERY = 30


class OutboxWorker:
    """Runs delivery rounds until stopped; a full batch is followed at once by the next."""

    def __init__(
        self, dispatcher: OutboxDispatcher, *, poll_interval: float, stop_timeout: float = 10.0
    ) -> None:
        self._dispatcher = dispatcher
        self._poll_interval = poll_interval
        self._stop_timeout = stop_timeout
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failed_rounds = 0

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the outbox worker is already running")
        self._task = asyncio.create_task(self.run(), name="outbox-worker")

    def request_stop(self) -> None:
        self._stopping.set()

    async def stop(self) -> None:
        """Let the current round record its outcome, then end; cancel it after the timeout.

        A cancelled round leaves its sent emails claimed, and they are sent again once
        their lease ends.
        """
        self.request_stop()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=self._stop_timeout)
        except TimeoutError:
            logger.warning(
                "outbox worker did not stop in %.0f s; cancelling it", self._stop_timeout
            )
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def run(self) -> None:
        logger.info("outbox worker started", extra={"poll_interval": self._poll_interval})
        while not self._stopping.is_set():
            report = await self._round()
            busy = (
                report is not None
                and report.claimed >= self._dispatcher.batch_size
                and not report.transport_down
            )
            if not busy:
                await self._wait(self._poll_interval)
        logger.info("outbox worker stopped")

    async def drain(self) -> DeliveryReport:
        """Deliver everything that is due now, then return the totals."""
        totals = DeliveryReport()
        while not self._stopping.is_set():
            report = await self._dispatcher.deliver_due(self._stopping.is_set)
            if report.claimed == 0:
                break
            totals = DeliveryReport(
                claimed=totals.claimed + report.claimed,
                sent=totals.sent + report.sent,
                retried=totals.retried + report.retried,
                failed=totals.failed + report.failed,
                released=totals.released + report.released,
                transport_down=totals.transport_down or report.transport_down,
            )
        return totals

    async def _round(self) -> DeliveryReport | None:
        try:
            report = await self._dispatcher.deliver_due(self._stopping.is_set)
        except Exception:
            self._failed_rounds += 1
            if self._failed_rounds == 1 or self._failed_rounds % FAILED_ROUND_LOG_EVERY == 0:
                logger.exception(
                    "outbox round failed; retrying after the poll interval",
                    extra={"failed_rounds": self._failed_rounds},
                )
            return None
        if self._failed_rounds:
            logger.info("outbox rounds work again", extra={"failed_rounds": self._failed_rounds})
            self._failed_rounds = 0
        return report

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)


def create_transport(settings: Settings) -> MailTransport:
    if settings.mail_transport == "smtp":
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpTransport(
            SmtpOptions(
                host=settings.smtp_host,
                port=settings.smtp_port,
                tls=settings.smtp_tls,
                username=settings.smtp_username,
                password=password,
                timeout=settings.smtp_timeout,
            )
        )
    return FileTransport(settings.mail_dir)


def create_dispatcher(
    settings: Settings, uow_factory: UnitOfWorkFactory, transport: MailTransport | None = None
) -> OutboxDispatcher:
    """Wire a dispatcher from the settings; raises ValueError if RELAY_MAIL_FROM is invalid."""
    try:
        sender = parse_mailbox(settings.mail_from)
    except ValueError as error:
        raise ValueError(
            f"RELAY_MAIL_FROM {settings.mail_from!r} is not a valid address: {error}"
        ) from error
    return OutboxDispatcher(
        uow_factory,
        transport or create_transport(settings),
        sender=sender,
        retry=RetryPolicy(
            max_attempts=settings.mail_max_attempts,
            base_delay=settings.mail_retry_base_seconds,
            max_delay=settings.mail_retry_max_seconds,
        ),
        batch_size=settings.outbox_batch_size,
        connections=settings.mail_connections,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


def create_outbox_worker(settings: Settings, uow_factory: UnitOfWorkFactory) -> OutboxWorker:
    return OutboxWorker(
        create_dispatcher(settings, uow_factory), poll_interval=settings.outbox_poll_interval
    )
