"""The OpenAPI schema at /api/schema/: valid OpenAPI 3, complete, and true to the API.

The schema is loaded the way a client loads it, from /api/schema/, through schemathesis's
WSGI transport; every request below goes through the whole Django stack in-process, and
each response is checked against what the schema documents for its operation, status
code and media type (schemathesis's conformance checks). The live-server fuzzing is
.ci/schemathesis.sh.

At the end: the schema as served, in YAML and in JSON, and its documentation pages
(Swagger UI at /api/docs/, Redoc at /api/redoc/), which load only our own assets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import schemathesis
import yaml
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken
from cities.models import City, InnovationTeam, Membership
from config.api import router
from config.wsgi import application
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from tests.factories import (
    CaseStudyFactory,
    LabFactory,
    MembershipFactory,
    StrategyFactory,
    UserFactory,
    populate,
)

from .helpers import PROBLEM

SCHEMA_URL = "/api/schema/"
PREFIX = "/api/v1"
HIGH_RATES = {"anon": "1000000/minute", "user": "1000000/minute"}
# Everything a response must satisfy: no server error, a documented status code and
# content type, and a body (and headers) that match the schema for both.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
WRITE_METHODS = {"POST", "PUT", "PATCH"}


# --- Fixtures ------------------------------------------------------------------------------


def _hosts() -> list[str]:
    from django.conf import settings as django_settings

    # schemathesis's WSGI client sends Host: localhost; Django's test client, testserver.
    return [*django_settings.ALLOWED_HOSTS, "localhost", "testserver"]


class _RawWsgi:
    """Calls to the WSGI application from the test's own thread and connection: Django
    must not close that connection at the start and end of each request (inside the
    test's transaction it would, and the next query fails)."""

    def __enter__(self) -> None:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)

    def __exit__(self, *exc: object) -> None:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema() -> schemathesis.BaseSchema:
    """The schema as /api/schema/ serves it (generating it needs no database)."""
    with override_settings(ALLOWED_HOSTS=_hosts()), _RawWsgi():
        return schemathesis.openapi.from_wsgi(SCHEMA_URL, application)


@pytest.fixture(scope="module")
def raw_schema(api_schema: schemathesis.BaseSchema) -> dict[str, Any]:
    return api_schema.raw_schema


@pytest.fixture
def wsgi(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Requests through the WSGI application, unthrottled, within the test's transaction."""
    settings.ALLOWED_HOSTS = _hosts()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", HIGH_RATES)
    # The throttles count in the cache: start from nothing, and leave nothing behind
    # for the tests that run with the real rates.
    cache.clear()
    with _RawWsgi():
        yield
    cache.clear()


class Api:
    """Sends requests to one schema's operations and checks each response against it."""

    def __init__(self, schema: schemathesis.BaseSchema) -> None:
        self.schema = schema
        self.token: str | None = None
        self.exercised: set[tuple[str, str]] = set()
        # Each distinct way a response breaks the schema, with one request showing it:
        # collected rather than raised, so that one run lists them all.
        self.violations: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        expect: int | None,
        *,
        path_parameters: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        media_type: str | None = None,
        token: str | None | bool = True,
    ) -> Any:
        """`expect`: the status code, or None for any. `token`: True for the officer's,
        False or None for none, or a string."""
        operation = self.schema[PREFIX + path][method]
        headers = dict(headers or {})
        if token is True:
            token = self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = media_type or "application/json"
        case = operation.Case(
            path_parameters=path_parameters,
            query=query,
            headers=headers,
            **kwargs,
        )
        response = case.call()
        assert expect in (None, response.status_code), (
            f"{method} {path} {path_parameters or ''} {query or ''}: "
            f"{response.status_code} {response.text[:2000]}"
        )
        try:
            case.validate_response(response, checks=CONFORMANCE)
        except FailureGroup as group:
            for failure in group.exceptions:
                what = f"{failure.operation} {response.status_code}: {failure.title}"
                what += f"\n{failure.message}"
                self.violations.setdefault(what, case.as_curl_command())
        self.exercised.add((method, PREFIX + path))
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith(PROBLEM)
            problem = json.loads(response.text)
            assert problem["status"] == response.status_code
        return response

    def json(self, *args: Any, **kwargs: Any) -> Any:
        return json.loads(self.request(*args, **kwargs).text)

    def assert_conforms(self) -> None:
        report = [f"{what}\n  e.g. {curl}" for what, curl in self.violations.items()]
        assert not report, "Responses that break the schema:\n\n" + "\n\n".join(report)


