"""The translated interface in Chromium: each language's pages pass axe with the right
`lang`, and the language switcher round-trips with the page and its query (issue 18)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .reflow import PHONE, assert_no_horizontal_scrolling
from .test_accessibility import assert_no_violations

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["de", "it", "fr", "sk"]
PAGES = [
    "/{lang}/",
    "/{lang}/cases/?q=pitch",
    "/{lang}/cases/?city=atlantis",  # the 400 page, with its messages
    "/{lang}/cases/vienna-innovation-pitch-fund/",
    "/{lang}/cities/bologna/",
    "/{lang}/insights/",
]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_languages_pages_pass_axe_and_fit_a_phone(
    page: Page, site: str, lang: str
) -> None:
    for path in PAGES:
        url = site + path.format(lang=lang)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        # Each language's name is marked as that language, for screen readers.
        expect(page.locator(".language-switcher a[lang=en]")).to_have_text("English")
        assert_no_violations(page)
        # Longer words (German compounds) must still reflow on a phone.
        page.set_viewport_size(PHONE)
        page.goto(url)
        assert_no_horizontal_scrolling(page)


def test_the_switcher_round_trips_with_the_page_and_its_query(
    page: Page, site: str
) -> None:
    page.goto(f"{site}/en/cases/?q=pitch&country=AT")
    page.get_by_role("link", name="Deutsch").click()
    expect(page).to_have_url(f"{site}/de/cases/?q=pitch&country=AT")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Deutsch")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("^Cases"))

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{site}/en/cases/?q=pitch&country=AT")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The choice is remembered: the home page without a prefix opens in it.
    page.get_by_role("link", name="Slovenčina").click()
    page.goto(f"{site}/")
    expect(page).to_have_url(f"{site}/sk/")
