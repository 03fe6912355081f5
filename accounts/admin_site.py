"""The admin site, behind the second factor: staff use it only from a session verified
with their authenticator (accounts/two_factor.py has the rule).

Its log-in page is the site's own (accounts:login, with the code step and the
lock-out), so that there is one way in; the admin's password-only form is never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse

from .two_factor import safe_url, second_factor_redirect, second_factor_satisfied


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and second_factor_satisfied(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        next_url = safe_url(
            request, request.GET.get(REDIRECT_FIELD_NAME, "")
        ) or reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, resolve_url("accounts:login"))
        if user.is_active and user.is_staff:
            return second_factor_redirect(request, next_url)
        return render(request, "accounts/staff_only_admin.html", status=403)
