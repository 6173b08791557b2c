"""Checks that schemathesis runs on every response of the relay-graph API.

Loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def no_unexpected_error(ctx: Any, response: Any, case: Any) -> None:
    """Fail on HTTP 5xx and on GraphQL errors that the server masked as unexpected."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        body = json.loads(response.text)
    except ValueError as error:
        raise AssertionError(f"response is not JSON: {response.text[:200]!r}") from error
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors or []:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "INTERNAL_SERVER_ERROR":
            raise AssertionError(
                f"unexpected error at {error.get('path')}, request id {extensions.get('requestId')}"
            )
