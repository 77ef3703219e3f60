"""Bearer API keys and roles (viewer < editor < admin), as Litestar guards."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from registry_api.services.api_keys import ApiRole, Principal, authenticate


async def principal_of(connection: ASGIConnection) -> Principal | None:
    cached = connection.scope.get("state", {}).get("principal")
    if cached is not None:
        return cached
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    settings = connection.app.state.settings
    principal = await authenticate(token.strip(), settings.admin_token)
    if principal is not None:
        connection.state.principal = principal
    return principal


def require(role: ApiRole):
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = await principal_of(connection)
        if principal is None:
            raise NotAuthorizedException("a valid API key is required (Authorization: Bearer <key>)")
        if principal.role < role:
            raise PermissionDeniedException(f"this needs the {role.name} role; the key has {principal.role.name}")

    guard.__name__ = f"require_{role.name}"
    return guard


viewer = require(ApiRole.viewer)
editor = require(ApiRole.editor)
admin = require(ApiRole.admin)


def actor_of(connection: ASGIConnection) -> str:
    principal: Principal = connection.state.principal
    return principal.actor
