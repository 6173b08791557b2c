from __future__ import annotations

import enum
from typing import Any


class ErrorCode(enum.StrEnum):
    """Codes of expected failures; the API returns them as userErrors."""

    NOT_FOUND = "NOT_FOUND"
    MISSING_EMAIL = "MISSING_EMAIL"
    INVALID_EMAIL = "INVALID_EMAIL"
    MISSING_CATEGORY = "MISSING_CATEGORY"
    ALREADY_REGISTERED = "ALREADY_REGISTERED"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    FORBIDDEN = "FORBIDDEN"
    INVALID_CODE = "INVALID_CODE"
    CODE_EXPIRED = "CODE_EXPIRED"
    NO_LIVE_CODE = "NO_LIVE_CODE"
    INVALID_SENDER_NAME = "INVALID_SENDER_NAME"
    INVALID_REPLY_TO = "INVALID_REPLY_TO"
    INVALID_CODE_VALIDITY = "INVALID_CODE_VALIDITY"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"
    INVALID_ID = "INVALID_ID"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    MISSING_VALUE = "MISSING_VALUE"
    VALUE_TOO_LONG = "VALUE_TOO_LONG"
    DUPLICATE_ITEM = "DUPLICATE_ITEM"
    UNKNOWN_CONTACT = "UNKNOWN_CONTACT"
    UNKNOWN_PROPERTY = "UNKNOWN_PROPERTY"
    SEARCH_TOO_LONG = "SEARCH_TOO_LONG"
    SEARCH_INVALID_CHARACTER = "SEARCH_INVALID_CHARACTER"
    INVALID_CHARACTER = "INVALID_CHARACTER"


class DomainError(Exception):
    """An expected failure of a use case, reported to the caller as data."""

    def __init__(
        self,
        code: ErrorCode,
        field: tuple[str, ...] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {params or {}}")
        self.code = code
        self.field = field
        self.params = params or {}
