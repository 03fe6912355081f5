"""A taxonomy term's page: its definition, its newest cases and a way to all of them."""

import re

from core.models import Theme
from innovation_cases.views import TERM_PAGE_CASES
from tests.factories import CaseStudyFactory, CityFactory


def test_a_term_page_shows_its_newest_cases_and_links_to_the_rest(client, db):
    mobility = Theme.objects.get(slug="mobility")
    city = CityFactory()
    for n in range(TERM_PAGE_CASES + 2):
        case = CaseStudyFactory(
            city=city, title=f"Mobility case {n:02d}", published=True
        )
        case.themes.set([mobility])
    CaseStudyFactory(city=city, title="Mobility draft").themes.set([mobility])

    page = client.get("/en/themes/mobility/").content.decode()

    assert len(re.findall(r'<article class="card">', page)) == TERM_PAGE_CASES
    assert f"{TERM_PAGE_CASES + 2} published cases" in page
    assert "Mobility draft" not in page
    assert 'href="/en/cases/?theme=mobility"' in page
    assert f"See all {TERM_PAGE_CASES + 2} cases of Mobility in the case list" in page


def test_a_term_with_few_cases_needs_no_link(client, db):
    case = CaseStudyFactory(title="The only one", published=True)
    case.themes.set([Theme.objects.get(slug="mobility")])

    page = client.get("/en/themes/mobility/").content.decode()

    assert "1 published case" in page
    assert "The only one" in page
    assert "in the case list" not in page
