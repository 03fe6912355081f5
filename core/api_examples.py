"""The OpenAPI schema's examples, declared the same way for every endpoint.

Each viewset states its examples once, with `record_examples()` in an
`@extend_schema_view`: the record as the API shows it (the answer of every read, and
of every write that succeeds), and the bodies an officer would send to create it, to
replace it and to change a field of it. The values are the demo content's
(demo/content.py), and the tests hold them to the schema and to what the API answers
for that content (tests/api/test_schema_examples.py).

A list's example is its record on a page of its own: drf-spectacular wraps it in the
paging envelope (core.rest.PageNumberPagination gives the envelope's values).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema

# The record every example names, and so the schema's `servers`: this site's own.
API_PREFIX = "/api/v1/"


def api_url(path: str) -> str:
    """The absolute address of an API resource on this site: api_url("cities/vienna/")."""
    return f"{settings.SITE_URL}{API_PREFIX}{path}"


def web_url(path: str) -> str:
    """The absolute address of a public page, without a language prefix."""
    return f"{settings.SITE_URL}/{path}"


def record_examples(
    *,
    name: str,
    read: dict[str, Any],
    create: dict[str, Any] | None = None,
    created: dict[str, Any] | None = None,
    update: dict[str, Any] | None = None,
    partial: dict[str, Any] | None = None,
    updated: dict[str, Any] | None = None,
    summary: str = "",
) -> dict[str, Any]:
    """The keyword arguments of `extend_schema_view` for a viewset's actions.

    `read`: the record as shown (list, retrieve). `create`: a POST body; `created`: its
    201 answer (default `read`). `update`: a PUT body, and `updated` its 200 answer
    (default `read`). `partial`: a PATCH body of plain values (no references), whose
    answer is `updated` with those values. `summary` says where the values come from,
    in every example's summary."""
    said = f": {summary}" if summary else ""

    # Named by what they show (the names are the keys of the schema's `examples`);
    # the summary says which record, and where its values come from.
    def shown(
        value: dict[str, Any], status: int = 200, key: str = "Record"
    ) -> OpenApiExample:
        return OpenApiExample(
            "Created" if status == 201 else key,
            value=value,
            summary=f"{name}{said}",
            response_only=True,
            status_codes=[str(status)],
        )

    def sent(value: dict[str, Any], what: str) -> OpenApiExample:
        return OpenApiExample(
            what.capitalize(),
            value=value,
            summary=f"{name}, {what}{said}",
            request_only=True,
        )

    actions: dict[str, Any] = {
        "list": extend_schema(examples=[shown(read, key="Page")]),
        "retrieve": extend_schema(examples=[shown(read)]),
    }
    if create is not None:
        actions["create"] = extend_schema(
            examples=[sent(create, "create"), shown(created or read, 201)]
        )
    if update is not None:
        actions["update"] = extend_schema(
            examples=[sent(update, "replace"), shown(updated or read)]
        )
    if partial is not None:
        actions["partial_update"] = extend_schema(
            examples=[sent(partial, "change"), shown({**(updated or read), **partial})]
        )
    return actions
