"""Bearer-token authentication for the GraphQL endpoint."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from relay_graph.i18n import negotiate_language
from relay_graph.i18n.messages import translate
from relay_graph.services.actor import Actor
from relay_graph.services.tokens import authenticate
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)


def is_graphiql_page_request(request: Request) -> bool:
    """Detect a browser loading the explorer page, which needs no token.

    The admin pastes the token into the explorer's headers panel instead.
    """
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def resolve_actor(request: Request, uow: UnitOfWorkFactory) -> Actor | Response:
    """Return the caller, or the 401 response to send instead."""
    language = negotiate_language(request.headers.get("accept-language"))
    token = bearer_token(request)
    actor = None if token is None else await authenticate(uow, token, language)
    if actor is not None:
        return actor

    logger.info("request rejected: %s", "no bearer token" if token is None else "unknown token")
    message = translate("UNAUTHENTICATED", language)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="relay-graph"'},
    )
