"""/cities/compare/ in a browser: chosen from a city's page with the form alone (no
script), shared by its address, and accessible on a desktop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .axe import axe_violations, describe_violations
from .reflow import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scrolling,
    assert_scrollable_regions_are_keyboard_reachable,
)

# The live server's thread sees only committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    assert_no_horizontal_scrolling(page)
    assert_scrollable_regions_are_keyboard_reachable(page)


def test_cities_are_compared_from_a_city_page_on_a_desktop_and_a_phone(
    page: Page, site: str
) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(f"{site}/en/cities/vienna/")
    page.get_by_label("Compare Vienna with…").select_option("bologna")
    page.get_by_role("button", name="Compare").click()

    # A plain GET form: the address is the comparison, to share.
    expect(page).to_have_url(f"{site}/en/cities/compare/?cities=vienna&cities=bologna")
    expect(page.get_by_label("City 1")).to_have_value("vienna")
    expect(page.get_by_label("City 2")).to_have_value("bologna")
    table = page.get_by_role("table", name="The cities' innovation teams")
    expect(table.get_by_role("columnheader")).to_have_text(["Vienna", "Bologna"])
    assert_accessible(page)

    # A third city, chosen on the page itself.
    page.get_by_label("City 3").select_option("bratislava")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(
        f"{site}/en/cities/compare/?cities=vienna&cities=bologna&cities=bratislava"
    )
    expect(table.get_by_role("row", name="Innovation teams")).to_contain_text(
        "Not recorded"
    )

    page.set_viewport_size(PHONE)
    page.reload()
    assert_accessible(page)

    # The refusal keeps the form and says why, as accessibly.
    page.goto(f"{site}/en/cities/compare/?cities=vienna,vienna")
    expect(page.get_by_role("alert")).to_contain_text("chosen more than once")
    assert_accessible(page)
