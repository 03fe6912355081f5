"""The OpenAPI schema: drf-spectacular's, with the errors every endpoint can give and
the shape of the fields that take a slug and give an object."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from .rest import PROBLEM_CONTENT_TYPE, ProblemSerializer


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error responses every endpoint can give."""

    def _get_response_bodies(self, direction: openapi.Direction = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        codes = [400, 401, 404, 406, 429]
        if self.method in ("GET", "HEAD"):
            responses.setdefault(
                "304", {"description": "Not modified: the ETag or date still matches."}
            )
        else:
            codes += [403, 415]
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

    def get_auth(self) -> list[dict[str, Any]]:
        # Anyone may read: reads work with a token or without one ({}).
        auth = super().get_auth()
        if self.method in ("GET", "HEAD", "OPTIONS") and {} not in auth:
            auth.append({})
        return auth

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
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


class RefFieldExtension(OpenApiSerializerFieldExtension):
    """A RefField takes a slug in requests and gives a small object in responses."""

    target_class = "config.rest.RefField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        if direction == "request":
            schema = build_basic_type(OpenApiTypes.STR)
            schema["pattern"] = r"^[-a-zA-Z0-9_]+$"
            schema["description"] = "The record's slug."
            return schema
        component = auto_schema.resolve_serializer(self.target.serializer, direction)
        return component.ref


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
    send `year_min=` when a field is left empty), and the API accepts it too."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result


def request_bodies_name_only_known_fields(
    result: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """Postprocessing hook: a write body may hold only the record's fields
    (config.rest.KnownFieldsMixin). Those that only responses show are listed in the
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
