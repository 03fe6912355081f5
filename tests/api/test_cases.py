"""Writing through the REST API: an officer of Bologna, with a personal token, creates
and updates Bologna's cases, teams, labs, strategies and funding programmes, and
nothing of any other city's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import ApiToken
from cities.models import City, FundingProgramme, InnovationTeam, Lab, Strategy
from cities.serializers import (
    FundingProgrammeSerializer,
    InnovationTeamSerializer,
    LabSerializer,
    StrategySerializer,
)
from innovation_cases.models import CaseStudy
from innovation_cases.serializers import CaseStudySerializer
from tests.factories import (
    CaseStudyFactory,
    DistrictFactory,
    InnovationTeamFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "http://testserver/api/v1"
PROBLEM = "application/problem+json"
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
INVALID_DETAIL = "The request has invalid values: see “errors”."
OWN_CITIES_ONLY = "You can change the records of your own cities only."


# --- Helpers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def write_clear_cache() -> Iterator[None]:
    """The throttles count requests in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Officer:
    user: Any
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_officer(username: str, *cities: City, role: str = "officer") -> Officer:
    user = UserFactory(username=username, email=f"{username}@example.org")
    for city in cities:
        MembershipFactory(user=user, city=city, role=role)
    _, token = ApiToken.issue(user=user, name="Import script")
    return Officer(user, token)


@pytest.fixture
def write_officer(demo: Any) -> Officer:
    """An officer of Bologna (whose demo records are a team, six districts with a lab
    each, a foundation and a published case), with a token. Vienna gets a district of
    its own, so that a district slug can belong to the wrong city."""
    DistrictFactory(
        city=City.objects.get(slug="vienna"), slug="leopoldstadt", name="Leopoldstadt"
    )
    return make_officer("bologna-officer", City.objects.get(slug="bologna"))


def send(
    client: Any,
    method: str,
    url: str,
    body: Any,
    officer: Officer | None = None,
    content_type: str = "application/json",
    **headers: str,
) -> Any:
    """A write; a dict or list body is sent as JSON. No response holds an email."""
    if officer is not None:
        headers.update(officer.auth)
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = getattr(client, method)(
        url, data, content_type=content_type, headers=headers
    )
    assert not EMAIL_RE.search(response.content.decode("utf-8", "replace"))
    return response


def read(client: Any, url: str, officer: Officer | None = None, **headers: str) -> Any:
    if officer is not None:
        headers.update(officer.auth)
    response = client.get(url, headers=headers)
    assert not EMAIL_RE.search(response.content.decode("utf-8", "replace"))
    return response


def invalid(errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": INVALID_DETAIL,
        "code": "invalid",
        "errors": errors,
    }


def problem(status: int, title: str, detail: str, code: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }


FORBIDDEN = problem(403, "Forbidden", OWN_CITIES_ONLY, "permission_denied")


def assert_problem(response: Any, expected: dict[str, Any]) -> None:
    assert response.status_code == expected["status"], response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json() == expected


def iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def ref(kind: str, slug: str, name: str) -> dict[str, str]:
    return {"url": f"{API}/{kind}/{slug}/", "slug": slug, "name": name}


BOLOGNA = {
    "url": f"{API}/cities/bologna/",
    "slug": "bologna",
    "name": "Bologna",
    "country": "IT",
}
IU_TEAM = ref(
    "teams", "fondazione-iu-rusconi-ghigi", "Fondazione IU Rusconi Ghigi (IU)"
)
NAVILE = {"url": f"{API}/districts/bologna/navile/", "slug": "navile", "name": "Navile"}


# --- Case studies: creating -------------------------------------------------------------

NEW_CASE = {
    "title": "Benches for Navile's streets",
    "city": "bologna",
    "district": "navile",
    "teams": ["fondazione-iu-rusconi-ghigi"],
    "partners": ["fondazione-iu-rusconi-ghigi", "lse-cities"],
    "summary": "Residents chose where the district's new benches go.",
    "challenge": "Few places to sit.",
    "approach": "- Walks with residents.",
    "results": "Forty benches.",
    "lessons_learned": "Ask first.",
    "innovation_types": ["adaptive"],
    "drivers": ["social", "political"],
    "approaches": ["co-production"],
    "themes": ["public-spaces", "neighbourhoods"],
    "lifecycle_stage": "implementing",
    "year_started": 2023,
    "year_ended": 2024,
}


def test_an_officer_creates_a_draft_case_of_their_city(client, write_officer):
    response = send(client, "post", "/api/v1/cases/", NEW_CASE, write_officer)

    assert response.status_code == 201, response.content
    case = CaseStudy.objects.get(slug="benches-for-naviles-streets")
    assert response["Location"] == f"{API}/cases/benches-for-naviles-streets/"
    assert response["ETag"]
    assert response.json() == {
        "url": f"{API}/cases/benches-for-naviles-streets/",
        "slug": "benches-for-naviles-streets",
        "title": "Benches for Navile's streets",
        "status": "draft",
        "city": BOLOGNA,
        "district": NAVILE,
        "teams": [IU_TEAM],
        "partners": [
            ref(
                "organisations",
                "fondazione-iu-rusconi-ghigi",
                "Fondazione IU Rusconi Ghigi",
            ),
            ref("organisations", "lse-cities", "LSE Cities"),
        ],
        "summary": "Residents chose where the district's new benches go.",
        "challenge": "Few places to sit.",
        "approach": "- Walks with residents.",
        "results": "Forty benches.",
        "lessons_learned": "Ask first.",
        "innovation_types": [{"slug": "adaptive", "name": "Adaptive"}],
        "drivers": [
            {"slug": "political", "name": "Political"},
            {"slug": "social", "name": "Social"},
        ],
        "approaches": [{"slug": "co-production", "name": "Citizens' co-production"}],
        "themes": [
            {"slug": "public-spaces", "name": "Public spaces"},
            {"slug": "neighbourhoods", "name": "Neighbourhoods and new towns"},
        ],
        "lifecycle_stage": {"slug": "implementing", "name": "Implementing"},
        "year_started": 2023,
        "year_ended": 2024,
        "published_at": None,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "sources": [],
        "image": None,
        "web_url": None,  # a draft has no public page
    }
    assert case.status == CaseStudy.Status.DRAFT
    assert case.created_by == write_officer.user
    assert case.updated_by == write_officer.user
    assert case.district.slug == "navile"
    assert case.district.city.slug == "bologna"
    assert sorted(case.partners.values_list("slug", flat=True)) == [
        "fondazione-iu-rusconi-ghigi",
        "lse-cities",
    ]


