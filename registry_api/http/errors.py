"""One error shape for every failure: `{"status_code", "detail", "extra"}`; never a 500 for bad input."""

from __future__ import annotations

import logging
import sqlite3

import asyncpg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from registry_api.services.errors import ServiceError

log = logging.getLogger("registry.http")


def _body(status: int, detail: str, extra: object = None) -> Response:
    return Response(
        {"status_code": status, "detail": detail, "extra": extra},
        status_code=status,
        media_type=MediaType.JSON,
    )


def service_error(_: Request, exc: ServiceError) -> Response:
    return _body(exc.status_code, exc.detail, exc.extra)


def integrity_error(_: Request, exc: Exception) -> Response:
    # A race that slipped past the service's own checks (two creates of one slug at once).
    return _body(409, "conflict with existing data", {"reason": str(exc).splitlines()[0][:200]})


def http_error(_: Request, exc: HTTPException) -> Response:
    response = _body(exc.status_code, exc.detail, exc.extra or None)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def out_of_range(_: Request, exc: Exception) -> Response:
    # A value the database cannot hold or compare (a date past year 9999, a NUL in a text on PostgreSQL).
    return _body(400, "a value is out of the range or character set the registry accepts", None)


def bad_encoding(_: Request, exc: UnicodeDecodeError) -> Response:
    return _body(400, "the request body is not valid UTF-8", {"position": exc.start})


def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _body(500, "internal error")


EXCEPTION_HANDLERS = {
    ServiceError: service_error,
    sqlite3.IntegrityError: integrity_error,
    asyncpg.exceptions.IntegrityConstraintViolationError: integrity_error,
    HTTPException: http_error,
    UnicodeDecodeError: bad_encoding,
    OverflowError: out_of_range,
    asyncpg.exceptions.DataError: out_of_range,
    Exception: unexpected_error,
}
