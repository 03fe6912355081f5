"""What the workspace keeps of its own: a spreadsheet uploaded for import, between its
preview and its confirmation (workspace/imports.py).

The file is kept on the server, for its uploader only and for an hour, rather than
sent back with the preview's form: the confirmation reads it again from here and
validates every row against the database as it is then.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long an upload waits for its confirmation.
UPLOAD_LIFETIME = datetime.timedelta(hours=1)


class ImportUploadQuerySet(models.QuerySet["ImportUpload"]):
    def of(self, user: Any) -> ImportUploadQuerySet:
        """The uploads of `user`, still waiting or confirmed, that have not expired."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user, created_at__gte=timezone.now() - UPLOAD_LIFETIME)

    def expired(self) -> ImportUploadQuerySet:
        return self.filter(created_at__lt=timezone.now() - UPLOAD_LIFETIME)


class ImportUpload(models.Model):
    # A random id, so that an upload's address says nothing about anyone else's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind of record"), max_length=20)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    # What the preview showed: each row's action and the fingerprint of the record it
    # updates, so that the confirmation notices a record changed since.
    fingerprints = models.JSONField(_("fingerprints"), default=dict)
    # Once confirmed: what was imported, for the summary page (the file is dropped).
    summary = models.JSONField(_("summary"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = ImportUploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("spreadsheet upload")
        verbose_name_plural = _("spreadsheet uploads")

    def __str__(self) -> str:
        return self.file_name
