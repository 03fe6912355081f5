"""Reading the REST API (/api/v1/): whole payloads, paging, filters (the same as the
website's), conditional GETs, query counts, CORS, throttling, the schema and 404s.

Every request here is anonymous: anyone may read the published records.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.throttling import AnonRateThrottle

from cities.models import City, District, FundingProgramme, InnovationTeam, Strategy
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases.engine import search as engine_search
from innovation_cases.models import CaseStudy
from innovation_cases.stats import site_statistics
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    OrganisationFactory,
    StrategyFactory,
    UserFactory,
    populate,
)

pytestmark = pytest.mark.django_db

API = "http://testserver/api/v1"
PROBLEM = "application/problem+json"
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
INVALID_DETAIL = "The request has invalid values: see “errors”."


# --- Helpers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def read_clear_cache() -> Iterator[None]:
    """The throttles count requests in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def get(client: Any, url: str, **headers: str) -> Any:
    """GET `url`; whatever it answers, no user's email is in it."""
    response = client.get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else None
    content = body if body is not None else response.content
    assert not EMAIL_RE.search(content.decode("utf-8", "replace")), content[:500]
    return response


def keys_of(data: Any) -> set[str]:
    """Every key of every object in a JSON document."""
    if isinstance(data, dict):
        return set(data).union(*(keys_of(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(keys_of(v) for v in data))
    return set()


def assert_no_internal_ids(data: Any) -> None:
    keys = keys_of(data)
    assert not keys & {"id", "pk", "created_by", "updated_by", "email"}, keys
    assert not [key for key in keys if key.endswith("_id")], keys


def api_slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [record["slug"] for record in response.json()["results"]]


def html_slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [case.slug for case in response.context["cases"]]


def invalid(errors: dict[str, list[str]]) -> dict[str, Any]:
    """The problem document of a 400 for invalid values."""
    return {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": INVALID_DETAIL,
        "code": "invalid",
        "errors": errors,
    }


def assert_problem(response: Any, expected: dict[str, Any]) -> None:
    assert response.status_code == expected["status"], response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json() == expected


def iso(value: datetime.datetime | None) -> str | None:
    """A datetime as the API writes it: ISO 8601 in the site's time zone."""
    return timezone.localtime(value).isoformat() if value else None


def city_ref(slug: str, name: str, country: str) -> dict[str, str]:
    return {
        "url": f"{API}/cities/{slug}/",
        "slug": slug,
        "name": name,
        "country": country,
    }


def published_on(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 9, 0, tzinfo=datetime.UTC)


def make_case(
    slug: str,
    title: str,
    city: Any,
    *,
    published_at: datetime.datetime | None,
    year: int | None,
    types: tuple[str, ...] = (),
    drivers: tuple[str, ...] = (),
    approaches: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    stage: str | None = None,
    district: District | None = None,
) -> CaseStudy:
    status = CaseStudy.Status.PUBLISHED if published_at else CaseStudy.Status.DRAFT
    case = CaseStudyFactory(
        slug=slug,
        title=title,
        city=city,
        district=district,
        status=status,
        published_at=published_at,
        year_started=year,
        summary=f"{title}: a case made by the tests of the API.",
        lifecycle_stage=LifecycleStage.objects.get(slug=stage) if stage else None,
    )
    case.innovation_types.set(InnovationType.objects.filter(slug__in=types))
    case.drivers.set(Driver.objects.filter(slug__in=drivers))
    case.approaches.set(Approach.objects.filter(slug__in=approaches))
    case.themes.set(Theme.objects.filter(slug__in=themes))
    return case


@pytest.fixture
def read_cases(demo: Any) -> dict[str, CaseStudy]:
    """The demo's two cases, four more published ones and a draft, spread over four
    countries, every vocabulary and several years.

    Newest first: vienna-innovation-pitch-fund, bologna-neighbourhood-labs (the demo's,
    published when loaded), vienna-cool-streets, ghent-bus-lanes,
    bratislava-e-services, bologna-participatory-budget.
    """
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    bologna = demo_city("bologna")
    vienna = demo_city("vienna")
    bratislava = demo_city("bratislava")
    made = {
        case.slug: case
        for case in [
            make_case(
                "ghent-bus-lanes",
                "Bus lanes for Ghent",
                ghent,
                published_at=published_on(2024, 1, 10),
                year=2019,
                types=("adaptive",),
                drivers=("political",),
                approaches=("digital-smart-mobility",),
                themes=("mobility",),
                stage="implementing",
            ),
            make_case(
                "vienna-cool-streets",
                "Cool streets for Vienna",
                vienna,
                published_at=published_on(2024, 3, 1),
                year=2021,
                types=("mission-oriented", "adaptive"),
                drivers=("ecological",),
                approaches=("co-design-public-spaces",),
                themes=("climate", "public-spaces"),
                stage="evaluating",
            ),
            make_case(
                "bratislava-e-services",
                "Digital services for Bratislava",
                bratislava,
                published_at=published_on(2023, 6, 1),
                year=2015,
                types=("enhancement-oriented",),
                drivers=("technological",),
                approaches=("partnerships",),
                themes=("digital-services",),
                stage="diffusing-lessons",
            ),
            make_case(
                "bologna-participatory-budget",
                "A participatory budget for Bologna",
                bologna,
                published_at=published_on(2022, 9, 1),
                year=2017,
                types=("anticipatory",),
                drivers=("social", "political"),
                approaches=("co-production",),
                themes=("civic-participation",),
                stage="developing-proposals",
                district=District.objects.get(city=bologna, slug="navile"),
            ),
            make_case(
                "vienna-secret-draft",
                "Secret draft about lanes in Vienna",
                vienna,
                published_at=None,
                year=2020,
                types=("adaptive",),
                drivers=("political",),
                approaches=("co-production",),
                themes=("mobility", "homelessness"),
                stage="implementing",
            ),
        ]
    }
    return made


def demo_city(slug: str) -> City:
    return City.objects.get(slug=slug)


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


# --- Paging ---------------------------------------------------------------------------


def test_the_list_pages_with_count_next_and_previous(client, demo):
    vienna = get(client, "/api/v1/cases/vienna-innovation-pitch-fund/").json()
    bologna = get(client, "/api/v1/cases/bologna-neighbourhood-labs/").json()

    first = get(client, "/api/v1/cases/?page_size=1")
    second = get(client, first.json()["next"])
    last = get(client, "/api/v1/cases/?page=last&page_size=1")

    assert first.json() == {
        "count": 2,
        "next": f"{API}/cases/?page=2&page_size=1",
        "previous": None,
        "results": [vienna],
    }
    assert second.json() == {
        "count": 2,
        "next": None,
        "previous": f"{API}/cases/?page_size=1",
        "results": [bologna],
    }
    assert last.json() == second.json()


def test_the_default_page_is_twenty_records(client, demo):
    CaseStudyFactory.create_batch(25, published=True)

    response = get(client, "/api/v1/cases/")

    payload = response.json()
    assert payload["count"] == 27
    assert len(payload["results"]) == 20
    assert payload["next"] == f"{API}/cases/?page=2"
    assert payload["previous"] is None


def test_a_page_size_over_100_gives_100_records_a_page(client, demo):
    CaseStudyFactory.create_batch(105, published=True)

    first = get(client, "/api/v1/cases/?page_size=500")
    second = get(client, "/api/v1/cases/?page=2&page_size=500")

    assert first.status_code == 200
    assert first.json()["count"] == 107
    assert len(first.json()["results"]) == 100
    assert first.json()["next"] == f"{API}/cases/?page=2&page_size=500"
    assert len(second.json()["results"]) == 7
    assert second.json()["next"] is None
    assert not {r["slug"] for r in first.json()["results"]} & {
        r["slug"] for r in second.json()["results"]
    }


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("page=0", "page", "Give a page number from 1."),
        ("page=-1", "page", "Give a page number from 1."),
        ("page=abc", "page", "Give a page number from 1."),
        ("page=1.5", "page", "Give a page number from 1."),
        ("page=%D9%A1", "page", "Give a page number from 1."),  # an Arabic-Indic 1
        ("page_size=0", "page_size", "Give a whole number from 1 to 100."),
        ("page_size=-5", "page_size", "Give a whole number from 1 to 100."),
        ("page_size=ten", "page_size", "Give a whole number from 1 to 100."),
        ("page_size=1e3", "page_size", "Give a whole number from 1 to 100."),
    ],
)
def test_a_malformed_page_or_page_size_is_a_400_naming_the_parameter(
    client, demo, query, param, message
):
    response = get(client, f"/api/v1/cases/?{query}")

    assert_problem(response, invalid({param: [message]}))


