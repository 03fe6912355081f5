"""The API's case list: the website's results for the same parameters, and for members
of a city their own unpublished cases first, paged across both parts.

The published cases come from the search engine, the unpublished ones from the
database (innovation_cases/api.py, CaseResults). City A ("aville") has a draft,
"zeppelin-deliveries" (1999), and a submitted case, "quokka-census" (1998), both
about mobility; `list_cases` adds 24 published cases to the two of `world`.
"""

from __future__ import annotations

import datetime
import math
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils.http import http_date

from core.models import Theme
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, CityFactory, UserFactory

from .conftest import bearer_client

pytestmark = pytest.mark.django_db

API = "http://testserver/api/v1/cases/"
DRAFTS = ["quokka-census", "zeppelin-deliveries"]  # newest first: quokka is newer
WORDS = [
    "Allotment",
    "Bicycle",
    "Canal",
    "Daycare",
    "Energy",
    "Festival",
    "Garden",
    "Housing",
    "Island",
    "Jobs",
    "Kiosk",
    "Library",
    "Market",
    "Night",
    "Orchard",
    "Parking",
    "Quay",
    "River",
    "School",
    "Tram",
    "Urban",
    "Village",
    "Water",
    "Youth",
]
THEMES = ["mobility", "climate", "digital-services"]


@pytest.fixture
def list_cases(world: dict[str, Any]) -> list[CaseStudy]:
    """24 published cases over three cities (one a city of its own, in Germany), each
    published an hour after the last, whose titles differ in their first letter: one
    summary in three mentions a harbour, every one "works"."""
    cities = [
        world["city_a"],
        world["city_b"],
        CityFactory(slug="ceetown", country="DE"),
    ]
    themes = {slug: Theme.objects.get(slug=slug) for slug in THEMES}
    start = datetime.datetime(2023, 1, 1, 9, tzinfo=datetime.UTC)
    cases = []
    for n, word in enumerate(WORDS):
        city = cities[n % 3]
        case = CaseStudyFactory(
            city=city,
            status=CaseStudy.Status.PUBLISHED,
            published_at=start + datetime.timedelta(hours=n),
            title=f"{word} scheme in {city.name}",
            slug=f"{word.lower()}-scheme",
            summary=f"{'Harbour' if n % 3 == 0 else 'Street'} works: {word.lower()}.",
            year_started=2010 + n % 7,
        )
        case.themes.set([themes[THEMES[n % 3]]])
        cases.append(case)
    return cases


def slugs(payload: dict[str, Any]) -> list[str]:
    return [case["slug"] for case in payload["results"]]


def api_url(params: dict[str, Any]) -> str:
    return f"{API}?{urlencode(params)}" if params else API


