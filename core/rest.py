"""What every endpoint of the REST API shares: errors, paging, permissions, conditional
requests and the OpenAPI description of all of these.

The endpoints themselves are in each app's `api.py`, registered on the one router in
`config/api.py`. The guide for API users is docs/api.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import copy
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import (
    EmptyPage,
    InvalidPage,
    Page,
    PageNotAnInteger,
    Paginator,
)
from django.db.models import Model, QuerySet
from django.http import HttpResponseBase, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import (
    exceptions,
    pagination,
    parsers,
    serializers,
    status,
)
from rest_framework.request import Request

from core.history import save_with_relations
from core.languages import neutral_path
from core.slugs import is_slug

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # What the serializer mixins below are mixed into, for the checker.
    _ModelSerializer = serializers.ModelSerializer[Any]
else:
    _ModelSerializer = object

PROBLEM_CONTENT_TYPE = "application/problem+json"

# --- Errors: RFC 9457 problem details -----------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The record has changed since you read it: its ETag no longer matches "
        "If-Match. Read it again, reapply your change and send it with the new ETag."
    )
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record cannot be changed in its current state.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self) -> None:
        super().__init__(
            _("The request body is larger than the %(limit)s the API takes.")
            % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
        )


# A problem document's title, in the language of the answer (Content-Language). Clients
# tell problems apart by status and `code`, never by the title (docs/api.md).
STATUS_TITLES = {
    400: _("Bad Request"),
    401: _("Unauthorized"),
    403: _("Forbidden"),
    404: _("Not Found"),
    405: _("Method Not Allowed"),
    406: _("Not Acceptable"),
    409: _("Conflict"),
    412: _("Precondition Failed"),
    413: _("Content Too Large"),
    415: _("Unsupported Media Type"),
    428: _("Precondition Required"),
    429: _("Too Many Requests"),
    500: _("Internal Server Error"),
    503: _("Service Unavailable"),
}


def problem_title(status: int) -> str:
    return str(STATUS_TITLES.get(status) or HTTPStatus(status).phrase)


def problem_response(
    status: int, detail: str | Promise, code: str, errors: dict[str, Any] | None = None
) -> JsonResponse:
    """A problem document (RFC 9457) answered outside DRF's views: an unknown address
    under /api/, an API request refused by a middleware, a database outage."""
    problem: dict[str, Any] = {
        "type": "about:blank",
        "title": problem_title(status),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        problem["errors"] = errors
    return JsonResponse(problem, status=status, content_type=PROBLEM_CONTENT_TYPE)


# The detail of every 400 for invalid values, whatever answers it (DRF's handler below,
# the open data's exports, the API's language parameter): the errors say what.
INVALID_DETAIL = _("The request has invalid values: see “errors”.")


def invalid_values_response(errors: dict[str, list[str]]) -> JsonResponse:
    """The 400 problem for invalid values answered outside DRF's views: `errors` maps
    each parameter or field to its messages, as the handler's do."""
    return problem_response(400, INVALID_DETAIL, "invalid", errors=errors)


