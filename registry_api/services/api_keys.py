"""API keys: random bearer tokens, stored as SHA-256 digests, each with a role.

Lookups are cached for a few seconds: a read-heavy client must not pay a database round trip per
request; a revocation takes effect within `CACHE_SECONDS` on every replica.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from registry_api.db.tables import ApiKey
from registry_api.domain.recipient_rules import Problem
from registry_api.services import history
from registry_api.services.errors import Conflict, Invalid, NotFound

CACHE_SECONDS = 5.0
TOKEN_PREFIX = "rk_"


class ApiRole(IntEnum):
    viewer = 1
    editor = 2
    admin = 3


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: ApiRole

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


_cache: dict[str, tuple[float, Principal | None]] = {}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(text: str) -> ApiRole:
    try:
        return ApiRole[text]
    except KeyError:
        raise Invalid(
            [Problem("role", "unknown_role", f"unknown role {text!r}: use viewer, editor or admin")]
        ) from None


async def create(name: str, role: str, actor: str) -> str:
    """Returns the token, shown once: only its digest is kept."""
    api_role = parse_role(role)
    if not name.strip():
        raise Invalid([Problem("name", "required", "a key needs a name")])
    if await ApiKey.exists().where(ApiKey.name == name):
        raise Conflict(f"an API key named {name!r} already exists")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiKey.insert(ApiKey(name=name, role=api_role.name, key_hash=digest(token)))
    await history.record("api_key", name, "create", actor, None, {"name": name, "role": api_role.name})
    return token


async def revoke(name: str, actor: str) -> None:
    updated = (
        await ApiKey.update({ApiKey.revoked_at: datetime.now(UTC)})
        .where((ApiKey.name == name) & ApiKey.revoked_at.is_null())
        .returning(ApiKey.id)
    )
    if not updated:
        raise NotFound(f"no active API key named {name!r}")
    _cache.clear()
    await history.record("api_key", name, "revoke", actor, {"name": name}, None)


async def count_active() -> int:
    return await ApiKey.count().where(ApiKey.revoked_at.is_null())


async def authenticate(token: str, admin_token: str | None = None) -> Principal | None:
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal("admin-token", ApiRole.admin)
    key = digest(token)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    row = (
        await ApiKey.select(ApiKey.name, ApiKey.role)
        .where((ApiKey.key_hash == key) & ApiKey.revoked_at.is_null())
        .first()
    )
    principal = Principal(row["name"], ApiRole[row["role"]]) if row else None
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[key] = (now, principal)
    return principal


def clear_cache() -> None:
    _cache.clear()
