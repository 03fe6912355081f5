from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin import AutocompleteMixin

from .models import ApiToken, ApiTokenQuerySet
from .two_factor import second_factor_remove

User = get_user_model()

# django-otp's own pages for the devices would show staff a user's secret key, and let
# them make a device for someone: staff only reset a user's second factor (below).
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff can see and revoke tokens, never read or make one: a token's value is
    shown once, to its owner, on their account page."""

    list_display = [
        "name",
        "user",
        "key_start",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "key_start"]
    list_select_related = ["user"]
    # A tuple, so that the same names type-check as readonly_fields too (the stubs
    # type the two lists differently).
    fields = ("name", "user", "key_start", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: ApiTokenQuerySet) -> None:
        count = queryset.active().update(revoked_at=timezone.now())
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count})


# Django's admins of users and groups, with the site's relation fields: a permission
# or group chosen by a number past the key's range is refused by the form, where
# Django's own answered 500 (core/admin.py).
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AutocompleteMixin, DjangoGroupAdmin):  # type: ignore[misc]  # django-stubs types request as optional there
    pass


@admin.register(User)
class UserAdmin(AutocompleteMixin, DjangoUserAdmin):
    """Django's, with whether each user has two-factor log-in, and its reset for a
    lost phone (the user sets up a new authenticator at their next log-in)."""

    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "two_factor",
    )
    actions = ["reset_second_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_two_factor=Exists(
                    TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                )
            )
        )

    @admin.display(
        boolean=True, description=_("two-factor log-in"), ordering="has_two_factor"
    )
    def two_factor(self, obj: Any) -> bool:
        return bool(obj.has_two_factor)

    @admin.action(
        description=_("Reset the two-factor log-in of the selected users"),
        permissions=["change"],
    )
    def reset_second_factor(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> None:
        """Removes each user's authenticator and recovery codes, and records it in
        the admin's log. Their sessions stop counting as verified."""
        reset = 0
        for user in queryset:
            if second_factor_remove(user=user):
                self.log_change(
                    request,
                    user,
                    "Reset the two-factor log-in: the authenticator app and the "
                    "recovery codes are removed.",
                )
                reset += 1
        self.message_user(
            request,
            ngettext(
                "The two-factor log-in of %(count)d user is reset: they set up a new "
                "authenticator app when they next log in.",
                "The two-factor log-in of %(count)d users is reset: they set up a new "
                "authenticator app when they next log in.",
                reset,
            )
            % {"count": reset},
        )
