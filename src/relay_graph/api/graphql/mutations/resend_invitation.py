from __future__ import annotations

from typing import Annotated

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.ids import from_global_id
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.invitation_resend import resend_invitation


@strawberry.type(description="Result of resendInvitation.")
class ResendInvitationPayload:
    contact: Contact | None = strawberry.field(
        description="The contact; `relay.delivery` shows the new email as QUEUED."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing was queued, if so.")


async def resolve_resend_invitation(
    info: Info,
    contact_id: Annotated[
        strawberry.ID, strawberry.argument(description="Global ID of the contact.")
    ],
) -> ResendInvitationPayload:
    context = info.context
    try:
        database_id = from_global_id(contact_id, "Contact", "contactId")
        await resend_invitation(
            context.uow, context.actor, database_id, context.invitation_settings, context.now
        )
    except DomainError as error:
        return ResendInvitationPayload(
            contact=None, user_errors=[user_error(error, context.language, client_id=contact_id)]
        )

    found = await queries.contacts_by_ids(context.uow, context.actor, [database_id], context.now)
    return ResendInvitationPayload(contact=found.get(database_id), user_errors=[])  # type: ignore[arg-type]


resend_invitation_field = strawberry.mutation(
    resolver=resolve_resend_invitation,
    description=(
        "Queue the invitation email again, with a new Message-ID, for the contact's live "
        "provider code and current email address, e.g. after a FAILED delivery (admins only)."
    ),
)
