"""The header's account menu: who is logged in, in which cities with what role, and
the links to their workspace, their account and log-out, on every page.

Only a logged-in user's pages show it, and those are never stored in the page cache
(core/page_cache.py), so one person's menu is never served to another.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from cities.models import is_site_staff

register = template.Library()

# More cities than this are summed up ("and 3 more"), so the header stays one line.
CITIES_SHOWN = 3


@register.inclusion_tag("accounts/_account_menu.html", takes_context=True)
def account_menu(context: template.Context) -> dict[str, Any]:
    request: HttpRequest | None = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user": None}
    memberships = list(user.city_memberships.select_related("city"))
    # Staff who are no city's member have the workspace of every city.
    site_staff = not memberships and is_site_staff(user)
    return {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "memberships": memberships[:CITIES_SHOWN],
        "more": max(len(memberships) - CITIES_SHOWN, 0),
        "site_staff": site_staff,
        "has_workspace": bool(memberships) or site_staff,
    }


@register.simple_tag(takes_context=True)
def login_url(context: template.Context) -> str:
    """The log-in page, leading back to the page the link is on (but from the account
    pages themselves, which would lead back to the log-in)."""
    url = reverse("accounts:login")
    request: HttpRequest | None = context.get("request")
    match = getattr(request, "resolver_match", None)
    if request is None or (match is not None and match.app_name == "accounts"):
        return url
    query = QueryDict(mutable=True)
    query[REDIRECT_FIELD_NAME] = request.get_full_path()
    return f"{url}?{query.urlencode(safe='/')}"
