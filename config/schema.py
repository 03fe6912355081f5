"""The OpenAPI schema: drf-spectacular's, with the errors every endpoint can give and
the shape of the fields that take a slug and give an object."""

from __future__ import annotations

from typing import Any, cast

from django.core import validators
from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from core.languages import API_LANGUAGE_PARAMETER, language_codes
from core.rest import PROBLEM_CONTENT_TYPE, ProblemSerializer
from core.slugs import SLUG_MAX_LENGTH, SLUG_OR_EMPTY_PATTERN, SLUG_PATTERN


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error responses every endpoint can give."""

    def _get_response_bodies(self, direction: openapi.Direction = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        # 503: the database is unavailable (core/outage.py), for any request.
        codes = [400, 401, 404, 406, 429, 503]
        if self.method in ("GET", "HEAD"):
            responses.setdefault(
                "304", {"description": "Not modified: the ETag or date still matches."}
            )
            # A query of many long values (50 slugs a parameter are allowed) can
            # outgrow the request line the web server reads (gunicorn: 4,094 bytes),
            # which refuses it before the API sees it, in its own words.
            responses.setdefault(
                "414",
                {
                    "description": "URI too long: the web server refused a request "
                    "line over its limit.",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
            )
        else:
            codes += [403, 413, 415]
            if self.method in ("PUT", "PATCH"):
                codes += [409, 412]
        for code in codes:
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    ProblemSerializer, str(code), [PROBLEM_CONTENT_TYPE], direction
                ),
            )
        return responses

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> Any:
        # Which way the fields being mapped go: see _insert_field_validators.
        outer, self._direction = getattr(self, "_direction", None), direction
        try:
            return super()._map_basic_serializer(serializer, direction)
        finally:
            self._direction = outer

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        """drf-spectacular's limits from the field's validators, and, in requests, the
        limits DRF's fields enforce that it leaves unsaid."""
        super()._insert_field_validators(field, schema)
        if field.read_only or getattr(self, "_direction", None) != "request":
            return
        # A decimal sent as a JSON number may have no more places than the field
        # keeps (DRF refuses 0.001 for cents).
        if (
            isinstance(field, serializers.DecimalField)
            and field.decimal_places is not None
            and schema.get("type") == "number"
        ):
            schema["multipleOf"] = 10**-field.decimal_places
        if (
            isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "enum" not in schema
        ):
            schema["pattern"] = _text_pattern(field)

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        """A record's `{slug}`: what it is and the pattern of every slug (core/slugs.py),
        which the route and the filters read too."""
        parameters = super()._resolve_path_parameters(variables)
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if model is None and hasattr(self.view, "get_serializer_class"):
            model = getattr(self.view.get_serializer_class().Meta, "model", None)
        for parameter in parameters:
            if parameter["name"] != "slug":
                continue
            what = str(model._meta.verbose_name) if model else "record"
            parameter["schema"] = {"type": "string", "pattern": SLUG_PATTERN}
            parameter["description"] = (
                f"The {what}'s slug, as its `slug` and `url` give it: letters, digits, "
                f"`-` and `_`, up to {SLUG_MAX_LENGTH} characters. A slug that names "
                f"no {what} you may read is a 404."
            )
        return parameters

    def get_auth(self) -> list[dict[str, Any]]:
        # Anyone may read: reads work with a token or without one ({}).
        auth = super().get_auth()
        if self.method in ("GET", "HEAD", "OPTIONS") and {} not in auth:
            auth.append({})
        return auth

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        parameters += [
            OpenApiParameter(
                API_LANGUAGE_PARAMETER,
                str,
                OpenApiParameter.QUERY,
                enum=language_codes(),
                description="The language of the answer's names, definitions and "
                "messages, ahead of Accept-Language; the answer says which in "
                "Content-Language. An unknown language is a 400.",
            ),
            OpenApiParameter(
                "Accept-Language",
                str,
                OpenApiParameter.HEADER,
                description="The languages you read, as browsers send them "
                "(de-AT,de;q=0.9,en;q=0.5). The API answers in the first of en, de, "
                "it, fr and sk it finds, else English, and says which in "
                "Content-Language.",
            ),
        ]
        if self.method in ("PUT", "PATCH"):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="The ETag you read. If the record has changed since, "
                    "the update is refused with 412.",
                )
            )
        return parameters


# The characters Python's str.strip() removes, as DRF's CharField does (trim_whitespace):
# a text of only these is blank. As JSON Schema escapes, from the same rule.
_STRIPPED = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())


def _text_pattern(field: serializers.CharField) -> str:
    """What DRF's CharField takes, unsaid by drf-spectacular: no NUL character (its
    ProhibitNullCharactersValidator), and unless blank is allowed, something besides
    white space."""
    if field.allow_blank or not field.trim_whitespace:
        return "^[^\\u0000]*$"
    return f"^[^\\u0000]*[^\\u0000{_STRIPPED}][^\\u0000]*$"


