"""Browsing the Atlas in Chromium: search, facets, case pages, chips, cities, CSV."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

# The live server's thread sees only committed data.
pytestmark = pytest.mark.django_db(transaction=True)

VIENNA = "Vienna's innovation pitch fund for city officers"
# Left behind for a person to look at: does the search page look right?
SEARCH_SCREENSHOT = Path(tempfile.gettempdir()) / "e2e-search.png"
BOLOGNA = "Neighbourhood labs in each of Bologna's six districts"


def results(page: Page):
    return page.locator("#results article.card h3")


def test_searching_for_pitch_finds_the_vienna_case(page: Page, site: str) -> None:
    page.goto(f"{site}/en/cases/")
    form = page.get_by_role("search", name="Search and filter cases")
    form.get_by_label("Search the cases").fill("pitch")
    form.get_by_role("button", name="Search", exact=True).click()

    expect(page).to_have_url(re.compile(r"[?&]q=pitch"))
    # Empty fields stay out of the URL, so the shared link holds only the search.
    assert page.url.endswith("/en/cases/?q=pitch")
    page.wait_for_load_state()
    page.screenshot(path=SEARCH_SCREENSHOT, full_page=True)
    expect(page).to_have_title(re.compile(r"^Cases matching “pitch”"))
    expect(results(page)).to_have_text([VIENNA])


def test_combining_two_facets_then_removing_one_by_its_chip(
    page: Page, site: str
) -> None:
    page.goto(f"{site}/en/cases/")
    expect(results(page)).to_have_count(2)

    type_facet = page.get_by_role("group", name="Innovation type")
    type_facet.get_by_label("Enhancement-oriented").check()
    page.get_by_role("group", name="Country").get_by_label("Austria").check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"innovation_type=enhancement-oriented"))
    expect(page).to_have_url(re.compile(r"country=AT"))
    expect(page.locator(".result-count")).to_have_text("1 published case")
    expect(results(page)).to_have_text([VIENNA])

    chips = page.get_by_role("list", name="Active filters")
    chips.get_by_role("link", name=re.compile(r"^Country: Austria")).click()

    expect(page).not_to_have_url(re.compile(r"country="))
    expect(page).to_have_url(re.compile(r"innovation_type=enhancement-oriented"))
    expect(results(page)).to_have_text([VIENNA])
    expect(page.get_by_role("list", name="Active filters")).to_contain_text(
        "Enhancement-oriented"
    )
    expect(page.get_by_role("list", name="Active filters")).not_to_contain_text(
        "Austria"
    )


def test_opening_a_case_shows_its_story_and_its_sources(page: Page, site: str) -> None:
    page.goto(f"{site}/en/cases/")
    page.get_by_role("link", name=VIENNA).click()

    expect(page).to_have_url(f"{site}/en/cases/vienna-innovation-pitch-fund/")
    expect(page.get_by_role("heading", level=1)).to_have_text(VIENNA)
    expect(page.locator("main")).to_contain_text("EUR 1.5 million")
    sources = page.get_by_role("region", name="Sources")
    expect(sources).to_be_visible()
    expect(sources.locator("ol.sources li")).not_to_have_count(0)
    expect(sources).to_contain_text("IMCO, the EUR 1.5 million fund and the training.")


def test_following_a_taxonomy_chip_lists_the_cases_of_that_term(
    page: Page, site: str
) -> None:
    page.goto(f"{site}/en/cases/vienna-innovation-pitch-fund/")
    facts = page.get_by_role("complementary", name="About this case")
    facts.get_by_role("link", name="Enhancement-oriented").click()

    expect(page).to_have_url(f"{site}/en/types/enhancement-oriented/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enhancement-oriented")
    expect(page.get_by_role("link", name=VIENNA)).to_be_visible()
    expect(page.get_by_role("link", name=BOLOGNA)).to_have_count(0)


def test_following_an_approach_chip_from_the_bologna_case_filters_the_list(
    page: Page, site: str
) -> None:
    page.goto(f"{site}/en/cases/bologna-neighbourhood-labs/")
    facts = page.get_by_role("complementary", name="About this case")
    facts.get_by_role("link", name="Citizens' co-production").click()

    expect(page).to_have_url(f"{site}/en/cases/?approach=co-production")
    expect(page.get_by_role("list", name="Active filters")).to_contain_text(
        "Citizens' co-production"
    )
    expect(page.get_by_role("link", name=BOLOGNA)).to_be_visible()
    expect(page.get_by_role("link", name=VIENNA)).to_have_count(0)


def test_a_city_page_shows_bolognas_six_district_labs(page: Page, site: str) -> None:
    page.goto(f"{site}/en/cities/bologna/")

    table = page.get_by_role("table", name="6 labs")
    expect(table).to_be_visible()
    districts = table.locator("tbody tr td:nth-child(2)")
    expect(districts).to_have_text(
        [
            "Borgo Panigale-Reno",
            "Navile",
            "Porto-Saragozza",
            "San Donato-San Vitale",
            "Santo Stefano",
            "Savena",
        ]
    )


def test_downloading_the_csv_gives_both_demo_cases(page: Page, site: str) -> None:
    page.goto(f"{site}/en/cases/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value

    assert download.suggested_filename.endswith(".csv")
    raw = download.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV should start with a UTF-8 BOM"
    text = raw.decode("utf-8-sig")
    assert "vienna-innovation-pitch-fund" in text
    assert "bologna-neighbourhood-labs" in text


def test_browsing_and_filtering_work_without_javascript(
    browser: Browser, site: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/en/cases/")
        page.get_by_role("group", name="Innovation type").get_by_label(
            "Adaptive"
        ).check()
        page.get_by_role("button", name="Apply filters").click()

        expect(page).to_have_url(re.compile(r"innovation_type=adaptive"))
        expect(page.locator(".result-count")).to_have_text("1 published case")
        expect(results(page)).to_have_text([BOLOGNA])

        page.get_by_role("link", name=BOLOGNA).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(BOLOGNA)
    finally:
        context.close()
