from __future__ import annotations

from typing import Annotated, cast

import strawberry

from relay_graph.api.graphql.arguments import After, Before, First, Last, page_request
from relay_graph.api.graphql.compiled import Completed, PlanningExecutor
from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import client_errors
from relay_graph.api.graphql.ids import from_global_id
from relay_graph.api.graphql.json_lists import list_plan
from relay_graph.api.graphql.selection import selects, selects_any
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.api.graphql.types.inputs import ContactFilter, ContactOrder
from relay_graph.api.graphql.types.pagination import Connection, to_connection
from relay_graph.api.graphql.types.provider_type import held_types, load_contact_counts
from relay_graph.domain import read_models
from relay_graph.services import queries

ASSIGNMENT_PATHS = (("nodes", "assignments"), ("edges", "node", "assignments"))
TYPE_COUNT_PATHS = tuple((*path, "providerType", "contactCount") for path in ASSIGNMENT_PATHS)


async def resolve_contacts(
    info: Info,
    filter: Annotated[  # shadows the builtin because the public schema names it
        ContactFilter | None, strawberry.argument(description="Conditions the contacts must meet.")
    ] = None,
    order_by: Annotated[
        ContactOrder | None,
        strawberry.argument(description="Sort order; default by name, ascending."),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Contact]:
    context = info.context
    plan = list_plan(info._raw_info) if PlanningExecutor.plans_enabled else None
    with client_errors(context.language):
        contact_filter = filter.to_domain() if filter else read_models.ContactFilter()
        order = order_by.to_domain() if order_by else read_models.ContactOrder()
        request = page_request(first, after, last, before)
        if plan is not None:
            # The database builds each contact's JSON; see json_lists.py.
            json_listing = await queries.list_contact_json(
                context.uow,
                context.actor,
                contact_filter,
                order,
                request,
                context.now,
                plan.projections,
                with_total=plan.with_total,
            )
            completed = Completed(plan.build(json_listing.page, json_listing.total_count))
            # The executor takes a Completed value as the field's response value as it is.
            return cast(Connection[Contact], completed)
        listing = await queries.list_contacts(
            context.uow,
            context.actor,
            contact_filter,
            order,
            request,
            context.now,
            with_assignments=selects_any(info, *ASSIGNMENT_PATHS),
            with_total=selects_any(info, ("totalCount",)),
        )
    if selects_any(info, *TYPE_COUNT_PATHS):
        await load_contact_counts(context, held_types(listing.page.items))
    return to_connection(listing.page, listing.total_count)  # type: ignore[arg-type]


async def resolve_contact(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the contact.")],
) -> Contact | None:
    context = info.context
    with client_errors(context.language):
        contact_id = from_global_id(id, "Contact", "id")
        found = await queries.contacts_by_ids(context.uow, context.actor, [contact_id], context.now)
    if selects(info, "assignments", "providerType", "contactCount"):
        await load_contact_counts(context, held_types(found.values()))
    return found.get(contact_id)  # type: ignore[return-value]


contacts_field = strawberry.field(
    resolver=resolve_contacts,
    description="Contacts of your tenant (archived ones excluded), one page at a time.",
)
contact_field = strawberry.field(
    resolver=resolve_contact,
    description="One contact by ID; null if your tenant has no such contact.",
)
