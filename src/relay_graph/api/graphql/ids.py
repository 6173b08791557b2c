"""Global object IDs: base64 of `TypeName:databaseId`, opaque to clients."""

from __future__ import annotations

import base64
import binascii

import strawberry

from relay_graph.domain.errors import DomainError, ErrorCode

MAX_ECHOED_LENGTH = 60


def to_global_id(type_name: str, database_id: int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{database_id}".encode()).decode())


def parse_global_id(value: str) -> tuple[str, int] | None:
    try:
        decoded = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, separator, raw_id = decoded.partition(":")
    # Only the form to_global_id writes: ASCII digits without leading zeros, so each
    # object has exactly one ID.
    if not separator or not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 18:
        return None
    if raw_id != str(int(raw_id)):
        return None
    return type_name, int(raw_id)


def from_global_id(value: str, expected_type: str, argument: str) -> int:
    """Decode an ID argument that must name an object of `expected_type`."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != expected_type:
        # Messages quote at most the start of the value, without control characters.
        shown = "".join(char for char in value[:MAX_ECHOED_LENGTH] if char.isprintable())
        if len(value) > MAX_ECHOED_LENGTH:
            shown += "..."
        raise DomainError(
            ErrorCode.INVALID_ID, (argument,), {"value": shown, "entity": expected_type}
        )
    return parsed[1]
