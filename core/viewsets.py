"""The base classes of the API's viewsets: lookups by slug, conditional requests
(ETag, Last-Modified, 304, If-Match and 412), and a save that reports a unique value
taken meanwhile as a 400. (The per-city write rule is cities/viewsets.py's.)

Kept apart from core/rest.py, which DRF's settings import while rest_framework is
still loading.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, models, transaction
from django.db.models import Max, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_etags
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.slugs import SLUG_PATH

from .etags import etag_for
from .languages import language_codes
from .rest import Conflict, PreconditionFailed

if TYPE_CHECKING:
    from rest_framework.views import APIView

    _ApiView = APIView  # What the mixin is mixed into, for the checker.
else:
    _ApiView = object


class ApiViewMixin(_ApiView):
    """For every API view: rejects NUL bytes in the query string, and answers
    conditional GETs (ETag, Last-Modified, 304) and conditional writes (If-Match, 412).
    """

    request: Request

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A method the endpoint does not take is a 405 for everyone, before
        # authentication or permissions could make it a 401 or a 403.
        verb = cast(str, request.method)  # None only on a request made by hand
        method = verb.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(verb)
        super().initial(request, *args, **kwargs)
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                shown = name.replace("\x00", "\\0")
                raise exceptions.ValidationError(
                    {shown: [_("A NUL byte is not allowed in a query parameter.")]}
                )

    # Set by list() and retrieve() for finalize_response.
    _last_modified: datetime | None = None

    def last_modified_of(self, queryset: QuerySet[Any]) -> datetime | None:
        model = queryset.model
        if not any(f.name == "updated_at" for f in model._meta.get_fields()):
            return None
        return queryset.order_by().aggregate(latest=Max("updated_at"))["latest"]

    # A view may answer with any Django response, as DRF allows, and a conditional GET
    # is answered with Django's 304: DRF's stubs take and give only its Response.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]  # as above
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if response.status_code not in (200, 201) or not hasattr(response, "data"):
            return response
        renderer = getattr(request, "accepted_renderer", None)
        response["ETag"] = etag_for(response.data, getattr(renderer, "format", "json"))
        if request.method not in ("GET", "HEAD"):
            return response  # A write's response carries the new version's ETag.
        last_modified = self._last_modified
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        # Given a response, get_conditional_response() answers one, never None.
        conditional = cast(
            "HttpResponse",
            get_conditional_response(
                request._request,
                etag=response["ETag"],
                last_modified=int(last_modified.timestamp()) if last_modified else None,
                response=response,
            ),
        )
        if conditional is not response:
            patch_vary_headers(conditional, ["Authorization", "Cookie"])
        return conditional

    def check_if_match(self, instance: models.Model) -> None:
        """412 if If-Match names another version than `instance`'s current one.

        An ETag is its representation's, and the JSON names the vocabularies' terms in
        the language it was read in: the version read in any language is the current
        one, so that a client that read in German and writes without a language is not
        refused. (The active language's is tried first; the others only if it fails.)"""
        header = self.request.headers.get("If-Match")
        if header is None:
            return
        named = parse_etags(header)
        if "*" in named:
            return  # Any version: the record exists (or this would be a 404).
        active = get_language()
        for language in [active, *(c for c in language_codes() if c != active)]:
            with override(language):
                # A generic view's (every view that updates is one).
                serializer = self.get_serializer(instance)  # type: ignore[attr-defined]
                if etag_for(serializer.data) in named:
                    return
        raise PreconditionFailed()


class ReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Records looked up by slug, with conditional GETs."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATH

    def get_object(self) -> Any:
        # Looked up once a request: an update asks for it several times.
        if not hasattr(self, "_object"):
            self._object = super().get_object()
        return self._object

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        self._last_modified = self.last_modified_of(queryset)
        page = self.paginate_queryset(queryset)
        if page is None:  # A vocabulary: short, so never paged.
            return Response(self.get_serializer(queryset, many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        self._last_modified = getattr(instance, "updated_at", None)
        return Response(self.get_serializer(instance).data)


def save_once_unique(serializer: serializers.BaseSerializer) -> None:
    """Save a validated serializer. A unique value (a slug, a name) that another
    request took between this one's validation and its write is reported as the
    validation would now report it (400, naming the field), never as a 500; a slug
    made from the name is made again, and the write tried once more."""
    try:
        with transaction.atomic():
            serializer.save()
            return
    except IntegrityError:
        pass
    # Validated again, the taken value is now an error (or a new slug is made). What
    # is_valid() sets, private to DRF and left out of its stubs:
    serializer._validated_data = serializer.run_validation(serializer.initial_data)  # type: ignore[attr-defined]
    serializer._errors = {}  # type: ignore[attr-defined]  # as above
    try:
        with transaction.atomic():
            serializer.save()
    except IntegrityError as error:
        raise Conflict(
            _(
                "Another record was saved with the same unique values at the same "
                "time. Read the records again and send your change once more."
            )
        ) from error
