from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

import strawberry

from relay_graph.api.graphql.context import Context, Info
from relay_graph.api.graphql.errors import ClientError
from relay_graph.api.graphql.ids import parse_global_id
from relay_graph.api.graphql.selection import selects
from relay_graph.api.graphql.types.node import Node
from relay_graph.api.graphql.types.provider_type import held_types, load_contact_counts
from relay_graph.domain.read_models import ContactView
from relay_graph.services import queries

# Default of the setting max_node_ids; the view puts the configured value in request.state.
MAX_NODE_IDS = 100


async def load_nodes(context: Context, ids: list[str]) -> list[Any]:
    """Fetch objects by global ID with one select per type; unknown IDs give None."""
    requested: dict[str, list[int]] = defaultdict(list)
    parsed = [parse_global_id(value) for value in ids]
    for item in parsed:
        if item is not None:
            requested[item[0]].append(item[1])

    found: dict[tuple[str, int], Any] = {}
    if requested["Contact"]:
        contacts = await queries.contacts_by_ids(
            context.uow, context.actor, requested["Contact"], context.now
        )
        found.update({("Contact", key): value for key, value in contacts.items()})
    if requested["Property"]:
        properties = await queries.properties_by_ids(
            context.uow, context.actor, requested["Property"]
        )
        found.update({("Property", key): value for key, value in properties.items()})
    if requested["ProviderType"]:
        types = await queries.provider_types_by_ids(
            context.uow, context.actor, requested["ProviderType"]
        )
        found.update({("ProviderType", key): value for key, value in types.items()})
    return [None if item is None else found.get(item) for item in parsed]


async def count_holders_if_selected(info: Info, found: list[Any]) -> None:
    """Load `contactCount` of the types that found contacts hold, if the client selects it."""
    if not selects(info, "assignments", "providerType", "contactCount"):
        return
    contacts = [item for item in found if isinstance(item, ContactView)]
    await load_contact_counts(info.context, held_types(contacts))


async def resolve_node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of any object.")],
) -> Node | None:
    found = await load_nodes(info.context, [id])
    await count_holders_if_selected(info, found)
    return found[0]  # type: ignore[no-any-return]


async def resolve_nodes(
    info: Info,
    ids: Annotated[
        list[strawberry.ID],
        strawberry.argument(
            description=f"Global IDs, at most {MAX_NODE_IDS} unless the server sets another limit."
        ),
    ],
) -> list[Node | None]:
    limit: int = getattr(info.context.request.state, "max_node_ids", MAX_NODE_IDS)
    if len(ids) > limit:
        raise ClientError(
            f"`ids` has {len(ids)} entries; at most {limit} are allowed per request "
            "(maxNodeIds). Split the IDs over several requests.",
            "TOO_MANY_IDS",
            limit="maxNodeIds",
            maximum=limit,
        )
    found = await load_nodes(info.context, list(ids))
    await count_holders_if_selected(info, found)
    return found


node_field = strawberry.field(
    resolver=resolve_node,
    description="Any object by global ID; null if unknown or of another tenant.",
)
nodes_field = strawberry.field(
    resolver=resolve_nodes,
    description="Objects by global IDs, in the same order; null for each unknown ID.",
)
