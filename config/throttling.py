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
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request


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


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass
