"""Reject request bodies above a maximum size with HTTP 413, without buffering them."""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)


class _BodyTooLargeError(Exception):
    pass


def body_too_large_response(max_bytes: int) -> JSONResponse:
    message = (
        f"The request body is larger than the maximum of {max_bytes} bytes. "
        "Send a shorter document or fewer variables, or split a batch."
    )
    extensions = {"code": "PAYLOAD_TOO_LARGE", "limit": "maxBodyBytes", "maximum": max_bytes}
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=413,
        # The unread rest of the body makes the connection unusable for another request.
        headers={"Connection": "close"},
    )


class BodySizeLimitMiddleware:
    """Send 413 when Content-Length or the bytes received so far pass `max_bytes`.

    A declared Content-Length above the maximum is rejected before any byte is read.
    A chunked body is counted as it arrives, so at most `max_bytes` plus one chunk is
    ever held in memory.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            logger.info("request rejected: Content-Length %s is above %d", declared, self.max_bytes)
            await body_too_large_response(self.max_bytes)(scope, receive, send)
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLargeError:
            logger.info("request rejected: body passed %d bytes while streaming", self.max_bytes)
            if not response_started:
                await body_too_large_response(self.max_bytes)(scope, receive, send)