def test_a_page_past_the_end_is_a_404_problem(client, demo):
    response = get(client, "/api/v1/cases/?page=3&page_size=1")

    assert_problem(
        response,
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "Invalid page.",
            "code": "not_found",
        },
    )


# --- Filters: the website's, on the API ---------------------------------------------------

NEWEST = [
    "vienna-innovation-pitch-fund",
    "bologna-neighbourhood-labs",
    "vienna-cool-streets",
    "ghent-bus-lanes",
    "bratislava-e-services",
    "bologna-participatory-budget",
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", NEWEST),
        ("q=lanes", ["ghent-bus-lanes"]),
        ("search=lanes", ["ghent-bus-lanes"]),
        ("q=participatory", ["bologna-participatory-budget"]),
        ("city=vienna", ["vienna-innovation-pitch-fund", "vienna-cool-streets"]),
        (
            "city=vienna,ghent",
            ["vienna-innovation-pitch-fund", "vienna-cool-streets", "ghent-bus-lanes"],
        ),
        (
            "city=vienna&city=ghent",
            ["vienna-innovation-pitch-fund", "vienna-cool-streets", "ghent-bus-lanes"],
        ),
        ("country=BE", ["ghent-bus-lanes"]),
        (
            "country=at,sk",
            [
                "vienna-innovation-pitch-fund",
                "vienna-cool-streets",
                "bratislava-e-services",
            ],
        ),
        (
            "innovation_type=adaptive",
            ["bologna-neighbourhood-labs", "vienna-cool-streets", "ghent-bus-lanes"],
        ),
        (
            "innovation_type=anticipatory,mission-oriented",
            ["vienna-cool-streets", "bologna-participatory-budget"],
        ),
        ("driver=political", ["ghent-bus-lanes", "bologna-participatory-budget"]),
        (
            "driver=management,technological",
            ["vienna-innovation-pitch-fund", "bratislava-e-services"],
        ),
        (
            "approach=co-production",
            ["bologna-neighbourhood-labs", "bologna-participatory-budget"],
        ),
        ("theme=mobility", ["ghent-bus-lanes"]),
        (
            "theme=climate,digital-services",
            ["vienna-cool-streets", "bratislava-e-services"],
        ),
        (
            "lifecycle_stage=implementing",
            ["bologna-neighbourhood-labs", "ghent-bus-lanes"],
        ),
        # `stage`: the deprecated alias of lifecycle_stage, as first published.
        ("stage=implementing", ["bologna-neighbourhood-labs", "ghent-bus-lanes"]),
        (
            "lifecycle_stage=evaluating&stage=diffusing-lessons",
            ["vienna-cool-streets", "bratislava-e-services"],
        ),
        (
            "year_min=2017",
            ["vienna-cool-streets", "ghent-bus-lanes", "bologna-participatory-budget"],
        ),
        ("year_max=2017", ["bratislava-e-services", "bologna-participatory-budget"]),
        (
            "year_min=2016&year_max=2020",
            ["ghent-bus-lanes", "bologna-participatory-budget"],
        ),
        ("ordering=newest", NEWEST),
        ("ordering=oldest", NEWEST[::-1]),
        ("ordering=relevance", NEWEST),  # without a search: newest first
        (
            "ordering=title",
            [
                "bologna-participatory-budget",  # A participatory budget…
                "ghent-bus-lanes",  # Bus lanes…
                "vienna-cool-streets",  # Cool streets…
                "bratislava-e-services",  # Digital services…
                "bologna-neighbourhood-labs",  # Neighbourhood labs…
                "vienna-innovation-pitch-fund",  # Vienna's innovation…
            ],
        ),
        (
            "ordering=-title",
            [
                "vienna-innovation-pitch-fund",
                "bologna-neighbourhood-labs",
                "bratislava-e-services",
                "vienna-cool-streets",
                "ghent-bus-lanes",
                "bologna-participatory-budget",
            ],
        ),
        (
            "year_min=1900&ordering=year",
            [
                "bratislava-e-services",
                "bologna-participatory-budget",
                "ghent-bus-lanes",
                "vienna-cool-streets",
            ],
        ),
        (
            "year_min=1900&ordering=-year",
            [
                "vienna-cool-streets",
                "ghent-bus-lanes",
                "bologna-participatory-budget",
                "bratislava-e-services",
            ],
        ),
        (
            "theme=mobility,civic-participation&country=IT",
            ["bologna-neighbourhood-labs", "bologna-participatory-budget"],
        ),
        ("city=ghent&theme=climate", []),
    ],
)
def test_every_case_filter_gives_the_websites_results(
    client, read_cases, query, expected
):
    api = get(client, f"/api/v1/cases/?page_size=100&{query}")
    website = client.get(f"/cases/?{query}")

    assert api_slugs(api) == expected
    assert html_slugs(website) == expected
    assert api.json()["count"] == len(expected)


