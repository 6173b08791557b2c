"""How many of a tenant's emails are queued, sent and failed."""

from __future__ import annotations

from relay_graph.db.models import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT
from relay_graph.domain.read_models import DeliveryState
from relay_graph.services.actor import Actor
from relay_graph.services.unit_of_work import UnitOfWorkFactory

STATES_BY_STATUS = {
    OUTBOX_PENDING: DeliveryState.QUEUED,
    OUTBOX_SENT: DeliveryState.SENT,
    OUTBOX_FAILED: DeliveryState.FAILED,
}


async def outbox_counts(uow_factory: UnitOfWorkFactory, actor: Actor) -> dict[DeliveryState, int]:
    """Count the tenant's outbox emails per delivery state; every state is listed."""
    async with uow_factory.read() as uow:
        by_status = await uow.outbox.status_counts(actor.tenant_id)
    return {state: by_status.get(status, 0) for status, state in STATES_BY_STATUS.items()}