class RefFieldExtension(OpenApiSerializerFieldExtension):
    """A RefField takes a slug in requests and gives a small object in responses."""

    target_class = "core.rest.RefField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        if direction == "request":
            # A schema for every type but OpenApiTypes.NONE.
            schema = cast("dict[str, Any]", build_basic_type(OpenApiTypes.STR))
            if self.target.allow_null:
                schema["pattern"] = SLUG_OR_EMPTY_PATTERN
                schema["description"] = "The record's slug (null or empty for none)."
            else:
                schema["pattern"] = SLUG_PATTERN
                schema["description"] = "The record's slug."
            return schema
        component = auto_schema.resolve_serializer(self.target.serializer, direction)
        return component.ref


class WritableChoiceFieldExtension(OpenApiSerializerFieldExtension):
    """A WritableChoiceField reads as any of its choices and takes only its writable
    ones: one enum for responses, another for requests."""

    target_class = "core.rest.WritableChoiceField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        schema = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        if direction == "request":
            # Its own enum, not the component of every choice (the id names that).
            schema.pop("x-spec-enum-id", None)
            schema.update(type="string", enum=self.target.writable)
            if self.target.help_text:
                schema["description"] = str(self.target.help_text)
        return schema


class FilterExtension(DjangoFilterExtension):
    """django-filter's query parameters, with the limits each filter enforces, read
    from the filter's own form field (its validators, and for the lists of values
    `schema_items` and `max_values`, see core/filters.py): the schema says
    what the check does because it is made from it. Otherwise a request the schema
    calls valid (`?year_max=1`) gets a 400."""

    priority = 1  # Chosen over drf-spectacular's own extension, which it extends.

    def resolve_filter_field(
        self,
        auto_schema: Any,
        model: Any,
        filterset_class: Any,
        field_name: str,
        filter_field: Any,
    ) -> list[dict[str, Any]]:
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        field = filter_field.field
        for parameter in parameters:
            schema = parameter["schema"]
            target = schema
            if schema.get("type") == "array":
                schema["items"].update(getattr(field, "schema_items", {}))
                if getattr(field, "max_values", None):
                    schema["maxItems"] = field.max_values
                target = schema["items"]
            _add_limits(target, field.validators)
        # A filter's former names (a FilterSet's ALIASES), each as the filter it
        # stands for, marked deprecated.
        aliases = getattr(filterset_class, "ALIASES", {})
        own = list(parameters)
        for alias in sorted(a for a, name in aliases.items() if name == field_name):
            for parameter in own:
                parameters.append(
                    {
                        **parameter,
                        "name": alias,
                        "deprecated": True,
                        "description": f"Deprecated: the former name of "
                        f"`{field_name}`, which it means.",
                    }
                )
        return parameters


def _add_limits(schema: dict[str, Any], checks: list[Any]) -> None:
    """The JSON Schema keywords for the limits among a form field's validators."""
    # A field may carry two validators of a kind (Django adds its own bounds): the
    # stricter holds.
    for check in checks:
        limit: Any = check.limit_value if hasattr(check, "limit_value") else None
        if isinstance(check, validators.MinValueValidator):
            schema["minimum"] = max(schema.get("minimum", limit), limit)
        elif isinstance(check, validators.MaxValueValidator):
            schema["maximum"] = min(schema.get("maximum", limit), limit)
        elif isinstance(check, validators.MaxLengthValidator):
            schema["maxLength"] = min(schema.get("maxLength", limit), limit)
        elif isinstance(check, validators.ProhibitNullCharactersValidator):
            schema.setdefault("pattern", "^[^\\u0000]*$")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created on your account page "
            "(/account/tokens/): `Authorization: Bearer pia_…`.",
        }


def allow_empty_query_values(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: an empty query value means "not set" (the website's forms
    send `year_min=` when a field is left empty), and the API accepts it too. Not for
    a required one (the cities compared), which must be given."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


def request_bodies_name_only_known_fields(
    result: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """Postprocessing hook: a write body may hold only the record's fields
    (core.rest.KnownFieldsMixin). Those that only responses show are listed in the
    request too, as read-only and ignored; any other name is refused with a 400."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if not name.endswith("Request") or schema.get("type") != "object":
            continue
        shown = schemas.get(name.removeprefix("Patched").removesuffix("Request"), {})
        properties = schema.setdefault("properties", {})
        for field in shown.get("properties", {}):
            # Any value: it is ignored.
            properties.setdefault(
                field,
                {
                    "readOnly": True,
                    "description": "Shown in responses; ignored in a request.",
                },
            )
        schema["additionalProperties"] = False
    return result
