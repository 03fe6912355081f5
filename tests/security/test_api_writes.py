"""Every write operation of the API, every field of its body, every payload of the
corpus (corpus.py): a 4xx problem that names the field with nothing stored, or the
text stored exactly; never a 5xx. Then, once an operation, the expensive bodies: a
megabyte of text, deep JSON, bodies that are not JSON, too large, or of too many
fields.

The operations are read from the OpenAPI schema (drf-spectacular, from the router in
config/api.py), their views from the URL resolver and their fields from the views'
serializers: a new endpoint or field is in the corpus without anyone adding it.
tests/api/test_request_bodies.py has the read-only and unknown fields of any value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import pytest
from django.conf import settings
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from core.rest import text_only
from tests.api.helpers import PROBLEM, VALID_BODIES

from .corpus import (
    FIELD_PAYLOADS,
    MEGABYTE,
    NOT_TEXT_PAYLOADS,
    UPDATE_PAYLOADS,
    Payload,
    assert_unchanged,
    deep_json,
    names_field,
    snapshot,
)

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

WRITES = {"post", "put", "patch", "delete"}


@dataclass(frozen=True, eq=False)
class Operation:
    method: str
    path: str  # as the schema writes it: /api/v1/cases/{slug}/

    @property
    def kind(self) -> str:
        """The endpoint: "cases" of /api/v1/cases/{slug}/."""
        return self.path.split("/")[3]

    @property
    def is_update(self) -> bool:
        return "{" in self.path

    def url(self, world: Any) -> str:
        if not self.is_update:
            return self.path
        return self.path.replace("{slug}", world.record(self.kind).slug)

    def serializer(self) -> serializers.Serializer:
        view = resolve(self.path.replace("{slug}", "x")).func
        return view.cls.serializer_class()  # type: ignore[attr-defined]

    @cached_property
    def fields(self) -> dict[str, serializers.Field]:
        return self.serializer().fields

    def writable_fields(self) -> dict[str, serializers.Field]:
        return {
            name: field for name, field in self.fields.items() if not field.read_only
        }

    def body(self, **values: Any) -> dict[str, Any]:
        """A valid body with `values` over it (a PATCH sends `values` alone)."""
        if self.method == "patch":
            return values
        return {**VALID_BODIES[self.kind], **values}

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


@cache
def write_operations() -> list[Operation]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        Operation(method, path)
        for path, item in sorted(schema["paths"].items())
        for method in sorted(item)
        # The spreadsheet import takes a file, not fields: its hostile files are
        # tests/workspace/test_import.py's and tests/api/test_imports.py's.
        if method in WRITES and not path.startswith("/api/v1/imports/")
    ]


def field_cases() -> list[Any]:
    """Every field of a create with every payload; of an update (PATCH, whose
    validation PUT shares) with UPDATE_PAYLOADS."""
    return [
        pytest.param(operation, name, payload, id=f"{operation}:{name}:{payload.id}")
        for operation in write_operations()
        if operation.method in {"post", "patch"}
        for name, field in operation.writable_fields().items()
        for payload in FIELD_PAYLOADS
        if (operation.method == "post" or payload.id in UPDATE_PAYLOADS)
        and (takes_text(field) or payload.id in NOT_TEXT_PAYLOADS)
    ]


def takes_text(field: serializers.Field) -> bool:
    return isinstance(field, serializers.CharField) and not isinstance(
        field, serializers.ChoiceField
    )


def test_the_corpus_finds_every_write_of_the_api():
    found = {str(operation) for operation in write_operations()}
    # The schema is the corpus's list: if this fails, the schema lost an endpoint.
    assert {"POST /api/v1/cases/", "PATCH /api/v1/labs/{slug}/"} <= found
    # Each endpoint that takes writes needs a valid body to vary one field of.
    assert {operation.kind for operation in write_operations()} <= set(VALID_BODIES)


def send(client: Any, method: str, url: str, body: Any, officer: Any) -> Any:
    """A JSON write with the officer's token. (tests/api/helpers.py's `send` also
    searches the response for email addresses, with a regular expression that takes
    minutes over a megabyte of text.)"""
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", headers=officer.auth
    )


def stored_value(record: Any, field: serializers.Field) -> Any:
    record.refresh_from_db()
    return getattr(record, field.source)


def assert_refused(response: Any, before: Any, record: Any, field: str | None) -> None:
    """A 4xx problem document (naming `field` if a 400 of invalid values), and nothing
    stored."""
    assert 400 <= response.status_code < 500, response.content[:500]
    assert response["Content-Type"] == PROBLEM, response.content[:500]
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["detail"]
    if field is not None and problem.get("code") == "invalid":
        assert names_field(problem["errors"], field), problem
    assert_unchanged(before, record)


@pytest.mark.parametrize(("operation", "name", "payload"), field_cases())
def test_a_hostile_value_of_any_field_is_refused_or_stored_exactly(
    client, world, operation: Operation, name: str, payload: Payload
):
    field = operation.writable_fields()[name]
    record = world.record(operation.kind) if operation.is_update else None
    before = snapshot(record)

    response = send(
        client,
        operation.method,
        operation.url(world),
        operation.body(**{name: payload.value}),
        world.officer,
    )

    if response.status_code >= 400:
        assert_refused(response, before, record, name)
        return
    assert response.status_code in (200, 201), response.content[:500]
    shown = response.json()
    if payload.text and isinstance(field, serializers.CharField):
        # Free text is taken as written, and given back as written.
        assert shown[name] == payload.value
        saved = type(world.record(operation.kind)).objects.get(slug=shown["slug"])
        assert stored_value(saved, field) == payload.value


# --- Whole bodies, once an operation -----------------------------------------------------


def body_operations() -> list[Any]:
    return [
        pytest.param(operation, id=str(operation))
        for operation in write_operations()
        if operation.method != "delete"
    ]


def first_free_text(operation: Operation) -> str:
    """The first writable field of unbounded text (a summary, a description)."""
    return next(
        name
        for name, field in operation.writable_fields().items()
        if isinstance(field, serializers.CharField)
        and field.max_length is None
        and not isinstance(field, serializers.ChoiceField | serializers.RegexField)
        # A plain text field (DRF's, or as the API takes it: text only, core/rest.py).
        and type(field) in (serializers.CharField, text_only(serializers.CharField))
    )


@pytest.mark.parametrize("operation", body_operations())
def test_a_megabyte_of_text_is_refused_or_stored_exactly(
    client, world, operation: Operation
):
    name = first_free_text(operation)
    record = world.record(operation.kind) if operation.is_update else None
    before = snapshot(record)

    response = send(
        client,
        operation.method,
        operation.url(world),
        operation.body(**{name: MEGABYTE}),
        world.officer,
    )

    if response.status_code >= 400:
        assert_refused(response, before, record, name)
    else:
        assert response.json()[name] == MEGABYTE


def raw_bodies() -> dict[str, tuple[str, bytes]]:
    """(content type, body) of bodies that are not what they claim."""
    valid = json.dumps(VALID_BODIES["cases"]).encode()
    boundary = "----hostile"
    return {
        "truncated-json": ("application/json", valid[: len(valid) // 2]),
        "deep-json": ("application/json", f'{{"title": {deep_json()}}}'.encode()),
        "invalid-utf8": ("application/json", b'{"title": "caf\xe9 \xff\xfe"}'),
        "encoded-surrogate": ("application/json", b'{"title": "a\xed\xa0\x80b"}'),
        "nan": ("application/json", b'{"title": "t", "year_started": NaN}'),
        "wrong-type": ("text/html", b"<html><script>alert(1)</script></html>"),
        "multipart-garbage": (
            f"multipart/form-data; boundary={boundary}",
            f"--{boundary}\r\nContent-Disposition: form-data; name=\x00\r\n\r\n".encode()
            + b"\xff" * 100,
        ),
        "form-urlencoded": (
            "application/x-www-form-urlencoded",
            "&".join(f"f{n}=1" for n in range(5_000)).encode(),
        ),
        "many-fields": (
            "application/json",
            json.dumps({f"f{n}": n for n in range(50_000)}).encode(),
        ),
        "over-upload-limit": (
            "application/json",
            json.dumps(
                {"title": "t", "summary": "z" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
            ).encode(),
        ),
    }


@pytest.mark.parametrize("body_id", list(raw_bodies()))
@pytest.mark.parametrize("operation", body_operations())
def test_a_body_that_is_not_a_valid_json_object_is_a_4xx_problem(
    client, world, operation: Operation, body_id: str
):
    content_type, body = raw_bodies()[body_id]
    record = world.record(operation.kind) if operation.is_update else None
    before = snapshot(record)

    response = getattr(client, operation.method)(
        operation.url(world),
        body,
        content_type=content_type,
        headers=world.officer.auth,
    )

    assert_refused(response, before, record, None)
    if body_id == "over-upload-limit":
        assert response.status_code == 413