def test_the_etag_of_a_created_case_is_the_one_a_read_gives(client, write_officer):
    created = send(client, "post", "/api/v1/cases/", NEW_CASE, write_officer)

    again = read(client, created["Location"], write_officer)

    assert again.status_code == 200
    assert again.json() == created.json()
    assert again["ETag"] == created["ETag"]


def test_a_new_draft_is_hidden_from_the_public_but_seen_by_its_officer(
    client, write_officer
):
    url = send(client, "post", "/api/v1/cases/", NEW_CASE, write_officer)["Location"]

    assert read(client, url).status_code == 404
    public = read(client, "/api/v1/cases/?city=bologna").json()
    assert [c["slug"] for c in public["results"]] == ["bologna-neighbourhood-labs"]

    assert read(client, url, write_officer).status_code == 200
    own = read(client, "/api/v1/cases/?city=bologna", write_officer).json()
    assert sorted(c["slug"] for c in own["results"]) == [
        "benches-for-naviles-streets",
        "bologna-neighbourhood-labs",
    ]


def test_an_officer_of_another_city_cannot_see_the_draft(client, write_officer, demo):
    url = send(client, "post", "/api/v1/cases/", NEW_CASE, write_officer)["Location"]
    vienna_officer = make_officer("vienna-officer", City.objects.get(slug="vienna"))

    assert read(client, url, vienna_officer).status_code == 404


def test_a_slug_is_made_from_the_title_and_kept_unique(client, write_officer):
    body = {"title": "Bänke für Bologna", "city": "bologna", "summary": "Benches."}

    slugs = [
        send(client, "post", "/api/v1/cases/", body, write_officer).json()["slug"]
        for _ in range(3)
    ]

    assert slugs == ["banke-fur-bologna", "banke-fur-bologna-2", "banke-fur-bologna-3"]
    assert CaseStudy.objects.filter(title="Bänke für Bologna").count() == 3


def test_a_given_slug_is_used(client, write_officer):
    body = {**NEW_CASE, "slug": "navile-benches"}

    response = send(client, "post", "/api/v1/cases/", body, write_officer)

    assert response.status_code == 201
    assert response.json()["url"] == f"{API}/cases/navile-benches/"
    assert CaseStudy.objects.filter(slug="navile-benches").exists()


def test_a_case_may_be_submitted_for_review(client, write_officer):
    body = {**NEW_CASE, "status": "submitted"}

    response = send(client, "post", "/api/v1/cases/", body, write_officer)

    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    assert CaseStudy.objects.get(slug=response.json()["slug"]).status == "submitted"


@pytest.mark.parametrize("status", ["published", "archived"])
def test_an_officer_cannot_publish_or_archive_a_case(client, write_officer, status):
    before = CaseStudy.objects.count()

    response = send(
        client, "post", "/api/v1/cases/", {**NEW_CASE, "status": status}, write_officer
    )

    assert_problem(
        response,
        invalid(
            {
                "status": [
                    "Through the API a case is a draft or is submitted for review; "
                    "only a reviewer publishes or archives it."
                ]
            }
        ),
    )
    assert CaseStudy.objects.count() == before


def test_a_case_of_another_city_cannot_be_created(client, write_officer):
    before = CaseStudy.objects.count()
    body = {"title": "Vienna's new fund", "city": "vienna", "summary": "A fund."}

    response = send(client, "post", "/api/v1/cases/", body, write_officer)

    assert_problem(response, FORBIDDEN)
    assert CaseStudy.objects.count() == before
    assert not CaseStudy.objects.filter(title="Vienna's new fund").exists()


def test_writing_needs_a_valid_token(client, write_officer):
    body = {"title": "Anonymous", "city": "bologna", "summary": "No."}

    anonymous = send(client, "post", "/api/v1/cases/", body)
    wrong = send(
        client,
        "post",
        "/api/v1/cases/",
        body,
        Authorization="Bearer pia_not-a-real-token",
    )

    assert_problem(
        anonymous,
        problem(
            401,
            "Unauthorized",
            "Authentication credentials were not provided.",
            "not_authenticated",
        ),
    )
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="api"'
    assert_problem(
        wrong,
        problem(
            401,
            "Unauthorized",
            "The token is not valid, or it has been revoked.",
            "authentication_failed",
        ),
    )
    assert not CaseStudy.objects.filter(title="Anonymous").exists()


def test_a_reviewer_cannot_write_through_the_api(client, write_officer):
    reviewer = make_officer(
        "bologna-reviewer", City.objects.get(slug="bologna"), role="reviewer"
    )
    body = {"title": "Reviewed", "city": "bologna", "summary": "No."}

    response = send(client, "post", "/api/v1/cases/", body, reviewer)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not CaseStudy.objects.filter(title="Reviewed").exists()


