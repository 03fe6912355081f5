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

Below the pages, `remember()` keeps what one query computes (a count, facet counts, the
rows of a page of results, the site's statistics) under the same generation, keyed on
the query itself (its SQL and parameters) rather than on the URL. A new URL that asks an
old question (another page of the same results, another sort of the same filters, a
parameter the view ignores) then renders from them without repeating the aggregates.
It is on only where the page cache could be: during an anonymous read (the middleware
says so), so only the public's view of the data is ever stored.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from functools import cache as memoize
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache as default_cache
from django.core.exceptions import DisallowedHost, EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from django.utils.module_loading import import_string
from django.utils.translation import get_language, get_language_from_request
from rest_framework.request import Request

logger = logging.getLogger(__name__)

GENERATION_KEY = "atlas:page-generation"
PAGE_KEY_PREFIX = "atlas:page:"
DATA_KEY_PREFIX = "atlas:data:"

# The generation an anonymous read started with, set by PageCacheMiddleware for the
# length of the request; None outside one, and then remember() stores nothing.
_read_generation: ContextVar[str | None] = ContextVar(
    "atlas_read_generation", default=None
)
_MISSING = object()

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


# --- What one query computes ------------------------------------------------------------


def remember[T](
    parts: tuple[Any, ...],
    compute: Callable[[], T],
    keep: Callable[[T], bool] = lambda value: True,
) -> T:
    """`compute()`, or what it gave before under the current generation.

    `parts` must name everything the result depends on: for a query, its SQL and
    parameters (see `query_key`). The active language is always part of the key, as
    results hold translated names (countries, a driver's group). A result is stored only
    if `keep(result)`. Outside an anonymous read with the page cache on, this is just
    `compute()`. A cache that fails costs the computation, not the request.
    """
    generation = _read_generation.get()
    if generation is None:
        return compute()
    key_parts = (generation, get_language(), parts)
    digest = hashlib.sha256(repr(key_parts).encode("utf-8", "surrogatepass"))
    key = DATA_KEY_PREFIX + digest.hexdigest()
    try:
        found = default_cache.get(key, _MISSING)
    except Exception:
        logger.exception("The data cache is unavailable")
        return compute()
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    value = compute()
    if not keep(value):
        return value
    try:
        default_cache.set(key, value, settings.CACHE_SECONDS)
    except Exception:
        logger.exception("Could not store a result in the data cache")
    return value


def remembering() -> bool:
    """Whether `remember()` can keep anything now."""
    return _read_generation.get() is not None


def query_key(queryset: QuerySet[Any]) -> tuple[Any, ...]:
    """What identifies a queryset's result: its database, SQL and parameters, and the
    relations it prefetches (they are part of the rows it gives). Kept on the
    queryset, which cannot change (every filter makes a new one)."""
    key = queryset.__dict__.get("_atlas_query_key")
    if key is None:
        sql, params = queryset.query.sql_with_params()
        prefetches = map(_prefetch_key, queryset._prefetch_related_lookups)
        key = (queryset.db, sql, params, *prefetches)
        queryset.__dict__["_atlas_query_key"] = key
    return key


def name_query(queryset: QuerySet[Any], key: tuple[Any, ...]) -> QuerySet[Any]:
    """Give `queryset` the key that `query_key` returns for it, when its caller knows
    one that identifies its result as surely as its SQL would, more cheaply (see
    CaseStudyFilter.qs). A queryset made from it gets its own key again."""
    queryset.__dict__["_atlas_query_key"] = key
    return queryset


def _prefetch_key(lookup: Any) -> tuple[Any, ...]:
    # A Prefetch with a queryset of its own (an ordering, nested prefetches) is keyed
    # on that queryset too.
    inner = getattr(lookup, "queryset", None)
    return (
        getattr(lookup, "prefetch_to", lookup),
        query_key(inner) if inner is not None else None,
    )


def remember_query[T](
    label: str,
    queryset: QuerySet[Any],
    compute: Callable[[], T],
    keep: Callable[[T], bool] = lambda value: True,
) -> T:
    """`remember()` keyed on `label` and the queryset's SQL (compiled only if needed)."""
    if not remembering():
        return compute()
    try:
        key = query_key(queryset)
    except EmptyResultSet:  # It can match nothing: nothing to look up.
        return compute()
    return remember((label, *key), compute, keep)


def remembered_rows(label: str, queryset: QuerySet[Any]) -> list[Any]:
    """The queryset's rows (prefetched relations included), remembered."""
    return remember_query(label, queryset, lambda: list(queryset))


def get_remembered_or_404(queryset: QuerySet[Any], **lookup: Any) -> Any:
    """`get_object_or_404(queryset, **lookup)`, the row remembered (see remember); a
    404 is not remembered, as the page cache keeps no error."""
    matching = queryset.filter(**lookup)[:2]
    rows = remember_query("object", matching, lambda: list(matching), keep=bool)
    if not rows:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
    if len(rows) > 1:
        raise queryset.model.MultipleObjectsReturned(
            f"More than one {queryset.model._meta.object_name} matches {lookup!r}."
        )
    return rows[0]


class RememberedObjectMixin:
    """For a DetailView looked up by slug: `get_object` with the row remembered."""

    # DetailView's.
    kwargs: dict[str, Any]
    slug_field: str
    slug_url_kwarg: str
    get_queryset: Callable[[], QuerySet[Any]]

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        return get_remembered_or_404(
            queryset if queryset is not None else self.get_queryset(),
            **{self.slug_field: self.kwargs[self.slug_url_kwarg]},
        )


class RememberingPaginator(Paginator):
    """A Paginator whose count and pages are remembered (see `remember`): a page is
    kept as its loaded rows, prefetched relations included. When nothing can be
    remembered, it is Django's Paginator.
    """

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return self._count()
        return remember_query("count", self.object_list, self._count)

    def _count(self) -> int:
        return Paginator.count.func(self)  # type: ignore[attr-defined]

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Page:
        if isinstance(object_list, QuerySet) and remembering():
            # The slice of the whole list's query: no second compilation for its key.
            query = object_list.query
            try:
                parts = (*query_key(self.object_list), query.low_mark, query.high_mark)
            except EmptyResultSet:  # It can match nothing: nothing to look up.
                pass
            else:
                object_list = RememberedRows(object_list, parts)
        return super()._get_page(object_list, number, paginator)


class RememberedRows(Sequence[Any]):
    """A queryset's rows, from the data cache or the database when first used.

    `key` names the query without running it, so a fragment made of the rows (a page
    of case cards) can be remembered under it and shown without loading them at all.
    """

    def __init__(self, queryset: QuerySet[Any], parts: tuple[Any, ...]) -> None:
        self._queryset = queryset
        self.key = hashlib.sha256(
            repr(parts).encode("utf-8", "surrogatepass")
        ).hexdigest()

    @cached_property
    def _rows(self) -> list[Any]:
        return remember(("rows", self.key), lambda: list(self._queryset))

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, int | slice):
            # The template engine tries rows["key"] before rows.key.
            raise TypeError(f"row indices must be integers or slices, not {index!r}")
        return self._rows[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


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
        token = _read_generation.set(generation)
        try:
            response = self.get_response(request)
        finally:
            _read_generation.reset(token)
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
    throttles = getattr(view.get("view"), "get_throttles", lambda: [])()
    return (
        generation,
        response.status_code,
        tuple(response.items()),
        response.content,  # type: ignore[attr-defined]
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
    conditional = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
        response=response,
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
