"""Media types and status codes of the GraphQL over HTTP specification (draft of 2024)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def negotiate_media_type(accept: str | None) -> str:
    """Pick the response media type from an Accept header.

    application/graphql-response+json wins when the client rates it at least as high as
    application/json. Anything else, a missing header included, gets application/json,
    which every client of this API before the specification understands.
    """
    if not accept:
        return APPLICATION_JSON
    qualities: dict[str, float] = {}
    for item in accept.split(","):
        media_range, *parameters = item.split(";")
        name = media_range.strip().lower()
        qualities[name] = max(qualities.get(name, 0.0), _quality(parameters))
    graphql_response = qualities.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json = max(qualities.get(name, 0.0) for name in (APPLICATION_JSON, "application/*", "*/*"))
    if graphql_response > 0 and graphql_response >= json:
        return GRAPHQL_RESPONSE_JSON
    return APPLICATION_JSON


def is_request_error(body: Mapping[str, Any]) -> bool:
    """Tell whether a result failed before execution: parse, validation or variable errors.

    Such a result has no data and only errors without a `path`.
    """
    errors = body.get("errors")
    if body.get("data") is not None or not errors:
        return False
    return all(isinstance(error, dict) and "path" not in error for error in errors)


def _is_internal(error: Any) -> bool:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return isinstance(extensions, dict) and extensions.get("code") == "INTERNAL_SERVER_ERROR"


def status_and_body(media_type: str, body: Mapping[str, Any]) -> tuple[int, Mapping[str, Any]]:
    """Return the HTTP status and body for one GraphQL result in `media_type`.

    application/json keeps 200 for every result, as before the specification.
    application/graphql-response+json responds to a request error with 400 (500 if an
    unexpected error stopped the operation before execution) and leaves out `data`.
    """
    if media_type != GRAPHQL_RESPONSE_JSON or not is_request_error(body):
        return 200, body
    errors = body.get("errors") or []
    status = 500 if any(_is_internal(error) for error in errors) else 400
    return status, {key: value for key, value in body.items() if key != "data"}


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """Build a GraphQL-shaped body for an error that happened outside execution."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
