"""The officer's account: log in (with a second factor for those who use one) and
out, passwords, two-factor log-in, personal API tokens, and the staff's page for
inviting officers and reviewers."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from base64 import b32encode
from typing import TYPE_CHECKING, Any, cast

import qrcode
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.auth.views import (
    INTERNAL_RESET_SESSION_TOKEN,
    RedirectURLMixin,
    redirect_to_login,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic.edit import FormView
from django_otp import login as otp_login
from qrcode.image.svg import SvgPathImage

from cities.models import City, is_site_staff

from .forms import (
    ApiTokenForm,
    AuthenticatorConfirmForm,
    InvitationForm,
    SecondFactorCodeForm,
    SecondFactorTurnOffForm,
    SetPasswordForm,
)
from .invitations import can_invite, invitation_send, member_invite
from .models import ApiToken
from .two_factor import (
    authenticator_confirm,
    code_check,
    is_verified,
    must_use_second_factor,
    pending_authenticator,
    recovery_codes_left,
    recovery_codes_replace,
    safe_url,
    second_factor_redirect,
    second_factor_remove,
    second_factor_required,
    second_factor_satisfied,
    uses_second_factor,
)

UserModel = get_user_model()

if TYPE_CHECKING:
    from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
    from django.contrib.auth.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        """A request that login_required let through (as django-stubs suggests)."""

        user: User


# The form's one-time numbers already used, kept in the session (they are not secret),
# so that reloading the page that shows a new token cannot make a second one.
USED_FORM_IDS_SESSION_KEY = "accounts:used_token_form_ids"


@never_cache
@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's tokens, and a form for a new one.

    A new token's value is in the response to the POST that makes it, and nowhere
    else: it is never stored (not even in the session), so it cannot be shown again.
    """
    form = ApiTokenForm(request.POST or None)
    new_token = None
    status = 200
    if request.method == "POST" and not second_factor_satisfied(request):
        # A token stands for a verified session (accounts/two_factor.py).
        return second_factor_redirect(request, reverse("accounts:tokens"))
    if request.method == "POST":
        used = request.session.get(USED_FORM_IDS_SESSION_KEY, [])
        form_id = form.cleaned_data.get("form_id") if form.is_valid() else ""
        if form_id and form_id in used:
            messages.info(
                request,
                _(
                    "That token was already made, and its value shown once. If you "
                    "did not copy it, revoke it and make another."
                ),
            )
            return redirect("accounts:tokens")
        if form.is_valid():
            _record, new_token = ApiToken.issue(
                user=request.user, name=form.cleaned_data["name"]
            )
            request.session[USED_FORM_IDS_SESSION_KEY] = [
                *used[-19:],
                form_id,
            ]
            form = ApiTokenForm()
        else:
            status = 400
    context: dict[str, Any] = {
        "form": form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
        "editable_cities": City.objects.editable_by(request.user).order_by("name"),
        "memberships": request.user.city_memberships.select_related("city"),
        "can_invite": can_invite(request.user),
        "two_factor": {
            "on": uses_second_factor(request.user),
            "required": must_use_second_factor(request.user),
            "verified": is_verified(request),
            "codes_left": recovery_codes_left(request.user),
        },
    }
    return render(request, "accounts/apitoken_list.html", context, status=status)


@require_POST
@login_required
def revoke_token(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens.active(), pk=pk)
    token.revoke()
    messages.success(
        request, _("The token “%(name)s” is revoked.") % {"name": token.name}
    )
    return redirect("accounts:tokens")


class PasswordResetView(auth_views.PasswordResetView):
    """Emails a one-time link to set a new password.

    The answer is the same whether or not an account uses the address, so the form
    tells nobody who has an account.
    """

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]  # Django's is an attribute
        return {
            "atlas_name": settings.SITE_NAME,
            "days": settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24),
        }


