"""The cases endpoint: a case read whole at /api/v1/cases/<slug>/, anonymously (anyone
may read a published case), and an officer of Bologna, with a personal token, creating
and updating Bologna's cases, and no other city's.

The case list is test_case_list.py, its filters test_case_filters.py; ETags and
If-Match, test_conditional_requests.py.
"""

from __future__ import annotations

import pytest

from cities.models import City
from core.models import Driver, Theme
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, MembershipFactory, UserFactory

from .helpers import (
    API,
    BOLOGNA,
    DRAFT,
    FORBIDDEN,
    IU_TEAM,
    NAVILE,
    NEW_CASE,
    PROBLEM,
    api_slugs,
    assert_no_internal_ids,
    assert_problem,
    city_ref,
    get,
    invalid,
    iso,
    make_officer,
    problem,
    read,
    ref,
    send,
)

pytestmark = pytest.mark.django_db


# --- A case, whole ----------------------------------------------------------------------


def test_a_published_case_reads_as_the_whole_expected_payload(client, demo):
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")

    response = get(client, "/api/v1/cases/vienna-innovation-pitch-fund/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "url": f"{API}/cases/vienna-innovation-pitch-fund/",
        "slug": "vienna-innovation-pitch-fund",
        "title": "Vienna's innovation pitch fund for city officers",
        "status": "published",
        "city": city_ref("vienna", "Vienna", "AT"),
        "district": None,
        "teams": [
            {
                "url": f"{API}/teams/imco-vienna/",
                "slug": "imco-vienna",
                "name": "Innovation Management Coordination Office (IMCO)",
            }
        ],
        "partners": [],
        "original_language": "en",
        "translations": {},
        "summary": "Vienna's Innovation Management Coordination Office (IMCO) invites "
        "city officers to pitch for EUR 1.5 million of funds for innovation projects, "
        "and trains those who take part in innovation and pitching techniques.",
        "challenge": "To support innovation throughout city hall, and to create a "
        "culture that supports and welcomes new ideas.",
        "approach": "- The municipal government set up **IMCO**, with a remit and a "
        "budget to support innovation throughout city hall.\n"
        "- City officers are invited to pitch for **EUR 1.5 million** worth of funds "
        "for innovation projects.\n"
        "- Those taking part are given training in innovation and pitching "
        "techniques.",
        "results": "The sources describe the fund and the training. They report no "
        "evaluation of the funded projects.",
        "lessons_learned": "Much of IMCO's focus has been on culture: creating one "
        "that supports and welcomes new ideas, alongside the money to try them.",
        "innovation_types": [
            {"slug": "enhancement-oriented", "name": "Enhancement-oriented"}
        ],
        "drivers": [
            {"slug": "management", "name": "Management"},
            {
                "slug": "organisational-climate",
                "name": "Internal organisational climate",
            },
        ],
        "approaches": [],
        "themes": [
            {"slug": "government-capacity", "name": "Innovation capacity in government"}
        ],
        "lifecycle_stage": {"slug": "generating-ideas", "name": "Generating ideas"},
        # The sources report no evaluation: not yet known.
        "evidence": "unknown",
        # The four sections (50), the stage (5) and the source (15).
        "completeness": 70,
        "year_started": None,
        "year_ended": None,
        "published_at": iso(case.published_at),
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "sources": [
            {
                "title": "How cities are redefining the future of public innovation",
                "authors": "Ben Rogers (LSE Cities), Matúš Vallo (Mayor of Bratislava) "
                "and André Sobczak (Eurocities)",
                "publisher": "",
                "url": "",
                "published_on": "2025-11-17",
                "note": "IMCO, the EUR 1.5 million fund and the training. The "
                "classification by innovation type, approach, theme and stage is the "
                "Atlas's editorial reading of the source.",
            }
        ],
        "image": None,
        "web_url": "http://testserver/cases/vienna-innovation-pitch-fund/",
    }


def test_a_case_shows_its_partners_and_terms_as_small_objects(client, demo):
    response = get(client, "/api/v1/cases/bologna-neighbourhood-labs/")

    payload = response.json()
    assert payload["city"] == city_ref("bologna", "Bologna", "IT")
    assert payload["partners"] == [
        {
            "url": f"{API}/organisations/fondazione-iu-rusconi-ghigi/",
            "slug": "fondazione-iu-rusconi-ghigi",
            "name": "Fondazione IU Rusconi Ghigi",
        }
    ]
    assert payload["approaches"] == [  # in the vocabulary's order
        {
            "slug": "partnerships",
            "name": "Partnerships between government, citizens and civil society",
        },
        {"slug": "co-production", "name": "Citizens' co-production"},
    ]
    assert_no_internal_ids(payload)


