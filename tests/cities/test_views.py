import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from cities.models import City
from core.models import Theme
from innovation_cases.filters import CaseStudyFilter
from tests.factories import (
    CaseStudyFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    SourceFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db


def case_cards(response) -> list[str]:
    """The slugs of the case cards on a page, in order."""
    return re.findall(
        r'<article class="card">\s*<h3><a href="/en/cases/([^/"]+)/"',
        response.content.decode(),
    )


# --- City profile ----------------------------------------------------------------------


def test_bologna_page_shows_its_six_district_labs(client, demo):
    response = client.get(reverse("cities:city_detail", kwargs={"slug": "bologna"}))
    # The caption names the table's scrolling region (the scroll_region tag).
    assertContains(
        response, '<caption id="table-caption-1">6 labs</caption>', html=True
    )
    for district in City.objects.get(slug="bologna").districts.all():
        assertContains(
            response,
            f'<tr><th scope="row">IU lab, {district.name}</th><td>{district.name}</td>'
            "<td>2–3</td><td>2–3</td></tr>",
            html=True,
        )


def test_city_profile_costs_a_fixed_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    bologna = City.objects.get(slug="bologna")
    url = bologna.get_absolute_url()
    client.get("/en/cases/")  # builds the search index: its work, not the page's
    with django_assert_max_num_queries(14):
        client.get(url)
    team = bologna.teams.get()
    for i in range(5):
        extra = InnovationTeamFactory(city=bologna)
        LabFactory.create_batch(3, team=extra, district=DistrictFactory(city=bologna))
        StrategyFactory(city=bologna, team=team)
        FundingProgrammeFactory(city=bologna, team=extra)
        case = CaseStudyFactory(city=bologna, published=True)
        case.themes.set(Theme.objects.all()[: i + 1])
        SourceFactory(content_object=bologna)
    client.get("/en/cases/")  # the index catches up with the journal
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assertContains(response, f'<a href="{team.get_absolute_url()}">')
    assert len(case_cards(response)) == 6


def test_a_city_with_many_cases_shows_the_newest_and_links_to_the_rest(client, demo):
    bologna = City.objects.get(slug="bologna")
    CaseStudyFactory.create_batch(15, city=bologna, published=True)
    total = bologna.cases.published().count()

    response = client.get(bologna.get_absolute_url())

    newest = bologna.cases.published().order_by(*CaseStudyFilter.ORDERINGS["newest"])
    assert case_cards(response) == [c.slug for c in newest[:12]]
    assertContains(
        response,
        f'<a href="/en/cases/?city=bologna">See all {total} cases from Bologna in the '
        "case list</a>",
        html=True,
    )
