"""Personal API tokens: an officer's scripts write through the API with one of these."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Tokens look like "pia_" + 43 URL-safe characters (256 random bits). The prefix lets a
# secret scanner recognise a leaked token.
TOKEN_PREFIX = "pia_"  # noqa: S105 (a marker, not a secret)  # nosec B105
# last_used_at is written at most this often, so reading the API doesn't write a row
# on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(token: str) -> str:
    """SHA-256 of the token. A token has 256 random bits, so no salt or slow hash is
    needed; only the hash is stored, and a stolen database reveals no token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def authenticate(self, token: str) -> ApiToken | None:
        """The active token with this value, if any (its user is loaded too)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        return (
            self.active()
            .select_related("user")
            .filter(key_hash=hash_token(token))
            .first()
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Case import script”."),
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    # The first characters, shown so that a user can tell their tokens apart.
    key_start = models.CharField(_("starts with"), max_length=12)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_start}…)"

    @classmethod
    def issue(cls, *, user: Any, name: str) -> tuple[ApiToken, str]:
        """A new token for `user`, and its value: shown once, never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = cls.objects.create(
            user=user,
            name=name,
            key_hash=hash_token(token),
            key_start=token[: len(TOKEN_PREFIX) + 4],
        )
        return record, token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def record_use(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at > LAST_USED_RESOLUTION:
            self.last_used_at = now
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)
