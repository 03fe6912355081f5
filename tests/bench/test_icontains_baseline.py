"""The icontains baseline (bench/views.py): /cases/ answered by the database alone, the
question the benchmark holds the search engine's cold time against."""

from typing import Any

import pytest

from core.models import Theme
from tests.factories import CaseStudyFactory, CityFactory

pytestmark = pytest.mark.django_db

URL = "/bench/icontains-cases/"


@pytest.fixture(autouse=True)
def _bench_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "bench.urls"


@pytest.fixture
def themes() -> tuple[Theme, Theme]:
    first, second = Theme.objects.order_by("pk")[:2]
    return first, second


@pytest.fixture
def cases(themes: tuple[Theme, Theme]) -> dict[str, Any]:
    lyon = CityFactory(name="Lyon", slug="lyon", country="FR")
    kiel = CityFactory(name="Kiel", slug="kiel", country="DE")
    crossings = CaseStudyFactory(
        city=lyon, published=True, title="Wombat crossings", slug="crossings"
    )
    crossings.themes.set([themes[0]])
    bridges = CaseStudyFactory(
        city=kiel,
        published=True,
        title="Bridges for animals",
        slug="bridges",
        challenge="Every WOMBAT in the district had to cross the road.",
    )
    bridges.themes.set([themes[1]])
    CaseStudyFactory(city=lyon, published=True, title="Quokka census", slug="quokka")
    CaseStudyFactory(city=lyon, title="Wombat draft", slug="draft")  # unpublished
    return {"crossings": crossings, "bridges": bridges}


def test_every_published_case_holding_the_word_in_any_case_is_found(
    client: Any, cases: dict[str, Any], themes: tuple[Theme, Theme]
) -> None:
    response = client.get(URL, {"q": "wombat"})

    assert response.status_code == 200
    found = {case.slug for case in response.context["cases"]}
    assert found == {"crossings", "bridges"}
    assert response.context["paginator"].count == 2
    theme_counts = {v.value: v.count for v in response.context["facets"]["theme"]}
    assert theme_counts == {themes[0].slug: 1, themes[1].slug: 1}


def test_a_part_of_a_word_is_a_match_and_every_word_is_required(
    client: Any, cases: dict[str, Any]
) -> None:
    part = client.get(URL, {"q": "omba"}).context["cases"]
    assert {case.slug for case in part} == {"crossings", "bridges"}
    both = client.get(URL, {"q": "wombat crossings"}).context["cases"]
    assert [case.slug for case in both] == ["crossings"]


def test_a_facet_narrows_the_results_but_not_its_own_counts(
    client: Any, cases: dict[str, Any], themes: tuple[Theme, Theme]
) -> None:
    response = client.get(URL, {"q": "wombat", "theme": themes[0].slug})

    assert response.status_code == 200
    assert [case.slug for case in response.context["cases"]] == ["crossings"]
    facets = response.context["facets"]
    assert {v.value: v.count for v in facets["theme"]} == {
        themes[0].slug: 1,
        themes[1].slug: 1,
    }
    assert {v.value: v.count for v in facets["country"]} == {"FR": 1}
