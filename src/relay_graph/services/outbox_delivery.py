"""Deliver queued emails from the outbox: claim a due batch, send it, record each outcome.

Delivery is at least once. A claim reserves rows for a lease. A worker that dies after
sending but before recording leaves its rows reserved until the lease ends. Then another
round sends them again with the same Message-ID, so receiving systems can drop the copy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from relay_graph.domain.read_models import QueuedEmail
from relay_graph.mail.failures import DeliveryError, DeliveryProblem
from relay_graph.mail.messages import Mailbox, build_message
from relay_graph.mail.retry import RetryPolicy
from relay_graph.mail.transports import MailTransport, TransportSession
from relay_graph.repositories.outbox import FailedAttempt
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# Their detail comes from the operating system or the TLS library, never from a server
# reply, so it cannot quote an email address and may go to the log.
LOGGABLE_DETAIL = frozenset(
    {DeliveryProblem.SERVER_UNREACHABLE, DeliveryProblem.TLS_FAILED, DeliveryProblem.WRITE_FAILED}
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def never() -> bool:
    return False


@dataclass(frozen=True)
class DeliveryReport:
    """Counts of one round; `released` emails were claimed but handed back unsent."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    transport_down: bool = False


@dataclass
class BatchOutcome:
    sent: list[tuple[int, datetime]] = field(default_factory=list)
    failures: list[FailedAttempt] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)
    transport_error: DeliveryError | None = None


class OutboxDispatcher:
    """Sends due outbox rows; safe to run in several processes against one database."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        transport: MailTransport,
        *,
        sender: Mailbox,
        retry: RetryPolicy,
        batch_size: int = 50,
        connections: int = 4,
        lease: timedelta = timedelta(minutes=10),
        clock: Clock = utc_now,
    ) -> None:
        self._uow = uow_factory
        self._transport = transport
        self._sender = sender
        self._retry = retry
        self._batch_size = batch_size
        self._connections = connections
        self._lease = lease
        self._clock = clock

    @property
    def batch_size(self) -> int:
        return self._batch_size

    async def deliver_due(self, should_stop: Callable[[], bool] = never) -> DeliveryReport:
        """Send one batch of due emails and record the outcome of each."""
        now = self._clock()
        async with self._uow.read() as uow:
            if not await uow.outbox.has_due(now):
                return DeliveryReport()
        async with self._uow.write() as uow:
            ids = await uow.outbox.claim_due(now, self._batch_size, now + self._lease)
            emails = await uow.outbox.load_queued(ids)
            await uow.commit()
        if not emails:
            return DeliveryReport()

        # Start no send after half the lease, so the last one ends long before another
        # worker may claim the same rows.
        outcome = await self._send_batch(emails, now + self._lease / 2, should_stop)

        async with self._uow.write() as uow:
            await uow.outbox.mark_sent(outcome.sent)
            await uow.outbox.record_failures(outcome.failures)
            await uow.outbox.release(outcome.unsent, self._clock())
            await uow.commit()

        report = DeliveryReport(
            claimed=len(emails),
            sent=len(outcome.sent),
            retried=sum(1 for item in outcome.failures if item.retry_at is not None),
            failed=sum(1 for item in outcome.failures if item.retry_at is None),
            released=len(outcome.unsent),
            transport_down=outcome.transport_error is not None,
        )
        self._log_round(report, outcome.transport_error)
        return report

    async def _send_batch(
        self, emails: Sequence[QueuedEmail], deadline: datetime, should_stop: Callable[[], bool]
    ) -> BatchOutcome:
        """Send over several transport sessions at once, each taking every n-th email.

        While one session waits for the server, another builds its next message. An
        exception that escapes a session cancels the others and leaves the batch claimed.
        """
        outcome = BatchOutcome()
        lanes = max(1, min(self._connections, len(emails)))
        async with asyncio.TaskGroup() as group:
            for lane in range(lanes):
                group.create_task(
                    self._send_lane(emails[lane::lanes], outcome, deadline, should_stop)
                )
        return outcome

    async def _send_lane(
        self,
        emails: Sequence[QueuedEmail],
        outcome: BatchOutcome,
        deadline: datetime,
        should_stop: Callable[[], bool],
    ) -> None:
        async with self._transport.session() as session:
            for email in emails:
                if outcome.transport_error is not None:
                    # The transport is down, so the rest of the batch counts the same failure.
                    outcome.failures.append(self._failed(email, outcome.transport_error))
                elif should_stop() or self._clock() >= deadline:
                    outcome.unsent.append(email.id)
                else:
                    await self._send_one(session, email, outcome)

    async def _send_one(
        self, session: TransportSession, email: QueuedEmail, outcome: BatchOutcome
    ) -> None:
        try:
            await session.send(build_message(email, self._sender))
        except DeliveryError as error:
            outcome.failures.append(self._failed(email, error))
            if error.transport_down:
                outcome.transport_error = error
            else:
                self._log_failure(email, error, outcome.failures[-1])
            return
        except Exception as error:
            # A bug must not stop the batch, so it counts as a failed attempt and is retried.
            logger.exception(
                "unexpected error while sending an email",
                extra={"outbox_id": email.id, "tenant_id": email.tenant_id},
            )
            failure = DeliveryError(DeliveryProblem.INTERNAL_ERROR, type(error).__name__)
            outcome.failures.append(self._failed(email, failure))
            return
        # TODO: SENT means the first server accepted the email. Bounces that arrive later at
        # RELAY_MAIL_FROM are not read, so a rejection after acceptance never shows as FAILED.
        outcome.sent.append((email.id, self._clock()))

    def _failed(self, email: QueuedEmail, error: DeliveryError) -> FailedAttempt:
        retry_at = None
        if not error.permanent and not self._retry.gives_up(email.attempts):
            retry_at = self._clock() + self._retry.delay(email.attempts)
        return FailedAttempt(email.id, error.problem.value, error.detail, retry_at)

    def _log_failure(
        self, email: QueuedEmail, error: DeliveryError, attempt: FailedAttempt
    ) -> None:
        # The detail can quote the address, so only codes and ids go to the log.
        logger.warning(
            "email delivery failed: %s",
            error.problem.value,
            extra={
                "outbox_id": email.id,
                "tenant_id": email.tenant_id,
                "contact_id": email.contact_id,
                "attempts": email.attempts,
                "permanent": error.permanent,
                "given_up": attempt.retry_at is None,
            },
        )

    def _log_round(self, report: DeliveryReport, transport_error: DeliveryError | None) -> None:
        if transport_error is not None:
            detail = transport_error.detail if transport_error.problem in LOGGABLE_DETAIL else "-"
            logger.warning(
                "mail transport unavailable: %s (%s)",
                transport_error.problem.value,
                detail,
                extra={
                    "claimed": report.claimed, "retried": report.retried, "failed": report.failed,
                },
            )
        logger.info(
            "outbox round finished",
            extra={
                "claimed": report.claimed,
                "sent": report.sent,
                "retried": report.retried,
                "failed": report.failed,
                "released": report.released,
            },
        )