def test_filtered_results_are_whole_records_and_their_links_keep_the_filters(
    client, read_cases
):
    response = get(client, "/api/v1/cases/?theme=climate,digital-services&page_size=1")

    payload = response.json()
    assert payload["count"] == 2
    assert payload["previous"] is None
    assert (
        payload["next"]
        == f"{API}/cases/?page=2&page_size=1&theme=climate%2Cdigital-services"
    )
    assert payload["results"] == [
        get(client, "/api/v1/cases/vienna-cool-streets/").json()
    ]
    assert payload["results"][0]["themes"] == [
        {"slug": "climate", "name": "Climate and zero-carbon economy"},
        {"slug": "public-spaces", "name": "Public spaces"},
    ]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("theme=nope", {"theme": ["“nope” is not a known value."]}),
        ("city=vienna,atlantis", {"city": ["“atlantis” is not a known value."]}),
        (
            "innovation_type=adaptive&innovation_type=nope",
            {"innovation_type": ["“nope” is not a known value."]},
        ),
        ("driver=Not%20A%20Slug", {"driver": ["“Not A Slug” is not a known value."]}),
        ("approach=nope", {"approach": ["“nope” is not a known value."]}),
        (
            "lifecycle_stage=nope",
            {"lifecycle_stage": ["“nope” is not a known value."]},
        ),
        # The alias's values are the parameter's, and so are its errors.
        ("stage=nope", {"lifecycle_stage": ["“nope” is not a known value."]}),
        (
            "country=XX",
            {
                "country": [
                    "Select a valid choice. XX is not one of the available choices."
                ]
            },
        ),
        ("year_min=abc", {"year_min": ["Enter a whole number."]}),
        ("year_max=2020.5", {"year_max": ["Enter a whole number."]}),
        (
            "year_min=1700",
            {"year_min": ["Ensure this value is greater than or equal to 1800."]},
        ),
        (
            "ordering=zzz",
            {
                "ordering": [
                    "Select a valid choice. zzz is not one of the available choices."
                ]
            },
        ),
        (
            "q=" + "x" * 201,
            {"q": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
    ],
)
def test_a_bad_filter_value_is_a_400_problem_naming_the_parameter(
    client, read_cases, query, errors
):
    response = get(client, f"/api/v1/cases/?{query}")

    assert_problem(response, invalid(errors))
    assert client.get(f"/cases/?{query}").status_code == 400  # as on the website


