"""The map on /cities/: Leaflet from static/, OpenStreetMap tiles, and the fallbacks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.factories import CityFactory

pytestmark = pytest.mark.django_db(transaction=True)

TILES = "https://tile.openstreetmap.org/**"
# Any PNG will do as a tile: the tests never leave this machine.
PNG = (
    Path(__file__).resolve().parents[2] / "static/vendor/leaflet/images/layers.png"
).read_bytes()


@pytest.fixture
def mapped_site(site: str) -> str:
    # A made-up city: the Atlas records no real city's coordinates.
    CityFactory(name="Testville", latitude=Decimal("48.5"), longitude=Decimal("12.25"))
    return site


def watch_for_csp_refusals(page: Page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return refused


def test_the_map_shows_a_marker_per_city_with_coordinates(
    page: Page, mapped_site: str
) -> None:
    refused = watch_for_csp_refusals(page)
    tile_requests: list[str] = []

    def serve_tile(route: Route) -> None:
        tile_requests.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PNG)

    page.route(TILES, serve_tile)
    page.goto(f"{mapped_site}/cities/")

    marker = page.get_by_role("button", name="Testville")
    expect(marker).to_be_visible()
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()
    assert tile_requests, "the map asked OpenStreetMap for its tiles"
    assert not refused, f"the Content-Security-Policy refused: {refused}"

    marker.click()
    expect(page.locator(".leaflet-popup").get_by_role("link")).to_have_text("Testville")
    # The table lists every city, mapped or not.
    table = page.get_by_role("table")
    for name in ("Bologna", "Vienna", "Bratislava", "Testville"):
        expect(table.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_when_the_tiles_cannot_load_the_page_says_so_and_lists_every_city(
    page: Page, mapped_site: str
) -> None:
    page.route(TILES, lambda route: route.abort())
    page.goto(f"{mapped_site}/cities/")

    expect(page.get_by_role("status")).to_contain_text(
        "The map background could not be loaded"
    )
    expect(page.get_by_role("button", name="Testville")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(5)
