from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import strawberry
from graphql import GraphQLError

from relay_graph.domain.errors import DomainError
from relay_graph.domain.pagination import PaginationError
from relay_graph.i18n import Language
from relay_graph.i18n.messages import translate


@strawberry.enum(description="Machine-readable code of an expected failure.")
class UserErrorCode(enum.Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="No object with this ID exists in your tenant."
    )
    INVALID_ID = strawberry.enum_value(
        "INVALID_ID", description="The ID is malformed or names an object of another type."
    )
    MISSING_EMAIL = strawberry.enum_value(
        "MISSING_EMAIL", description="The contact has no email address."
    )
    INVALID_EMAIL = strawberry.enum_value(
        "INVALID_EMAIL", description="The contact's email address is not a valid address."
    )
    MISSING_CATEGORY = strawberry.enum_value(
        "MISSING_CATEGORY",
        description="The contact has no Relay category (Dienstleisterkategorie).",
    )
    ALREADY_REGISTERED = strawberry.enum_value(
        "ALREADY_REGISTERED", description="The provider has already registered on Relay."
    )
    NO_LIVE_CODE = strawberry.enum_value(
        "NO_LIVE_CODE",
        description="The contact has no live provider code; create one with createProviderCode.",
    )
    INVALID_SENDER_NAME = strawberry.enum_value(
        "INVALID_SENDER_NAME",
        description=(
            "The sender name is too long or contains line breaks, control characters or "
            "bidirectional overrides."
        ),
    )
    INVALID_REPLY_TO = strawberry.enum_value(
        "INVALID_REPLY_TO", description="The reply-to address is not a valid email address."
    )
    INVALID_CODE_VALIDITY = strawberry.enum_value(
        "INVALID_CODE_VALIDITY", description="The code validity is outside 1 to 365 days."
    )
    INVALID_LANGUAGE = strawberry.enum_value(
        "INVALID_LANGUAGE", description="The language is not one of de and en."
    )
    FEATURE_DISABLED = strawberry.enum_value(
        "FEATURE_DISABLED", description="The beta feature is not enabled for your tenant."
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="Your token's role may not do this; viewers only read."
    )
    INVALID_CODE = strawberry.enum_value(
        "INVALID_CODE", description="The provider code is unknown, malformed or already used."
    )
    CODE_EXPIRED = strawberry.enum_value(
        "CODE_EXPIRED", description="The provider code has expired."
    )
    TOO_MANY_ITEMS = strawberry.enum_value(
        "TOO_MANY_ITEMS",
        description="The call sends more items than allowed; nothing was written.",
    )
    MISSING_VALUE = strawberry.enum_value(
        "MISSING_VALUE", description="A required value is missing or blank."
    )
    VALUE_TOO_LONG = strawberry.enum_value(
        "VALUE_TOO_LONG", description="A value has more characters than its field allows."
    )
    INVALID_CHARACTER = strawberry.enum_value(
        "INVALID_CHARACTER",
        description=(
            "A value contains a control character other than tab or a line break, or a "
            "bidirectional embedding, override or isolate (U+202A to U+202E, U+2066 to U+2069)."
        ),
    )
    DUPLICATE_ITEM = strawberry.enum_value(
        "DUPLICATE_ITEM", description="An earlier item of the same call has the same key."
    )
    UNKNOWN_CONTACT = strawberry.enum_value(
        "UNKNOWN_CONTACT", description="No contact of your tenant has this ERP number."
    )
    UNKNOWN_PROPERTY = strawberry.enum_value(
        "UNKNOWN_PROPERTY", description="No property of your tenant has this ERP number."
    )


@strawberry.type(description="An expected failure of a mutation, with a localized message.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the argument that caused the error, if one did."
    )
    code: UserErrorCode = strawberry.field(description="Machine-readable error code.")
    message: str = strawberry.field(
        description="Explanation for a person, in German or English by Accept-Language."
    )


def user_error(
    error: DomainError, language: Language, *, client_id: str | None = None
) -> UserError:
    """Convert an expected failure into payload data.

    `client_id` is the ID as the client sent it; messages show it in place of the
    database id that services know.
    """
    params = dict(error.params)
    if client_id is not None and "id" in params:
        params["id"] = client_id
    return UserError(
        field=list(error.field) if error.field else None,
        code=UserErrorCode(error.code.value),
        message=translate(error.code.value, language, **params),
    )


class ClientError(GraphQLError):
    """A request the client must change; shown as is, never masked, never logged as a fault."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def is_client_error(error: GraphQLError) -> bool:
    # Errors without a path come from parsing, validation or coercing the variables, before
    # any resolver ran: they describe the request, even when they wrap another exception.
    if error.path is None or error.original_error is None:
        return True
    return isinstance(error.original_error, ClientError)


def query_error(error: DomainError, language: Language) -> ClientError:
    """Turn an expected failure inside a query field into a GraphQL error for the client."""
    return ClientError(
        translate(error.code.value, language, **error.params),
        error.code.value,
        field=list(error.field) if error.field else None,
    )


@contextmanager
def client_errors(language: Language) -> Iterator[None]:
    """Report expected failures of a query field to the client instead of masking them."""
    try:
        yield
    except DomainError as error:
        raise query_error(error, language) from error
    except PaginationError as error:
        raise ClientError(str(error), "INVALID_PAGINATION") from error