NUL_MESSAGE = "A NUL byte is not allowed in a query parameter."


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("q=a%00b", "q"),
        ("search=%00", "search"),
        ("city=vienna%00", "city"),
        ("country=AT%00", "country"),
        ("innovation_type=%00adaptive", "innovation_type"),
        ("driver=%00", "driver"),
        ("approach=%00", "approach"),
        ("theme=mobility,%00", "theme"),
        ("lifecycle_stage=%00", "lifecycle_stage"),
        ("stage=%00", "stage"),
        ("year_min=20%0020", "year_min"),
        ("year_max=%00", "year_max"),
        ("ordering=title%00", "ordering"),
        ("page=%00", "page"),
        ("page_size=1%00", "page_size"),
        ("unknown=%00", "unknown"),
        ("unknown%00=1", "unknown\\0"),
    ],
)
def test_a_nul_byte_in_any_query_parameter_is_a_400_problem(
    client, read_cases, query, param
):
    response = get(client, f"/api/v1/cases/?{query}")

    assert_problem(response, invalid({param: [NUL_MESSAGE]}))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cities/?search=%00",
        "/api/v1/districts/?city=%00",
        "/api/v1/teams/?kind=%00",
        "/api/v1/labs/?team=%00",
        "/api/v1/strategies/?status=%00",
        "/api/v1/funding-programmes/?allocation=%00",
        "/api/v1/organisations/?page=%00",
        "/api/v1/themes/?x=%00",
        "/api/v1/stats/?x=%00",
    ],
)
def test_a_nul_byte_is_refused_by_every_endpoint(client, demo, url):
    response = get(client, url)

    param = url.split("?")[1].split("=")[0]
    assert_problem(response, invalid({param: [NUL_MESSAGE]}))