def problem_exception_handler(
    exc: Exception, context: dict[str, Any]
) -> HttpResponseBase | None:
    """DRF's handler, with every error body reshaped as an RFC 9457 problem.

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "…", "code": "invalid", "errors": {"theme": ["…"]}}

    `errors` (validation errors only) maps each field or query parameter to its
    messages; "non_field_errors" holds those about the whole record.

    A database that is down or a connection lost is a 503 (core/outage.py).
    """
    from core import outage  # It imports this module.

    if outage.is_database_unavailable(exc):
        return outage.unavailable(context["request"]._request, exc)
    if isinstance(exc, RequestDataTooBig):
        # Raised when the body was read before the parser (by Django's request.body):
        # the same 413 as the parser's.
        exc = PayloadTooLarge()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
    from rest_framework.views import exception_handler  # DRF imports this module early

    response = exception_handler(exc, context)
    if response is None:
        return None  # An unexpected error: Django's 500 handling takes over.
    code = response.status_code
    problem: dict[str, Any] = {
        "type": "about:blank",
        "title": problem_title(code),
        "status": code,
    }
    if isinstance(exc, exceptions.ValidationError):
        problem["detail"] = str(INVALID_DETAIL)
        problem["code"] = "invalid"
        errors = response.data
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        problem["errors"] = _encodable(errors)
    elif isinstance(exc, exceptions.APIException):
        problem["detail"] = str(exc.detail)
        problem["code"] = getattr(exc.detail, "code", exc.default_code)
    else:  # Django's Http404 or PermissionDenied, converted by DRF.
        problem["detail"] = str(response.data.get("detail", problem["title"]))
        problem["code"] = "not_found" if code == 404 else "permission_denied"
    response.data = problem
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or getattr(renderer, "format", "") == "json":
        response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _encodable(errors: Any) -> Any:
    """Validation errors with any lone surrogate (a "\\ud800" in the JSON sent, which
    Python decodes but UTF-8 cannot hold) written as its escape. An error repeats
    what was sent (an unknown field's name, a choice that is not one), and the
    response's UTF-8 encoding raised on it: a 500 for a 400."""
    if isinstance(errors, str):
        text = errors.encode("utf-8", "backslashreplace").decode("utf-8")
        if text == errors:
            return errors
        code = getattr(errors, "code", None)  # an ErrorDetail's
        return exceptions.ErrorDetail(text, code=code) if code else text
    if isinstance(errors, dict):
        return {_encodable(key): _encodable(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_encodable(item) for item in errors]
    return errors


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with the two limits it lacks.

    The body is read up to DATA_UPLOAD_MAX_MEMORY_SIZE, the limit Django keeps for
    forms, and a larger one is a 413: DRF reads the stream itself and would parse
    a body of any size. And JSON nested deeper than Python's recursion limit (ten
    thousand `[`, a few kilobytes) is a 400 like any other malformed body: Python's
    decoder raises RecursionError there, which DRF left to become a 500.
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is not None and limit is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise PayloadTooLarge()
            stream = io.BytesIO(body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON parse error - arrays or objects are nested too deeply.")
            ) from None


class ProblemSerializer(serializers.Serializer):
    """The body of every error response (RFC 9457)."""

    type = serializers.CharField(help_text="Always about:blank: see status and code.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(
        help_text="A stable machine-readable code, e.g. invalid, not_authenticated, "
        "permission_denied, not_found, throttled, precondition_failed, unavailable."
    )
    # A field, which DRF's metaclass takes out of the class: Serializer.errors stays
    # as it is, whatever django-stubs reads here.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: messages by field or query parameter.",
    )