def link_is_damaged(
    user: Any, token: str | None, generator: PasswordResetTokenGenerator
) -> bool:
    """Whether a one-time link that does not work (a password reset's or an
    invitation's) is damaged, rather than used or expired: its uid names no user, or
    its token is not of the form `generator` makes (the time in base 36, a dash, and as
    many hex digits as the hash has bytes). A link cut short when copied, or copied
    with a wrapped mail's `=` at a line's end, is such a link.

    `token` None: the session no longer holds the token of a link opened earlier, which
    is as good as expired.
    """
    if user is None:
        return True
    if token is None:
        return False
    hash_digits = hashlib.new(generator.algorithm or "sha256").digest_size
    return re.fullmatch(rf"[0-9a-z]{{1,13}}-[0-9a-f]{{{hash_digits}}}", token) is None


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets a new password from the emailed link (Django's view, our form).

    A link that does not work says whether it is damaged (copy the whole link) or used
    or expired (ask for a new one): link_is_damaged() tells them apart.
    """

    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if not self.validlink:
            token = self.kwargs["token"]
            if token == self.reset_url_token:
                # The link was opened earlier: its token is in the session.
                token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN)
            context["link_damaged"] = link_is_damaged(
                self.user, token, self.token_generator
            )
        return context

    def form_valid(self, form: DjangoSetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        # The lock-out guards against guessing the password. Whoever just set a new
        # one through the account's email is no guesser: let them log in straight away
        # (the lock-out page suggests this way out). (A valid link has a user.)
        axes_reset(username=cast("User", self.user).get_username())
        return response


class InvitationAcceptView(PasswordResetConfirmView):
    """The invitation's one-time link: the new officer or reviewer picks a password.

    The same token as a password reset, so the link stops working once a password is
    set (the token hashes it) and after PASSWORD_RESET_TIMEOUT.
    """

    template_name = "accounts/invitation_accept.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: DjangoSetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            _(
                "Your password is set. Log in with your user name, %(username)s, and "
                "your new password."
            )
            % {"username": cast("User", self.user).get_username()},
        )
        return response


@never_cache
@login_required
@second_factor_required
def invite(request: HttpRequest) -> HttpResponse:
    """Staff invite an officer or reviewer of a city by email."""
    if not can_invite(request.user):
        return render(request, "accounts/staff_only.html", status=403)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = member_invite(
            email=form.cleaned_data["email"],
            city=form.cleaned_data["city"],
            role=form.cleaned_data["role"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        sent = invitation_send(
            invitation=invitation, request=request, invited_by=request.user
        )
        names = {
            "email": invitation.user.email,
            "role": invitation.membership.get_role_display(),
            "city": invitation.membership.city.name,
        }
        if not sent:
            messages.error(
                request,
                _(
                    "%(email)s now has the role “%(role)s” in %(city)s, but the email "
                    "could not be sent. Check the mail settings; they can then ask "
                    "for a password link on the log-in page."
                )
                % names,
            )
        elif invitation.needs_password:
            messages.success(
                request,
                _(
                    "Invitation sent to %(email)s, with the role “%(role)s” in "
                    "%(city)s. Their link to choose a password works once."
                )
                % names,
            )
        else:
            messages.success(
                request,
                _(
                    "%(email)s already had an account. It now has the role "
                    "“%(role)s” in %(city)s, and an email tells them so."
                )
                % names,
            )
        return redirect("accounts:invite")
    status = 400 if form.errors else 200
    return render(request, "accounts/invite.html", {"form": form}, status=status)


# --- Two-factor log-in (accounts/two_factor.py) -------------------------------------------

# Between the password and the code, the session holds who is logging in (never the
# password), for a few minutes; the user is logged in only once the code is right.
PENDING_LOGIN_SESSION_KEY = "accounts:pending_login"
PENDING_LOGIN_SECONDS = 5 * 60
# New recovery codes, kept in the session only until the user says they have saved
# them (so that the page can offer them as a download and for printing).
NEW_RECOVERY_CODES_SESSION_KEY = "accounts:new_recovery_codes"


def _with_next(url_name: str, next_url: str) -> HttpResponse:
    """A redirect to `url_name`, passing `next` on (as the log-in redirect does)."""
    if next_url:
        return redirect_to_login(next_url, reverse(url_name))
    return HttpResponseRedirect(reverse(url_name))


def _next(request: HttpRequest) -> str:
    """The request's `next`, if it is a page of this site."""
    return safe_url(
        request,
        request.POST.get(REDIRECT_FIELD_NAME)
        or request.GET.get(REDIRECT_FIELD_NAME, ""),
    )


def landing_url(user: Any) -> str:
    """Where a log-in leads when it was not asked to lead back somewhere (`next`):
    a city's officer or reviewer, or the Atlas's staff, to the workspace; anyone else
    (an API consumer) to their account, where their tokens are."""
    if user.city_memberships.exists() or is_site_staff(user):
        return reverse("workspace:dashboard")
    return reverse("accounts:tokens")


@never_cache
@login_required
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """LOGIN_REDIRECT_URL: every log-in without a `next` (the password step, the
    code step, setting up a second factor) ends here, and goes on by the user's role."""
    return HttpResponseRedirect(landing_url(request.user))


class LoginView(auth_views.LoginView):
    """The password step (django-axes counts its failures and locks out).

    A user with a second factor is not logged in yet: the code step logs them in.
    A reviewer or staff member without one is logged in and sent to set one up, which
    the admin, publishing and invitations need.
    """

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        next_url = self.get_redirect_url()
        if uses_second_factor(user):
            self.request.session[PENDING_LOGIN_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                # A password changed meanwhile ends the pending log-in too.
                "hash": user.get_session_auth_hash(),
                "started": time.time(),
            }
            return _with_next("accounts:login_code", next_url)
        response = super().form_valid(form)
        if must_use_second_factor(user):
            return second_factor_redirect(self.request, next_url)
        return response


@method_decorator(
    [sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch"
)
class LoginCodeView(RedirectURLMixin, FormView):
    """The code step: a code from the authenticator app, or a recovery code.

    Also confirms a session that is logged in but not verified (one that began before
    the user turned the second factor on), before a privileged action.

    Each wrong code counts as a failed log-in for django-axes, so that the lock-out
    after LOGIN_FAILURE_LIMIT failures covers the code step too, and a locked-out user
    name is refused here even with the right code; django-otp's throttling meanwhile
    makes each device wait 1, 2, 4 … seconds after each wrong code.
    """

    form_class = SecondFactorCodeForm
    template_name = "accounts/login_code.html"
    next_page = settings.LOGIN_REDIRECT_URL

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        self.user, self.pending = self._who_is_logging_in()
        if self.user is None:
            if request.user.is_authenticated:
                return HttpResponseRedirect(self.get_success_url())
            messages.info(
                request,
                _("Your log-in took too long, or was not started: log in again."),
            )
            return _with_next("accounts:login", self.get_redirect_url())
        credentials = {"username": self.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            request.session.pop(PENDING_LOGIN_SESSION_KEY, None)
            return get_lockout_response(request, None, credentials)
        return super().dispatch(request, *args, **kwargs)

    def _who_is_logging_in(self) -> tuple[Any, bool]:
        """The user whose password was right a moment ago (and whether they are still
        to be logged in), or the logged-in user whose session needs the code."""
        session = self.request.session
        pending = session.get(PENDING_LOGIN_SESSION_KEY)
        if pending:
            user = UserModel._default_manager.filter(pk=pending["user"]).first()
            if (
                time.time() - pending["started"] < PENDING_LOGIN_SECONDS
                and user is not None
                and user.is_active
                and constant_time_compare(user.get_session_auth_hash(), pending["hash"])
            ):
                user.backend = pending["backend"]
                return user, True
            del session[PENDING_LOGIN_SESSION_KEY]
        current = self.request.user
        if current.is_authenticated and not is_verified(self.request):
            if uses_second_factor(current):
                return current, False
        return None, False

    def form_valid(self, form: SecondFactorCodeForm) -> HttpResponse:
        request = self.request
        check = code_check(self.user, form.cleaned_data["code"])
        if check.device is None:
            if check.counts_as_failure:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": self.user.get_username()},
                    request=request,
                )
                if getattr(request, "axes_locked_out", False):
                    # AxesMiddleware answers with the lock-out page.
                    request.session.pop(PENDING_LOGIN_SESSION_KEY, None)
            form.add_error("code", check.error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if self.pending:
            # django-otp's user_logged_in receiver marks the new session verified.
            self.user.otp_device = check.device
            auth_login(request, self.user, self.user.backend)
            request.session.pop(PENDING_LOGIN_SESSION_KEY, None)
        else:
            request.session.cycle_key()
            otp_login(request, check.device)
        if check.recovery:
            left = recovery_codes_left(self.user)
            messages.warning(
                request,
                ngettext(
                    "You used a recovery code: %(count)d is left. Make new ones on "
                    "your account page.",
                    "You used a recovery code: %(count)d are left. Make new ones on "
                    "your account page.",
                    left,
                )
                % {"count": left},
            )
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            **kwargs,
            next=self.get_redirect_url(),
            username=self.user.get_username(),
        )


def _qr_code_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG data URI, made here: no outside service sees
    the secret. (As an <img>, the SVG needs no exception in the page's CSP.)"""
    image = qrcode.make(text, image_factory=SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Adds an authenticator app: its QR code and secret, then a first code from it,
    then the recovery codes."""
    next_url = _next(request)
    if uses_second_factor(request.user):
        if not is_verified(request):
            return second_factor_redirect(request, next_url)
        messages.info(request, _("Two-factor log-in is already on."))
        return HttpResponseRedirect(next_url or reverse("accounts:tokens"))
    device = pending_authenticator(request.user)
    form = AuthenticatorConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = code_check(request.user, form.cleaned_data["code"], device=device)
        if check.device is not None:
            codes = authenticator_confirm(device=device)
            request.session.cycle_key()
            otp_login(request, device)
            request.session[NEW_RECOVERY_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor log-in is on."))
            return _with_next("accounts:recovery_codes", next_url)
        form.add_error("code", check.error)
    context = {
        "form": form,
        "next": next_url,
        "required": must_use_second_factor(request.user),
        "qr_code": _qr_code_data_uri(device.config_url),
        "secret": _grouped(b32encode(device.bin_key).decode()),
    }
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@never_cache
@login_required
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes, shown until the user says they have saved them."""
    next_url = _next(request)
    codes = request.session.get(NEW_RECOVERY_CODES_SESSION_KEY)
    if request.method == "POST" or not codes:
        request.session.pop(NEW_RECOVERY_CODES_SESSION_KEY, None)
        if not codes:
            messages.info(
                request,
                _(
                    "Recovery codes are shown once, when they are made. If you did "
                    "not save them, make new ones."
                ),
            )
        return HttpResponseRedirect(next_url or reverse("accounts:tokens"))
    context = {"codes": codes, "next": next_url}
    return render(request, "accounts/recovery_codes.html", context)


@never_cache
@login_required
def recovery_codes_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The new recovery codes as a text file, while they are being shown."""
    codes = request.session.get(NEW_RECOVERY_CODES_SESSION_KEY)
    if not codes:
        return redirect("accounts:recovery_codes")
    body = render_to_string(
        "accounts/recovery_codes.txt",
        {
            "codes": codes,
            "username": request.user.get_username(),
            "site_name": settings.SITE_NAME,
            "login_url": request.build_absolute_uri(reverse("accounts:login")),
        },
    )
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="atlas-recovery-codes.txt"'
    return response


@require_POST
@login_required
@second_factor_required
def recovery_codes_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new set of recovery codes; the old ones stop working."""
    if not uses_second_factor(request.user):
        messages.error(request, _("Turn on two-factor log-in first."))
        return redirect("accounts:tokens")
    request.session[NEW_RECOVERY_CODES_SESSION_KEY] = recovery_codes_replace(
        user=request.user
    )
    messages.success(
        request, _("New recovery codes are made; the old ones no longer work.")
    )
    return redirect("accounts:recovery_codes")


@never_cache
@login_required
def two_factor_turn_off(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An officer turns off their second factor, with their password and a code.
    Reviewers and staff cannot: staff reset a lost one in the admin."""
    user = request.user
    if must_use_second_factor(user):
        return render(request, "accounts/two_factor_required.html", status=403)
    if not uses_second_factor(user):
        messages.info(request, _("Two-factor log-in is off."))
        return redirect("accounts:tokens")
    form = SecondFactorTurnOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Through the authentication backends, so that django-axes counts a wrong
        # password here as it does on the log-in page.
        checked = authenticate(
            request,
            username=user.get_username(),
            password=form.cleaned_data["password"],
        )
        if checked is None or checked.pk != user.pk:
            form.add_error("password", _("That password is not right."))
        else:
            check = code_check(user, form.cleaned_data["code"])
            if check.device is None:
                form.add_error("code", check.error)
            else:
                second_factor_remove(user=user)
                messages.success(
                    request,
                    _(
                        "Two-factor log-in is off: your log-in asks for your "
                        "password only."
                    ),
                )
                return redirect("accounts:tokens")
    status = 400 if form.errors else 200
    return render(
        request, "accounts/two_factor_turn_off.html", {"form": form}, status=status
    )
