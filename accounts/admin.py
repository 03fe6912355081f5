from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, ApiTokenQuerySet


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