# --- Paging ------------------------------------------------------------------------------


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=50`: count, next, previous and results; at most 100 a page.

    A malformed page or page size is a 400 naming the parameter; a page past the end
    is a 404.
    """

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size or 20
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Give a whole number from 1 to 100.")]}
            )
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, from 1; more than {self.max_page_size} "
                    f"gives {self.max_page_size}."
                )
        return parameters

    def get_paginated_response_schema(self, schema: Any) -> dict[str, Any]:
        """DRF's envelope, with examples that fit the schema's examples of a list (a
        page holding its one example record: core/api_examples.py) rather than DRF's
        api.example.org addresses."""
        envelope = super().get_paginated_response_schema(schema)
        properties = envelope["properties"]
        properties["count"]["example"] = 1
        properties["next"]["example"] = None
        properties["previous"]["example"] = None
        properties["count"]["description"] = "The number of results, on every page."
        properties["next"]["description"] = "The next page's address; null on the last."
        properties["previous"]["description"] = (
            "The previous page's address; null on the first."
        )
        return envelope

    # The page's object_list (of a queryset, a sliced queryset), which a serializer
    # takes as well as the list DRF's own answers and its stubs ask for.
    def paginate_queryset(  # type: ignore[override]
        self,
        queryset: QuerySet[Any] | Sequence[Any],
        request: Request,
        view: Any = None,
    ) -> Iterable[Any] | None:
        """As DRF's, with this class's checks of the page number (see _paginate)."""
        return self._paginate(
            self.django_paginator_class(queryset, self.get_page_size(request)), request
        )

    def paginate_fetched(self, fetch: Fetch, request: Request) -> Iterable[Any]:
        """A page of results that `fetch(offset, limit)` counts and slices (a search
        engine's, say): the same parameters, errors and links as a queryset's page,
        with no queryset counted. See FetchingPaginator."""
        return self._paginate(
            FetchingPaginator(fetch, self.get_page_size(request)), request
        )

    def _paginate(self, paginator: Paginator, request: Request) -> Iterable[Any]:
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", "last") and (
            not raw.isascii() or not raw.isdigit() or int(raw) < 1
        ):
            raise exceptions.ValidationError(
                {self.page_query_param: [_("Give a page number from 1.")]}
            )
        self.request = request
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as error:
            raise exceptions.NotFound(
                self.invalid_page_message.format(
                    page_number=page_number, message=str(error)
                )
            ) from error
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True  # The browsable API's page links.
        return self.page.object_list


# (offset, limit) -> (the number of results, those from `offset`, at most `limit`)
Fetch = Callable[[int, int], tuple[int, Sequence[Any]]]


class FetchingPaginator(Paginator):
    """Django's Paginator over results that something else counts and slices in one
    call, `fetch(offset, limit)`, as a search engine answers a question: a page is one
    call, whose total is the count; nothing is counted apart, except for `page=last`,
    which asks for the count first (`fetch(0, 0)`)."""

    # Django's, private (Page or a subclass's), which django-stubs leaves out.
    _get_page: Callable[..., Page]

    def __init__(self, fetch: Fetch, per_page: int) -> None:
        super().__init__((), per_page)
        self.fetch = fetch

    @cached_property
    def count(self) -> int:
        return self.fetch(0, 0)[0]

    def page(self, number: Any) -> Page:
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        total, rows = self.fetch((number - 1) * self.per_page, self.per_page)
        # The count is the one this page was answered with.
        self.__dict__["count"] = total
        self.__dict__.pop("num_pages", None)
        return self._get_page(list(rows), self.validate_number(number), self)


# --- Related records: a slug in, a small object out ------------------------------------------


class RefField(serializers.SlugRelatedField):
    """A related record, written as its slug and read as a small nested object.

        "city": "vienna"                                            (in a request)
        "city": {"url": "…/cities/vienna/", "slug": "vienna", …}    (in a response)

    `serializer` names the nested representation. A malformed slug (one with a NUL
    byte, say) is refused before any query.
    """

    default_error_messages = {
        "does_not_exist": _("No record has the slug “{value}”."),
        "invalid": _("Give the record's slug, a text of letters, digits and hyphens."),
    }

    def __init__(self, serializer: type[serializers.Serializer], **kwargs: Any) -> None:
        self.serializer = serializer
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def use_pk_only_optimization(self) -> bool:
        return False

    def clean_slug(self, data: Any) -> str:
        """`data` if it is a well-formed slug; a 400 otherwise, before any query."""
        if not is_slug(data):
            self.fail("invalid")
        return data

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(self.clean_slug(data))

    def to_representation(self, obj: Any) -> Any:
        # One nested serializer for every row: building one a row deep-copied its
        # fields each time (a city's country choices, 250 of them), most of an API
        # list's time.
        nested = getattr(self, "_nested", None)
        if nested is None:
            nested = self._nested = self.serializer(context=self.context)
        return nested.to_representation(obj)


class WritableChoiceField(serializers.ChoiceField):
    """A choice that reads as any of `choices` but is written only as one of
    `writable` (the others are reached otherwise, e.g. through a workflow). The schema
    says so: its request enum is `writable` (config/schema.py)."""

    default_error_messages = {
        "not_writable": _("“{input}” cannot be set here."),
    }

    def __init__(self, *, writable: Sequence[str], **kwargs: Any) -> None:
        self.writable = [str(choice) for choice in writable]
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if str(value) not in self.writable:
            self.fail("not_writable", input=value)
        return value


@extend_schema_field(
    {"type": "string", "format": "uri", "nullable": True, "readOnly": True}
)
class WebUrlField(serializers.Field):
    """The record's page on the public website, or null if it has none. The address has
    no language prefix: it opens the page in the reader's language."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj: Any) -> str | None:
        # A case has a public page once it is published; a draft's URL is a 404.
        if not getattr(obj, "is_published", True):
            return None
        request = self.context.get("request")
        # In no language: the page's address sends each reader to their own.
        path = neutral_path(obj.get_absolute_url())
        return request.build_absolute_uri(path) if request else path


class OneVersionPerWriteMixin(_ModelSerializer):
    """Creates and updates a record with its many-to-many relations as one version in
    its history (see core/history.py), where ModelSerializer would save
    once and then record each relation apart."""

    def _split(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        model: type[Model] = self.Meta.model
        names = {field.name for field in model._meta.many_to_many}
        return {
            name: validated_data.pop(name)
            for name in list(validated_data)
            if name in names
        }

    def create(self, validated_data: dict[str, Any]) -> Any:
        relations = self._split(validated_data)
        model: type[Model] = self.Meta.model
        instance = model(**validated_data)
        save_with_relations(instance, relations)
        return instance

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        relations = self._split(validated_data)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        save_with_relations(instance, relations)
        return instance


class TextOnly:
    """A text field that takes only a JSON string, as the schema's `type: string`
    says: DRF's CharField (and SlugField, URLField, …) also takes a number, and stored
    `"name": 0` as "0"."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]  # a Field's
        return super().to_internal_value(data)  # type: ignore[misc]  # as above


_TEXT_ONLY: dict[type, type] = {}


def text_only(field_class: type[serializers.CharField]) -> type[serializers.CharField]:
    """`field_class` (CharField or a subclass), taking only a JSON string."""
    if issubclass(field_class, TextOnly):
        return field_class
    if field_class not in _TEXT_ONLY:
        _TEXT_ONLY[field_class] = type(
            field_class.__name__, (TextOnly, field_class), {}
        )
    return _TEXT_ONLY[field_class]


class KnownFieldsMixin(_ModelSerializer):
    """A write body names only fields of the record. A name it does not have (a typo
    such as "summery") is a 400 naming it, never silently dropped; the fields that
    responses show but writes do not take (url, created_at, a lab's city, …) are
    ignored, so that a record read with GET can be sent back with PUT. And a text field
    of the model takes only a text (`text_only`), as the schema says."""

    def build_standard_field(self, field_name: str, model_field: Any) -> Any:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.CharField):
            field_class = text_only(field_class)
        return field_class, kwargs

    default_error_messages: ClassVar[dict[str, StrOrPromise]] = {
        "unknown_field": _(
            "This record has no field of this name: see the schema for those it takes."
        )
    }

    def to_internal_value(self, data: Any) -> Any:
        fields = self.fields
        unknown = (
            sorted(name for name in data if name not in fields)
            if isinstance(data, dict)
            else []
        )
        errors = {name: [self.error_messages["unknown_field"]] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if errors and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **errors}) from None
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class ModelCleanMixin(_ModelSerializer):
    """Runs the model's clean() on the would-be record, so that the API enforces the
    same cross-field rules as the admin (a lab's district is in its team's city…)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[Model] = self.Meta.model
        many = {f.name for f in model._meta.many_to_many}
        instance = self.instance
        if instance is None:
            instance = model()
        else:
            instance = copy(instance)
        for name, value in attrs.items():
            if name not in many:
                setattr(instance, name, value)
        try:
            instance.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from None
        return attrs


# --- Conditional requests -----------------------------------------------------------------


def not_found(request: Any, exception: Exception | None = None) -> Any:
    """404 for the whole site: a problem document under /api/, the page elsewhere."""
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return problem_response(
            404, _("There is no API endpoint at this address."), "not_found"
        )
    return page_not_found(request, exception)
