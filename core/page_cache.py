"""The page cache: anonymous pages and API reads, kept until published content changes.

A response is stored only for an anonymous read (GET, no session or messages cookie, no
Authorization header) outside /admin/, /account/ and /workspace/, and only if it is a
whole 200 that sets no cookie, did not use the CSRF token, is not private or no-store,
and varies on nothing the key leaves out. The key is the scheme, host, full path, Accept
header and language of the request.

Invalidation is by generation: a random token in the cache, replaced by `bump()` once a
transaction that changed something public commits (see innovation_cases/cache_signals.py).
Each stored response carries the generation read when its request *started*, and is
served only while that is still the current one. So a request that read the database
before a commit and stores its page after the bump stores it under a generation that is
already gone, and a rolled-back write bumps nothing. A token rather than a counter: if
the cache loses the key (eviction, restart), the next token cannot be one that old
entries were stored under.

The generation must be shared by every process that serves the site, so the page cache
is on only with a shared cache (settings.PAGE_CACHE: REDIS_URL set and CACHE_SECONDS > 0).

It is the read path's one cache. Below it there is none: the public's lists, searches,
counts and statistics are answered by the search engine in milliseconds
(innovation_cases/engine/), so a page that is not cached is computed, never assembled
from remembered parts (docs/architecture.md, "The read path").
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from functools import cache as memoize
from typing import Any, cast

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache as default_cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from django.utils.module_loading import import_string
from django.utils.translation import get_language_from_request
from rest_framework.request import Request

logger = logging.getLogger(__name__)

GENERATION_KEY = "atlas:page-generation"
PAGE_KEY_PREFIX = "atlas:page:"

# Never cached, whoever asks: they are for signed-in people.
PRIVATE_PATHS = ("/admin/", "/account/", "/workspace/")

# The request headers a stored response may vary on: Accept and the language are in the
# key; a request with a session cookie or an Authorization header is never served from
# the cache or stored. A response that varies on anything else is not stored.
KEYED_VARY = frozenset({"accept", "accept-language", "cookie", "authorization"})

# Left out of a 304 made from a stored 200: they describe the body, or (Allow) are not
# on the 304 the view itself answers.
BODY_HEADERS = frozenset({"content-type", "content-length", "content-disposition"})
NOT_ON_304 = BODY_HEADERS | {"allow"}

# (generation, status, headers, body, the API view's throttle classes)
Entry = tuple[str, int, tuple[tuple[str, str], ...], bytes, tuple[str, ...]]


# --- The generation -------------------------------------------------------------------


def _new_generation() -> str:
    return secrets.token_hex(8)


def current_generation() -> str:
    """The generation now: a new one if the cache has none (or lost it)."""
    generation = default_cache.get(GENERATION_KEY)
    if generation is None:
        default_cache.add(GENERATION_KEY, _new_generation(), timeout=None)
        generation = default_cache.get(GENERATION_KEY) or _new_generation()
    return generation


def bump() -> None:
    """Drop every cached page: call after a write that the public can see.

    The signals in innovation_cases/cache_signals.py call it (through bump_on_commit)
    for every ordinary save and delete; a write that bypasses signals (bulk_create,
    QuerySet.update(), raw SQL) must call it itself once it has committed.
    """
    try:
        default_cache.set(GENERATION_KEY, _new_generation(), timeout=None)
    except Exception:
        # Committed already: the write stands, and the pages expire by CACHE_SECONDS.
        logger.exception("Could not drop the cached pages after a change")


def bump_on_commit(using: str | None = None) -> None:
    """bump() once the current transaction commits (at once outside a transaction);
    nothing if it rolls back, or if the savepoint it was made in does."""
    transaction.on_commit(bump, using=using)


# --- The middleware -------------------------------------------------------------------


class PageCacheMiddleware:
    """Answers anonymous reads from the cache, and stores what it may.

    Sits after CorsMiddleware (whose headers depend on the request's Origin, so they
    are added to each response on its way out, cached or not) and before the session,
    CSRF and CSP middleware: a response is stored with the headers those add (the CSP
    header, Content-Language, X-Frame-Options), while a cookie they set keeps it out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.PAGE_CACHE or not is_anonymous_read(request):
            return self.get_response(request)
        key = page_key(request)
        if key is None:
            return self.get_response(request)
        try:
            found = default_cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY) or current_generation()
        except Exception:
            logger.exception("The page cache is unavailable")
            return self.get_response(request)
        entry: Entry | None = found.get(key)
        if entry is not None and entry[0] == generation:
            response = from_entry(request, entry)
            if response is not None:
                return response
        response = self.get_response(request)
        if request.method == "GET" and is_storable(request, response):
            try:
                default_cache.set(
                    key, to_entry(generation, response), settings.CACHE_SECONDS
                )
            except Exception:
                logger.exception("Could not store a page in the cache")
        return response


