from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from relay_graph.api.graphql.context import Context
from relay_graph.api.http.auth import is_graphiql_page_request, resolve_actor
from relay_graph.i18n import negotiate_language


class RelayGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with token authentication, request ids and orjson output."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        if request.method not in ("OPTIONS",) and not is_graphiql_page_request(request):
            actor = await resolve_actor(request, request.app.state.uow)
            if isinstance(actor, Response):
                actor.headers["X-Request-ID"] = request_id
                await actor(scope, receive, send)
                return
            scope["state"]["actor"] = actor
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        state = request.app.state
        # Only the GraphiQL page comes without an actor, and no resolver runs for it.
        actor = getattr(request.state, "actor", None)
        if isinstance(response, Response):
            response.headers["X-Request-ID"] = request.state.request_id
        return Context(
            request=request,  # type: ignore[arg-type]
            actor=actor,
            uow=state.uow,
            flags=state.flags,
            invitation_settings=state.invitation_settings,
            language=negotiate_language(request.headers.get("accept-language")),
            request_id=request.state.request_id,
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