@pytest.fixture
def officer(demo: Any) -> Any:
    vienna = City.objects.get(slug="vienna")
    return MembershipFactory(city=vienna, role=Membership.Role.OFFICER).user


@pytest.fixture
def api(
    api_schema: schemathesis.BaseSchema, wsgi: None, demo: Any, officer: Any
) -> Api:
    """The demo content, two more fully populated cities, and a Vienna officer with a
    token and a lab, a strategy and a draft case of their city to edit."""
    populate(2)
    vienna = City.objects.get(slug="vienna")
    imco = InnovationTeam.objects.get(slug="imco-vienna")
    LabFactory(team=imco, slug="vienna-lab")
    StrategyFactory(city=vienna, team=imco, slug="vienna-strategy")
    CaseStudyFactory(city=vienna, slug="vienna-draft")
    client = Api(api_schema)
    client.token = ApiToken.issue(user=officer, name="schema tests")[1]
    return client


# --- The schema itself ---------------------------------------------------------------------


def test_schema_is_valid_openapi_3(tmp_path: Any) -> None:
    """drf-spectacular validates the schema against the OpenAPI 3 JSON schema; any
    warning while generating it (an unresolvable field, a name clash) fails too."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.")


def test_schema_is_served(raw_schema: dict[str, Any]) -> None:
    assert raw_schema["openapi"].startswith("3.")
    assert raw_schema["info"]["title"] == "Public Innovation Atlas API"


def _router_paths() -> set[str]:
    # The stats, and the spreadsheet import (workspace/api.py), beside the router.
    paths = {f"{PREFIX}/stats/", f"{PREFIX}/imports/{{kind}}/"}
    paths.add(f"{PREFIX}/cities/compare/")  # the comparison of cities, beside them
    for prefix, viewset, _basename in router.registry:
        lookup = viewset.lookup_url_kwarg or viewset.lookup_field
        paths |= {f"{PREFIX}/{prefix}/", f"{PREFIX}/{prefix}/{{{lookup}}}/"}
    return paths


def test_schema_has_every_endpoint_of_the_router(raw_schema: dict[str, Any]) -> None:
    assert set(raw_schema["paths"]) == _router_paths()


def test_schema_documents_the_bearer_token(raw_schema: dict[str, Any]) -> None:
    schemes = raw_schema["components"]["securitySchemes"]
    assert schemes["apiToken"]["type"] == "http"
    assert schemes["apiToken"]["scheme"] == "bearer"
    for path, item in raw_schema["paths"].items():
        for method, operation in item.items():
            if method.upper() in WRITE_METHODS:
                assert {"apiToken": []} in operation["security"], (method, path)
                # Writes are never anonymous.
                assert {} not in operation["security"], (method, path)


def test_schema_documents_reads_as_open_to_anyone(raw_schema: dict[str, Any]) -> None:
    """Anyone may read the API without a token: the GET operations' security must
    include the empty requirement `{}` (optional authentication), or clients and
    schemathesis (check `ignored_auth`) take every read to need a token."""
    closed = [
        path
        for path, item in raw_schema["paths"].items()
        if "get" in item and {} not in item["get"].get("security", [{}])
    ]
    assert closed == []


def test_error_responses_are_problem_documents(raw_schema: dict[str, Any]) -> None:
    problem = raw_schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    for path, item in raw_schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"400", "401", "404", "406", "429", "503"}
            if method.upper() in WRITE_METHODS:
                expected |= {"403", "415"}
            if method.upper() in {"PUT", "PATCH"}:
                expected |= {"409", "412"}
            assert expected <= set(responses), (method, path)
            for code, response in responses.items():
                if int(code) >= 400 and code != "414":
                    assert response["content"] == {
                        PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (method, path, code)
            if method == "get":
                assert "304" in responses, path
                # The web server's refusal of an over-long request line, in its own
                # words: the API never sees the request.
                assert responses["414"]["content"] == {
                    "text/html": {"schema": {"type": "string"}}
                }, path


def test_schema_documents_the_paging_limits(raw_schema: dict[str, Any]) -> None:
    """`page` and `page_size` below 1 are a 400 (core/rest.py): the schema must say
    so, or a schema-valid request is refused (schemathesis: positive_data_acceptance)."""
    undocumented = []
    for path, item in raw_schema["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            if parameter["name"] in {"page", "page_size"}:
                if parameter["schema"].get("minimum") != 1:
                    undocumented.append(f"{path}?{parameter['name']}")
    assert undocumented == []


# --- Real responses against the schema -----------------------------------------------------

VOCABULARIES = {
    "innovation-types": InnovationType,
    "drivers": Driver,
    "approaches": Approach,
    "themes": Theme,
    "lifecycle-stages": LifecycleStage,
}


def _detail_keys() -> dict[str, dict[str, str]]:
    keys = {
        "/cities/{slug}/": {"slug": "vienna"},
        "/districts/{key}/": {"key": "bologna/navile"},
        "/teams/{slug}/": {"slug": "imco-vienna"},
        "/labs/{slug}/": {"slug": "iu-lab-navile"},
        "/strategies/{slug}/": {"slug": "vienna-strategy"},
        "/funding-programmes/{slug}/": {"slug": "imco-innovation-project-funds"},
        "/cases/{slug}/": {"slug": "bologna-neighbourhood-labs"},
        "/organisations/{slug}/": {"slug": "fondazione-iu-rusconi-ghigi"},
    }
    for prefix, model in VOCABULARIES.items():
        keys[f"/{prefix}/{{slug}}/"] = {"slug": model.objects.first().slug}
    return keys


def _etag(response: Any) -> str:
    return response.headers["etag"][0]


# The reads that answer 200 only to a question (a required query parameter).
READ_QUERIES = {"/cities/compare/": {"cities": ["vienna", "bologna"]}}


def test_every_read_matches_the_schema(api: Api, raw_schema: dict[str, Any]) -> None:
    detail_keys = _detail_keys()
    for full_path, item in raw_schema["paths"].items():
        if "get" not in item:
            continue
        path = full_path.removeprefix(PREFIX)
        keys = detail_keys.get(path)
        query = READ_QUERIES.get(path)
        # Anonymous and as the officer (who also sees their city's drafts).
        for token in (False, True):
            body = api.json(
                "GET", path, 200, path_parameters=keys, query=query, token=token
            )
            if "{" not in path and isinstance(body, dict) and "results" in body:
                assert body["results"], f"{path} is empty: nothing was checked"
        if keys is None:
            response = api.request("GET", path, 200, query=query, token=False)
            # Conditional GET: the same ETag again is a 304 without a body.
            api.request(
                "GET",
                path,
                304,
                query=query,
                headers={"If-None-Match": _etag(response)},
                token=False,
            )
            # Not acceptable, a bad token.
            api.request(
                "GET", path, 406, query=query, headers={"Accept": "application/xml"}
            )
            api.request("GET", path, 401, query=query, token="pia_not-a-token")
        else:
            missing = dict.fromkeys(keys, "no-such-record")
            if "key" in keys:
                missing = {"key": "bologna/no-such-district"}
            api.request("GET", path, 404, path_parameters=missing, token=False)

    # Drafts: the officer's city's, not for anyone else.
    api.request("GET", "/cases/{slug}/", 200, path_parameters={"slug": "vienna-draft"})
    api.request(
        "GET",
        "/cases/{slug}/",
        404,
        path_parameters={"slug": "vienna-draft"},
        token=False,
    )
    # Paging and filters: a malformed value is a 400, a page past the end a 404.
    api.request("GET", "/cases/", 400, query={"page": "abc"}, token=False)
    api.request("GET", "/cases/", 400, query={"page_size": "0"}, token=False)
    api.request("GET", "/cities/", 404, query={"page": "99"}, token=False)
    api.request("GET", "/cases/", 400, query={"theme": "no-such-theme"}, token=False)
    page = api.json("GET", "/cities/", 200, query={"page_size": "1"}, token=False)
    assert page["next"]
    api.request("GET", "/cities/", 200, query={"page": "2", "page_size": "1"})

    gets = {
        ("GET", path) for path, item in raw_schema["paths"].items() if "get" in item
    }
    assert gets <= api.exercised
    api.assert_conforms()


def test_empty_query_parameters_are_documented(
    api: Api, raw_schema: dict[str, Any]
) -> None:
    """The API ignores a query parameter given empty (`?city=&page=`), as the website's
    filter forms send them. The schema must admit it: `allowEmptyValue: true`, or a
    schema that "" (or [""]) satisfies. Otherwise a client cannot know, and schemathesis
    reports a schema-violating request accepted (negative_data_rejection)."""
    undocumented = []
    for full_path, item in raw_schema["paths"].items():
        if "{" in full_path or "get" not in item:
            continue
        path = full_path.removeprefix(PREFIX)
        for parameter in item["get"].get("parameters", []):
            if parameter["in"] != "query" or parameter.get("allowEmptyValue"):
                continue
            schema = parameter["schema"]
            empty = [""] if schema.get("type") == "array" else ""
            if jsonschema.Draft4Validator(schema).is_valid(empty):
                continue
            name = parameter["name"]
            response = api.request("GET", path, None, query={name: ""}, token=False)
            if response.status_code == 200:
                undocumented.append(f"{path}?{name}=")
    assert undocumented == []


def _payloads() -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    """For each writable collection: a valid new record, a full replacement (PUT) of
    the officer's existing one, and that record's slug."""
    return {
        "teams": (
            "imco-vienna",
            {"name": "Vienna digital unit", "city": "vienna", "kind": "in_house_unit"},
            {
                "name": "Innovation Management Coordination Office (IMCO)",
                "city": "vienna",
                "kind": "coordination_office",
                "year_established": 2015,
                "staff_size": 12,
                "website": "https://www.wien.gv.at/",
            },
        ),
        "labs": (
            "vienna-lab",
            {"name": "Vienna new lab", "team": "imco-vienna"},
            {
                "name": "Vienna lab",
                "team": "imco-vienna",
                "description": "A lab.",
                "municipal_staff_min": 1,
                "municipal_staff_max": 3,
            },
        ),
        "strategies": (
            "vienna-strategy",
            {"title": "Vienna innovation strategy 2030", "city": "vienna"},
            {
                "title": "Vienna innovation strategy",
                "city": "vienna",
                "team": "imco-vienna",
                "status": "adopted",
                "adopted_on": "2024-03-01",
                "period_start": 2024,
                "period_end": 2030,
                "document_url": "https://example.org/strategy.pdf",
                "innovation_types": [InnovationType.objects.first().slug],
            },
        ),
        "funding-programmes": (
            "imco-innovation-project-funds",
            {
                "name": "Vienna new fund",
                "city": "vienna",
                "allocation": "grant_call",
                "amount": 25000.5,
                "currency": "EUR",
            },
            {
                "name": "Innovation project funds",
                "city": "vienna",
                "team": "imco-vienna",
                "allocation": "pitch_competition",
                "amount": 1500000,
                "training_offered": True,
                "year": 2025,
            },
        ),
        "cases": (
            "vienna-draft",
            {
                "title": "A new Vienna case",
                "city": "vienna",
                "summary": "What was done, and why.",
                "teams": ["imco-vienna"],
                "themes": [Theme.objects.first().slug],
                "status": "submitted",
            },
            {
                "title": "Vienna draft case",
                "city": "vienna",
                "summary": "A draft, rewritten.",
                "lifecycle_stage": LifecycleStage.objects.first().slug,
                "year_started": 2020,
                "year_ended": 2022,
            },
        ),
    }


# A record of another city (Bologna) for each collection: the officer may not change it.
OTHER_CITY = {
    "teams": "fondazione-iu-rusconi-ghigi",
    "labs": "iu-lab-navile",
    "strategies": None,
    "funding-programmes": None,
    "cases": "bologna-neighbourhood-labs",
}


def test_every_write_matches_the_schema(
    api: Api, raw_schema: dict[str, Any], api_rates: Any
) -> None:
    for collection, (slug, new, replacement) in _payloads().items():
        items = f"/{collection}/"
        item = f"/{collection}/{{slug}}/"
        key = {"slug": slug}

        # Create: 201; without a token 401; an invalid body 400; another city 403;
        # a body that is not JSON 415.
        created = api.json("POST", items, 201, body=new)
        assert created["slug"]
        api.request("POST", items, 401, body=new, token=False)
        api.request("POST", items, 400, body={})
        api.request("POST", items, 400, body=[1, 2])
        bologna = {**new, "city": "bologna", "teams": []}
        if collection == "labs":
            bologna = {**new, "team": "fondazione-iu-rusconi-ghigi"}
        api.request("POST", items, 403, body=bologna)
        api.request("POST", items, 415, body="name=x", media_type="text/plain")

        # Update: PATCH and PUT with the current ETag 200; a stale one 412; no such
        # record 404; a record of another city 403.
        response = api.request("GET", item, 200, path_parameters=key)
        patched = api.request(
            "PATCH",
            item,
            200,
            path_parameters=key,
            headers={"If-Match": _etag(response)},
            body={"slug": slug},
        )
        api.request(
            "PUT",
            item,
            200,
            path_parameters=key,
            headers={"If-Match": _etag(patched)},
            body={**replacement, "slug": slug},
        )
        api.request(
            "PATCH",
            item,
            412,
            path_parameters=key,
            headers={"If-Match": _etag(response)},
            body={"slug": slug},
        )
        reference = "team" if collection == "labs" else "city"
        api.request(
            "PATCH", item, 400, path_parameters=key, body={reference: "no such city"}
        )
        api.request(
            "PATCH", item, 404, path_parameters={"slug": "no-such-record"}, body={}
        )
        api.request(
            "PUT", item, 401, path_parameters=key, body=replacement, token=False
        )
        if OTHER_CITY[collection]:
            api.request(
                "PATCH",
                item,
                403,
                path_parameters={"slug": OTHER_CITY[collection]},
                body={},
            )

    # A published case changes only through the review workflow: 409.
    api.request(
        "PATCH",
        "/cases/{slug}/",
        409,
        path_parameters={"slug": "vienna-innovation-pitch-fund"},
        body={"summary": "Changed."},
    )
    # A user with a token but no city: 403 on any write.
    outsider = ApiToken.issue(user=UserFactory(), name="outsider")[1]
    api.request("POST", "/teams/", 403, body={"name": "X"}, token=outsider)

    # Past the rate limit: 429.
    api_rates(anon="1/minute", user="1/minute")
    cache.clear()
    api.request("GET", "/themes/", 200, token=False)
    api.request("GET", "/themes/", 429, token=False)
    api.request(
        "POST", "/teams/", 201, body={"name": "Last", "city": "vienna", "kind": "other"}
    )
    api.request(
        "POST",
        "/teams/",
        429,
        body={"name": "Later", "city": "vienna", "kind": "other"},
    )

    writes = {
        (method.upper(), path)
        for path, item in raw_schema["paths"].items()
        for method in item
        if method.upper() in WRITE_METHODS
    }
    # The import takes a multipart file, which this harness does not send: its
    # answers are asserted whole in tests/api/test_imports.py.
    writes.discard(("POST", "/api/v1/imports/{kind}/"))
    assert writes <= api.exercised
    api.assert_conforms()


# --- Property-based: generated requests to every read ----------------------------------------

# Per GET operation and generation mode (schema-valid and schema-invalid values): small
# and derandomized, so the run is short and the same every time. The thorough fuzzing
# is .ci/schemathesis.sh, against a live server.
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _fuzz(operation: Any, mode: GenerationMode) -> str | None:
    """The failure of the first generated request that breaks a check, if any."""

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CONFORMANCE)

    try:
        run()
    except Unsatisfiable:
        # Nothing to generate: no parameter to make invalid (GET /stats/, negative), or
        # no value schemathesis will put in a path segment (a district's key holds a
        # "/").
        return None
    except (FailureGroup, AssertionError) as failure:
        return f"{operation.label} ({mode.value}): {failure}"
    return None


def test_generated_reads_conform(
    api_schema: schemathesis.BaseSchema,
    raw_schema: dict[str, Any],
    wsgi: None,
    demo: Any,
) -> None:
    """Generated queries and path parameters for every GET operation: never a server
    error, and every response as documented."""
    populate(1)
    failures = []
    for path, item in raw_schema["paths"].items():
        if "get" in item:
            operation = api_schema[path]["GET"]
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures.append(_fuzz(operation, mode))
    failures = [failure for failure in failures if failure]
    assert not failures, "\n\n".join(failures)


# --- The schema and the validation agree ---------------------------------------------------

# A URL that breaks RFC 3986 (and so the schema's `format: uri`) and would close an
# HTML attribute: Django's URLValidator alone accepts it.
HOSTILE_URL = 'https://example.org/"><script>alert(1)</script>'


def _is_url(schema: dict[str, Any]) -> bool:
    branches = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    return any(branch.get("format") == "uri" for branch in branches)


def _url_fields(raw_schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path, field) for every URL field of every write's request body."""
    components = raw_schema["components"]["schemas"]
    found = []
    for path, item in raw_schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema", {})
            if "$ref" not in body:
                continue
            properties = components[body["$ref"].rsplit("/", 1)[1]]["properties"]
            for name, schema in properties.items():
                if _is_url(schema) and not schema.get("readOnly"):
                    found.append((method.upper(), path.removeprefix(PREFIX), name))
    return found


