from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError, OperationDefinitionNode
from sqlalchemy.exc import OperationalError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.types import ExecutionContext

from relay_graph.api.graphql.compiled import PlanningExecutor
from relay_graph.api.graphql.cost import DEFAULT_MAX_COST, QueryCostLimiter
from relay_graph.api.graphql.errors import is_client_error
from relay_graph.api.graphql.mutations.create_provider_code import create_provider_code_field
from relay_graph.api.graphql.mutations.invite_all_providers import invite_all_providers_field
from relay_graph.api.graphql.mutations.link_type_category import link_type_category_field
from relay_graph.api.graphql.mutations.redeem_provider_code import redeem_provider_code_field
from relay_graph.api.graphql.mutations.resend_invitation import resend_invitation_field
from relay_graph.api.graphql.mutations.set_contact_category import set_contact_category_field
from relay_graph.api.graphql.mutations.set_responsibilities import set_responsibilities_field
from relay_graph.api.graphql.mutations.update_relay_settings import update_relay_settings_field
from relay_graph.api.graphql.mutations.upsert_contacts import upsert_contacts_field
from relay_graph.api.graphql.mutations.upsert_properties import upsert_properties_field
from relay_graph.api.graphql.queries.catalog import (
    properties_field,
    provider_types_field,
    relay_categories_field,
)
from relay_graph.api.graphql.queries.contacts import contact_field, contacts_field
from relay_graph.api.graphql.queries.nodes import node_field, nodes_field
from relay_graph.api.graphql.queries.relay_settings import relay_settings_field
from relay_graph.api.graphql.queries.viewer import viewer_field
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.api.graphql.types.property import Property
from relay_graph.api.graphql.types.provider_type import ProviderType

logger = logging.getLogger(__name__)
fault_logger = logging.getLogger("relay_graph.api.graphql.faults")

PARSED_DOCUMENTS_CACHED = 256

MASKED_MESSAGE = "Internal server error. The request was logged; quote its request id to support."
DATABASE_BUSY_MESSAGE = (
    "The database is busy with another write, such as an import, and nothing was changed. "
    "Send the request again in a moment."
)


def is_database_busy(error: BaseException | None) -> bool:
    """Check whether an error is SQLite's lock timeout: a writer waited 15 s and gave up.

    The write was rolled back, so the client can safely send it again.
    """
    return isinstance(error, OperationalError) and "database is locked" in str(error)


@strawberry.type(description="Read access to your tenant's Relay onboarding data.")
class Query:
    node = node_field
    nodes = nodes_field
    viewer = viewer_field
    contacts = contacts_field
    contact = contact_field
    properties = properties_field
    provider_types = provider_types_field
    relay_categories = relay_categories_field
    relay_settings = relay_settings_field


@strawberry.type(description="Changes; each payload lists expected failures in `userErrors`.")
class Mutation:
    set_contact_category = set_contact_category_field
    link_type_category = link_type_category_field
    create_provider_code = create_provider_code_field
    invite_all_providers = invite_all_providers_field
    redeem_provider_code = redeem_provider_code_field
    resend_invitation = resend_invitation_field
    update_relay_settings = update_relay_settings_field
    upsert_contacts = upsert_contacts_field
    upsert_properties = upsert_properties_field
    set_responsibilities = set_responsibilities_field


class FaultMasking(SchemaExtension):
    """Log each unexpected error once with its stack trace and show the client a generic one."""

    def on_operation(self) -> Any:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", None)
        masked: list[GraphQLError] = []
        for error in result.errors:
            if is_client_error(error):
                masked.append(error)
                continue
            if is_database_busy(error.original_error):
                logger.warning(
                    "database busy in %s (request id %s): %s",
                    ".".join(str(part) for part in error.path or ()) or "operation",
                    request_id,
                    error.original_error,
                )
                masked.append(
                    GraphQLError(
                        DATABASE_BUSY_MESSAGE,
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": "DATABASE_BUSY", "requestId": request_id},
                    )
                )
                continue
            fault_logger.error(
                "unexpected error in %s (request id %s)",
                ".".join(str(part) for part in error.path or ()) or "operation",
                request_id,
                exc_info=error.original_error,
            )
            masked.append(
                GraphQLError(
                    MASKED_MESSAGE,
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                )
            )
        result.errors = masked


class RequireOperationName(SchemaExtension):
    """Reject a document with several operations unless the request names one.

    Strawberry would run the first operation. The GraphQL spec requires an error instead,
    so a client never assumes that another operation of its document ran.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # Strawberry keeps the requested name only in this private attribute.
        requested = getattr(context, "_provided_operation_name", None)
        if document is not None and requested is None:
            count = sum(isinstance(node, OperationDefinitionNode) for node in document.definitions)
            if count > 1:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"The document contains {count} operations; send `operationName` "
                        "to choose the one to run."
                    )
                ]
        yield


class QuietSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # FaultMasking logs unexpected errors once; client errors are not faults.
        return None


def build_schema(
    *,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_tokens: int = 5000,
    max_cost: int = DEFAULT_MAX_COST,
) -> strawberry.Schema:
    # The limiters create a new rule class per instance, which would make every request
    # miss the validation cache, so their rules are created once per schema.
    limit_rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    return QuietSchema(
        query=Query,
        mutation=Mutation,
        types=[Contact, Property, ProviderType],
        execution_context_class=PlanningExecutor,
        extensions=[
            # TODO: hundreds of repeated fields exceed graphql-core's own validation budget,
            # which returns "Validation aborted." without naming a limit or a setting.
            # One set of rule classes for every request: the validation cache keys on them.
            lambda: AddValidationRules(limit_rules),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            # Clients send the same few documents all day; parse and validate each once.
            lambda: ParserCache(maxsize=PARSED_DOCUMENTS_CACHED),
            lambda: ValidationCache(maxsize=PARSED_DOCUMENTS_CACHED),
            lambda: QueryCostLimiter(max_cost=max_cost),
            RequireOperationName,
            FaultMasking,
        ],
    )
