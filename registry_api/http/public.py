"""Public outputs, no key: the subprocessor list as JSON, its changes, the HTML page and the Atom feed.

They change only when a version is published, so each answer is rendered once per (version, day, query)
and served from memory with an ETag; a matching `If-None-Match` gets 304 with no body.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import date
from typing import Annotated, NamedTuple

import msgspec
from litestar import MediaType, Request, Response, get
from litestar.params import FromQuery, QueryParameter

from registry_api import i18n
from registry_api.clock import clock
from registry_api.http.limits import MAX_INT
from registry_api.services import publication
from registry_api.services.errors import NotFound
from registry_api.settings import current as settings
from registry_api.templating import render

CACHE_LIMIT = 512
# These answers are compressed once, when cached, not on every request by the compression middleware.
NO_MIDDLEWARE_COMPRESSION = {"skip_compression": True}


class Cached(NamedTuple):
    body: bytes
    gzipped: bytes
    etag: str


_cache: dict[tuple, Cached] = {}


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _respond(request: Request, cached: Cached, media_type: str) -> Response:
    headers = {"ETag": cached.etag, "Cache-Control": "public, max-age=60", "Vary": "Accept-Encoding, Accept-Language"}
    if cached.etag in request.headers.get("if-none-match", ""):
        return Response(content=b"", status_code=304, headers=headers, media_type=media_type)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(content=cached.gzipped, status_code=200, headers=headers, media_type=media_type)
    return Response(content=cached.body, status_code=200, headers=headers, media_type=media_type)


async def _cached(key: tuple, build) -> Cached:
    hit = _cache.get(key)
    if hit is not None:
        return hit
    body = await build()
    if len(_cache) >= CACHE_LIMIT:
        _cache.clear()
    _cache[key] = entry = Cached(body, gzip.compress(body, compresslevel=6, mtime=0), _etag(body))
    return entry


async def _version_for(version: int | None, as_of: date | None) -> publication.Version | None:
    if version is not None:
        return await publication.get_version(version)
    if as_of is not None:
        found = await publication.version_as_of(as_of)
        if found is None:
            raise NotFound(f"no public list had been published by {as_of.isoformat()}")
        return found
    return await publication.latest_version()


@get(
    "/api/v1/public/subprocessors",
    opt=NO_MIDDLEWARE_COMPRESSION,
    tags=["public"],
    summary="The public subprocessor list (ETag, history)",
)
async def public_subprocessors(
    request: Request,
    version: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT)] = None,
    as_of: FromQuery[date | None] = None,
) -> Response:
    latest = await publication.latest_number()
    today = as_of or clock().today()
    key = ("json", latest, today, version, as_of)

    async def build() -> bytes:
        chosen = await _version_for(version, as_of)
        return msgspec.json.encode(await publication.public_view(chosen, today))

    return _respond(request, await _cached(key, build), MediaType.JSON)


@get(
    "/api/v1/public/changes",
    opt=NO_MIDDLEWARE_COMPRESSION,
    tags=["public"],
    summary="Every version of the public list, newest first",
)
async def public_changes(
    request: Request,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_INT)] = 0,
) -> Response:
    latest = await publication.latest_number()

    async def build() -> bytes:
        items = [publication.change_view(v) for v in await publication.versions(limit, offset)]
        return msgspec.json.encode({"items": items, "latest": latest})

    return _respond(request, await _cached(("changes", latest, limit, offset), build), MediaType.JSON)


@get("/subprocessors", opt=NO_MIDDLEWARE_COMPRESSION, include_in_schema=False)
async def subprocessors_page(
    request: Request,
    lang: Annotated[str | None, QueryParameter(max_length=5)] = None,
    version: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT)] = None,
) -> Response:
    chosen_lang = i18n.negotiate(lang, request.headers.get("accept-language"), settings().language)
    latest = await publication.latest_number()
    today = clock().today()

    async def build() -> bytes:
        chosen = await _version_for(version, None)
        view = await publication.public_view(chosen, today)
        archive = [publication.change_view(v) for v in await publication.versions(limit=200)]
        groups: dict[str, list[dict]] = {}
        for entry in view["subprocessors"]:
            groups.setdefault(entry["kind"], []).append(entry)
        html = render(
            "public/subprocessors.html",
            lang=chosen_lang,
            other_lang="en" if chosen_lang == "fr" else "fr",
            view=view,
            groups=groups,
            archive=archive,
            viewing_past=version is not None and version != latest,
            latest=latest,
            company=settings().company_name,
            dpo_email=settings().dpo_email,
        )
        return html.encode()

    response = _respond(request, await _cached(("page", latest, today, chosen_lang, version), build), MediaType.HTML)
    response.headers["Content-Language"] = chosen_lang
    return response


@get("/subprocessors.atom", opt=NO_MIDDLEWARE_COMPRESSION, include_in_schema=False)
async def subprocessors_feed(
    request: Request, lang: Annotated[str | None, QueryParameter(max_length=5)] = None
) -> Response:
    chosen_lang = i18n.lang_or_default(lang, settings().language)
    latest = await publication.latest_number()

    async def build() -> bytes:
        entries = [publication.change_view(v) for v in await publication.versions(limit=50)]
        xml = render(
            "public/feed.atom.xml",
            lang=chosen_lang,
            entries=entries,
            base=settings().public_base_url,
            company=settings().company_name,
            updated=entries[0]["announced_at"] if entries else "1970-01-01T00:00:00+00:00",
        )
        return xml.encode()

    return _respond(request, await _cached(("feed", latest, chosen_lang), build), "application/atom+xml; charset=utf-8")


def clear_cache() -> None:
    _cache.clear()
