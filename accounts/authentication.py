"""API authentication by personal token: `Authorization: Bearer pia_…`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # Not ours: another scheme, or anonymous.
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Give the token after “Bearer”, with no spaces in it.")
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid.")
            ) from None
        # The token is only ever hashed, so whatever bytes it holds never reach SQL.
        record = ApiToken.objects.authenticate(token)
        if record is None or not record.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid, or it has been revoked.")
            )
        record.record_use()
        return record.user, record

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="api"'
