"""Two-factor log-in: who must use it, and the one rule every privileged action asks.

Reviewers (a reviewer's role in any city) and site staff (`is_staff`, superusers) must
log in with a second factor: a code from an authenticator app (TOTP), or one of their
single-use recovery codes. Officers may turn it on; once on, their log-in asks for the
code too. The devices are django-otp's (`TOTPDevice`, and a `StaticDevice` holding the
recovery codes); the pages are ours (accounts/views.py).

The rule, `second_factor_satisfied(request)`, is written once, here: a user who must use
a second factor, or has turned it on, acts only from a session that was verified with
it. The workspace's writing views and the invitations ask it through
`second_factor_required`, the admin site through its `has_permission`
(accounts/admin_site.py), the API through `SecondFactorPermission`, and the account
page before it makes a token. A personal API token stands for a verified session: for
a reviewer or staff member, only a verified session can make one (as GitHub and others
treat personal access tokens), so a request made with a token has passed the second
factor when its token was made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import permissions
from rest_framework.request import Request

from cities.models import Membership

from .models import ApiToken

# How many recovery codes a user gets at a time, each usable once.
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"

View = Callable[..., HttpResponse]


def must_use_second_factor(user: Any) -> bool:
    """Reviewers and site staff: they publish, and they run the admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(user.city_memberships.filter(role=Membership.Role.REVIEWER).exists())


def uses_second_factor(user: Any) -> bool:
    """Whether the user has a confirmed authenticator (or recovery codes)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user_has_device(user, confirmed=True))


def needs_second_factor(user: Any) -> bool:
    """Must use one, or has turned one on."""
    return must_use_second_factor(user) or uses_second_factor(user)


def is_verified(request: HttpRequest | Request) -> bool:
    """Whether the request comes from a session verified with a second factor
    (OTPMiddleware's `user.is_verified()`), or with an API token, which only a
    verified session can make for those who need one."""
    if isinstance(getattr(request, "auth", None), ApiToken):
        return True
    check = getattr(request.user, "is_verified", None)
    return bool(check is not None and check())


def second_factor_satisfied(request: HttpRequest | Request) -> bool:
    """The rule: anyone who needs a second factor acts only from a verified session."""
    return not needs_second_factor(request.user) or is_verified(request)


def safe_url(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def second_factor_redirect(request: HttpRequest, next_url: str = "") -> HttpResponse:
    """Where a user whose session lacks the second factor goes: the code step if they
    have an authenticator, else setting one up; then back to `next_url`."""
    next_url = safe_url(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)
    if uses_second_factor(request.user):
        messages.info(
            request,
            _("Enter a code from your authenticator app to continue."),
        )
        target = "accounts:login_code"
    else:
        messages.info(request, _("To continue, set up two-factor log-in first."))
        target = "accounts:two_factor_setup"
    return redirect_to_login(next_url, resolve_url(target), REDIRECT_FIELD_NAME)


def second_factor_required(view: View) -> View:
    """A view only a session verified with the second factor may use, for those who
    need one (everyone else passes). Put it under `login_required`.

    A refused GET comes back to its own page afterwards; a refused POST to the page it
    was sent from (its form is shown again there), as the POST itself is not repeated.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if second_factor_satisfied(request):
            return view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            next_url = request.get_full_path()
        else:
            next_url = safe_url(request, request.headers.get("referer", ""))
            if next_url:
                parts = urlsplit(next_url)
                next_url = urlunsplit(("", "", parts.path, parts.query, ""))
        return second_factor_redirect(request, next_url)

    return wrapper


class SecondFactorPermission(permissions.BasePermission):
    """The API's side of the rule: a write from a session needs the second factor, as
    on the site (a token was made in a verified session; reads are anyone's)."""

    message = gettext_lazy(
        "Your session has not been verified with your second factor. Log in again "
        "with the code from your authenticator app, or use a personal API token."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return True  # The next permission answers 401.
        return second_factor_satisfied(request)


# --- The devices -------------------------------------------------------------------------


def confirmed_authenticator(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_authenticator(user: Any) -> TOTPDevice:
    """The authenticator being set up: the same secret each time the page is shown,
    so that a user who scanned it and reloads is not given another."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=AUTHENTICATOR_NAME, confirmed=False
        )
    return device


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def recovery_codes_replace(*, user: Any) -> list[str]:
    """A new set of recovery codes, shown once; the old set stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=RECOVERY_CODES_NAME, confirmed=True
    )
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return codes


@transaction.atomic
def authenticator_confirm(*, device: TOTPDevice) -> list[str]:
    """Turns on a verified authenticator, and gives its first recovery codes."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return recovery_codes_replace(user=device.user)


@transaction.atomic
def second_factor_remove(*, user: Any) -> int:
    """Removes the user's authenticator and recovery codes (turned off by an officer,
    or reset by staff for a lost phone). Sessions verified with them stop counting as
    verified: OTPMiddleware no longer finds their device."""
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed


def normalise_code(code: str) -> str:
    """What the user typed, without the spaces and hyphens people add to codes."""
    return "".join(code.split()).replace("-", "").lower()


def device_for_code(user: Any, code: str) -> TOTPDevice | StaticDevice | None:
    """The device a code is for: six digits are the authenticator's, anything else a
    recovery code."""
    if code.isdigit() and len(code) == 6:
        return confirmed_authenticator(user)
    return StaticDevice.objects.devices_for_user(user, confirmed=True).first()


@dataclass(frozen=True)
class CodeCheck:
    """What became of a code: the device that accepted it, or why it was refused."""

    device: TOTPDevice | StaticDevice | None
    error: str = ""
    # A wrong code counts towards the log-in lock-out; a code refused unread, because
    # the device is still throttled from the last wrong ones, does not.
    counts_as_failure: bool = False
    recovery: bool = False


def code_check(user: Any, typed: str, device: TOTPDevice | None = None) -> CodeCheck:
    """Checks a code against the user's authenticator or recovery codes (or against
    `device`, an authenticator being set up).

    django-otp throttles each device: after a wrong code the next is read only after
    1, 2, 4, 8 … seconds (OTP_TOTP_THROTTLE_FACTOR, OTP_STATIC_THROTTLE_FACTOR), and
    an accepted authenticator code cannot be used again, nor a recovery code.
    """
    code = normalise_code(typed)
    setting_up = device is not None
    device = device or device_for_code(user, code)
    recovery = isinstance(device, StaticDevice)
    if recovery:
        wrong = _("That recovery code is not right, or it has been used already.")
    elif setting_up:
        wrong = _(
            "That code is not right. Enter the 6-digit code the app shows now; if it "
            "is refused again, check that your phone sets its clock automatically."
        )
    else:
        wrong = _(
            "That code is not right. Enter the code your authenticator app shows "
            "now (it changes every 30 seconds), or one of your recovery codes."
        )
    if device is None or not code:
        return CodeCheck(None, wrong, counts_as_failure=bool(code))
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        seconds = (
            max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
            if locked_until
            else 1
        )
        return CodeCheck(
            None,
            ngettext(
                "Too many wrong codes in a row. Wait %(seconds)d second, then try "
                "again.",
                "Too many wrong codes in a row. Wait %(seconds)d seconds, then try "
                "again.",
                seconds,
            )
            % {"seconds": seconds},
        )
    # In a transaction, with the device's row locked: a code is accepted once.
    accepted = verify_token(user, device.persistent_id, code)
    if accepted is None:
        return CodeCheck(None, wrong, counts_as_failure=True, recovery=recovery)
    return CodeCheck(accepted, recovery=recovery)
