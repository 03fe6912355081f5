"""The data cache under the page cache (config.cache.remember): the API's counts and
pages, statistics and case cards are kept until published content changes, keyed on
the question (the query), not on the URL.

As in tests/test_page_cache.py, the page cache (and with it the data cache) is turned on
here; `commits()` runs what a commit would run (the generation's bump).
"""

import re
from contextlib import contextmanager

import pytest
import redis
from django.core.management import call_command
from django.core.paginator import Paginator
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from config import cache as cache_module
from config.cache import (
    RememberingPaginator,
    current_generation,
    remember,
    remembering,
)
from config.redis_cache import RedisCache
from innovation_cases.models import CaseStudy, Theme
from tests.factories import CaseStudyFactory, CityFactory, MembershipFactory

S = CaseStudy.Status


pytestmark = pytest.mark.usefixtures("page_cache_on")


@pytest.fixture
def city(db):
    return CityFactory(name="Ghent", slug="ghent", country="BE")


@pytest.fixture
def cases(city):
    mobility = Theme.objects.get(slug="mobility")
    made = []
    for n in range(25):
        case = CaseStudyFactory(
            city=city,
            title=f"Bus lane pilot {n:02d}",
            slug=f"bus-{n:02d}",
            summary="Buses share a lane with bicycles in the old town.",
            published=True,
        )
        if n % 2 == 0:
            case.themes.set([mobility])
        made.append(case)
    return made


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def result_titles(html: str) -> list[str]:
    return re.findall(r"Bus lane pilot \d\d", html)


# --- remember() itself --------------------------------------------------------------


def test_remember_computes_every_time_outside_an_anonymous_read(db):
    calls = []
    assert not remembering()

    for _ in range(2):
        remember(("x",), lambda: calls.append(1) or len(calls))

    assert calls == [1, 1]


def test_without_remembering_the_paginator_is_djangos(cases):
    queryset = CaseStudy.objects.published().order_by("title")

    ours = RememberingPaginator(queryset, 10).page(2)
    django = Paginator(queryset, 10).page(2)

    assert ours.paginator.count == django.paginator.count == 25
    assert list(ours) == list(django)


# --- What a new URL asking an old question costs -------------------------------------


def test_another_page_or_sort_is_computed_not_taken_from_the_first(client, cases):
    first = result_titles(client.get("/cases/?ordering=title").content.decode())
    second = result_titles(client.get("/cases/?ordering=title&page=2").content.decode())
    reverse = result_titles(client.get("/cases/?ordering=-title").content.decode())

    assert first == [f"Bus lane pilot {n:02d}" for n in range(20)]
    assert second == [f"Bus lane pilot {n:02d}" for n in range(20, 25)]
    assert reverse[0] == "Bus lane pilot 24"


def test_a_search_snippet_is_not_shared_between_searches(client, cases):
    """A case card is remembered with its snippet: each search marks its own word."""
    buses = client.get("/cases/?q=buses&x=1").content.decode()
    bicycles = client.get("/cases/?q=bicycles&x=2").content.decode()

    assert "<mark>Buses</mark>" in buses
    assert "<mark>bicycles</mark>" in bicycles
    assert "<mark>Buses</mark>" not in bicycles


# --- Nothing stale outlives a publish ------------------------------------------------


def test_a_publish_changes_the_count_the_facets_and_the_results(
    client, city, cases, commits
):
    before = client.get("/cases/?theme=mobility").content.decode()
    assert "13 published cases" in before

    with commits():
        new = CaseStudyFactory(
            city=city, title="Aardvark crossing", slug="aardvark", status=S.DRAFT
        )
        new.themes.set([Theme.objects.get(slug="mobility")])
        new.status = S.PUBLISHED
        new.published_at = cases[0].published_at
        new.save()

    after = client.get("/cases/?theme=mobility&again=1").content.decode()
    assert "14 published cases" in after
    assert (
        "Aardvark crossing" in client.get("/cases/?ordering=title&y=1").content.decode()
    )
    api = client.get("/api/v1/cases/?theme=mobility&again=1").json()
    assert api["count"] == 14


def test_editing_a_published_case_changes_its_card_everywhere(client, cases, commits):
    client.get("/cases/?ordering=title")
    client.get("/")

    with commits():
        case = max(cases, key=lambda case: case.published_at)  # on the home page
        case.title = "Bus lane pilot 00 renamed"
        case.save()

    assert (
        "Bus lane pilot 00 renamed"
        in client.get("/cases/?ordering=title&z=1").content.decode()
    )
    assert "Bus lane pilot 00 renamed" in client.get("/?z=1").content.decode()