def test_every_write_refuses_a_url_that_breaks_rfc_3986(
    api: Api, raw_schema: dict[str, Any]
) -> None:
    """A URL the schema's `format: uri` refuses is a 400 naming the field, on every
    write that takes one (it was stored, and then broke the schema in every read)."""
    payloads = _payloads()
    fields = _url_fields(raw_schema)
    # Teams' website and strategies' document_url, each by POST, PUT and PATCH.
    assert {(path, name) for _method, path, name in fields} >= {
        ("/teams/", "website"),
        ("/teams/{slug}/", "website"),
        ("/strategies/", "document_url"),
        ("/strategies/{slug}/", "document_url"),
    }
    for method, path, name in fields:
        collection = path.strip("/").split("/")[0]
        slug, new, replacement = payloads[collection]
        body = {**(new if method == "POST" else replacement), name: HOSTILE_URL}
        keys = None if method == "POST" else {"slug": slug}
        problem = api.json(method, path, 400, path_parameters=keys, body=body)
        assert list(problem["errors"]) == [name], (method, path)
        assert '“"”' in problem["errors"][name][0], problem
    api.assert_conforms()


def test_the_schema_states_the_url_rule_the_api_enforces(
    raw_schema: dict[str, Any],
) -> None:
    """The request schema's URL fields carry the validator's own pattern, so a URL the
    schema calls valid is one the API takes."""
    from core.validators import WEB_URL_PATTERN

    team = raw_schema["components"]["schemas"]["InnovationTeamRequest"]
    url = next(b for b in team["properties"]["website"]["oneOf"] if "format" in b)
    assert url["pattern"] == WEB_URL_PATTERN.replace(r"\Z", "$")
    assert url["maxLength"] == 200