# --- Filters of the other endpoints -------------------------------------------------------


@pytest.fixture
def read_capacity(demo: Any) -> None:
    """Beside the demo's records: a Ghent team, a lab of IMCO's in a Vienna district,
    three strategies and a grant call in Bologna."""
    vienna = demo_city("vienna")
    bologna = demo_city("bologna")
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    InnovationTeamFactory(
        city=ghent,
        slug="ghent-digital",
        name="Digital Ghent",
        kind=InnovationTeam.Kind.IN_HOUSE_UNIT,
    )
    leopoldstadt = DistrictFactory(
        city=vienna, slug="leopoldstadt", name="Leopoldstadt"
    )
    LabFactory(
        team=InnovationTeam.objects.get(slug="imco-vienna"),
        district=leopoldstadt,
        slug="imco-lab-leopoldstadt",
        name="IMCO lab, Leopoldstadt",
    )
    StrategyFactory(
        city=vienna,
        slug="vienna-innovation-strategy",
        title="Vienna innovation strategy",
        status=Strategy.Status.ADOPTED,
    )
    StrategyFactory(
        city=vienna,
        slug="vienna-old-strategy",
        title="Vienna old strategy",
        status=Strategy.Status.SUPERSEDED,
    )
    StrategyFactory(
        city=bologna,
        slug="bologna-draft-strategy",
        title="Bologna draft strategy",
        status=Strategy.Status.DRAFT,
    )
    FundingProgrammeFactory(
        city=bologna,
        slug="bologna-civic-grants",
        name="Civic grants",
        allocation=FundingProgramme.Allocation.GRANT_CALL,
    )


BOLOGNA_LABS = [
    f"iu-lab-{slug}"
    for slug in [
        "borgo-panigale-reno",
        "navile",
        "porto-saragozza",
        "san-donato-san-vitale",
        "santo-stefano",
        "savena",
    ]
]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/cities/", ["bologna", "bratislava", "ghent", "vienna"]),
        ("/api/v1/cities/?country=AT", ["vienna"]),
        ("/api/v1/cities/?country=it,sk", ["bologna", "bratislava"]),
        ("/api/v1/cities/?country=IT&country=BE", ["bologna", "ghent"]),
        ("/api/v1/cities/?search=VIEN", ["vienna"]),
        ("/api/v1/cities/?search=brat", ["bratislava"]),
        ("/api/v1/cities/?search=atlantis", []),
        ("/api/v1/teams/?city=vienna", ["imco-vienna"]),
        ("/api/v1/teams/?city=vienna&kind=coordination_office", ["imco-vienna"]),
        ("/api/v1/teams/?city=vienna&kind=in_house_unit", []),
        (
            "/api/v1/teams/?kind=in_house_unit,independent_foundation",
            ["fondazione-iu-rusconi-ghigi", "ghent-digital"],
        ),
        (
            "/api/v1/teams/?city=bologna,ghent",
            ["fondazione-iu-rusconi-ghigi", "ghent-digital"],
        ),
        ("/api/v1/labs/?city=bologna", BOLOGNA_LABS),
        ("/api/v1/labs/?city=vienna", ["imco-lab-leopoldstadt"]),
        ("/api/v1/labs/?team=imco-vienna", ["imco-lab-leopoldstadt"]),
        ("/api/v1/labs/?team=fondazione-iu-rusconi-ghigi", BOLOGNA_LABS),
        ("/api/v1/labs/?team=ghent-digital", []),
        ("/api/v1/strategies/?status=adopted", ["vienna-innovation-strategy"]),
        (
            "/api/v1/strategies/?status=draft,superseded",
            ["bologna-draft-strategy", "vienna-old-strategy"],
        ),
        (
            "/api/v1/funding-programmes/?allocation=pitch_competition",
            ["imco-innovation-project-funds"],
        ),
        (
            "/api/v1/funding-programmes/?allocation=grant_call",
            ["bologna-civic-grants"],
        ),
        ("/api/v1/funding-programmes/?allocation=challenge_prize", []),
        (
            "/api/v1/districts/?city=bologna",
            [
                "borgo-panigale-reno",
                "navile",
                "porto-saragozza",
                "san-donato-san-vitale",
                "santo-stefano",
                "savena",
            ],
        ),
        ("/api/v1/districts/?city=vienna", ["leopoldstadt"]),
        ("/api/v1/districts/?city=ghent", []),
    ],
)
def test_the_other_endpoints_filter_their_records(client, read_capacity, url, expected):
    response = get(client, url)

    assert api_slugs(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("url", "errors"),
    [
        (
            "/api/v1/cities/?country=ZZ",
            {
                "country": [
                    "Select a valid choice. ZZ is not one of the available choices."
                ]
            },
        ),
        (
            "/api/v1/teams/?kind=garage",
            {
                "kind": [
                    "Select a valid choice. garage is not one of the available choices."
                ]
            },
        ),
        (
            "/api/v1/teams/?city=atlantis",
            {"city": ["“atlantis” is not a known value."]},
        ),
        ("/api/v1/labs/?team=nope", {"team": ["“nope” is not a known value."]}),
        (
            "/api/v1/strategies/?status=secret",
            {
                "status": [
                    "Select a valid choice. secret is not one of the available choices."
                ]
            },
        ),
        (
            "/api/v1/funding-programmes/?allocation=lottery",
            {
                "allocation": [
                    "Select a valid choice. lottery is not one of the available "
                    "choices."
                ]
            },
        ),
        ("/api/v1/districts/?city=nope", {"city": ["“nope” is not a known value."]}),
    ],
)
def test_a_bad_filter_value_on_another_endpoint_is_a_400_problem(
    client, read_capacity, url, errors
):
    assert_problem(get(client, url), invalid(errors))


