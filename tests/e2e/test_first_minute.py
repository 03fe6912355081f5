"""A visitor's first minute: the header's case search from any page, and a keyboard's
way past the facets of a large case list to its first result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cities.models import City
from innovation_cases.engine import journal
from tests.factories import CaseStudyFactory, CityFactory

from .reflow import DESKTOP

# The live server's thread sees only committed data.
pytestmark = pytest.mark.django_db(transaction=True)

CASE = "/en/cases/vienna-innovation-pitch-fund/"


def test_searching_from_a_case_pages_header_lands_on_the_results(
    page: Page, site: str
) -> None:
    page.goto(f"{site}{CASE}")
    box = page.get_by_role("banner").get_by_role("searchbox", name="Search cases")
    box.fill("neighbourhood labs")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/en/cases/\?q=neighbourhood\+labs$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cases matching “neighbourhood labs”"
    )
    expect(page.locator("#results article.card h3").first).to_have_text(
        "Neighbourhood labs in each of Bologna's six districts"
    )


def test_a_keyboard_reaches_the_first_result_past_many_facet_values_quickly(
    page: Page, site: str
) -> None:
    # Forty more cities, each with a case: the city facet alone had 20 tab stops.
    country = City.objects.first().country
    for n in range(40):
        CaseStudyFactory(
            published=True,
            city=CityFactory(name=f"Town {n:02}", slug=f"town-{n:02}", country=country),
        )
    journal.sync()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{site}/en/cases/")
    first_result = page.locator("#results article.card h3 a").first

    presses = 0
    while not page.evaluate(
        "document.activeElement.classList.contains('skip-to-results')"
    ):
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 40, "no skip link past the filters"
    page.keyboard.press("Enter")
    while not first_result.evaluate("(link) => link === document.activeElement"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 40, "the first result is out of a keyboard's reach"

    # The header (skip link, brand, menu, search, languages), the list's search box
    # and button, the skip link; then the sort box and button and the first result.
    assert presses <= 25
    # The facets hide all but their commonest values until asked.
    expect(page.get_by_role("group", name="City").locator("details")).to_have_count(1)