def _query_parameter(
    raw_schema: dict[str, Any], path: str, name: str
) -> dict[str, Any]:
    parameters = raw_schema["paths"][PREFIX + path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)


def test_the_schema_states_the_limits_of_the_case_filters(
    raw_schema: dict[str, Any],
) -> None:
    for name in ("year_min", "year_max"):
        schema = _query_parameter(raw_schema, "/cases/", name)["schema"]
        assert (schema["minimum"], schema["maximum"]) == (1800, 2100)
    for path in ("/cases/", "/cities/", "/teams/", "/strategies/"):
        country = _query_parameter(raw_schema, path, "country")["schema"]
        assert {"AT", "IT", "SK"} <= set(country["items"]["enum"])
        assert "ZZ" not in country["items"]["enum"]
        assert country["maxItems"] == 50
    theme = _query_parameter(raw_schema, "/cases/", "theme")["schema"]
    assert theme["items"]["pattern"] == "^[-a-zA-Z0-9_]{1,250}$"
    assert theme["maxItems"] == 50
    search = _query_parameter(raw_schema, "/cases/", "q")["schema"]
    assert search["maxLength"] == 200


def _edges(schema: dict[str, Any]) -> list[Any]:
    """Values at and just past each limit of a query parameter's schema."""
    if "minimum" in schema or "maximum" in schema:
        values = []
        if "minimum" in schema:
            values += [schema["minimum"] - 1, schema["minimum"]]
        if "maximum" in schema:
            values += [schema["maximum"], schema["maximum"] + 1]
        return values
    if "maxItems" in schema:
        enum = schema["items"].get("enum")
        if not enum:
            return []  # Slugs of records: the edge values would name none.
        return [
            enum[: schema["maxItems"]],
            enum[: schema["maxItems"] + 1],
            ["ZZ"],
            [enum[0].lower()],
        ]
    if "maxLength" in schema:
        return ["a" * schema["maxLength"], "a" * (schema["maxLength"] + 1)]
    return []