# --- Case studies: invalid input ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"city": "atlantis"}, {"city": ["No record has the slug “atlantis”."]}),
        (
            {"district": "nowhere"},
            {"district": ["Bologna has no district with the slug “nowhere”."]},
        ),
        (
            {"district": "leopoldstadt"},  # Vienna's
            {"district": ["Bologna has no district with the slug “leopoldstadt”."]},
        ),
        ({"teams": ["no-team"]}, {"teams": ["No record has the slug “no-team”."]}),
        (
            {"teams": ["fondazione-iu-rusconi-ghigi", "imco-vienna"]},
            {"teams": ["These teams are not in Bologna: imco-vienna."]},
        ),
        ({"partners": ["nobody"]}, {"partners": ["No record has the slug “nobody”."]}),
        (
            {"innovation_types": ["disruptive"]},
            {"innovation_types": ["No record has the slug “disruptive”."]},
        ),
        ({"drivers": ["greed"]}, {"drivers": ["No record has the slug “greed”."]}),
        (
            {"approaches": ["magic"]},
            {"approaches": ["No record has the slug “magic”."]},
        ),
        (
            {"themes": ["mobility", "nope"]},
            {"themes": ["No record has the slug “nope”."]},
        ),
        (
            {"lifecycle_stage": "finished"},
            {"lifecycle_stage": ["No record has the slug “finished”."]},
        ),
        (
            {"year_started": 2024, "year_ended": 2020},
            {"year_ended": ["A case cannot end before it started."]},
        ),
        (
            {"year_started": 1700},
            {"year_started": ["Ensure this value is greater than or equal to 1800."]},
        ),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"title": None}, {"title": ["This field may not be null."]}),
        ({"status": "lost"}, {"status": ['"lost" is not a valid choice.']}),
    ],
)
def test_invalid_values_are_a_400_naming_each_field(
    client, write_officer, change, errors
):
    before = CaseStudy.objects.count()

    response = send(
        client, "post", "/api/v1/cases/", {**NEW_CASE, **change}, write_officer
    )

    assert_problem(response, invalid(errors))
    assert CaseStudy.objects.count() == before


def test_a_case_needs_a_title_a_city_and_a_summary(client, write_officer):
    response = send(client, "post", "/api/v1/cases/", {}, write_officer)

    assert_problem(
        response,
        invalid(
            {
                "title": ["This field is required."],
                "city": ["This field is required."],
                "summary": ["This field is required."],
            }
        ),
    )


SLUG_MESSAGE = "Give the record's slug, a text of letters, digits and hyphens."


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"title": "Benches\x00"}, {"title": ["Null characters are not allowed."]}),
        (
            {"summary": "Before\x00after"},
            {"summary": ["Null characters are not allowed."]},
        ),
        ({"slug": "benches\x00"}, {"slug": ["Null characters are not allowed."]}),
        ({"city": "bologna\x00"}, {"city": [SLUG_MESSAGE]}),
        ({"district": "\x00"}, {"district": [SLUG_MESSAGE]}),
        ({"themes": ["mobility\x00"]}, {"themes": [SLUG_MESSAGE]}),
        ({"lifecycle_stage": "implementing\x00"}, {"lifecycle_stage": [SLUG_MESSAGE]}),
    ],
)
def test_a_nul_byte_in_a_json_string_is_a_400(client, write_officer, change, errors):
    before = CaseStudy.objects.count()

    response = send(
        client, "post", "/api/v1/cases/", {**NEW_CASE, **change}, write_officer
    )

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"].keys() == errors.keys()
    for field, messages in errors.items():
        assert set(messages) <= set(response.json()["errors"][field])
    assert CaseStudy.objects.count() == before


@pytest.mark.parametrize("body", ["{not json", '{"title": "Benches"', "", "\x00"])
def test_a_body_that_is_not_json_is_a_400(client, write_officer, body):
    response = send(client, "post", "/api/v1/cases/", body, write_officer)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    payload = response.json()
    assert payload["status"] == 400
    assert payload["title"] == "Bad Request"
    assert payload["code"] in {"parse_error", "invalid"}
    assert payload["detail"]


def test_a_json_list_is_not_a_record(client, write_officer):
    response = send(client, "post", "/api/v1/cases/", [NEW_CASE], write_officer)

    assert_problem(
        response,
        invalid(
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
        ),
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "title=Benches&city=bologna&summary=S"),
        ("text/plain", json.dumps(NEW_CASE)),
        ("application/xml", "<case><title>Benches</title></case>"),
    ],
)
def test_a_body_that_is_not_json_by_its_type_is_a_415(
    client, write_officer, content_type, body
):
    before = CaseStudy.objects.count()

    response = send(
        client, "post", "/api/v1/cases/", body, write_officer, content_type=content_type
    )

    assert_problem(
        response,
        problem(
            415,
            "Unsupported Media Type",
            f'Unsupported media type "{content_type}" in request.',
            "unsupported_media_type",
        ),
    )
    assert CaseStudy.objects.count() == before


def test_a_multipart_form_is_a_415(client, write_officer):
    response = client.post(
        "/api/v1/cases/",
        {"title": "Benches", "city": "bologna", "summary": "S"},
        headers=write_officer.auth,
    )

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "unsupported_media_type"


# --- Case studies: updating -----------------------------------------------------------------


@pytest.fixture
def write_draft(write_officer: Officer) -> CaseStudy:
    """A draft case of Bologna's, with a team and a district."""
    case = CaseStudyFactory(
        slug="navile-benches",
        title="Benches for Navile",
        city=City.objects.get(slug="bologna"),
        district=City.objects.get(slug="bologna").districts.get(slug="navile"),
        summary="Residents chose where the benches go.",
        year_started=2023,
    )
    case.teams.set(InnovationTeam.objects.filter(slug="fondazione-iu-rusconi-ghigi"))
    return case


DRAFT = "/api/v1/cases/navile-benches/"


def test_an_officer_patches_a_draft(client, write_officer, write_draft):
    response = send(
        client,
        "patch",
        DRAFT,
        {"results": "Forty benches.", "themes": ["public-spaces"]},
        write_officer,
    )

    assert response.status_code == 200, response.content
    write_draft.refresh_from_db()
    assert response.json() == {
        "url": f"{API}/cases/navile-benches/",
        "slug": "navile-benches",
        "title": "Benches for Navile",
        "status": "draft",
        "city": BOLOGNA,
        "district": NAVILE,
        "teams": [IU_TEAM],
        "partners": [],
        "summary": "Residents chose where the benches go.",
        "challenge": "",
        "approach": "",
        "results": "Forty benches.",
        "lessons_learned": "",
        "innovation_types": [],
        "drivers": [],
        "approaches": [],
        "themes": [{"slug": "public-spaces", "name": "Public spaces"}],
        "lifecycle_stage": None,
        "year_started": 2023,
        "year_ended": None,
        "published_at": None,
        "created_at": iso(write_draft.created_at),
        "updated_at": iso(write_draft.updated_at),
        "sources": [],
        "image": None,
        "web_url": None,
    }
    assert response["ETag"] == read(client, DRAFT, write_officer)["ETag"]
    assert write_draft.results == "Forty benches."
    assert write_draft.updated_by == write_officer.user


