"""Inviting officers and reviewers. There is no open sign-up: site staff invite people
by email, to a city and a role.

A new person gets an account with no password and an email with a one-time link to
choose one. The link carries Django's password-reset token, which hashes the password
and the last log-in: it stops working once the password is set, and after
PASSWORD_RESET_TIMEOUT. Someone who already has an account gets the new role on it and
an email that tells them so.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cities.models import City, Membership
from core.mail import absolute_url, site_mail

logger = logging.getLogger(__name__)
User = get_user_model()

# What a staff member needs, besides is_staff, to invite: the admin would ask the same
# permissions of them to add the user and the membership by hand.
INVITE_PERMISSIONS = ("auth.add_user", "cities.add_membership")
USERNAME_MAX_LENGTH = 150


def can_invite(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perms(INVITE_PERMISSIONS)
    )


def is_pending_invitee(user: Any) -> bool:
    """Invited, and has not chosen a password yet."""
    return not user.has_usable_password() and user.last_login is None


def username_for_email(email: str) -> str:
    """A free user name made from the address: the address itself if it is one."""
    # The characters Django's username validator allows.
    base = re.sub(r"[^\w.@+-]", "", email.lower())[:USERNAME_MAX_LENGTH] or "user"
    candidate, n = base, 2
    # Case-insensitively free, so that two people never differ only by case.
    while User._default_manager.filter(username__iexact=candidate).exists():
        suffix = f"-{n}"
        candidate = base[: USERNAME_MAX_LENGTH - len(suffix)] + suffix
        n += 1
    return candidate


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    # Made by this invitation, or made earlier and never used: the email carries a
    # link to choose a password. Otherwise it only tells of the new role.
    needs_password: bool
    new_account: bool

    @property
    def user(self) -> Any:
        return self.membership.user


@transaction.atomic
def member_invite(
    *,
    email: str,
    city: City,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> Invitation:
    """The membership of the person with this address (made if need be) in `city`.

    The caller has checked that they have no role there yet (InvitationForm does);
    the database's unique constraint refuses a second one anyway.
    """
    user = User._default_manager.filter(email__iexact=email).first()
    new_account = user is None
    if user is None:
        user = User(
            username=username_for_email(email),
            email=email,
            first_name=first_name,
            last_name=last_name,
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
    membership = Membership.objects.create(user=user, city=city, role=role)
    return Invitation(
        membership=membership,
        needs_password=is_pending_invitee(user),
        new_account=new_account,
    )


def invitation_send(
    *, invitation: Invitation, request: HttpRequest, invited_by: Any
) -> bool:
    """Emails the invitation; False if the mail server refused it (and logs why).

    Called after member_invite's transaction, so that a slow or failing mail server
    holds no lock and undoes nothing: the person can still ask for a password link
    from the log-in page (PasswordResetForm sends one to pending invitees).
    """
    user = invitation.user
    context = {
        "user": user,
        "username": user.get_username(),
        "city": invitation.membership.city.name,
        "role": invitation.membership.get_role_display(),
        "invited_by": invited_by.get_full_name() or invited_by.get_username(),
        "site_name": settings.SITE_NAME,
        "login_url": absolute_url(reverse("accounts:login"), request),
        "days": settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24),
    }
    if invitation.needs_password:
        context["link"] = absolute_url(invitation_path(user), request)
        template = "accounts/invitation_email"
    else:
        template = "accounts/membership_notice_email"
    message = site_mail(
        to=[user.email],
        subject_template=f"{template}_subject.txt",
        text_template=f"{template}.txt",
        html_template=f"{template}.html",
        context=context,
        request=request,
    )
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the invitation email to user %s", user.pk)
        return False
    return True


def invitation_path(user: Any) -> str:
    """The one-time link to choose a password, as a path."""
    return reverse(
        "accounts:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