def test_requests_at_each_limit_are_answered_as_the_schema_says(
    api: Api, raw_schema: dict[str, Any]
) -> None:
    """Every limited query parameter of every list, at and past each limit: what the
    schema calls valid gets a 200, what it does not a 400 naming the parameter.
    (A country in small letters is the one leniency: the API takes `at` as `AT`.)"""
    checked: set[str] = set()
    for full_path, item in raw_schema["paths"].items():
        if "{" in full_path or "get" not in item:
            continue
        path = full_path.removeprefix(PREFIX)
        for parameter in item["get"].get("parameters", []):
            if parameter["in"] != "query":
                continue
            schema = parameter["schema"]
            for value in _edges(schema):
                name = parameter["name"]
                valid = jsonschema.Draft4Validator(schema).is_valid(value)
                if isinstance(value, list) and value and value[0].islower():
                    valid = True
                response = api.request(
                    "GET", path, 200 if valid else 400, query={name: value}, token=False
                )
                if not valid:
                    assert list(json.loads(response.text)["errors"]) == [name]
                checked.add(name)
    # Every limit the filters enforce is in the schema, and so was tried here.
    assert checked >= {"page", "page_size", "year_min", "year_max", "country", "q"}
    api.assert_conforms()


# --- The schema as served, and its documentation pages --------------------------------


