from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cities.models import City, Membership
from core.mail import site_mail

from .invitations import is_pending_invitee
from .models import ApiToken

logger = logging.getLogger(__name__)
User = get_user_model()


class ApiTokenForm(forms.ModelForm):
    # A fresh random number each time the form is shown: the view refuses to make a
    # second token from the same form (a reload of the page that shows a new token).
    form_id = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        required=False,
        initial=lambda: secrets.token_urlsafe(16),
    )

    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": _("What the token is for")}

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Form's: its cleaned_data
        if "form_id" in self.errors:
            # The hidden number came back altered (a NUL byte, too long): its own
            # error has nowhere to show, so say it about the whole form.
            self.add_error(
                None,
                ValidationError(
                    _(
                        "The page was damaged on its way back: reload it, then try again."
                    ),
                    code="damaged",
                ),
            )
        return cleaned


def _plain_password_help() -> str:
    """The password validators' advice as one sentence after another, so that it fits
    in the hint next to the field (Django's own is an HTML list)."""
    return " ".join(password_validation.password_validators_help_texts())


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Sets a password from a reset or invitation link.

    The validators' verdict goes next to the new password, where it was typed and where
    the advice is, rather than next to its confirmation as in Django's form.
    """

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].help_text = _plain_password_help()

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data


class PasswordChangeForm(SetPasswordForm, auth_forms.PasswordChangeForm):
    field_order = ["old_password", "new_password1", "new_password2"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email: str) -> Iterator[Any]:
        """Django's choice (active users with a usable password), plus anyone invited
        who has not set a password yet: their link may have expired, and the reset link
        goes to the same inbox that the invitation trusted."""
        email_field = User.get_email_field_name()
        users = User._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        for user in users:
            if user.has_usable_password() or is_pending_invitee(user):
                yield user

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Django's hook for sending the mail: through the site's mail (core/mail.py),
        with the link made once for its text and its HTML part."""
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        message = site_mail(
            to=[to_email],
            subject_template=subject_template_name,
            text_template=email_template_name,
            html_template=html_email_template_name
            or email_template_name.removesuffix(".txt") + ".html",
            # Django's protocol and domain are the request's (or the view's overrides).
            context={
                **context,
                "link": f"{context['protocol']}://{context['domain']}{path}",
            },
        )
        try:
            message.send()
        except Exception:
            # As Django does: the page answers the same whether or not a mail went.
            logger.exception(
                "Failed to send password reset email to %s", context["user"].pk
            )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_(
            "If someone already has an account with this address, they get the new "
            "role on it and an email that tells them so."
        ),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    city = forms.ModelChoiceField(
        label=_("City"),
        queryset=City.objects.order_by("name"),
        empty_label=_("Choose a city"),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        help_text=_(
            "Officers write their city's records; reviewers check and publish them."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.existing_user: Any = None

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        matches = list(User._default_manager.filter(email__iexact=email)[:2])
        if len(matches) > 1:
            raise ValidationError(
                _(
                    "Several accounts use this address. Add the role to the right one "
                    "in the admin."
                ),
                code="ambiguous",
            )
        if matches and not matches[0].is_active:
            raise ValidationError(
                _(
                    "The account with this address is deactivated. Reactivate it in "
                    "the admin first."
                ),
                code="inactive",
            )
        self.existing_user = matches[0] if matches else None
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Form's: its cleaned_data
        city = cleaned.get("city")
        if self.existing_user is not None and city is not None:
            membership = Membership.objects.filter(
                user=self.existing_user, city=city
            ).first()
            if membership is not None:
                self.add_error(
                    "city",
                    ValidationError(
                        _(
                            "%(email)s already has a role in %(city)s: %(role)s. To "
                            "change it, edit the membership in the admin."
                        ),
                        code="already_member",
                        params={
                            "email": cleaned["email"],
                            "role": membership.get_role_display(),
                            "city": city.name,
                        },
                    ),
                )
        return cleaned


class SecondFactorCodeForm(forms.Form):
    """A code from the authenticator app, or a recovery code (the view checks it)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your "
            "recovery codes."
        ),
        error_messages={"required": _("Enter the code.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "autocapitalize": "none"}
        )


class AuthenticatorConfirmForm(SecondFactorCodeForm):
    """The first code from a newly added authenticator app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.help_text = _("The 6-digit code the app shows now.")
        field.widget.attrs["inputmode"] = "numeric"


class SecondFactorTurnOffForm(SecondFactorCodeForm):
    """An officer turns off their second factor with their password and a code."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    field_order = ["password", "code"]
