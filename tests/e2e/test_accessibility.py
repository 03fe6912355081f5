"""axe-core's WCAG 2.2 A/AA rules on every page type, on a desktop and a phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .axe import axe_violations, describe_violations
from .reflow import (
    PHONE,
    assert_no_horizontal_scrolling,
    assert_scrollable_regions_are_keyboard_reachable,
)

# The live server's thread sees only committed data.
pytestmark = pytest.mark.django_db(transaction=True)

CASE = "/en/cases/vienna-innovation-pitch-fund/"

PAGES = [
    "/",
    "/en/cases/",
    "/en/cases/?q=pitch",
    "/en/cases/?city=atlantis",
    CASE,
    "/en/cases/bologna-neighbourhood-labs/",
    "/en/cities/",
    "/en/cities/bologna/",
    "/en/teams/imco-vienna/",
    "/en/types/adaptive/",
    "/en/themes/government-capacity/",
    "/en/drivers/management/",
    "/en/insights/",
    "/en/about/",
    "/no-such-page/",
    "/account/login/",
]
# The error states answer 400 (an unknown city) and 404 on purpose; the rest are 200.
STATUS = {"/en/cases/?city=atlantis": 400, "/no-such-page/": 404}


def assert_no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe found {len(violations)} WCAG A/AA violation(s) on {page.url}:\n"
        + describe_violations(violations)
    )


# The one other host a page may load anything from: the map's tiles.
TILES = "https://tile.openstreetmap.org/"


@pytest.mark.parametrize("path", PAGES)
def test_each_page_type_passes_axe(page: Page, site: str, path: str) -> None:
    refused: list[str] = []
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((site, TILES, "data:", "blob:"))
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    response = page.goto(f"{site}{path}")
    assert response is not None
    assert response.status == STATUS.get(path, 200)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("h1").count() == 1, "each page has one main heading"
    page.wait_for_load_state("load")
    assert not refused, f"the Content-Security-Policy refused: {refused}"
    assert not outside, f"the page asked other hosts for: {outside}"
    assert_no_violations(page)


# The pages with tables too: each scrolls in its own focusable region, never the page.
@pytest.mark.parametrize(
    "path", ["/en/cases/", CASE, "/en/cities/", "/en/cities/bologna/", "/en/insights/"]
)
def test_a_360px_wide_phone_gets_no_horizontal_scrolling_and_passes_axe(
    page: Page, site: str, path: str
) -> None:
    page.set_viewport_size(PHONE)
    response = page.goto(f"{site}{path}")
    assert response is not None and response.ok

    assert_no_horizontal_scrolling(page)
    assert_scrollable_regions_are_keyboard_reachable(page)
    assert_no_violations(page)


def test_the_stylesheet_is_served_to_the_browser(page: Page, site: str) -> None:
    # axe's colour-contrast checks mean little on an unstyled page.
    page.goto(f"{site}/")
    href = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert href is not None
    response = page.request.get(f"{site}{href}" if href.startswith("/") else href)
    assert response.ok, f"{href} answered {response.status}"
    assert "text/css" in response.headers["content-type"]
