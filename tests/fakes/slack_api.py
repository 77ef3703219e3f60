"""A fake Slack Web API served over real HTTP on 127.0.0.1.

Why a real server rather than monkeypatching ``AsyncWebClient``: the bot must be tested
through the same code path as production (slack_sdk building the request, aiohttp sending
it, retries, error parsing), and the bot may run on another thread, event loop or even
process.  This mirrors what slack-bolt does in its own ``tests/mock_web_api_server``.

The server is a stdlib ``ThreadingHTTPServer`` running in a daemon thread, so it keeps
answering while the test's event loop is busy (or blocked) and works from sync and async
tests alike.  Responses are HTTP/1.0 with ``Connection: close``: no keep-alive connection
can outlive :meth:`FakeSlackApi.go_down`, so an outage really refuses every request.

Typical use::

    with FakeSlackApi() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.url)
        ...
        [call] = slack.wait_for("chat.postMessage")
        assert call.body["channel"] == "C111"
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"
BOT_TOKEN_PREFIX = "Bearer "


@dataclass(frozen=True)
class Call:
    """One request received by the fake.

    ``body`` merges query string and body (JSON or form-encoded, as slack_sdk may send
    either); ``headers`` keys are lower-cased because HTTP header names are
    case-insensitive; ``at`` is ``time.monotonic()`` so tests can measure retry delays.
    """

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    path: str = ""

    @property
    def token(self) -> str | None:
        """The token used, whether sent as ``Authorization: Bearer`` or as a form field."""
        auth = self.headers.get("authorization", "")
        if auth.startswith(BOT_TOKEN_PREFIX):
            return auth[len(BOT_TOKEN_PREFIX) :]
        token = self.body.get("token")
        return token if isinstance(token, str) else None


def _maybe_json(value: Any) -> Any:
    """Decode JSON-in-a-string fields (blocks, view...) that slack_sdk sends in form mode."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(text)
        except ValueError:
            return {"_raw": text}
        return data if isinstance(data, dict) else {"_json": data}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(text, keep_blank_values=True))
    return {"_raw": text}


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/api/<method>`` and ``/response/<name>`` to the owning :class:`FakeSlackApi`."""

    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep pytest output clean."""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        if url.path.startswith("/api/"):
            method = url.path[len("/api/") :]
        elif url.path.startswith("/response/"):
            method = "response_url"
        else:
            self._reply(404, {"ok": False, "error": "not_found"}, {})
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        body.update(_parse_body(raw, self.headers.get("Content-Type", "")))
        call = Call(
            method=method,
            body=body,
            headers={k.lower(): v for k, v in self.headers.items()},
            at=time.monotonic(),
            path=url.path,
        )
        status, payload, headers = self.server.fake._receive(call)
        self._reply(status, payload, headers)

    def _reply(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # SO_REUSEADDR: come_up() rebinds the port despite TIME_WAIT

    def __init__(self, port: int, fake: FakeSlackApi) -> None:
        self.fake = fake
        super().__init__((HOST, port), _Handler)


class FakeSlackApi:
    """Slack Web API double: records calls, answers Slack-shaped JSON, simulates outages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._failed: list[Call] = []
        self._overrides: dict[str, dict[str, Any]] = {}
        self._fail_status: int | None = None
        self._fail_remaining: int | None = None
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": lambda b: {"ok": True, "message_ts": self._next_ts()},
            "views.open": self._view,
            "views.update": self._view,
            "views.push": self._view,
            "views.publish": self._view,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "response_url": lambda b: {"ok": True},
        }

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeSlackApi:
        """Listen (on a free port the first time, on the same port afterwards)."""
        if self._server is not None:
            return self
        server = _Server(self._port, self)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeSlackApi:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket; later connections are refused."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def go_down(self) -> None:
        """Simulate Slack being unreachable: connection refused on the same URL."""
        self.stop()

    def come_up(self) -> None:
        """End a :meth:`go_down` outage; ``url`` is unchanged."""
        self.start()

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeSlackApi is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL for ``AsyncWebClient(base_url=...)`` / ``SLACK_API_URL``."""
        return f"http://{HOST}:{self.port}/api/"

    def response_url(self, name: str = "default") -> str:
        """A ``response_url`` to put in slash command / interactivity payloads."""
        return f"http://{HOST}:{self.port}/response/{name}"

    # -- behaviour ---------------------------------------------------------------------

    def answer(self, method: str, payload: dict[str, Any] | None) -> None:
        """Override the answer of ``method`` (``None`` restores the default one)."""
        with self._lock:
            if payload is None:
                self._overrides.pop(method, None)
            else:
                self._overrides[method] = payload

    def fail_with(self, status: int, times: int | None = None) -> None:
        """Answer the next ``times`` requests (``None``: until :meth:`recover`) with ``status``.

        A 429 carries ``Retry-After: 1`` like Slack's rate limiting.  Failed requests are
        kept in :attr:`failed_calls`, not in :meth:`calls`, which lists only delivered ones.
        """
        with self._lock:
            self._fail_status = status
            self._fail_remaining = times

    def recover(self) -> None:
        with self._lock:
            self._fail_status = self._fail_remaining = None

    def clear(self) -> None:
        """Forget recorded calls (delivered and failed)."""
        with self._lock:
            self._calls.clear()
            self._failed.clear()

    def reset(self) -> None:
        """Back to a pristine fake (useful when one server is shared by several tests)."""
        self.clear()
        self.recover()
        with self._lock:
            self._overrides.clear()

    # -- inspection --------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    @property
    def failed_calls(self) -> list[Call]:
        with self._lock:
            return list(self._failed)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` were delivered; returns all of them.

        Blocking: don't use it from the event loop that runs the bot, use
        :meth:`wait_for_async` there.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                self._timed_out(method, count, timeout)
            time.sleep(0.01)

    async def wait_for_async(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Same as :meth:`wait_for` but lets an in-process bot keep running meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                self._timed_out(method, count, timeout)
            await asyncio.sleep(0.01)

    def _timed_out(self, method: str, count: int, timeout: float) -> None:
        seen = [(c.method, c.body) for c in self.calls()]
        raise AssertionError(
            f"expected {count} {method!r} call(s) within {timeout}s; "
            f"seen: {seen!r}; failed: {[c.method for c in self.failed_calls]!r}"
        )

    # -- request handling (server threads) ---------------------------------------------

    def _receive(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            status = self._fail_status
            if status is not None:
                self._failed.append(call)
                if self._fail_remaining is not None:
                    self._fail_remaining -= 1
                    if self._fail_remaining <= 0:
                        self._fail_status = self._fail_remaining = None
                if status == 429:
                    return status, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
                return status, {"ok": False, "error": "fatal_error"}, {}
            self._calls.append(call)
            override = self._overrides.get(call.method)
        if override is not None:
            return 200, dict(override), {}
        make = self._answers.get(call.method)
        if make is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, make(call.body), {}

    def _next_ts(self) -> str:
        """Unique, increasing message ts: 1700000000.000100, 1700000000.000200, ..."""
        micros = 1_700_000_000_000_000 + 100 * next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "registry",
            "team_id": "T0001",
            "user_id": "UBOT",
            "bot_id": "BBOT",
            "is_enterprise_install": False,
        }

    def _message(self, body: dict[str, Any], ts: str) -> dict[str, Any]:
        return {
            "type": "message",
            "user": "UBOT",
            "bot_id": "BBOT",
            "ts": ts,
            "text": body.get("text", ""),
            "blocks": _maybe_json(body.get("blocks", [])),
        }

    def _chat_post_message(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": self._message(body, ts)}

    def _chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = body.get("ts")
        return {
            "ok": True,
            "channel": body.get("channel"),
            "ts": ts,
            "text": body.get("text", ""),
            "message": self._message(body, str(ts)),
        }

    def _view(self, body: dict[str, Any]) -> dict[str, Any]:
        view = _maybe_json(body.get("view", {}))
        view = view if isinstance(view, dict) else {}
        view_id = body.get("view_id") or f"V{next(self._ids):08d}"
        return {
            "ok": True,
            "view": {
                **view,
                "id": view_id,
                "team_id": "T0001",
                "hash": f"hash-{next(self._ids)}",
                "state": {"values": {}},
            },
        }

    def _conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        users = str(body.get("users", "")).replace(",", "")
        return {"ok": True, "channel": {"id": f"D{users or next(self._ids)}"}}

    def _users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = str(body.get("user", "U111"))
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": "T0001",
                "name": user_id.lower(),
                "real_name": f"User {user_id}",
                "tz": "Europe/Paris",
                "tz_offset": 3600,
                "is_bot": False,
            },
        }
