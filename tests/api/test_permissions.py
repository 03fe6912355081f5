"""Who may do what in the API: every endpoint, every method, every role.

Anyone reads. Writes need a user (401 otherwise, with WWW-Authenticate); only an
officer of the record's city, or a superuser, writes it (403 for others, reviewers
included). No endpoint deletes (405), and the read-only endpoints take no write (405)
whoever asks: a method an endpoint does not take is refused before authentication.
A draft is a 404 to anyone outside its city, and never counts anywhere in public.

The data is tests/api/conftest.py's: city A is "aville", city B "beeburg".
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import ApiToken
from cities.models import InnovationTeam, Membership
from innovation_cases.models import CaseStudy
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "officer_a", "officer_b", "reviewer_a", "superuser")

# --- The matrix ---------------------------------------------------------------------------
# One row per address and group of methods; one column per role. Statuses are those
# of a valid body (see BODIES), so a 2xx proves the permission.

# fmt: off
MATRIX = [
    # address                                  methods                   anon  off_a off_b rev_a super
    # Cities, districts, organisations, vocabularies and statistics: read-only.
    ("/api/v1/cities/",                        "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/cities/",                        "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/cities/aville/",                 "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/cities/aville/",                 "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/districts/",                     "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/districts/",                     "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/districts/aville/old-town/",     "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/districts/aville/old-town/",     "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/organisations/",                 "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/organisations/",                 "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/organisations/aville-university/", "GET HEAD OPTIONS",      200,  200,  200,  200,  200),
    ("/api/v1/organisations/aville-university/", "POST PUT PATCH DELETE", 405,  405,  405,  405,  405),
    ("/api/v1/innovation-types/",              "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/innovation-types/",              "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/innovation-types/adaptive/",     "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/innovation-types/adaptive/",     "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/drivers/",                       "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/drivers/",                       "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/drivers/social/",                "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/drivers/social/",                "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/approaches/",                    "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/approaches/",                    "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/approaches/co-production/",      "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/approaches/co-production/",      "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/themes/",                        "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/themes/",                        "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/themes/mobility/",               "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/themes/mobility/",               "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/lifecycle-stages/",              "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/lifecycle-stages/",              "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/lifecycle-stages/implementing/", "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/lifecycle-stages/implementing/", "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    ("/api/v1/stats/",                         "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/stats/",                         "POST PUT PATCH DELETE",   405,  405,  405,  405,  405),
    # A city's records: its officers create and update them; nobody deletes them.
    ("/api/v1/teams/",                         "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/teams/",                         "POST",                    401,  201,  403,  403,  201),
    ("/api/v1/teams/",                         "PUT PATCH DELETE",        405,  405,  405,  405,  405),
    ("/api/v1/teams/aville-lab/",              "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/teams/aville-lab/",              "PUT PATCH",               401,  200,  403,  403,  200),
    ("/api/v1/teams/aville-lab/",              "POST DELETE",             405,  405,  405,  405,  405),
    ("/api/v1/labs/",                          "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/labs/",                          "POST",                    401,  201,  403,  403,  201),
    ("/api/v1/labs/",                          "PUT PATCH DELETE",        405,  405,  405,  405,  405),
    ("/api/v1/labs/old-town-lab/",             "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/labs/old-town-lab/",             "PUT PATCH",               401,  200,  403,  403,  200),
    ("/api/v1/labs/old-town-lab/",             "POST DELETE",             405,  405,  405,  405,  405),
    ("/api/v1/strategies/",                    "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/strategies/",                    "POST",                    401,  201,  403,  403,  201),
    ("/api/v1/strategies/",                    "PUT PATCH DELETE",        405,  405,  405,  405,  405),
    ("/api/v1/strategies/aville-forward/",     "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/strategies/aville-forward/",     "PUT PATCH",               401,  200,  403,  403,  200),
    ("/api/v1/strategies/aville-forward/",     "POST DELETE",             405,  405,  405,  405,  405),
    ("/api/v1/funding-programmes/",            "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/funding-programmes/",            "POST",                    401,  201,  403,  403,  201),
    ("/api/v1/funding-programmes/",            "PUT PATCH DELETE",        405,  405,  405,  405,  405),
    ("/api/v1/funding-programmes/aville-ideas-fund/", "GET HEAD OPTIONS", 200,  200,  200,  200,  200),
    ("/api/v1/funding-programmes/aville-ideas-fund/", "PUT PATCH",        401,  200,  403,  403,  200),
    ("/api/v1/funding-programmes/aville-ideas-fund/", "POST DELETE",      405,  405,  405,  405,  405),
    # Cases: a published one changes only through review (409); a draft is private.
    ("/api/v1/cases/",                         "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/cases/",                         "POST",                    401,  201,  403,  403,  201),
    ("/api/v1/cases/",                         "PUT PATCH DELETE",        405,  405,  405,  405,  405),
    ("/api/v1/cases/open-benches/",            "GET HEAD OPTIONS",        200,  200,  200,  200,  200),
    ("/api/v1/cases/open-benches/",            "PUT PATCH",               401,  409,  403,  403,  409),
    ("/api/v1/cases/open-benches/",            "POST DELETE",             405,  405,  405,  405,  405),
    ("/api/v1/cases/zeppelin-deliveries/",     "GET HEAD",                404,  200,  404,  200,  200),
    ("/api/v1/cases/zeppelin-deliveries/",     "OPTIONS",                 200,  200,  200,  200,  200),
    ("/api/v1/cases/zeppelin-deliveries/",     "PUT PATCH",               401,  200,  404,  403,  200),
    ("/api/v1/cases/zeppelin-deliveries/",     "POST DELETE",             405,  405,  405,  405,  405),
    ("/api/v1/cases/quokka-census/",           "GET HEAD",                404,  200,  404,  200,  200),
    ("/api/v1/cases/quokka-census/",           "PUT PATCH",               401,  200,  404,  403,  200),
]
# fmt: on

# A valid body for each writable endpoint and method, all about city A's records.
BODIES: dict[str, dict[str, dict[str, Any]]] = {
    "teams": {
        "POST": {"name": "Aville Data Office", "city": "aville", "kind": "other"},
        "PUT": {"name": "Aville Lab", "city": "aville", "kind": "partnership"},
        "PATCH": {"mandate": "Test new services with residents."},
    },
    "labs": {
        "POST": {"name": "Riverside Lab", "team": "aville-lab"},
        "PUT": {"name": "Old Town Lab", "team": "aville-lab", "district": "old-town"},
        "PATCH": {"description": "A shopfront on the market square."},
    },
    "strategies": {
        "POST": {"title": "Aville 2040", "city": "aville", "status": "draft"},
        "PUT": {"title": "Aville Forward", "city": "aville", "status": "adopted"},
        "PATCH": {"summary": "Five missions for a greener city."},
    },
    "funding-programmes": {
        "POST": {
            "name": "Aville Small Grants",
            "city": "aville",
            "allocation": "other",
        },
        "PUT": {
            "name": "Aville Ideas Fund",
            "city": "aville",
            "allocation": "challenge_prize",
        },
        "PATCH": {"description": "Grants of up to 5,000 euros."},
    },
    "cases": {
        "POST": {
            "title": "Night buses",
            "city": "aville",
            "summary": "Buses all night long.",
        },
        "PUT": {
            "title": "Revised title",
            "city": "aville",
            "summary": "A revised summary.",
        },
        "PATCH": {"summary": "A patched summary."},
    },
}
# What a read-only endpoint is sent: it should not matter.
ANY_BODY = {"name": "Renamed"}
# Fields given as slugs in a request and returned as objects.
REFERENCES = {"city", "team", "district"}

# The methods each kind of address takes, as its 405 lists them in Allow.
READ_ONLY_ALLOW = "GET, HEAD, OPTIONS"
COLLECTION_ALLOW = "GET, HEAD, OPTIONS, POST"
RECORD_ALLOW = "GET, HEAD, OPTIONS, PUT, PATCH"
WRITABLE = set(BODIES)


def _endpoint(url: str) -> str:
    return url.split("/")[3]


def _allow(url: str) -> str:
    if _endpoint(url) not in WRITABLE:
        return READ_ONLY_ALLOW
    return COLLECTION_ALLOW if url.count("/") == 4 else RECORD_ALLOW


PROBLEMS = {
    401: (
        "Unauthorized",
        "Authentication credentials were not provided.",
        "not_authenticated",
    ),
    403: (
        "Forbidden",
        "You can change the records of your own cities only.",
        "permission_denied",
    ),
    404: ("Not Found", "No CaseStudy matches the given query.", "not_found"),
    409: (
        "Conflict",
        "This case is published: it changes only through the review workflow, so "
        "that the public never sees an unreviewed text.",
        "conflict",
    ),
}


def problem(status: int, method: str) -> dict[str, Any]:
    """The whole problem document of an error in the matrix."""
    if status == 405:
        title, detail, code = (
            "Method Not Allowed",
            f'Method "{method}" not allowed.',
            "method_not_allowed",
        )
    else:
        title, detail, code = PROBLEMS[status]
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }


def issue_token(user: Any) -> str:
    return ApiToken.issue(user=user, name="Test script")[1]


def send(client: APIClient, method: str, url: str, body: Any = None, **extra: Any):
    return getattr(client, method.lower())(url, body, format="json", **extra)


@contextmanager
def _undone() -> Iterator[None]:
    """Whatever the block writes is rolled back at its end (to a savepoint in the
    test's transaction), and the throttles' counts are cleared: each cell of the
    matrix starts from the same world, which is built once for its row."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    cache.clear()


@pytest.mark.parametrize(
    ("url", "methods", "statuses"),
    [
        pytest.param(url, methods, statuses, id=f"{methods}-{url}")
        for url, methods, *statuses in MATRIX
    ],
)
def test_every_role_gets_the_status_the_matrix_gives_for_every_endpoint_and_method(
    world, client_for, subtests, url, methods, statuses
):
    # Each role's user and token, made before any cell's savepoint (which would undo them).
    clients = {role: client_for(role) for role in ROLES}
    for method in methods.split():
        body = BODIES.get(_endpoint(url), {}).get(method, ANY_BODY)
        for role, expected in zip(ROLES, statuses, strict=True):
            with subtests.test(role=role, method=method), _undone():
                _check_cell(clients[role], method, url, body, expected)


def _check_cell(
    client: APIClient, method: str, url: str, body: Any, expected: int
) -> None:
    response = send(client, method, url, body)

    assert response.status_code == expected
    if method == "HEAD":
        assert response.content == b""
    elif expected >= 400:
        assert response.json() == problem(expected, method)
    if expected == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    if expected == 405:
        assert response["Allow"] == _allow(url)
    if expected in (200, 201) and method in ("POST", "PUT", "PATCH"):
        # The write took effect, and the response shows the record as written.
        written = {k: v for k, v in body.items() if k not in REFERENCES}
        assert {k: response.json()[k] for k in written} == written
        assert send(client, "GET", response.json()["url"]).json() == (response.json())
    if expected == 201:
        assert response["Location"] == response.json()["url"]


def test_the_matrix_covers_every_endpoint_of_the_router_and_every_method():
    from config.api import router

    endpoints = {prefix for prefix, _viewset, _basename in router.registry}
    covered = {_endpoint(url) for url, *_ in MATRIX}
    assert covered == endpoints | {"stats"}
    for url in {url for url, *_ in MATRIX}:
        methods = {m for row in MATRIX if row[0] == url for m in row[1].split()}
        if url.startswith("/api/v1/cases/quokka-census/"):
            continue  # The submitted case repeats the draft's rows that differ.
        assert methods == {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}


# --- Writes that the permission refuses before it reads the body ------------------------

# An invalid body for each write: a missing or blank required field. The officer of
# city A gets 400 for it, which shows the body is invalid; everybody else must get the
# refusal they would get for a valid body (401, 403 or 404), never a 400 that would
# tell an outsider anything about how to write city A's records.
INVALID_BODIES = {
    ("POST", "/api/v1/teams/"): {"city": "aville", "name": "", "kind": "other"},
    ("POST", "/api/v1/labs/"): {"team": "aville-lab", "name": ""},
    ("POST", "/api/v1/strategies/"): {"city": "aville", "title": ""},
    ("POST", "/api/v1/funding-programmes/"): {"city": "aville", "name": ""},
    ("POST", "/api/v1/cases/"): {"city": "aville", "title": "", "summary": ""},
    ("PUT", "/api/v1/teams/aville-lab/"): {"city": "aville", "name": ""},
    ("PATCH", "/api/v1/labs/old-town-lab/"): {"name": ""},
    ("PATCH", "/api/v1/strategies/aville-forward/"): {"period_start": "soon"},
    ("PATCH", "/api/v1/funding-programmes/aville-ideas-fund/"): {"amount": -1},
    ("PATCH", "/api/v1/cases/zeppelin-deliveries/"): {"title": ""},
    ("PATCH", "/api/v1/cases/open-benches/"): {"title": ""},
}
# fmt: off
INVALID_STATUSES = {
    # address                                   anon  off_a off_b rev_a super
    "/api/v1/cases/zeppelin-deliveries/":       (401, 400,  404,  403,  400),
    # Published: the 409 comes before the body is read.
    "/api/v1/cases/open-benches/":              (401, 409,  403,  403,  409),
}
# fmt: on
DEFAULT_INVALID_STATUSES = (401, 400, 403, 403, 400)


def _invalid_cases() -> list[Any]:
    cases = []
    for (method, url), body in INVALID_BODIES.items():
        statuses = INVALID_STATUSES.get(url, DEFAULT_INVALID_STATUSES)
        for role, status in zip(ROLES, statuses, strict=True):
            cases.append(
                pytest.param(
                    role, method, url, body, status, id=f"{role}-{method}-{url}"
                )
            )
    return cases


@pytest.mark.parametrize(
    ("role", "method", "url", "body", "expected"), _invalid_cases()
)
def test_an_invalid_body_is_refused_for_permission_before_it_is_validated(
    world, client_for, role, method, url, body, expected
):
    response = send(client_for(role), method, url, body)

    assert response.status_code == expected
    if expected == 400:
        assert response.json()["code"] == "invalid"
    else:
        assert response.json() == problem(expected, method)


def test_an_officer_cannot_move_a_record_to_a_city_they_do_not_write(
    world, officer_a_client
):
    response = officer_a_client.patch(
        "/api/v1/teams/aville-lab/", {"city": "beeburg"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == problem(403, "PATCH")
    assert InnovationTeam.objects.get(slug="aville-lab").city.slug == "aville"


def test_an_officer_cannot_create_a_case_in_a_city_they_do_not_write(
    world, officer_a_client
):
    response = officer_a_client.post(
        "/api/v1/cases/",
        {"title": "Ferry app", "city": "beeburg", "summary": "Tickets on the phone."},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == problem(403, "POST")
    assert not CaseStudy.objects.filter(title="Ferry app").exists()


def test_a_reviewer_of_a_city_who_is_an_officer_elsewhere_cannot_write_the_first(
    world, reviewer_a, city_b
):
    """They pass the "writes some city" check, but not the check on the record: city
    A's records stay closed to them, though they read its drafts."""
    MembershipFactory(user=reviewer_a, city=city_b, role=Membership.Role.OFFICER)
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {issue_token(reviewer_a)}")

    read = client.get("/api/v1/cases/zeppelin-deliveries/")
    changed = client.patch(
        "/api/v1/cases/zeppelin-deliveries/", {"summary": "Changed"}, format="json"
    )
    created = client.post("/api/v1/teams/", BODIES["teams"]["POST"], format="json")

    assert read.status_code == 200
    assert (changed.status_code, changed.json()) == (403, problem(403, "PATCH"))
    assert (created.status_code, created.json()) == (403, problem(403, "POST"))


# --- Case status through the API --------------------------------------------------------

STATUS_ERROR = {
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "The request has invalid values: see “errors”.",
    "code": "invalid",
    "errors": {
        "status": [
            "Through the API a case is a draft or is submitted for review; only a "
            "reviewer publishes or archives it."
        ]
    },
}


@pytest.mark.parametrize("role", ["officer_a", "superuser"])
@pytest.mark.parametrize("status", ["published", "archived"])
def test_nobody_publishes_or_archives_a_case_through_the_api(
    world, client_for, role, status
):
    client = client_for(role)

    created = client.post(
        "/api/v1/cases/", {**BODIES["cases"]["POST"], "status": status}, format="json"
    )
    changed = client.patch(
        "/api/v1/cases/zeppelin-deliveries/", {"status": status}, format="json"
    )

    assert (created.status_code, created.json()) == (400, STATUS_ERROR)
    assert (changed.status_code, changed.json()) == (400, STATUS_ERROR)
    assert not CaseStudy.objects.filter(title="Night buses").exists()
    assert CaseStudy.objects.get(slug="zeppelin-deliveries").status == "draft"


def test_an_officer_submits_a_draft_for_review_and_creates_a_submitted_case(
    world, officer_a_client
):
    created = officer_a_client.post(
        "/api/v1/cases/",
        {**BODIES["cases"]["POST"], "status": "submitted"},
        format="json",
    )
    changed = officer_a_client.patch(
        "/api/v1/cases/zeppelin-deliveries/", {"status": "submitted"}, format="json"
    )

    assert (created.status_code, created.json()["status"]) == (201, "submitted")
    assert (changed.status_code, changed.json()["status"]) == (200, "submitted")
    assert created.json()["web_url"] is None  # Not public: no page on the site.


def test_a_case_created_without_a_status_is_a_draft(world, officer_a_client):
    response = officer_a_client.post(
        "/api/v1/cases/", BODIES["cases"]["POST"], format="json"
    )

    assert (response.status_code, response.json()["status"]) == (201, "draft")


def test_an_archived_case_cannot_be_updated_through_the_api(
    world, published_case_a, officer_a_client
):
    CaseStudy.objects.filter(pk=published_case_a.pk).update(status="archived")

    response = officer_a_client.patch(
        "/api/v1/cases/open-benches/", {"summary": "Changed"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        **problem(409, "PATCH"),
        "detail": "This case is archived: it changes only through the review "
        "workflow, so that the public never sees an unreviewed text.",
    }


# --- Session authentication and CSRF ------------------------------------------------------

# fmt: off
SESSION_WRITES = [
    # method  address                                  off_a off_b rev_a super
    ("POST",  "/api/v1/teams/",                        201,  403,  403,  201),
    ("PATCH", "/api/v1/teams/aville-lab/",             200,  403,  403,  200),
    ("PUT",   "/api/v1/labs/old-town-lab/",            200,  403,  403,  200),
    ("POST",  "/api/v1/cases/",                        201,  403,  403,  201),
    ("PATCH", "/api/v1/cases/zeppelin-deliveries/",    200,  404,  403,  200),
    ("PATCH", "/api/v1/cases/open-benches/",           409,  403,  403,  409),
]
# fmt: on


def _session_cases() -> list[Any]:
    cases = []
    for method, url, *statuses in SESSION_WRITES:
        for role, status in zip(ROLES[1:], statuses, strict=True):
            cases.append(
                pytest.param(role, method, url, status, id=f"{role}-{method}-{url}")
            )
    return cases


@pytest.mark.parametrize(("role", "method", "url", "expected"), _session_cases())
def test_a_logged_in_user_with_a_csrf_token_gets_the_same_answers_as_with_a_token(
    world, request, session_client, csrf_headers, role, method, url, expected
):
    client = session_client(request.getfixturevalue(role))
    body = BODIES[_endpoint(url)][method]

    response = send(client, method, url, body, **csrf_headers(client))

    assert response.status_code == expected
    if expected >= 400:
        assert response.json() == problem(expected, method)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/teams/"),
        ("PATCH", "/api/v1/teams/aville-lab/"),
        ("PUT", "/api/v1/labs/old-town-lab/"),
        ("POST", "/api/v1/cases/"),
        ("PATCH", "/api/v1/cases/zeppelin-deliveries/"),
    ],
)
def test_a_session_write_without_a_csrf_token_is_refused(
    world, officer_a, session_client, method, url
):
    client = session_client(officer_a)
    before = client.get(url).json()  # A list for a POST: it must not grow.

    response = send(client, method, url, BODIES[_endpoint(url)][method])

    assert response.status_code == 403
    assert response.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "CSRF Failed: CSRF cookie not set.",
        "code": "permission_denied",
    }
    assert client.get(url).json() == before


def test_a_session_write_with_a_wrong_csrf_token_is_refused(
    world, officer_a, session_client, csrf_headers
):
    client = session_client(officer_a)
    csrf_headers(client)  # The cookie is set; the header does not match it.

    response = client.patch(
        "/api/v1/teams/aville-lab/",
        {"mandate": "Forged"},
        format="json",
        HTTP_X_CSRFTOKEN="x" * 32,
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed: CSRF token from the ")
    assert InnovationTeam.objects.get(slug="aville-lab").mandate == ""


def test_a_logged_in_reviewer_reads_their_citys_draft_without_a_csrf_token(
    world, reviewer_a, session_client
):
    response = session_client(reviewer_a).get("/api/v1/cases/zeppelin-deliveries/")

    assert (response.status_code, response.json()["status"]) == (200, "draft")


# --- Who sees a draft ---------------------------------------------------------------------

# fmt: off
DRAFT_VISIBILITY = [
    # role           detail  cases in the list (unpublished first, each part newest first)
    ("anonymous",    404,    ["harbour-buses", "open-benches"]),
    ("officer_a",    200,    ["quokka-census", "zeppelin-deliveries", "harbour-buses", "open-benches"]),
    ("officer_b",    404,    ["harbour-buses", "open-benches"]),
    ("reviewer_a",   200,    ["quokka-census", "zeppelin-deliveries", "harbour-buses", "open-benches"]),
    ("superuser",    200,    ["quokka-census", "zeppelin-deliveries", "harbour-buses", "open-benches"]),
    ("staff_user",   200,    ["quokka-census", "zeppelin-deliveries", "harbour-buses", "open-benches"]),
]
# fmt: on


@pytest.mark.parametrize(("role", "detail", "listed"), DRAFT_VISIBILITY)
def test_only_members_of_the_drafts_city_and_site_staff_see_a_draft(
    world, client_for, role, detail, listed
):
    client = client_for(role)

    listing = client.get("/api/v1/cases/", {"ordering": "newest"}).json()

    assert {**listing, "results": [case["slug"] for case in listing["results"]]} == {
        "count": len(listed),
        "next": None,
        "previous": None,
        "results": listed,
    }
    for slug in ("zeppelin-deliveries", "quokka-census"):
        assert client.get(f"/api/v1/cases/{slug}/").status_code == detail


def test_site_staff_read_every_draft_but_write_nothing(world, staff_user_client):
    read = staff_user_client.get("/api/v1/cases/zeppelin-deliveries/")
    changed = staff_user_client.patch(
        "/api/v1/cases/zeppelin-deliveries/", {"summary": "Changed"}, format="json"
    )
    created = staff_user_client.post(
        "/api/v1/cases/", BODIES["cases"]["POST"], format="json"
    )

    assert (read.status_code, read.json()["status"]) == (200, "draft")
    assert (changed.status_code, changed.json()) == (403, problem(403, "PATCH"))
    assert (created.status_code, created.json()) == (403, problem(403, "POST"))


# --- Drafts never leak to the public ----------------------------------------------------

PRIVATE = pytest.mark.parametrize(
    ("slug", "title", "word"),
    [
        ("zeppelin-deliveries", "Zeppelin deliveries", "zeppelin"),
        ("quokka-census", "Quokka census", "quokka"),
    ],
    ids=["draft", "submitted"],
)


def _slugs(page: dict[str, Any]) -> dict[str, Any]:
    """A list's whole envelope, with each case shown by its slug."""
    return {**page, "results": [case["slug"] for case in page["results"]]}


PUBLIC_LIST = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": ["harbour-buses", "open-benches"],
}
NOTHING = {"count": 0, "next": None, "previous": None, "results": []}


@PRIVATE
def test_a_private_case_is_not_in_the_anonymous_list_or_its_count(
    world, anon_client, slug, title, word
):
    assert _slugs(anon_client.get("/api/v1/cases/").json()) == PUBLIC_LIST
    assert _slugs(anon_client.get("/api/v1/cases/", {"city": "aville"}).json()) == {
        **PUBLIC_LIST,
        "count": 1,
        "results": ["open-benches"],
    }
    assert _slugs(anon_client.get("/api/v1/cases/", {"theme": "mobility"}).json()) == (
        NOTHING
    )
    assert _slugs(anon_client.get("/api/v1/cases/", {"year_max": 1999}).json()) == (
        NOTHING
    )


@PRIVATE
def test_a_private_case_is_not_found_by_an_anonymous_search(
    world, anon_client, officer_a_client, slug, title, word
):
    for params in ({"search": word}, {"q": word}, {"search": title}):
        assert _slugs(anon_client.get("/api/v1/cases/", params).json()) == NOTHING
    # The word does find the case, for those who may see it.
    found = _slugs(officer_a_client.get("/api/v1/cases/", {"search": word}).json())
    assert found == {**NOTHING, "count": 1, "results": [slug]}


@PRIVATE
def test_a_private_case_is_a_404_to_the_public_at_its_api_address(
    world, anon_client, officer_b_client, slug, title, word
):
    for client in (anon_client, officer_b_client):
        for method in ("GET", "HEAD"):
            response = send(client, method, f"/api/v1/cases/{slug}/")
            assert response.status_code == 404
        assert client.get(f"/api/v1/cases/{slug}/").json() == problem(404, "GET")


@PRIVATE
def test_options_on_a_private_case_says_no_more_than_on_an_address_with_no_case(
    world, anon_client, officer_b_client, slug, title, word
):
    for client in (anon_client, officer_b_client):
        private = client.options(f"/api/v1/cases/{slug}/")
        missing = client.options("/api/v1/cases/no-such-case/")
        assert (private.status_code, private.json()) == (200, missing.json())
        assert title not in private.text


def test_private_cases_count_in_no_public_figure(
    world, anon_client, officer_a_client, superuser_client
):
    stats = anon_client.get("/api/v1/stats/").json()

    assert stats["case_count"] == 2
    assert stats["cases_without_year"] == 0
    assert [(row["slug"], row["count"]) for row in stats["cases_by"]["year"]] == [
        ("2020", 1),
        ("2021", 1),
    ]
    assert [(row["slug"], row["count"]) for row in stats["cases_by"]["country"]] == [
        ("BE", 1),
        ("NL", 1),
    ]
    mobility = [row for row in stats["cases_by"]["theme"] if row["slug"] == "mobility"]
    assert [row["count"] for row in mobility] == [0]
    # The figures are the same for everyone, members of the draft's city included…
    assert officer_a_client.get("/api/v1/stats/").json() == stats
    assert superuser_client.get("/api/v1/stats/").json() == stats
    # … and the same as if the private cases did not exist.
    CaseStudy.objects.exclude(status="published").delete()
    assert anon_client.get("/api/v1/stats/").json() == stats


def test_private_cases_do_not_count_in_a_citys_published_case_count(
    world, anon_client, officer_a_client
):
    for client in (anon_client, officer_a_client):
        city = client.get("/api/v1/cities/aville/").json()
        listed = client.get("/api/v1/cities/").json()["results"]
        assert city["published_case_count"] == 1
        assert {c["slug"]: c["published_case_count"] for c in listed} == {
            "aville": 1,
            "beeburg": 1,
        }


# --- … nor on the website -----------------------------------------------------------------


@PRIVATE
def test_a_private_case_is_not_on_the_websites_case_list_or_its_facets(
    world, client, slug, title, word
):
    response = client.get("/en/cases/")

    assert [case.slug for case in response.context["cases"]] == [
        "harbour-buses",
        "open-benches",
    ]
    assert title not in response.text
    assert f"/en/cases/{slug}/" not in response.text
    themes = {f.value: f.count for f in response.context["facets"]["theme"]}
    assert "mobility" not in themes
    cities = {f.value: f.count for f in response.context["facets"]["city"]}
    assert cities == {"aville": 1, "beeburg": 1}


@PRIVATE
def test_a_private_case_is_not_found_by_the_websites_search(
    world, client, slug, title, word
):
    response = client.get("/en/cases/", {"q": word})

    assert response.status_code == 200
    assert list(response.context["cases"]) == []
    assert title not in response.text
    assert f"/en/cases/{slug}/" not in response.text


@PRIVATE
def test_a_private_case_has_no_page_on_the_website(
    world, client, officer_a, slug, title, word
):
    assert client.get(f"/en/cases/{slug}/").status_code == 404
    client.force_login(officer_a)  # Not even for its own officer: the site is public.
    assert client.get(f"/en/cases/{slug}/").status_code == 404


@PRIVATE
def test_a_private_case_is_in_no_export_or_feed(world, client, slug, title, word):
    exported_csv = b"".join(client.get("/en/cases/export.csv").streaming_content)
    csv_rows = list(csv.DictReader(io.StringIO(exported_csv.decode("utf-8-sig"))))
    exported_json = b"".join(client.get("/en/cases/export.json").streaming_content)
    json_rows = json.loads(exported_json)["cases"]
    feed = client.get("/en/cases/feed.atom").text
    searched_feed = client.get("/en/cases/feed.atom", {"q": word}).text

    assert [row["slug"] for row in csv_rows] == ["harbour-buses", "open-benches"]
    assert [row["slug"] for row in json_rows] == ["harbour-buses", "open-benches"]
    assert "Open benches (Aville)" in feed
    assert title not in feed
    assert title not in searched_feed
    assert slug not in feed


def test_the_fixtures_private_cases_are_what_the_leak_tests_assume(
    draft_case_a, submitted_case_a
):
    """Guards the leak tests against a fixture that quietly publishes its case."""
    assert [(draft_case_a.status, submitted_case_a.status)] == [("draft", "submitted")]
