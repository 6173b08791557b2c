"""Turn an exception that escaped the application into a JSON 500 that names the request."""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relay_graph.api.http.request_id import request_id_of

logger = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = (
    "Internal server error. The request was logged; quote its request id to support."
)


class UnexpectedErrorMiddleware:
    """Log an unhandled exception once with its stack trace and send a masked JSON 500.

    Errors inside GraphQL execution never get here: the schema masks and logs those. This
    catches what fails around it, such as authentication or reading the request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            request_id = request_id_of(scope)
            logger.exception(
                "unhandled error in %s %s (request id %s)",
                scope.get("method"),
                scope.get("path"),
                request_id,
            )
            if response_started:
                # Part of the response is on the wire; the server closes the connection.
                return
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": INTERNAL_ERROR_MESSAGE,
                            "extensions": {
                                "code": "INTERNAL_SERVER_ERROR",
                                "requestId": request_id,
                            },
                        }
                    ]
                },
                status_code=500,
            )
            await response(scope, receive, send)