def is_anonymous_read(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.path_info.startswith(PRIVATE_PATHS)
    )


def page_key(request: HttpRequest) -> str | None:
    """The cache key of a request's page, or None for a host we do not serve (the
    view answers that with a 400, uncached)."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    parts = (
        request.scheme or "",
        host,
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
        get_language_from_request(request),
    )
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass"))
    return PAGE_KEY_PREFIX + digest.hexdigest()


def is_storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    ):
        return False
    if tokens(response.get("Cache-Control", "")) & {"private", "no-store", "no-cache"}:
        return False
    if not tokens(response.get("Vary", "")) <= KEYED_VARY:
        return False
    user = getattr(request, "user", None)
    return not getattr(user, "is_authenticated", False)


def tokens(value: str) -> set[str]:
    """The lower-cased names in a Vary or Cache-Control header ("max-age=0" → "max-age")."""
    return {
        part.split("=", 1)[0].strip().lower()
        for part in value.split(",")
        if part.strip()
    }


def to_entry(generation: str, response: HttpResponseBase) -> Entry:
    # An API view's throttles still count the reads served from the cache.
    view = getattr(response, "renderer_context", None) or {}
    throttles: list[object] = getattr(view.get("view"), "get_throttles", lambda: [])()
    return (
        generation,
        response.status_code,
        tuple(response.items()),
        # is_storable() turned streaming responses away: this one has a body.
        cast("HttpResponse", response).content,
        tuple(f"{type(t).__module__}.{type(t).__qualname__}" for t in throttles),
    )


def from_entry(request: HttpRequest, entry: Entry) -> HttpResponseBase | None:
    """The stored response for `request`, a 304 if its validators match, or None when
    the view itself should answer (a throttled API read, a failed If-Match)."""
    _generation, status, headers, content, throttles = entry
    if throttles and not throttles_allow(request, throttles):
        return None  # The view's own throttles answer with the 429 problem.
    response = HttpResponse(content, status=status, headers=headers)
    if "ETag" not in response:
        return response  # The view does no conditional GET either (feeds, pages).
    # Given a response, get_conditional_response() answers one, never None.
    conditional = cast(
        "HttpResponse",
        get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        ),
    )
    if conditional is response:
        return response
    if conditional.status_code != 304:
        return None
    # The headers the middleware inside this one put on the stored 200, as they would
    # on the view's own 304 (CommonMiddleware's Content-Length is of the empty body).
    for name, value in headers:
        if name.lower() not in NOT_ON_304 and name not in conditional:
            conditional[name] = value
    if "Content-Length" in response:
        conditional["Content-Length"] = str(len(conditional.content))
    return conditional


@memoize
def _throttle_class(path: str) -> Any:
    return import_string(path)


def throttles_allow(request: HttpRequest, paths: tuple[str, ...]) -> bool:
    # As DRF's APIView.check_throttles: every throttle counts the read. No
    # authenticators: only a request without credentials gets here.
    read = Request(request, authenticators=())
    results = [_throttle_class(path)().allow_request(read, None) for path in paths]
    return all(results)