def every_page(client: Any, url: str) -> list[dict[str, Any]]:
    """Each page of a list, following its `next` links from `url`."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1]["next"]
    return pages


# --- The website's results ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "ordering=title",
        "ordering=-title",
        "ordering=oldest",
        "ordering=-year",
        "year_min=2012&year_max=2014&ordering=year",
        "theme=mobility",
        "theme=mobility,climate&ordering=title",
        "city=aville&country=NL",
        "country=DE,BE&ordering=-title",
        "q=harbour&ordering=newest",
        "search=harbour&ordering=title",
        "q=works&ordering=-title",
        "q=works&theme=climate&ordering=oldest",
        "city=ceetown&theme=digital-services",
    ],
)
def test_the_api_lists_the_websites_results_page_by_page(
    anon_client, client, list_cases, query
):
    first = anon_client.get(f"{API}?{query}").json()
    pages = max(1, math.ceil(first["count"] / 20))

    website: list[str] = []
    for page in range(1, pages + 1):
        html = client.get(f"/en/cases/?{query}&page={page}")
        api = anon_client.get(f"{API}?{query}&page={page}").json()
        assert html.status_code == 200
        shown = [case.slug for case in html.context["cases"]]
        assert slugs(api) == shown
        website += shown
    assert client.get(f"/en/cases/?{query}&page={pages + 1}").status_code == 404

    assert first["count"] == len(website) > 0
    # Any page size pages through the same results, each once.
    for size in (1, 7, 100):
        paged = every_page(anon_client, f"{API}?{query}&page_size={size}")
        assert [slug for page in paged for slug in slugs(page)] == website
        assert {page["count"] for page in paged} == {len(website)}


def test_the_engine_answers_the_public_list(anon_client, list_cases):
    # A typo: the database would find nothing; the engine finds the word one edit away.
    typo = anon_client.get(API, {"search": "harbor", "ordering": "title"}).json()
    exact = anon_client.get(API, {"search": "harbour", "ordering": "title"}).json()

    assert slugs(typo) == slugs(exact)
    assert slugs(exact)[:2] == ["allotment-scheme", "daycare-scheme"]
    assert exact["count"] == 9  # eight summaries and "Harbour buses"


# --- Members: their unpublished cases first ---------------------------------------------


@pytest.mark.parametrize("role", ["officer_a", "reviewer_a", "staff_user"])
@pytest.mark.parametrize(
    ("params", "drafts"),
    [
        ({}, DRAFTS),
        ({"ordering": "title"}, ["quokka-census", "zeppelin-deliveries"]),
        ({"ordering": "-title"}, ["zeppelin-deliveries", "quokka-census"]),
        ({"ordering": "year"}, ["quokka-census", "zeppelin-deliveries"]),
        ({"ordering": "-year"}, ["zeppelin-deliveries", "quokka-census"]),
        ({"theme": "mobility"}, DRAFTS),
        ({"theme": "climate"}, []),
        ({"city": "beeburg"}, []),
        ({"city": "aville", "year_max": 1998}, ["quokka-census"]),
        ({"search": "zeppelin"}, ["zeppelin-deliveries"]),
        ({"q": "airship", "ordering": "newest"}, ["zeppelin-deliveries"]),
    ],
)
def test_a_member_sees_their_matching_unpublished_cases_first(
    anon_client, client_for, list_cases, role, params, drafts
):
    public = anon_client.get(API, {**params, "page_size": 100}).json()

    mine = client_for(role).get(API, {**params, "page_size": 100}).json()

    assert slugs(mine) == drafts + slugs(public)
    assert mine["count"] == len(drafts) + public["count"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 20])
def test_pages_run_across_the_unpublished_and_published_cases(
    anon_client, officer_a_client, list_cases, size
):
    public = slugs(anon_client.get(API, {"page_size": 100}).json())
    expected = DRAFTS + public
    query = {"page_size": size}

    pages = every_page(officer_a_client, api_url(query))

    assert [slugs(page) for page in pages] == [
        expected[start : start + size] for start in range(0, len(expected), size)
    ]
    last = len(pages)
    for number, page in enumerate(pages, start=1):
        assert page["count"] == len(expected) == 28
        assert page["next"] == (
            api_url({"page": number + 1, **query}) if number < last else None
        )
        assert page["previous"] == (
            None
            if number == 1
            else api_url({**query} if number == 2 else {"page": number - 1, **query})
        )
    assert officer_a_client.get(API, {**query, "page": "last"}).json() == pages[-1]
    past_the_end = officer_a_client.get(API, {**query, "page": last + 1})
    assert past_the_end.status_code == 404


def test_a_page_holding_the_last_unpublished_case_fills_up_with_the_first_published(
    anon_client, officer_a_client, list_cases
):
    public = slugs(anon_client.get(API, {"ordering": "title"}).json())

    first = officer_a_client.get(API, {"ordering": "title", "page_size": 3}).json()

    assert slugs(first) == ["quokka-census", "zeppelin-deliveries", public[0]]
    assert first["next"] == api_url({"ordering": "title", "page": 2, "page_size": 3})


def test_a_case_published_moves_from_the_first_part_to_the_second(
    anon_client, officer_a_client, reviewer_a, world
):
    before = officer_a_client.get(API).json()
    quokka = CaseStudy.objects.get(slug="quokka-census")
    quokka.publish(by=reviewer_a)

    after = officer_a_client.get(API).json()

    assert slugs(before) == [*DRAFTS, "harbour-buses", "open-benches"]
    # Newly published, it is now the newest published case, listed once.
    assert slugs(after) == ["zeppelin-deliveries", "quokka-census"] + [
        "harbour-buses",
        "open-benches",
    ]
    assert after["count"] == before["count"] == 4
    assert slugs(anon_client.get(API).json()) == [
        "quokka-census",
        "harbour-buses",
        "open-benches",
    ]


# --- The public never sees them ---------------------------------------------------------


@pytest.fixture
def signed_in_outsider_client(db: None) -> Any:
    """A signed-in user who belongs to no city: the public, as far as cases go."""
    from accounts.models import ApiToken

    return bearer_client(ApiToken.issue(user=UserFactory(), name="Script")[1])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"search": "zeppelin"},
        {"q": "quokka"},
        {"theme": "mobility"},
        {"year_max": 1999},
        {"city": "aville", "ordering": "year"},
        {"page_size": 1, "page": 2},
    ],
)
@pytest.mark.parametrize("reader", ["officer_b_client", "signed_in_outsider_client"])
def test_whoever_is_not_a_member_gets_the_public_list(
    request, anon_client, list_cases, params, reader
):
    client = request.getfixturevalue(reader)

    public = anon_client.get(API, params)
    theirs = client.get(API, params)

    assert theirs.status_code == public.status_code == 200
    assert theirs.json() == public.json()
    assert not set(slugs(theirs.json())) & set(DRAFTS)
    assert theirs["ETag"] == public["ETag"]


# --- Errors, dates and costs, as for the public ----------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "theme=nope",
        "city=aville,atlantis",
        "year_min=abc",
        "ordering=zzz",
        "q=" + "x" * 201,
        "page=0",
        "page_size=ten",
        "page=99",
        "theme=nope&page=0",
    ],
)
def test_a_member_gets_the_same_errors_as_the_public(
    anon_client, officer_a_client, world, query
):
    public = anon_client.get(f"{API}?{query}")
    member = officer_a_client.get(f"{API}?{query}")

    assert member.status_code == public.status_code
    assert public.status_code in (400, 404)
    assert member.json() == public.json()
    assert member["Content-Type"] == "application/problem+json"


def test_a_members_list_is_last_modified_when_one_of_its_cases_was(
    anon_client, officer_a_client, world
):
    zeppelin = CaseStudy.objects.get(slug="zeppelin-deliveries")
    zeppelin.summary = "Parcels by airship, revised."
    zeppelin.save()
    latest_published = max(c.updated_at for c in CaseStudy.objects.published())

    member = officer_a_client.get(API)
    public = anon_client.get(API)
    elsewhere = officer_a_client.get(API, {"city": "beeburg"})

    assert zeppelin.updated_at > latest_published
    assert member["Last-Modified"] == http_date(zeppelin.updated_at.timestamp())
    assert public["Last-Modified"] == http_date(latest_published.timestamp())
    assert elsewhere["Last-Modified"] == http_date(latest_published.timestamp())
    unchanged = officer_a_client.get(API, HTTP_IF_NONE_MATCH=member["ETag"])
    assert unchanged.status_code == 304


def test_a_members_list_costs_as_many_queries_for_thirty_cases_as_for_one(
    officer_a_client, list_cases, django_assert_max_num_queries
):
    officer_a_client.get(API)  # the search index built, as before the site serves

    # The token; the unpublished cases' count and ids; the index's journal; the
    # page's rows and one query per prefetched relation (7); the two dates.
    with django_assert_max_num_queries(14):
        one = officer_a_client.get(API, {"page_size": 1})
    with django_assert_max_num_queries(14):
        thirty = officer_a_client.get(API, {"page_size": 30})

    assert slugs(one.json()) == ["quokka-census"]
    assert len(thirty.json()["results"]) == 28
