"""The translated interface in Chromium: each language's public and workspace pages
pass axe with the right `lang` and fit a phone, and the language switcher round-trips
with the page and its query (issue 18)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cities.models import City
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, MembershipFactory, UserFactory

from . import login
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
# An officer's pages: one address each, in the language chosen in the switcher.
WORKSPACE_PAGES = [
    "/workspace/",
    "/workspace/new/",
    "/workspace/cases/street-labs/",
    "/workspace/cases/street-labs/edit/",
    "/workspace/cases/street-labs/translations/de/",
    "/workspace/cities/vienna/",
    "/workspace/cities/vienna/teams/imco-vienna/",
    "/account/tokens/",
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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_languages_workspace_pages_pass_axe_and_fit_a_phone(
    page: Page, site: str, lang: str
) -> None:
    vienna = City.objects.get(slug="vienna")
    officer = MembershipFactory(
        city=vienna, user=UserFactory(username="vienna-officer")
    ).user
    CaseStudyFactory(
        city=vienna,
        title="Street labs",
        slug="street-labs",
        status=CaseStudy.Status.DRAFT,
        created_by=officer,
    )
    login.log_in(page, site, "vienna-officer", next_url="/workspace/")
    page.goto(f"{site}/language/{lang}/?next=/workspace/")
    expect(page).to_have_url(f"{site}/workspace/")
    for path in WORKSPACE_PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(site + path)
        assert response is not None and response.status == 200, path
        expect(page).to_have_url(site + path)  # not sent to log in
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_no_violations(page)
        page.set_viewport_size(PHONE)
        page.goto(site + path)
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


def test_a_german_reader_follows_a_link_to_an_english_only_case_and_sees_the_original(
    page: Page, site: str
) -> None:
    page.goto(f"{site}/de/cases/?q=pitch")
    page.locator(".card h3 a").first.click()
    expect(page).to_have_url(f"{site}/de/cases/vienna-innovation-pitch-fund/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    # The case's own text is marked as English, and the page says it is the original.
    expect(page.locator("h1 span")).to_have_attribute("lang", "en")
    expect(page.locator(".lead")).to_have_attribute("lang", "en")
    expect(page.locator(".case-languages")).to_contain_text("Original auf Englisch")
    assert_no_violations(page)


def test_a_translated_case_reads_in_german_and_links_to_its_original(
    page: Page, site: str
) -> None:
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")
    case.title_de = "Der Innovations-Pitch-Fonds der Stadt Wien"
    case.summary_de = "Mitarbeitende der Stadt bewerben sich mit ihren Ideen."
    case.save()
    page.goto(f"{site}/de/cases/vienna-innovation-pitch-fund/")
    expect(page.locator("h1 span")).to_have_text(case.title_de)
    expect(page.locator("h1 span")).to_have_attribute("lang", "de")
    expect(page.locator(".case-languages")).to_contain_text(
        "Übersetzt aus dem Original"
    )
    assert_no_violations(page)

    page.locator(".case-languages a[hreflang=en]").click()
    expect(page).to_have_url(f"{site}/en/cases/vienna-innovation-pitch-fund/")
    expect(page.locator("h1 span")).to_have_text(case.title)