def test_a_draft_change_is_not_public_and_stores_nothing_for_its_officer(
    client, city, cases
):
    officer = MembershipFactory(city=city).user
    CaseStudyFactory(city=city, title="Bus lane draft", slug="draft-bus")
    anonymous = client.get("/api/v1/cases/?q=bus").json()

    client.force_login(officer)
    mine = client.get("/api/v1/cases/?q=bus").json()

    assert anonymous["count"] == 25
    assert mine["count"] == 26
    assert "Bus lane draft" in [row["title"] for row in mine["results"]] + [
        row["title"]
        for row in client.get("/api/v1/cases/?q=bus&page=2").json()["results"]
    ]
    client.logout()
    assert client.get("/api/v1/cases/?q=bus&after=1").json()["count"] == 25


def test_a_signed_in_page_is_never_built_from_remembered_data(client, city, cases):
    client.get("/cases/?theme=mobility")
    CaseStudy.objects.filter(pk=cases[0].pk).update(
        title="Bus lane pilot 00 changed without a bump"
    )
    client.force_login(MembershipFactory(city=city).user)

    page = client.get("/cases/?ordering=title").content.decode()

    assert "Bus lane pilot 00 changed without a bump" in page


# --- The {% remember %} fragment tag --------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load atlas_cache %}" + source).render(Context(context))


def test_a_fragment_is_remembered_under_its_values_during_an_anonymous_read(db):
    with reading():
        first = render('{% remember "x" n %}{{ text }}{% endremember %}', n=1, text="a")
        same = render('{% remember "x" n %}{{ text }}{% endremember %}', n=1, text="b")
        other = render('{% remember "x" n %}{{ text }}{% endremember %}', n=2, text="c")

    assert (first, same, other) == ("a", "a", "c")


def test_a_fragment_with_a_missing_value_is_never_shared(db):
    with reading():
        first = render('{% remember "x" gone %}{{ text }}{% endremember %}', text="a")
        second = render('{% remember "x" gone %}{{ text }}{% endremember %}', text="b")
        defaulted = render(
            '{% remember "x" gone|default:"" %}{{ text }}{% endremember %}', text="c"
        )

    assert (first, second, defaulted) == ("a", "b", "c")


def test_a_fragment_outside_an_anonymous_read_is_rendered_each_time(db):
    first = render('{% remember "x" 1 %}{{ text }}{% endremember %}', text="a")
    second = render('{% remember "x" 1 %}{{ text }}{% endremember %}', text="b")

    assert (first, second) == ("a", "b")


@contextmanager
def reading():
    """As PageCacheMiddleware does around an anonymous read."""
    token = cache_module._read_generation.set(cache_module.current_generation())
    try:
        yield
    finally:
        cache_module._read_generation.reset(token)


# --- The Redis backend ----------------------------------------------------------------


def test_the_redis_backend_keeps_one_client_per_pool():
    backend = RedisCache("redis://127.0.0.1:6379/9", {})
    try:
        backend.set("atlas-test", {"a": 1}, 30)
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")

    assert backend.get("atlas-test") == {"a": 1}
    assert backend._cache.get_client() is backend._cache.get_client()
    backend.delete("atlas-test")


def test_migrate_drops_what_older_code_cached(db):
    before = current_generation()

    call_command("migrate", verbosity=0)

    assert current_generation() != before


def test_the_case_page_and_home_figures_change_with_a_new_publish(
    client, city, cases, commits
):
    before = client.get("/?a=1").content.decode()
    assert "Bus lane pilot" in client.get("/cases/bus-00/?a=1").content.decode()
    assert "<dd>25</dd>" in before

    with commits():
        case = cases[0]
        case.summary = "Buses now share the lane with trams."
        case.save()
        CaseStudyFactory(city=city, slug="tram", published=True)

    assert "<dd>26</dd>" in client.get("/?a=2").content.decode()
    page = client.get("/cases/bus-00/?a=2").content.decode()
    assert "Buses now share the lane with trams." in page


def test_what_is_remembered_is_kept_per_language(db):
    with reading():
        with translation.override("en"):
            english = remember(("greeting",), lambda: "hello")
        with translation.override("de"):
            german = remember(("greeting",), lambda: "hallo")
        with translation.override("en"):
            again = remember(("greeting",), lambda: "not computed again")

    assert (english, german, again) == ("hello", "hallo", "hello")