def test_a_filtered_city_list_is_the_whole_payload(client, demo):
    vienna = demo_city("vienna")

    response = get(client, "/api/v1/cities/?country=AT")

    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "url": f"{API}/cities/vienna/",
                "slug": "vienna",
                "name": "Vienna",
                "country": "AT",
                "country_name": "Austria",
                "region": "",
                "population": None,
                "latitude": None,
                "longitude": None,
                "website": "",
                "summary": "Vienna's municipal government set up the Innovation "
                "Management Coordination Office (IMCO) to support innovation "
                "throughout city hall.",
                "has_dedicated_team": True,
                "has_formal_strategy": False,
                "published_case_count": 1,
                "districts": [],
                "teams": [
                    {
                        "url": f"{API}/teams/imco-vienna/",
                        "slug": "imco-vienna",
                        "name": "Innovation Management Coordination Office (IMCO)",
                    }
                ],
                "strategies": [],
                "funding_programmes": [
                    {
                        "url": f"{API}/funding-programmes/imco-innovation-project-funds/",
                        "slug": "imco-innovation-project-funds",
                        "name": "Innovation project funds",
                    }
                ],
                "web_url": "http://testserver/cities/vienna/",
                "updated_at": iso(vienna.updated_at),
            }
        ],
    }


def test_a_filtered_team_list_is_the_whole_payload(client, read_capacity):
    imco = InnovationTeam.objects.get(slug="imco-vienna")

    response = get(client, "/api/v1/teams/?city=vienna&kind=coordination_office")

    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "url": f"{API}/teams/imco-vienna/",
                "slug": "imco-vienna",
                "name": "Innovation Management Coordination Office (IMCO)",
                "city": city_ref("vienna", "Vienna", "AT"),
                "kind": "coordination_office",
                "year_established": None,
                "mandate": imco.mandate,
                "staff_size": None,
                "website": "",
                "parent": None,
                "labs": [
                    {
                        "url": f"{API}/labs/imco-lab-leopoldstadt/",
                        "slug": "imco-lab-leopoldstadt",
                        "name": "IMCO lab, Leopoldstadt",
                    }
                ],
                "web_url": "http://testserver/teams/imco-vienna/",
                "updated_at": iso(imco.updated_at),
            }
        ],
    }


# --- Districts ------------------------------------------------------------------------------


def test_a_district_is_looked_up_by_its_city_and_its_own_slug(client, demo):
    response = get(client, "/api/v1/districts/bologna/navile/")

    assert response.status_code == 200
    assert response.json() == {
        "url": f"{API}/districts/bologna/navile/",
        "slug": "navile",
        "name": "Navile",
        "city": city_ref("bologna", "Bologna", "IT"),
    }


