"""The viewset of a city's records that its officers write: the per-city write rule on
top of core's read-only viewset."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from rest_framework import exceptions, mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.viewsets import ReadOnlyViewSet, save_once_unique

from .models import City
from .permissions import CityRecordPermission


def check_city_is_editable(request: Request, city: City | None) -> None:
    """403 unless the user may write the records of `city` (on create, or on a move)."""
    if not City.objects.is_editable_by(request.user, city):
        raise exceptions.PermissionDenied(CityRecordPermission.message)


class CityRecordViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyViewSet
):
    """A city's records that its officers create and update (never delete: nothing an
    officer writes is lost). See CityRecordPermission for who may write."""

    http_method_names = ["get", "head", "options", "post", "put", "patch"]

    def city_of(self, attrs: dict[str, Any], instance: Any = None) -> City | None:
        """The city a record would belong to once `attrs` are saved."""
        return attrs.get("city") or getattr(instance, "city", None)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A city record's serializer is a ModelSerializer, whose errors are a dict.
        serializer = cast(
            serializers.Serializer, self.get_serializer(data=request.data)
        )
        if not serializer.is_valid():
            # Whoever writes to a city they may not write gets 403, whatever else is
            # wrong with the body: the permission is checked before the details.
            named = self.city_of(self.relations_named_in(serializer))
            if named is not None:
                check_city_is_editable(request, named)
            raise exceptions.ValidationError(serializer.errors)
        self.perform_create(serializer)
        headers = self.get_success_headers(serializer.data)
        return Response(serializer.data, status=201, headers=headers)

    @staticmethod
    def relations_named_in(serializer: serializers.Serializer) -> dict[str, Any]:
        """The city and team a (possibly invalid) body names, where they exist and the
        endpoint takes them (a read-only field, such as a lab's city, is ignored)."""
        data = serializer.initial_data
        named: dict[str, Any] = {}
        if not isinstance(data, dict):
            return named
        for name in ("city", "team"):
            field = serializer.fields.get(name)
            if field is None or field.read_only or name not in data:
                continue
            try:
                named[name] = field.run_validation(data[name])
            except (exceptions.ValidationError, serializers.SkipField):
                pass
        return named

    def check_writable(self, instance: Any) -> None:
        """Raise if `instance` may not be changed in its current state (see cases)."""

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """As DRF's, with the state and If-Match checked against the record as it is
        once locked, and the write made in the same transaction: of concurrent
        updates sent with the same ETag, exactly one succeeds and the others get 412.
        """
        with transaction.atomic():
            self.lock_object()
            instance = self.get_object()
            self.check_writable(instance)
            self.check_if_match(instance)
            return super().update(request, *args, **kwargs)

    def lock_object(self) -> None:
        """Lock the requested record's row until the transaction ends, then forget the
        copy read before the lock, so that get_object() reads it again as it is now.

        The row is looked up (visibility, 404, permissions) before it is locked, and
        then locked on its own: no join (a model's default ordering by its city's
        name would lock the city's row too, and two writes to one city's records
        would deadlock), and FOR NO KEY UPDATE, the lock an UPDATE takes, which does
        not block the foreign-key checks of rows that point at this one.
        """
        instance = self.get_object()
        rows = type(instance)._default_manager.filter(pk=instance.pk).order_by()
        list(rows.select_for_update(no_key=True, of=("self",)).values("pk"))
        del self._object

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        check_city_is_editable(self.request, self.city_of(serializer.validated_data))
        save_once_unique(serializer)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        # Moving a record to a city one may not write is refused, like creating it there.
        check_city_is_editable(
            self.request, self.city_of(serializer.validated_data, serializer.instance)
        )
        save_once_unique(serializer)