def test_the_schema_is_openapi_3_in_yaml(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Public Innovation Atlas API"
    for path in [
        "/api/v1/cases/",
        "/api/v1/cases/{slug}/",
        "/api/v1/cities/",
        "/api/v1/districts/{key}/",
        "/api/v1/teams/",
        "/api/v1/labs/",
        "/api/v1/strategies/",
        "/api/v1/funding-programmes/",
        "/api/v1/stats/",
    ]:
        assert path in schema["paths"], path
    case_list = {
        p["name"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
    }
    assert {
        "q",
        "search",
        "city",
        "country",
        "innovation_type",
        "driver",
        "approach",
        "theme",
        "lifecycle_stage",
        "stage",
        "year_min",
        "year_max",
        "ordering",
        "page",
        "page_size",
    } <= case_list


def test_the_schema_marks_stage_as_the_deprecated_alias_of_lifecycle_stage(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
    }

    alias, canonical = parameters["stage"], parameters["lifecycle_stage"]
    assert alias["deprecated"] is True
    assert "`lifecycle_stage`" in alias["description"]
    assert "deprecated" not in canonical
    assert alias["schema"] == canonical["schema"]


def test_the_schema_is_also_served_as_json(client, db):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema == yaml.safe_load(client.get("/api/schema/").content)


ASSET_RE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_use_only_our_own_assets(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = ASSET_RE.findall(html)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert asset.startswith(("/static/", "/api/")), asset
        assert "//" not in asset
    for outside in ("fonts.googleapis.com", "fonts.gstatic.com", "cdn.", "unpkg"):
        assert outside not in html
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_the_swagger_pages_own_script_loads_nothing_from_elsewhere(client, db):
    response = client.get("/api/docs/?script=")

    assert response.status_code == 200
    script = response.content.decode()
    assert "/api/schema/" in script
    assert not re.search(r"https?://", script)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_have_a_language_and_links_to_the_schema_without_js(
    client, db, url
):
    """Without JavaScript neither viewer shows anything: a <noscript> links to the
    schema itself, in YAML and JSON."""
    html = client.get(url).content.decode()

    assert re.search(r'<html lang="en">', html)
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S)
    assert noscript is not None
    links = re.findall(r'href="([^"]+)"', noscript.group(1))
    assert "/api/schema/" in links
    assert "/api/schema/?format=json" in links
    assert "/api/v1/" in links


def test_the_swagger_page_turns_off_the_online_validator(client, db):
    """Swagger UI's validator badge is an image from validator.swagger.io."""
    script = client.get("/api/docs/?script=").content.decode()

    assert '"validatorUrl": null' in script


def test_the_api_root_says_what_the_api_is_in_the_browsable_api(client, db, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    response = client.get("/api/v1/", headers={"Accept": "text/html"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Everything published in the Public Innovation Atlas" in html
    assert "CC BY 4.0" in html
    assert "Authorization: Bearer pia_" in html
    assert rates["anon"] in html and rates["user"] in html
    for link in (
        "/api/docs/",
        "/api/redoc/",
        "/api/schema/",
        "/api/schema/?format=json",
    ):
        assert f'href="{link}"' in html
    # The JSON answer is unchanged: a link to every endpoint.
    body = client.get("/api/v1/").json()
    assert body["cases"].endswith("/api/v1/cases/")
