"""The OpenAPI schema's examples (core/api_examples.py): every operation has them, each
is valid against its own schema, and each is what the API answers for the demo content
(demo/content.py), so that no example states a fact the demo content does not.

Also here: the schema's servers, contact and `{slug}` parameters, and the vocabularies'
lists, which are not paged, as the schema says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from django.conf import settings

from cities.models import City
from core.slugs import SLUG_PATTERN
from core.vocabularies import VOCABULARIES
from innovation_cases.api import UNPAGED

from .helpers import make_officer, send

PREFIX = "/api/v1/"
WRITES = {"post", "put", "patch"}
TIMESTAMPS = {"created_at", "updated_at", "published_at"}


@pytest.fixture
def schema(client: Any, db: None) -> dict[str, Any]:
    """The schema as /api/schema/ serves it."""
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def _bodies(
    operation: dict[str, Any],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, media type object) for the request body and each 2xx response."""
    for media_type, content in (
        operation.get("requestBody", {}).get("content", {}).items()
    ):
        yield f"request {media_type}", content
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            for media_type, content in response.get("content", {}).items():
                yield f"{status} {media_type}", content


def test_every_operation_has_a_request_and_a_response_example(
    schema: dict[str, Any],
) -> None:
    """A new operation, or a new body of one, without an example fails here: declare
    its examples with core.api_examples.record_examples (or OpenApiExample)."""
    missing = [
        f"{method.upper()} {path}: {where}"
        for method, path, operation in _operations(schema)
        for where, content in _bodies(operation)
        if not content.get("examples")
    ]
    assert missing == []
    writes = [op for method, _p, op in _operations(schema) if method in WRITES]
    assert writes and all("requestBody" in op for op in writes)


