"""`POST /slack/events`: the single Slack request URL, handed to the Bolt app.

A plain route rather than Bolt's ASGI adapter: the adapter matches the exact path, which Litestar rewrites
on mounts. Bolt checks the signature and timestamp (bad or older than five minutes → 401).
"""

from __future__ import annotations

from litestar import Request, Response, post


def _error(status: int, detail: str) -> Response:
    return Response({"status_code": status, "detail": detail, "extra": None}, status_code=status)


@post("/slack/events", include_in_schema=False, status_code=200)
async def slack_events(request: Request) -> Response:
    bolt = request.app.state.bolt
    if bolt is None:
        return _error(503, "Slack is not configured (SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN)")
    from slack_bolt.request.async_request import AsyncBoltRequest

    raw = await request.body()
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "the request body is not valid UTF-8")
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    bolt_request = AsyncBoltRequest(body=body, query=request.url.query or None, headers=headers)
    try:
        bolt_response = await bolt.async_dispatch(bolt_request)
    except (ValueError, TypeError, KeyError, AttributeError):
        # A correctly signed body that is not what Slack sends (a broken `payload`): refuse it.
        return _error(400, "malformed Slack request")
    response_headers = {k: v[0] for k, v in bolt_response.headers.items() if v and k.lower() != "content-length"}
    return Response(content=bolt_response.body, status_code=bolt_response.status, headers=response_headers)