def test_an_officer_puts_a_whole_draft(client, write_officer, write_draft):
    body = {
        "title": "Benches for all of Navile",
        "city": "bologna",
        "district": None,
        "teams": [],
        "summary": "Every street got a bench.",
        "status": "submitted",
        "year_started": 2022,
        "year_ended": 2023,
    }

    response = send(client, "put", DRAFT, body, write_officer)

    assert response.status_code == 200, response.content
    payload = response.json()
    assert payload["title"] == "Benches for all of Navile"
    assert payload["slug"] == "navile-benches"  # the slug stays
    assert payload["district"] is None
    assert payload["teams"] == []
    assert payload["status"] == "submitted"
    assert (payload["year_started"], payload["year_ended"]) == (2022, 2023)
    write_draft.refresh_from_db()
    assert write_draft.title == "Benches for all of Navile"
    assert write_draft.district is None
    assert not write_draft.teams.exists()
    assert write_draft.status == CaseStudy.Status.SUBMITTED


def test_a_put_without_a_required_field_is_a_400(client, write_officer, write_draft):
    response = send(client, "put", DRAFT, {"title": "Only a title"}, write_officer)

    assert_problem(
        response,
        invalid(
            {
                "city": ["This field is required."],
                "summary": ["This field is required."],
            }
        ),
    )
    write_draft.refresh_from_db()
    assert write_draft.title == "Benches for Navile"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_with_the_current_etag_succeeds(
    client, write_officer, write_draft, method
):
    etag = read(client, DRAFT, write_officer)["ETag"]
    body = {"title": "Benches", "city": "bologna", "summary": "Benches."}

    response = send(client, method, DRAFT, body, write_officer, If_Match=etag)

    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == read(client, DRAFT, write_officer)["ETag"]
    write_draft.refresh_from_db()
    assert write_draft.title == "Benches"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_with_a_stale_etag_is_a_412_and_changes_nothing(
    client, write_officer, write_draft, method
):
    stale = read(client, DRAFT, write_officer)["ETag"]
    send(client, "patch", DRAFT, {"results": "Someone else's edit."}, write_officer)
    before = read(client, DRAFT, write_officer).json()
    body = {"title": "Benches", "city": "bologna", "summary": "Benches."}

    response = send(client, method, DRAFT, body, write_officer, If_Match=stale)

    assert_problem(
        response,
        problem(
            412,
            "Precondition Failed",
            "The record has changed since you read it: its ETag no longer matches "
            "If-Match. Read it again, reapply your change and send it with the new "
            "ETag.",
            "precondition_failed",
        ),
    )
    assert read(client, DRAFT, write_officer).json() == before
    write_draft.refresh_from_db()
    assert write_draft.title == "Benches for Navile"
    assert write_draft.results == "Someone else's edit."


def test_an_etag_from_a_write_can_be_used_for_the_next_write(
    client, write_officer, write_draft
):
    first = send(client, "patch", DRAFT, {"results": "One."}, write_officer)

    second = send(
        client,
        "patch",
        DRAFT,
        {"results": "Two."},
        write_officer,
        If_Match=first["ETag"],
    )

    assert second.status_code == 200, second.content
    assert second.json()["results"] == "Two."


def test_an_update_without_if_match_is_allowed(client, write_officer, write_draft):
    response = send(client, "patch", DRAFT, {"results": "No ETag."}, write_officer)

    assert response.status_code == 200
    write_draft.refresh_from_db()
    assert write_draft.results == "No ETag."


def test_if_match_any_version_is_allowed(client, write_officer, write_draft):
    response = send(
        client, "patch", DRAFT, {"results": "Any."}, write_officer, If_Match="*"
    )

    assert response.status_code == 200


@pytest.mark.parametrize("status", ["published", "archived"])
def test_a_draft_cannot_be_published_by_an_update(
    client, write_officer, write_draft, status
):
    response = send(client, "patch", DRAFT, {"status": status}, write_officer)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]
    write_draft.refresh_from_db()
    assert write_draft.status == CaseStudy.Status.DRAFT


def test_a_submitted_case_written_as_a_draft_is_withdrawn_in_its_history(
    client, write_officer, write_draft
):
    write_draft.submit(by=write_officer.user)

    response = send(client, "patch", DRAFT, {"status": "draft"}, write_officer)

    assert response.status_code == 200, response.content
    write_draft.refresh_from_db()
    assert write_draft.status == CaseStudy.Status.DRAFT
    latest = write_draft.history.first()
    assert (latest.status, latest.history_user) == ("draft", write_officer.user)


@pytest.mark.parametrize(
    ("status", "wanted", "detail"),
    [
        (
            CaseStudy.Status.CHANGES_REQUESTED,
            "draft",
            "A case cannot go from “Changes requested” to “Draft” through the API. "
            "From here it can go to: “Submitted for review”.",
        ),
        (
            CaseStudy.Status.DRAFT,
            "changes_requested",
            "A case cannot go from “Draft” to “Changes requested” through the API. "
            "From here it can go to: “Submitted for review”.",
        ),
        (
            CaseStudy.Status.SUBMITTED,
            "changes_requested",
            "A case cannot go from “Submitted for review” to “Changes requested” "
            "through the API. From here it can go to: “Draft”.",
        ),
    ],
)
def test_a_status_no_officers_step_leads_to_is_a_409_and_changes_nothing(
    client, write_officer, write_draft, status, wanted, detail
):
    CaseStudy.objects.filter(pk=write_draft.pk).update(status=status)
    body = {"status": wanted, "results": "Not saved."}

    response = send(client, "patch", DRAFT, body, write_officer)

    assert_problem(response, problem(409, "Conflict", detail, "conflict"))
    write_draft.refresh_from_db()
    assert write_draft.status == status
    assert write_draft.results != "Not saved."
    assert not write_draft.reviews.exists()


def test_a_new_case_cannot_start_with_changes_requested(client, write_officer):
    body = {**NEW_CASE, "status": "changes_requested"}

    response = send(client, "post", "/api/v1/cases/", body, write_officer)

    assert response.status_code == 409
    assert not CaseStudy.objects.filter(title=NEW_CASE["title"]).exists()


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_published_case_cannot_be_updated(client, write_officer, method):
    case = CaseStudy.objects.get(slug="bologna-neighbourhood-labs")
    before = (case.title, case.summary, case.updated_at)
    body = {"title": "Changed", "city": "bologna", "summary": "Changed."}

    response = send(
        client, method, "/api/v1/cases/bologna-neighbourhood-labs/", body, write_officer
    )

    assert_problem(
        response,
        problem(
            409,
            "Conflict",
            "This case is published: it changes only through the review workflow, "
            "so that the public never sees an unreviewed text.",
            "conflict",
        ),
    )
    case.refresh_from_db()
    assert (case.title, case.summary, case.updated_at) == before


def test_an_archived_case_cannot_be_updated(client, write_officer, write_draft):
    CaseStudy.objects.filter(pk=write_draft.pk).update(status="archived")

    response = send(client, "patch", DRAFT, {"title": "Changed"}, write_officer)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    write_draft.refresh_from_db()
    assert write_draft.title == "Benches for Navile"


def test_a_case_cannot_be_moved_to_a_city_the_officer_does_not_hold(
    client, write_officer, write_draft
):
    before = read(client, DRAFT, write_officer).json()

    response = send(
        client,
        "patch",
        DRAFT,
        {"city": "vienna", "district": None, "teams": []},
        write_officer,
    )

    assert_problem(response, FORBIDDEN)
    assert read(client, DRAFT, write_officer).json() == before
    write_draft.refresh_from_db()
    assert write_draft.city.slug == "bologna"
    assert write_draft.district.slug == "navile"
    assert write_draft.teams.count() == 1


def test_moving_a_case_keeps_its_district_and_teams_in_its_city(
    client, write_officer, write_draft
):
    """An officer of both cities moves a case; what belonged to the old city must go
    with an explicit change, not linger in the new one."""
    MembershipFactory(user=write_officer.user, city=City.objects.get(slug="vienna"))

    keeps_district = send(client, "patch", DRAFT, {"city": "vienna"}, write_officer)
    keeps_teams = send(
        client, "patch", DRAFT, {"city": "vienna", "district": None}, write_officer
    )

    assert keeps_district.status_code == 400
    assert "district" in keeps_district.json()["errors"]
    assert keeps_teams.status_code == 400, keeps_teams.content
    assert "teams" in keeps_teams.json()["errors"]
    write_draft.refresh_from_db()
    assert write_draft.city.slug == "bologna"


def test_an_officer_cannot_update_another_citys_case(client, write_officer):
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")

    response = send(
        client,
        "patch",
        "/api/v1/cases/vienna-innovation-pitch-fund/",
        {"title": "Mine now"},
        write_officer,
    )

    assert_problem(response, FORBIDDEN)
    case.refresh_from_db()
    assert case.title == "Vienna's innovation pitch fund for city officers"


def test_another_citys_draft_is_not_found(client, write_officer):
    CaseStudyFactory(slug="vienna-draft", city=City.objects.get(slug="vienna"))

    response = send(
        client, "patch", "/api/v1/cases/vienna-draft/", {"title": "X"}, write_officer
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_case_cannot_be_deleted(client, write_officer, write_draft):
    response = client.delete(DRAFT, headers=write_officer.auth)

    assert response.status_code == 405
    assert CaseStudy.objects.filter(pk=write_draft.pk).exists()


# --- Teams ----------------------------------------------------------------------------------


def test_an_officer_creates_a_team(client, write_officer):
    body = {
        "name": "Bologna Digital Office",
        "city": "bologna",
        "kind": "in_house_unit",
        "year_established": 2019,
        "mandate": "Digital services for the city.",
        "staff_size": 12,
        "website": "https://example.org/digital",
        "parent": "fondazione-iu-rusconi-ghigi",
    }

    response = send(client, "post", "/api/v1/teams/", body, write_officer)

    assert response.status_code == 201, response.content
    team = InnovationTeam.objects.get(slug="bologna-digital-office")
    assert response["Location"] == f"{API}/teams/bologna-digital-office/"
    assert response.json() == {
        "url": f"{API}/teams/bologna-digital-office/",
        "slug": "bologna-digital-office",
        "name": "Bologna Digital Office",
        "city": BOLOGNA,
        "kind": "in_house_unit",
        "year_established": 2019,
        "mandate": "Digital services for the city.",
        "staff_size": 12,
        "website": "https://example.org/digital",
        "parent": IU_TEAM,
        "labs": [],
        "web_url": "http://testserver/teams/bologna-digital-office/",
        "updated_at": iso(team.updated_at),
    }
    assert team.parent.slug == "fondazione-iu-rusconi-ghigi"


def test_an_officer_updates_a_team(client, write_officer):
    url = "/api/v1/teams/fondazione-iu-rusconi-ghigi/"
    etag = read(client, url)["ETag"]

    response = send(
        client, "patch", url, {"staff_size": 30}, write_officer, If_Match=etag
    )

    assert response.status_code == 200, response.content
    assert response.json()["staff_size"] == 30
    assert (
        InnovationTeam.objects.get(slug="fondazione-iu-rusconi-ghigi").staff_size == 30
    )
    stale = send(client, "patch", url, {"staff_size": 1}, write_officer, If_Match=etag)
    assert stale.status_code == 412
    assert (
        InnovationTeam.objects.get(slug="fondazione-iu-rusconi-ghigi").staff_size == 30
    )


def test_an_empty_slug_for_a_relation_that_may_be_empty_is_none_as_the_schema_says(
    client, write_officer
):
    url = "/api/v1/teams/fondazione-iu-rusconi-ghigi/"
    schema = client.get("/api/schema/", {"format": "json"}).json()
    parent = schema["components"]["schemas"]["PatchedInnovationTeamRequest"][
        "properties"
    ]["parent"]
    assert parent["nullable"]
    assert re.fullmatch(parent["pattern"].strip("^$"), "")
    assert not re.fullmatch(parent["pattern"].strip("^$"), "not a slug")

    response = send(client, "patch", url, {"parent": ""}, write_officer)

    assert response.status_code == 200, response.content
    assert response.json()["parent"] is None


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"parent": "imco-vienna"},
            {"parent": ["The parent team must belong to the same city."]},
        ),
        (
            {"kind": "garage"},
            {"kind": ['"garage" is not a valid choice.']},
        ),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"city": "atlantis"}, {"city": ["No record has the slug “atlantis”."]}),
    ],
)
def test_an_invalid_team_is_a_400(client, write_officer, change, errors):
    before = InnovationTeam.objects.count()
    body = {"name": "New team", "city": "bologna", "kind": "in_house_unit", **change}

    response = send(client, "post", "/api/v1/teams/", body, write_officer)

    assert_problem(response, invalid(errors))
    assert InnovationTeam.objects.count() == before


def test_a_team_cannot_be_moved_to_another_city(client, write_officer):
    url = "/api/v1/teams/fondazione-iu-rusconi-ghigi/"

    response = send(client, "patch", url, {"city": "vienna"}, write_officer)

    assert_problem(response, FORBIDDEN)
    assert (
        InnovationTeam.objects.get(slug="fondazione-iu-rusconi-ghigi").city.slug
        == "bologna"
    )


# --- Labs ---------------------------------------------------------------------------------


def test_an_officer_creates_a_lab_in_a_district_of_the_teams_city(
    client, write_officer
):
    body = {
        "name": "Navile makerspace",
        "team": "fondazione-iu-rusconi-ghigi",
        "district": "navile",
        "description": "Tools for residents.",
        "municipal_staff_min": 1,
        "municipal_staff_max": 2,
        "partner_staff_min": 3,
        "partner_staff_max": 3,
    }

    response = send(client, "post", "/api/v1/labs/", body, write_officer)

    assert response.status_code == 201, response.content
    lab = Lab.objects.get(slug="navile-makerspace")
    assert response["Location"] == f"{API}/labs/navile-makerspace/"
    assert response.json() == {
        "url": f"{API}/labs/navile-makerspace/",
        "slug": "navile-makerspace",
        "name": "Navile makerspace",
        "team": IU_TEAM,
        "city": BOLOGNA,
        "district": NAVILE,
        "description": "Tools for residents.",
        "municipal_staff_min": 1,
        "municipal_staff_max": 2,
        "partner_staff_min": 3,
        "partner_staff_max": 3,
        "municipal_staff": "1–2",
        "partner_staff": "3",
        "updated_at": iso(lab.updated_at),
    }
    assert lab.district.city.slug == "bologna"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"district": "leopoldstadt"},
            {"district": ["Bologna has no district with the slug “leopoldstadt”."]},
        ),
        (
            {"district": "nowhere"},
            {"district": ["Bologna has no district with the slug “nowhere”."]},
        ),
        ({"team": "no-team"}, {"team": ["No record has the slug “no-team”."]}),
        (
            {"municipal_staff_min": 3, "municipal_staff_max": 2},
            {"municipal_staff_max": ["The most cannot be below the least."]},
        ),
    ],
)
def test_an_invalid_lab_is_a_400(client, write_officer, change, errors):
    before = Lab.objects.count()
    body = {"name": "New lab", "team": "fondazione-iu-rusconi-ghigi", **change}

    response = send(client, "post", "/api/v1/labs/", body, write_officer)

    assert_problem(response, invalid(errors))
    assert Lab.objects.count() == before


def test_an_officer_moves_a_lab_to_another_district_by_slug(client, write_officer):
    url = "/api/v1/labs/iu-lab-navile/"

    response = send(client, "patch", url, {"district": "savena"}, write_officer)

    assert response.status_code == 200, response.content
    assert response.json()["district"] == {
        "url": f"{API}/districts/bologna/savena/",
        "slug": "savena",
        "name": "Savena",
    }
    assert Lab.objects.get(slug="iu-lab-navile").district.slug == "savena"


def test_a_lab_cannot_move_to_a_team_of_another_city(client, write_officer):
    url = "/api/v1/labs/iu-lab-navile/"

    response = send(
        client, "patch", url, {"team": "imco-vienna", "district": None}, write_officer
    )

    assert_problem(response, FORBIDDEN)
    assert Lab.objects.get(slug="iu-lab-navile").team.slug == (
        "fondazione-iu-rusconi-ghigi"
    )


# --- Strategies ---------------------------------------------------------------------------


def test_an_officer_creates_a_strategy_with_innovation_types(client, write_officer):
    body = {
        "title": "Bologna innovation strategy, 2024-2030",
        "city": "bologna",
        "team": "fondazione-iu-rusconi-ghigi",
        "status": "adopted",
        "adopted_on": "2024-02-01",
        "period_start": 2024,
        "period_end": 2030,
        "document_url": "https://example.org/strategy.pdf",
        "summary": "Collaboration first.",
        "innovation_types": ["anticipatory", "adaptive"],
    }

    response = send(client, "post", "/api/v1/strategies/", body, write_officer)

    assert response.status_code == 201, response.content
    strategy = Strategy.objects.get(slug="bologna-innovation-strategy-2024-2030")
    assert response.json() == {
        "url": f"{API}/strategies/bologna-innovation-strategy-2024-2030/",
        "slug": "bologna-innovation-strategy-2024-2030",
        "title": "Bologna innovation strategy, 2024-2030",
        "city": BOLOGNA,
        "team": IU_TEAM,
        "status": "adopted",
        "adopted_on": "2024-02-01",
        "period_start": 2024,
        "period_end": 2030,
        "document_url": "https://example.org/strategy.pdf",
        "summary": "Collaboration first.",
        "innovation_types": [  # in the vocabulary's order
            {"slug": "adaptive", "name": "Adaptive"},
            {"slug": "anticipatory", "name": "Anticipatory"},
        ],
        "web_url": "http://testserver/strategies/bologna-innovation-strategy-2024-2030/",
        "updated_at": iso(strategy.updated_at),
    }
    assert sorted(strategy.innovation_types.values_list("slug", flat=True)) == [
        "adaptive",
        "anticipatory",
    ]
    assert City.objects.with_formal_strategy().filter(slug="bologna").exists()


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"innovation_types": ["disruptive"]},
            {"innovation_types": ["No record has the slug “disruptive”."]},
        ),
        (
            {"period_start": 2030, "period_end": 2024},
            {"period_end": ["The period cannot end before it starts."]},
        ),
        (
            {"team": "imco-vienna"},
            {"team": ["The owning team must belong to the same city."]},
        ),
        ({"status": "secret"}, {"status": ['"secret" is not a valid choice.']}),
    ],
)
def test_an_invalid_strategy_is_a_400(client, write_officer, change, errors):
    before = Strategy.objects.count()
    body = {"title": "A strategy", "city": "bologna", **change}

    response = send(client, "post", "/api/v1/strategies/", body, write_officer)

    assert_problem(response, invalid(errors))
    assert Strategy.objects.count() == before


def test_an_officer_updates_a_strategys_innovation_types(client, write_officer):
    created = send(
        client,
        "post",
        "/api/v1/strategies/",
        {"title": "A strategy", "city": "bologna", "innovation_types": ["adaptive"]},
        write_officer,
    )
    url = created["Location"]

    response = send(
        client,
        "patch",
        url,
        {"innovation_types": ["mission-oriented"], "status": "superseded"},
        write_officer,
        If_Match=created["ETag"],
    )

    assert response.status_code == 200, response.content
    assert response.json()["innovation_types"] == [
        {"slug": "mission-oriented", "name": "Mission-oriented"}
    ]
    strategy = Strategy.objects.get(slug="a-strategy")
    assert list(strategy.innovation_types.values_list("slug", flat=True)) == [
        "mission-oriented"
    ]
    assert strategy.status == Strategy.Status.SUPERSEDED


# --- Funding programmes -------------------------------------------------------------------


def test_an_officer_creates_a_funding_programme(client, write_officer):
    body = {
        "name": "Neighbourhood grants",
        "city": "bologna",
        "team": "fondazione-iu-rusconi-ghigi",
        "description": "Small grants for residents' projects.",
        "amount": "250000.50",
        "currency": "EUR",
        "allocation": "grant_call",
        "training_offered": True,
        "year": 2025,
    }

    response = send(client, "post", "/api/v1/funding-programmes/", body, write_officer)

    assert response.status_code == 201, response.content
    programme = FundingProgramme.objects.get(slug="neighbourhood-grants")
    assert response["Location"] == f"{API}/funding-programmes/neighbourhood-grants/"
    assert response.json() == {
        "url": f"{API}/funding-programmes/neighbourhood-grants/",
        "slug": "neighbourhood-grants",
        "name": "Neighbourhood grants",
        "city": BOLOGNA,
        "team": IU_TEAM,
        "description": "Small grants for residents' projects.",
        "amount": 250000.5,
        "currency": "EUR",
        "allocation": "grant_call",
        "training_offered": True,
        "year": 2025,
        "updated_at": iso(programme.updated_at),
    }
    assert str(programme.amount) == "250000.50"


def test_a_funding_programmes_currency_defaults_to_euros(client, write_officer):
    body = {"name": "Prize", "city": "bologna", "allocation": "challenge_prize"}

    response = send(client, "post", "/api/v1/funding-programmes/", body, write_officer)

    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "EUR"
    assert FundingProgramme.objects.get(slug="prize").currency == "EUR"


@pytest.mark.parametrize("currency", ["eur", "EURO", "EU", "E1R", "€", "EUR\x00", ""])
def test_a_currency_must_be_three_capital_letters(client, write_officer, currency):
    before = FundingProgramme.objects.count()
    body = {
        "name": "Fund",
        "city": "bologna",
        "allocation": "grant_call",
        "currency": currency,
    }

    response = send(client, "post", "/api/v1/funding-programmes/", body, write_officer)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == ["currency"]
    assert FundingProgramme.objects.count() == before


def test_an_officer_updates_a_funding_programme(client, write_officer):
    created = send(
        client,
        "post",
        "/api/v1/funding-programmes/",
        {"name": "Fund", "city": "bologna", "allocation": "grant_call"},
        write_officer,
    )

    response = send(
        client,
        "put",
        created["Location"],
        {
            "name": "Fund",
            "city": "bologna",
            "allocation": "participatory_budget",
            "currency": "CHF",
            "amount": 1000,
        },
        write_officer,
        If_Match=created["ETag"],
    )

    assert response.status_code == 200, response.content
    assert response.json()["allocation"] == "participatory_budget"
    assert response.json()["currency"] == "CHF"
    programme = FundingProgramme.objects.get(slug="fund")
    assert programme.currency == "CHF"
    assert programme.amount == 1000


def test_a_funding_programme_of_another_city_cannot_be_updated(client, write_officer):
    url = "/api/v1/funding-programmes/imco-innovation-project-funds/"

    response = send(client, "patch", url, {"amount": 1}, write_officer)

    assert_problem(response, FORBIDDEN)
    programme = FundingProgramme.objects.get(slug="imco-innovation-project-funds")
    assert programme.amount == 1500000


# --- Nothing is created in another city ---------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "model", "body"),
    [
        (
            "cases",
            CaseStudy,
            {"title": "Elsewhere", "city": "vienna", "summary": "S"},
        ),
        (
            "teams",
            InnovationTeam,
            {"name": "Elsewhere", "city": "vienna", "kind": "in_house_unit"},
        ),
        ("labs", Lab, {"name": "Elsewhere", "team": "imco-vienna"}),
        (
            "labs",
            Lab,
            {"name": "Elsewhere", "team": "imco-vienna", "district": "leopoldstadt"},
        ),
        ("strategies", Strategy, {"title": "Elsewhere", "city": "vienna"}),
        (
            "funding-programmes",
            FundingProgramme,
            {"name": "Elsewhere", "city": "vienna", "allocation": "grant_call"},
        ),
    ],
)
def test_creating_in_another_city_is_a_403_and_creates_nothing(
    client, write_officer, endpoint, model, body
):
    before = model.objects.count()

    response = send(client, "post", f"/api/v1/{endpoint}/", body, write_officer)

    assert_problem(response, FORBIDDEN)
    assert model.objects.count() == before


def test_a_user_with_no_city_cannot_write_at_all(client, write_officer):
    nobody = make_officer("no-city")
    InnovationTeamFactory(city=City.objects.get(slug="bologna"), slug="some-team")

    created = send(
        client,
        "post",
        "/api/v1/teams/",
        {"name": "Mine", "city": "bologna", "kind": "in_house_unit"},
        nobody,
    )
    updated = send(
        client, "patch", "/api/v1/teams/some-team/", {"staff_size": 3}, nobody
    )

    assert created.status_code == 403
    assert updated.status_code == 403
    assert not InnovationTeam.objects.filter(name="Mine").exists()


# --- Fields a write does not take ----------------------------------------------------------
# (Issue 14: a lab's read-only `city` in a POST raised SkipField, a 500.)

VALID_BODIES = {
    "cases": {"title": "Hostile bodies", "city": "bologna", "summary": "S."},
    "teams": {"name": "Hostile bodies", "city": "bologna", "kind": "in_house_unit"},
    "labs": {"name": "Hostile bodies", "team": "fondazione-iu-rusconi-ghigi"},
    "strategies": {"title": "Hostile bodies", "city": "bologna"},
    "funding-programmes": {
        "name": "Hostile bodies",
        "city": "bologna",
        "allocation": "grant_call",
    },
}
MODELS = {
    "cases": CaseStudy,
    "teams": InnovationTeam,
    "labs": Lab,
    "strategies": Strategy,
    "funding-programmes": FundingProgramme,
}
# Values of every JSON type, and the slugs of real records (of the officer's city and
# of another): none may reach the database through a field the endpoint does not take.
HOSTILE_VALUES = [
    "bologna",
    "vienna",
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "\u0000",
    "-" * 200,
    "<script>alert(1)</script>",
    [],
    ["vienna"],
    {},
    {"slug": "vienna"},
]


SERIALIZERS = {
    "cases": CaseStudySerializer,
    "teams": InnovationTeamSerializer,
    "labs": LabSerializer,
    "strategies": StrategySerializer,
    "funding-programmes": FundingProgrammeSerializer,
}


@pytest.mark.parametrize("endpoint", list(VALID_BODIES))
def test_read_only_fields_of_any_value_are_ignored_on_every_write(
    client, write_officer, endpoint
):
    fields = SERIALIZERS[endpoint]().fields
    read_only = sorted(name for name, field in fields.items() if field.read_only)
    assert "url" in read_only
    expected = send(
        client, "post", f"/api/v1/{endpoint}/", VALID_BODIES[endpoint], write_officer
    ).json()
    for value in HOSTILE_VALUES:
        body = {**VALID_BODIES[endpoint], **dict.fromkeys(read_only, value)}
        body["name" if "name" in body else "title"] = "Hostile bodies again"

        created = send(client, "post", f"/api/v1/{endpoint}/", body, write_officer)

        assert created.status_code == 201, (value, created.content)
        shown = created.json()
        record = MODELS[endpoint].objects.get(slug=shown["slug"])
        assert created["Location"] == f"{API}/{endpoint}/{record.slug}/"
        assert shown["url"] == created["Location"]
        if "city" in read_only:  # A lab's city is its team's, whatever is sent.
            assert shown["city"] == expected["city"] == BOLOGNA
        record.delete()


UNKNOWN_FIELD = (
    "This record has no field of this name: see the schema for those it takes."
)


@pytest.mark.parametrize("endpoint", list(VALID_BODIES))
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_an_unknown_field_is_a_400_naming_it_on_every_write(
    client, write_officer, endpoint, method
):
    model = MODELS[endpoint]
    made = send(
        client, "post", f"/api/v1/{endpoint}/", VALID_BODIES[endpoint], write_officer
    )
    url = f"/api/v1/{endpoint}/{made.json()['slug']}/"
    before = model.objects.count()
    body = {**VALID_BODIES[endpoint], "summery": "A typo.", "__proto__": {}}
    target = f"/api/v1/{endpoint}/" if method == "post" else url

    response = send(client, method, target, body, write_officer)

    assert_problem(
        response, invalid({"__proto__": [UNKNOWN_FIELD], "summery": [UNKNOWN_FIELD]})
    )
    assert model.objects.count() == before


@pytest.mark.parametrize("endpoint", list(VALID_BODIES))
def test_an_unknown_field_is_named_with_the_other_errors(
    client, write_officer, endpoint
):
    response = send(
        client, "post", f"/api/v1/{endpoint}/", {"nonsense": 1}, write_officer
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["nonsense"] == [UNKNOWN_FIELD]
    assert len(errors) > 1  # The missing required fields are named too.


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_labs_city_in_a_post_is_ignored_not_a_500(client, write_officer, value):
    """The reproduction from issue 14: any value for a lab's read-only city."""
    body = {**VALID_BODIES["labs"], "city": value}

    response = send(client, "post", "/api/v1/labs/", body, write_officer)

    assert response.status_code == 201, response.content
    assert response.json()["city"] == BOLOGNA
    assert Lab.objects.get(name="Hostile bodies").team.city.slug == "bologna"


def test_a_record_read_with_get_can_be_sent_back_with_put(client, write_officer):
    made = send(client, "post", "/api/v1/labs/", VALID_BODIES["labs"], write_officer)
    url = f"/api/v1/labs/{made.json()['slug']}/"
    shown = read(client, url, write_officer).json()
    body = {
        **shown,
        "team": shown["team"]["slug"],
        "district": None,
        "description": "Changed.",
    }

    response = send(client, "put", url, body, write_officer)

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Changed."


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_labs_city_in_an_invalid_post_is_a_400_not_a_500(
    client, write_officer, value
):
    """The reproduction from issue 14: the body is checked for the city's officers
    before its details, and the read-only city raised SkipField there."""
    response = send(client, "post", "/api/v1/labs/", {"city": value}, write_officer)

    assert_problem(
        response,
        invalid(
            {"name": ["This field is required."], "team": ["This field is required."]}
        ),
    )