def test_a_cases_image_reads_as_its_description_credit_and_renditions(client, demo):
    import io

    from PIL import Image

    from innovation_cases.images import process_upload

    buffer = io.BytesIO()
    Image.new("RGB", (1000, 500), (10, 20, 30)).save(buffer, "PNG")
    buffer.seek(0)
    case = CaseStudy.objects.get(slug="bologna-neighbourhood-labs")
    case.image = process_upload(buffer)
    case.image_alt, case.image_credit = "A lab", "Photo: the city, CC BY 4.0"
    case.save()

    image = get(client, "/api/v1/cases/bologna-neighbourhood-labs/").json()["image"]

    folder = case.image.name.rsplit("/", 1)[0]
    assert image == {
        "alt": "A lab",
        "credit": "Photo: the city, CC BY 4.0",
        "renditions": [
            {
                "url": f"http://testserver/media/{folder}/{w}x{h}.webp",
                "width": w,
                "height": h,
            }
            for w, h in [(400, 200), (800, 400), (1000, 500)]
        ],
    }
    rendition = client.get(image["renditions"][0]["url"])
    assert rendition.status_code == 200
    assert rendition["Content-Type"] == "image/webp"


def test_a_case_in_a_district_reads_as_the_whole_expected_payload(client, read_cases):
    case = read_cases["bologna-participatory-budget"]

    response = get(client, "/api/v1/cases/bologna-participatory-budget/")

    assert response.json() == {
        "url": f"{API}/cases/bologna-participatory-budget/",
        "slug": "bologna-participatory-budget",
        "title": "A participatory budget for Bologna",
        "status": "published",
        "city": city_ref("bologna", "Bologna", "IT"),
        "district": {
            "url": f"{API}/districts/bologna/navile/",
            "slug": "navile",
            "name": "Navile",
        },
        "teams": [],
        "partners": [],
        "original_language": "en",
        "translations": {},
        "summary": "A participatory budget for Bologna: a case made by the tests of "
        "the API.",
        "challenge": "",
        "approach": "",
        "results": "",
        "lessons_learned": "",
        "innovation_types": [{"slug": "anticipatory", "name": "Anticipatory"}],
        "drivers": [
            {"slug": "political", "name": Driver.objects.get(slug="political").name},
            {"slug": "social", "name": Driver.objects.get(slug="social").name},
        ],
        "approaches": [{"slug": "co-production", "name": "Citizens' co-production"}],
        "themes": [
            {
                "slug": "civic-participation",
                "name": Theme.objects.get(slug="civic-participation").name,
            }
        ],
        "lifecycle_stage": {
            "slug": "developing-proposals",
            "name": "Developing proposals",
        },
        "evidence": "unknown",
        "completeness": 10,  # the stage and the year
        "year_started": 2017,
        "year_ended": None,
        "published_at": iso(case.published_at),
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "sources": [],
        "image": None,
        "web_url": "http://testserver/cases/bologna-participatory-budget/",
    }


def test_no_response_names_who_wrote_a_case_or_their_email(client, demo):
    author = UserFactory(username="ximena-quill", email="ximena.quill@example.org")
    CaseStudy.objects.filter(slug="vienna-innovation-pitch-fund").update(
        created_by=author, updated_by=author
    )

    for url in [
        "/api/v1/cases/vienna-innovation-pitch-fund/",
        "/api/v1/cases/",
        "/api/v1/cities/vienna/",
        "/api/v1/teams/imco-vienna/",
        "/api/v1/stats/",
    ]:
        response = get(client, url)  # get() fails on any email in the body
        assert response.status_code == 200
        assert b"ximena" not in response.content
        assert_no_internal_ids(response.json())


def test_a_draft_is_not_found_by_anonymous_readers(client, read_cases):
    response = get(client, "/api/v1/cases/vienna-secret-draft/")

    assert_problem(
        response,
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "No CaseStudy matches the given query.",
            "code": "not_found",
        },
    )
    assert "vienna-secret-draft" not in api_slugs(
        get(client, "/api/v1/cases/?page_size=100")
    )


# --- Case studies: creating -------------------------------------------------------------


def test_an_officer_creates_a_draft_case_of_their_city(client, write_officer):
    body = {**NEW_CASE, "evidence": "reported"}
    response = send(client, "post", "/api/v1/cases/", body, write_officer)

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
        "original_language": "en",
        "translations": {},
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
        "evidence": "reported",
        # The four sections (50), the stage, the years (5 each) and the evidence.
        "completeness": 75,
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
    assert case.evidence == "reported"
    assert case.created_by == write_officer.user
    assert case.updated_by == write_officer.user
    assert case.district.slug == "navile"
    assert case.district.city.slug == "bologna"
    assert sorted(case.partners.values_list("slug", flat=True)) == [
        "fondazione-iu-rusconi-ghigi",
        "lse-cities",
    ]


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


# --- Case studies: updating -----------------------------------------------------------------


def test_an_officer_patches_a_draft(client, write_officer, write_draft):
    response = send(
        client,
        "patch",
        DRAFT,
        {
            "results": "Forty benches.",
            "themes": ["public-spaces"],
            "evidence": "measured",
        },
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
        "original_language": "en",
        "translations": {},
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
        "evidence": "measured",
        "completeness": 35,  # the results, the year and the evidence
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
    assert write_draft.evidence == "measured"
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
