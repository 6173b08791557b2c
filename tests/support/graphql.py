from __future__ import annotations

from typing import Any

import httpx


class GraphQLClient:
    """Send GraphQL documents through the ASGI app, as a client would over HTTP."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None,
        language: str | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if language is not None:
            headers["Accept-Language"] = language
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str,
        language: str | None = None,
    ) -> dict[str, Any]:
        """Run a document that must succeed; returns `data` after checking `errors`."""
        response = await self.post(query, variables, token=token, language=language)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str
    ) -> list[dict[str, Any]]:
        """Run a document that must fail with GraphQL errors; returns them."""
        response = await self.post(query, variables, token=token)
        body = response.json()
        assert body.get("errors"), body
        errors: list[dict[str, Any]] = body["errors"]
        return errors
