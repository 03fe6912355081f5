"""Who is asking: the client's address, one rule for the API's throttles and the log-in
lock-out (django-axes, through AXES_CLIENT_IP_CALLABLE), so both count the same client.

Behind reverse proxies, REMOTE_ADDR is the nearest proxy's address, shared by every
client. Each proxy appends the address it got the request from to X-Forwarded-For, so
with TRUSTED_PROXY_COUNT proxies in front of the site, the entry that many from the
right was written by the outermost of them and is the client's. Entries further left
came with the request, written by whoever sent it, and are never believed. With no
trusted proxy (0, the default) the header is ignored altogether. This is DRF's
NUM_PROXIES rule, which settings.py sets to the same count for any DRF throttle used
without the classes below.

It holds only if nothing but those proxies can reach the site: anyone who can talk to
gunicorn directly can write X-Forwarded-For.

The throttles count in fixed windows (at most N requests per calendar minute of the
rate), one counter per client and window, rather than DRF's sliding log of timestamps:
DRF reads and rewrites the whole log (a pickled list of up to N times) on every request,
two round trips to Redis per throttle, which made a cached API read cost three times a
cached page (docs/benchmarks.md). A counter is one round trip (INCR and EXPIRE in one
pipeline, `RedisCache.count_in_window`). The price is the known one of fixed windows: a
client may send up to 2N requests across a window's boundary. Anonymous clients are
counted by the anonymous throttle only: the user throttle, with its higher rate, left
them alone in effect anyway.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request

# The longest user name django-axes' tables hold (its CharFields' max_length).
LOCKOUT_USERNAME_LENGTH = 255


def lockout_username(
    request: HttpRequest, credentials: dict[str, Any] | None = None
) -> str | None:
    """The user name the log-in lock-out counts failures under (AXES_USERNAME_CALLABLE):
    as typed, cut to what axes' tables hold. No account has a longer one (Django's
    are at most 150 characters), but anyone may type one, and its failure's INSERT
    raised on PostgreSQL, a 500 on the log-in page (found by tests/security/)."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")  # axes sets it
    source = credentials if credentials else getattr(request, "data", request.POST)
    name = source.get(field)
    return name[:LOCKOUT_USERNAME_LENGTH] if isinstance(name, str) else name


def client_address(request: HttpRequest | Request) -> str | None:
    """The client's IP address, as the trusted proxies saw it (see the docstring)."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count == 0 or not forwarded.strip():
        return remote
    entries = forwarded.split(",")
    # Fewer entries than proxies: the request came in past the outer ones, and the
    # leftmost entry is what the first proxy it met wrote.
    entry = entries[-min(count, len(entries))].strip()
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        # Not an address ("unknown", a port, a misconfigured count): the proxy's own,
        # rather than text the lock-out's address column would refuse.
        return remote


class ClientAddressMixin:
    """A throttle that counts anonymous clients by `client_address`."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or ""


def count_in_window(cache: Any, key: str, seconds: int) -> int | None:
    """One more request in the window `key`; the count so far, or None if the cache
    cannot count (Redis down: the throttle lets the request through)."""
    counter = getattr(cache, "count_in_window", None)
    if counter is not None:
        return counter(key, seconds)
    cache.add(key, 0, seconds)  # Other backends (tests, development): two calls.
    try:
        return int(cache.incr(key))
    except ValueError:  # Expired between the two calls: count this one alone.
        cache.add(key, 1, seconds)
        return 1


class FixedWindowMixin:
    """DRF's SimpleRateThrottle, counting in fixed windows (see the docstring)."""

    rate: str | None
    num_requests: int
    duration: int
    cache: Any
    timer: Any

    get_cache_key: Any  # SimpleRateThrottle's, further along the MRO

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        start = int(now // self.duration) * self.duration
        self._wait = start + self.duration - now
        count = count_in_window(self.cache, f"{key}:{start}", self.duration)
        return count is None or count <= self.num_requests

    def wait(self) -> float:
        return max(self._wait, 1.0)


class AnonRateThrottle(
    ClientAddressMixin, FixedWindowMixin, throttling.AnonRateThrottle
):
    pass


class UserRateThrottle(
    ClientAddressMixin, FixedWindowMixin, throttling.UserRateThrottle
):
    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # AnonRateThrottle counts them, at its lower rate.
        return super().get_cache_key(request, view)


class ExportRateThrottle(
    ClientAddressMixin, FixedWindowMixin, throttling.SimpleRateThrottle
):
    """The open data's downloads (the CSV and JSON exports; settings.EXPORT_THROTTLE):
    each answer can be the whole dataset, megabytes streamed from the search index, so
    they have a rate of their own, lower than the API's pages, counted by the client's
    address whoever is signed in."""

    scope = "exports"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }
