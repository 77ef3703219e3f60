"""`GET /health`: 200 when the database answers, 503 otherwise (for load balancers and probes)."""

from __future__ import annotations

from litestar import Request, Response, get

from registry_api.db.engine import current_engine


@get("/health", include_in_schema=False, cache=False)
async def health(request: Request) -> Response:
    engine = current_engine()
    try:
        await engine.run_querystring(_ping())
    except Exception as exc:  # any failure to reach the database is "not ready"
        return Response(
            {"status": "unavailable", "database": engine.engine_type, "error": str(exc)[:200]},
            status_code=503,
        )
    return Response({"status": "ok", "database": engine.engine_type, "version": request.app.state.version})


def _ping():
    from piccolo.querystring import QueryString

    return QueryString("SELECT 1")


@get("/hello", include_in_schema=False, cache=False)
async def hello() -> dict[str, str]:
    """The framework's ceiling on this machine: benchmarks report every figure as a ratio to it."""
    return {"hello": "world"}
