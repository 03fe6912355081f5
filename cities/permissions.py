"""The API's permission: anyone reads; officers write their own cities' records.

Kept apart from core/rest.py because DRF imports DEFAULT_PERMISSION_CLASSES while
rest_framework.views is still loading.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from .models import City


class CityRecordPermission(permissions.BasePermission):
    """Anyone may read. To write, a user must be allowed to write some city's records,
    and the record must belong to one of those cities.

    The rule itself is `City.objects.editable_by(user)`: the API, the admin and the
    workspace all ask it. What anyone may *read* is each view's get_queryset().
    """

    message = _("You can change the records of your own cities only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401, with WWW-Authenticate.
        return City.objects.editable_by(request.user).exists()

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        editable = type(obj)._default_manager.editable_by(request.user)
        return editable.filter(pk=obj.pk).exists()