def _json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` allows null."""
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _json_schema(value) for key, value in schema.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


# The formats the schema uses, `uri` included (jsonschema checks it only with a package
# we do not install): an absolute URI, as every address the API gives is.
FORMATS = jsonschema.FormatChecker()
FORMATS.checks("uri")(
    lambda value: (
        not isinstance(value, str)
        or re.match(r"[a-zA-Z][-+.a-zA-Z0-9]*://\S+\Z", value) is not None
    )
)


def _validator(schema: dict[str, Any], body_schema: dict[str, Any]) -> Any:
    document = {
        **_json_schema(body_schema),
        "components": _json_schema(schema["components"]),
    }
    return jsonschema.Draft4Validator(document, format_checker=FORMATS)


def test_every_example_is_valid_against_its_schema(schema: dict[str, Any]) -> None:
    checked, invalid = 0, []
    for method, path, operation in _operations(schema):
        for where, content in _bodies(operation):
            validator = _validator(schema, content["schema"])
            for name, example in content.get("examples", {}).items():
                checked += 1
                for error in validator.iter_errors(example["value"]):
                    at = "/".join(str(part) for part in error.absolute_path)
                    invalid.append(
                        f"{method.upper()} {path} {where} {name} at {at}: "
                        f"{error.message[:200]}"
                    )
    # One example a body (request, 2xx response) of every operation, at least.
    assert checked >= sum(len(list(_bodies(op))) for _m, _p, op in _operations(schema))
    assert invalid == []


def test_an_example_that_breaks_its_schema_is_caught(schema: dict[str, Any]) -> None:
    """The check above can fail: a team whose city is an object in a request, and a
    city without its name in a response."""
    team = schema["paths"]["/api/v1/teams/"]["post"]
    content = team["requestBody"]["content"]["application/json"]
    body = dict(content["examples"]["Create"]["value"], city={"slug": "vienna"})
    assert not _validator(schema, content["schema"]).is_valid(body)
    city = schema["paths"]["/api/v1/cities/{slug}/"]["get"]
    content = city["responses"]["200"]["content"]["application/json"]
    record = dict(content["examples"]["Record"]["value"])
    del record["name"]
    assert not _validator(schema, content["schema"]).is_valid(record)


# --- The examples are the demo content's -----------------------------------------------


def _normalised(data: Any) -> Any:
    """`data` with this test client's host as the site's own, and timestamps reduced to
    whether they are set (which no example can foresee)."""
    text = json.dumps(data).replace("http://testserver", settings.SITE_URL)
    return _without_times(json.loads(text))


def _without_times(data: Any) -> Any:
    if isinstance(data, list):
        return [_without_times(item) for item in data]
    if isinstance(data, dict):
        return {
            key: (value is not None) if key in TIMESTAMPS else _without_times(value)
            for key, value in data.items()
        }
    return data


def _local(url: str) -> str:
    assert url.startswith(settings.SITE_URL + PREFIX), url
    return url.removeprefix(settings.SITE_URL)


def _example(
    schema: dict[str, Any], method: str, path: str, where: str = "200", name: str = ""
) -> Any:
    operation = schema["paths"][PREFIX + path][method]
    if where == "request":
        content = operation["requestBody"]["content"]["application/json"]
    else:
        content = operation["responses"][where]["content"]["application/json"]
    examples = content["examples"]
    return examples[name or next(iter(examples))]["value"]


def test_every_read_example_is_what_the_api_answers_for_the_demo_content(
    client: Any, demo: Any, schema: dict[str, Any]
) -> None:
    """Each GET's example, record by record, is the demo content's record as the API
    shows it (the strategies' are illustrative: the demo content has none, and their
    writes below check them)."""
    compared = []
    for method, path, _operation in _operations(schema):
        if method != "get" or path.startswith(PREFIX + "strategies/"):
            continue
        value = _example(schema, "get", path.removeprefix(PREFIX))
        if path == PREFIX + "stats/":
            continue  # Below.
        records = (
            value["results"] if isinstance(value, dict) and "count" in value else value
        )
        for record in records if isinstance(records, list) else [records]:
            assert isinstance(record, dict), (path, record)
            response = client.get(_local(record["url"]))
            assert response.status_code == 200, record["url"]
            assert _normalised(record) == _normalised(response.json()), path
            compared.append(path)
    # A list and a record: of each vocabulary, and of cases, cities, districts, teams,
    # labs, funding programmes and organisations.
    assert len(compared) == 2 * (len(VOCABULARIES) + 7)


def test_the_statistics_example_is_the_demo_contents_figures(
    client: Any, demo: Any, schema: dict[str, Any]
) -> None:
    """Every figure, and each breakdown's rows that count a case (the example leaves
    out those that count none, and says so)."""
    example = _example(schema, "get", "stats/")
    actual = client.get("/api/v1/stats/").json()
    assert {k: v for k, v in example.items() if k != "cases_by"} == {
        k: v for k, v in actual.items() if k != "cases_by"
    }
    assert example["cases_by"] == {
        name: [row for row in rows if row["count"]]
        for name, rows in actual["cases_by"].items()
    }


def test_every_write_example_gets_the_answer_its_example_shows(
    client: Any, demo: Any, schema: dict[str, Any]
) -> None:
    """Each POST, PUT and PATCH example, sent by an officer of the demo's cities, is
    answered as the operation's example shows: the new case and the illustrative
    strategy are created, and the demo's records written back as they are."""
    officer = make_officer(
        "examples", *City.objects.filter(slug__in=["vienna", "bologna"])
    )
    sent = []
    for collection in ("cases", "strategies", "teams", "labs", "funding-programmes"):
        created = _example(schema, "post", f"{collection}/", "201")
        if client.get(_local(created["url"])).status_code == 404:
            body = _example(schema, "post", f"{collection}/", "request")
            response = send(client, "post", f"{PREFIX}{collection}/", body, officer)
            assert response.status_code == 201, response.content
            assert _normalised(response.json()) == _normalised(created), collection
            sent.append(("post", collection))
        for method in ("put", "patch"):
            answer = _example(schema, method, f"{collection}/{{slug}}/")
            body = _example(schema, method, f"{collection}/{{slug}}/", "request")
            response = send(client, method, _local(answer["url"]), body, officer)
            assert response.status_code == 200, response.content
            assert _normalised(response.json()) == _normalised(answer), (
                method,
                collection,
            )
            sent.append((method, collection))
    # The demo content already has the team, the lab and the fund that POST creates.
    assert len(sent) == 2 + 2 * 5


# --- Servers, contact, path parameters -------------------------------------------------


def test_the_schema_names_this_site_as_its_server_and_its_contact(
    schema: dict[str, Any],
) -> None:
    assert schema["servers"] == [
        {"url": settings.SITE_URL, "description": "Public Innovation Atlas"}
    ]
    assert schema["info"]["contact"] == {
        "name": "Public Innovation Atlas",
        "url": f"{settings.SITE_URL}/about/",
    }
    assert schema["info"]["license"]["url"] == (
        "https://creativecommons.org/licenses/by/4.0/"
    )


def test_every_slug_in_a_path_is_described_with_the_slug_pattern(
    schema: dict[str, Any],
) -> None:
    described = 0
    for _method, path, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] == "slug":
                assert parameter["schema"] == {
                    "type": "string",
                    "pattern": SLUG_PATTERN,
                }
                assert "slug" in parameter["description"], path
                described += 1
    assert described == 12 + 2 * 5  # Every record's GET, and the writes' PUT and PATCH.


# --- The vocabularies are not paged, and the schema says so ------------------------------


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.api_path)
def test_a_vocabulary_list_is_one_unpaged_array_as_the_schema_says(
    client: Any, demo: Any, schema: dict[str, Any], vocabulary: Any
) -> None:
    operation = schema["paths"][f"{PREFIX}{vocabulary.api_path}/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert UNPAGED in operation["description"]
    assert not {"page", "page_size"} & {p["name"] for p in operation["parameters"]}

    # Every term at once, whatever the paging parameters say.
    response = client.get(f"{PREFIX}{vocabulary.api_path}/?page=2&page_size=1")
    assert response.status_code == 200
    terms = response.json()
    assert isinstance(terms, list)
    assert [term["slug"] for term in terms] == list(
        vocabulary.model._default_manager.values_list("slug", flat=True)
    )
    assert _validator(schema, body).is_valid(terms)
