"""Signed webhooks to client endpoints: HMAC-SHA256 over `v0:<timestamp>:<body>`, as Slack signs its own
requests, so a client can reuse a Slack-style verifier and refuse replays older than five minutes."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Registry-Request-Timestamp": str(timestamp),
        "X-Registry-Signature": signature(secret, timestamp, body),
    }