def test_a_district_list_links_each_district_by_city_and_slug(client, demo):
    response = get(client, "/api/v1/districts/?city=bologna&page_size=1")

    assert response.json() == {
        "count": 6,
        "next": f"{API}/districts/?city=bologna&page=2&page_size=1",
        "previous": None,
        "results": [
            {
                "url": f"{API}/districts/bologna/borgo-panigale-reno/",
                "slug": "borgo-panigale-reno",
                "name": "Borgo Panigale-Reno",
                "city": city_ref("bologna", "Bologna", "IT"),
            }
        ],
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/districts/vienna/navile/",  # another city's slug
        "/api/v1/districts/atlantis/navile/",
        "/api/v1/districts/bologna/nowhere/",
    ],
)
def test_a_district_of_another_city_is_not_found(client, demo, url):
    response = get(client, url)

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"


# --- Statistics ---------------------------------------------------------------------------


def test_the_statistics_are_the_sites_own_and_ignore_drafts(client, read_cases):
    response = get(client, "/api/v1/stats/")

    assert response.status_code == 200
    expected = json.loads(json.dumps(site_statistics().as_dict()))
    assert response.json() == expected
    payload = response.json()
    assert payload["case_count"] == 6  # not the draft
    themes = {row["slug"]: row["count"] for row in payload["cases_by"]["theme"]}
    assert themes["homelessness"] == 0  # only the draft has it
    assert themes["mobility"] == 1  # the draft's other theme: Ghent's case only
    years = {row["slug"]: row["count"] for row in payload["cases_by"]["year"]}
    assert "2020" not in years  # the draft's year
    assert years == {"2015": 1, "2017": 1, "2019": 1, "2021": 1}
    assert payload["cases_without_year"] == 2
    assert response["ETag"]


# --- Conditional GET --------------------------------------------------------------------------

CASE = "/api/v1/cases/vienna-innovation-pitch-fund/"


