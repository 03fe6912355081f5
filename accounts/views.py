"""The officer's account: log in and out, passwords, personal API tokens, and the
staff's page for inviting officers and reviewers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cities.models import City

from .forms import ApiTokenForm, InvitationForm, SetPasswordForm
from .invitations import can_invite, invitation_send, member_invite
from .models import ApiToken

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


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets a new password from the emailed link (Django's view, our form)."""

    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

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
