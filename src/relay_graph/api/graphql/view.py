from __future__ import annotations

import uuid
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.ides import GraphQL_IDE
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError

from relay_graph.api.graphql.context import Context
from relay_graph.api.graphql.queries.nodes import MAX_NODE_IDS
from relay_graph.api.http.auth import is_graphiql_page_request, resolve_actor
from relay_graph.api.http.graphiql_policy import graphiql_content_security_policy
from relay_graph.api.http.graphql_over_http import (
    APPLICATION_JSON,
    error_body,
    negotiate_media_type,
    status_and_body,
)
from relay_graph.i18n import negotiate_language
from relay_graph.services.actor import Actor

DEFAULT_MAX_BATCH_OPERATIONS = 10
# Methods this view serves. Others get a JSON 405 before authentication.
SERVED_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})
# Strawberry's whole message for a POST body that is neither JSON nor multipart.
UNSUPPORTED_CONTENT_TYPE = "Unsupported content type"


class RelayGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with token authentication, request ids and orjson output.

    It responds in application/graphql-response+json when the client accepts it, with the
    status codes of the GraphQL over HTTP specification, and reports every error that
    happens before execution as JSON with `errors[].extensions.code`.
    """

    def __init__(
        self,
        schema: BaseSchema,
        *,
        graphql_ide: GraphQL_IDE | None = "graphiql",
        max_batch_operations: int = DEFAULT_MAX_BATCH_OPERATIONS,
        max_node_ids: int = MAX_NODE_IDS,
    ) -> None:
        super().__init__(schema, graphql_ide=graphql_ide)
        self.max_batch_operations = max_batch_operations
        self.max_node_ids = max_node_ids
        self.graphiql_policy = graphiql_content_security_policy(self.graphql_ide_html)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        state = scope.setdefault("state", {})
        # RequestIdMiddleware sets the id; the fallback serves the view mounted without it.
        state.setdefault("request_id", uuid.uuid4().hex)
        state["max_node_ids"] = self.max_node_ids
        state["media_type"] = negotiate_media_type(request.headers.get("accept"))
        if request.method not in SERVED_METHODS:
            error = HTTPException(405, f"{request.method} is not supported; use GET or POST.")
            await self._http_error_response(request, error)(scope, receive, send)
            return
        if request.method != "OPTIONS" and not is_graphiql_page_request(request):
            actor = await resolve_actor(request, request.app.state.uow)
            if isinstance(actor, Response):
                await actor(scope, receive, send)
                return
            state["actor"] = actor

        try:
            response = await self.run(request)
        except HTTPException as error:
            response = self._http_error_response(request, error)
        await response(scope, receive, send)

    async def execute_operation(
        self,
        request: Any,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Any,
    ) -> Any:
        """Run a batch's operations one after another, in the order they were sent.

        Strawberry runs them concurrently, so a query after a mutation in the same batch
        could read the old state, and setResponsibilities could miss the contacts that an
        upsertContacts before it creates.
        """
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        return [
            await self.execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=data,
            )
            for data in request_data
        ]

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.app.state
        # Only the GraphiQL page comes without an actor, and no resolver runs for it.
        actor = cast(Actor, getattr(request.state, "actor", None))
        return Context(
            request=request,  # type: ignore[arg-type]
            actor=actor,
            uow=state.uow,
            flags=state.flags,
            invitation_settings=state.invitation_settings,
            language=negotiate_language(request.headers.get("accept-language")),
            request_id=request.state.request_id,
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = getattr(request.state, "media_type", APPLICATION_JSON)
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or APPLICATION_JSON
        if isinstance(response_data, list):
            # A batch gets status 200, and each result carries its own errors.
            status = 200
            content: Any = [status_and_body(media_type, item)[1] for item in response_data]
        else:
            status, content = status_and_body(media_type, response_data)
        response = Response(
            self.encode_json(content),
            status_code=sub_response.status_code or status,
            media_type=media_type,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(
            self.graphql_ide_html, headers={"Content-Security-Policy": self.graphiql_policy}
        )

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        try:
            parsed = await super().parse_http_body(request)
        except (AttributeError, TypeError, UnicodeDecodeError, RecursionError) as error:
            # Strawberry assumes a JSON object: a string, number or null body fails inside
            # it, and so do invalid UTF-8 and nesting deeper than the JSON parser allows.
            raise HTTPException(
                400,
                "The request body must be a JSON object in UTF-8 (or an array of them for a "
                "batch), with `query` and optional `variables` and `operationName`.",
            ) from error
        except HTTPException as error:
            if error.reason != UNSUPPORTED_CONTENT_TYPE:
                raise
            raise HTTPException(
                400,
                f"Unsupported content type {request.content_type or 'none'!r}: send the "
                "request body as application/json, or use GET with query parameters.",
            ) from error
        for item in parsed if isinstance(parsed, list) else [parsed]:
            _check_request_parameters(item)
        return parsed

    def _validate_batch_request(
        self, request_data: list[GraphQLRequestData], protocol: GraphQLRequestProtocol
    ) -> None:
        # Strawberry passes the decoded JSON array here, before it builds request objects.
        if self.max_batch_operations == 0:
            raise HTTPException(400, "Batching is turned off: send one operation per request.")
        count = len(request_data)
        if count == 0:
            raise HTTPException(400, "The batch is empty: send at least one operation.")
        if count > self.max_batch_operations:
            raise HTTPException(
                400,
                f"The batch has {count} operations, above the maximum of "
                f"{self.max_batch_operations} (maxBatchOperations). "
                "Split it into several requests.",
            )
        if not all(isinstance(item, dict) for item in request_data):
            raise HTTPException(400, "Every operation of a batch must be a JSON object.")

    def _http_error_response(self, request: Request, error: HTTPException) -> Response:
        headers: dict[str, str] = {}
        status = error.status_code
        if isinstance(error.__cause__, InvalidOperationTypeError) and request.method == "GET":
            # GraphQL over HTTP: a mutation sent with GET gets 405 and the allowed method.
            status = 405
            headers["Allow"] = "POST"
        elif status == 405:
            headers["Allow"] = "GET, POST"
        code = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(
            status, "BAD_REQUEST"
        )
        return Response(
            self.encode_json(error_body(error.reason, code)),
            status_code=status,
            media_type=request.state.media_type,
            headers=headers,
        )

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            # orjson also rejects what Python's json module lets through: unpaired UTF-16
            # surrogates such as "\ud83c", which the database drivers cannot encode, and NaN.
            raise HTTPException(
                400,
                f"The request body is not valid JSON ({error}). Send JSON in UTF-8 whose "
                "strings contain only valid Unicode.",
            ) from error

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _check_request_parameters(item: GraphQLRequestData) -> None:
    """Reject parameters of the wrong JSON type that strawberry passes through unchecked."""
    checks = (
        ("query", item.query, str),
        ("operationName", item.operation_name, str),
        ("variables", item.variables, dict),
        ("extensions", item.extensions, dict),
    )
    for name, value, expected in checks:
        if value is not None and not isinstance(value, expected):
            kind = "a string" if expected is str else "an object"
            raise HTTPException(
                400,
                f"The request parameter `{name}` must be {kind} or null, not {_json_type(value)}.",
            )


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else "a string"