@pytest.mark.parametrize("url", [CASE, "/api/v1/cases/", "/api/v1/cities/vienna/"])
def test_a_read_carries_an_etag_and_last_modified_and_answers_304(client, demo, url):
    response = get(client, url)

    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert response["Last-Modified"]
    assert "Authorization" in response["Vary"]

    not_modified = get(client, url, If_None_Match=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag

    assert get(client, url, If_None_Match='"something-else"').status_code == 200


def test_the_last_modified_of_a_case_is_its_update_time(client, demo):
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")

    response = get(client, CASE)

    assert response["Last-Modified"] == http_date(case.updated_at.timestamp())


def test_the_last_modified_of_a_list_is_its_latest_update(client, demo):
    latest = max(case.updated_at for case in CaseStudy.objects.published())

    response = get(client, "/api/v1/cases/")

    assert response["Last-Modified"] == http_date(latest.timestamp())


def test_once_a_case_changes_its_old_etag_no_longer_matches(client, demo):
    detail_etag = get(client, CASE)["ETag"]
    list_etag = get(client, "/api/v1/cases/")["ETag"]
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")
    case.results = "The fund paid for twelve projects."
    case.save()

    detail = get(client, CASE, If_None_Match=detail_etag)
    listed = get(client, "/api/v1/cases/", If_None_Match=list_etag)

    assert detail.status_code == 200
    assert detail.json()["results"] == "The fund paid for twelve projects."
    assert detail["ETag"] != detail_etag
    assert listed.status_code == 200
    assert listed["ETag"] != list_etag
    assert get(client, CASE, If_None_Match=detail["ETag"]).status_code == 304


def test_if_modified_since_answers_304_until_the_record_changes(client, demo):
    last_modified = get(client, CASE)["Last-Modified"]
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")
    an_hour_before = http_date(case.updated_at.timestamp() - 3600)

    unchanged = get(client, CASE, If_Modified_Since=last_modified)
    older = get(client, CASE, If_Modified_Since=an_hour_before)

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert older.status_code == 200
    assert older.json()["slug"] == "vienna-innovation-pitch-fund"

    CaseStudy.objects.filter(pk=case.pk).update(
        updated_at=case.updated_at + datetime.timedelta(minutes=5)
    )
    changed = get(client, CASE, If_Modified_Since=last_modified)
    assert changed.status_code == 200
    assert changed["Last-Modified"] != last_modified


def test_a_list_answers_if_modified_since(client, demo):
    last_modified = get(client, "/api/v1/cases/")["Last-Modified"]

    response = get(client, "/api/v1/cases/", If_Modified_Since=last_modified)

    assert response.status_code == 304


# --- Query counts -------------------------------------------------------------------------


@pytest.fixture
def read_many(db: None) -> None:
    """Thirty cities with every kind of record, and thirty organisations; the search
    index built and brought up to date, as it is before the site serves."""
    cases = populate(30)
    for n, case in enumerate(cases):
        OrganisationFactory(city=case.city, slug=f"read-organisation-{n}")
    engine_search.search()


@pytest.mark.parametrize(
    ("endpoint", "max_queries"),
    [
        # The search index's journal, Last-Modified, the page, then one query per
        # prefetched relation (the engine counts).
        ("cases", 10),
        ("cities", 7),
        ("districts", 2),  # no Last-Modified: a district has no updated_at
        ("teams", 4),
        ("labs", 3),
        ("strategies", 4),
        ("funding-programmes", 3),
        ("organisations", 2),
    ],
)
def test_a_list_costs_as_many_queries_for_thirty_records_as_for_one(
    client, read_many, django_assert_max_num_queries, endpoint, max_queries
):
    with django_assert_max_num_queries(max_queries):
        one = get(client, f"/api/v1/{endpoint}/?page_size=1")
    with django_assert_max_num_queries(max_queries):
        thirty = get(client, f"/api/v1/{endpoint}/?page_size=30")

    assert len(one.json()["results"]) == 1
    assert len(thirty.json()["results"]) == 30
    assert_no_internal_ids(thirty.json())


# --- CORS ----------------------------------------------------------------------------------


def test_any_origin_may_read_the_api(client, demo):
    response = get(client, CASE, Origin="https://example.org")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = [h.strip() for h in response["Access-Control-Expose-Headers"].split(",")]
    assert "ETag" in exposed
    assert "Last-Modified" in exposed
    assert "Retry-After" in exposed


def test_a_preflight_for_a_write_gets_no_approval(client, demo):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.options(
            "/api/v1/cases/",
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        allowed = [
            m.strip()
            for m in response.get("Access-Control-Allow-Methods", "").split(",")
        ]
        assert method not in allowed
        assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_for_a_read_is_approved(client, demo):
    response = client.options(
        CASE,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
        },
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_the_website_itself_sends_no_cors_headers(client, demo):
    response = client.get("/cases/", headers={"Origin": "https://example.org"})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


# --- Throttling ----------------------------------------------------------------------------


@pytest.fixture
def read_anon_rate_3_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anonymous readers may make 3 requests a minute.

    DRF copies DEFAULT_THROTTLE_RATES onto SimpleRateThrottle.THROTTLE_RATES when
    rest_framework.throttling is imported, so override_settings would not reach the
    throttles: the class attribute is what each throttle reads when it is made (once a
    request), so that is what is patched, and monkeypatch puts it back.
    """
    monkeypatch.setattr(
        AnonRateThrottle,
        "THROTTLE_RATES",
        {**AnonRateThrottle.THROTTLE_RATES, "anon": "3/minute"},
    )


def test_an_anonymous_reader_over_the_rate_gets_a_429_problem(
    client, demo, read_anon_rate_3_a_minute
):
    for _ in range(3):
        assert get(client, CASE).status_code == 200

    response = get(client, CASE)

    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert 0 < int(response["Retry-After"]) <= 60
    problem = response.json()
    assert re.fullmatch(
        r"Request was throttled\. Expected available in \d+ seconds?\.",
        problem.pop("detail"),
    )
    assert problem == {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "code": "throttled",
    }


def test_the_rate_is_counted_across_endpoints(client, demo, read_anon_rate_3_a_minute):
    for url in ("/api/v1/cases/", "/api/v1/cities/", "/api/v1/stats/"):
        assert get(client, url).status_code == 200

    assert get(client, "/api/v1/themes/").status_code == 429


# --- The schema and its documentation ------------------------------------------------------


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


# --- Not found ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/nothing-here/", "/api/v2/cases/", "/api/v1/cases/a/b/c/"]
)
def test_an_unknown_api_address_is_a_json_404_problem(client, db, url):
    assert settings.DEBUG is False

    response = get(client, url)

    assert_problem(
        response,
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "There is no API endpoint at this address.",
            "code": "not_found",
        },
    )


def test_an_unknown_page_of_the_website_is_still_html(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
