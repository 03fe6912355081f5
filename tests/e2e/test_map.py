"""The map on /cities/: Leaflet and Leaflet.markercluster from static/, its points from
/cities/map.geojson, OpenStreetMap tiles, and the fallbacks."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from cities.models import City
from tests.factories import CityFactory

from .axe import axe_violations, describe_violations
from .reflow import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scrolling,
    assert_scrollable_regions_are_keyboard_reachable,
)

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
    page.goto(f"{mapped_site}/en/cities/")

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
    page.goto(f"{mapped_site}/en/cities/")

    expect(page.locator("#map-status")).to_contain_text(
        "The map background could not be loaded"
    )
    expect(page.get_by_role("button", name="Testville")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(5)


def _grid_of_cities(prefix: str, lat: str, lng: str, size: int = 5) -> None:
    """size × size made-up cities 0.002° apart: one cluster from afar, single markers
    once zoomed in."""
    City.objects.bulk_create(
        City(
            name=f"{prefix} {row}-{column}",
            slug=f"{prefix.lower()}-{row}-{column}",
            country="DE",
            latitude=Decimal(lat) + Decimal("0.002") * row,
            longitude=Decimal(lng) + Decimal("0.002") * column,
        )
        for row in range(size)
        for column in range(size)
    )


@pytest.fixture
def clustered_site(site: str) -> str:
    # Two groups of 25, two degrees apart, and the demo's three unmapped cities: 53
    # cities, so the table has two pages.
    _grid_of_cities("Nordstadt", "50.0", "10.0")
    _grid_of_cities("Suedstadt", "48.0", "10.0")
    return site


def _serve_tiles(page: Page) -> None:
    page.route(
        TILES,
        lambda route: route.fulfill(status=200, content_type="image/png", body=PNG),
    )


def test_the_map_clusters_the_cities_it_loads_from_the_geojson(
    page: Page, clustered_site: str
) -> None:
    refused = watch_for_csp_refusals(page)
    _serve_tiles(page)
    with page.expect_response("**/cities/map.geojson") as loaded:
        page.goto(f"{clustered_site}/en/cities/")
    data = loaded.value
    assert data.ok
    assert data.headers["content-type"] == "application/geo+json"
    assert len(data.json()["features"]) == 50

    clusters = page.get_by_role("button", name="25 cities: zoom in to see them")
    expect(clusters).to_have_count(2)
    expect(clusters.first).to_have_text("25")
    # No single marker shows while the map is zoomed out.
    expect(page.get_by_role("button", name="Nordstadt 0-0")).to_have_count(0)

    # A keyboard reaches a cluster, and Enter zooms into it, as a click does.
    clusters.first.focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("button", name=re.compile(r"^(Nord|Sued)stadt \d-\d$")).first
    ).to_be_visible()
    assert not refused, f"the Content-Security-Policy refused: {refused}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_paged_table_and_clustered_map_pass_axe(
    page: Page, clustered_site: str, viewport: dict[str, int]
) -> None:
    _serve_tiles(page)
    page.set_viewport_size(viewport)
    page.goto(f"{clustered_site}/en/cities/?ordering=-cases")
    expect(
        page.get_by_role("button", name="25 cities: zoom in to see them")
    ).to_have_count(2)
    expect(page.get_by_role("navigation", name="Pages of cities")).to_be_visible()
    sorted_header = page.get_by_role("columnheader", name="Published cases")
    expect(sorted_header).to_have_attribute("aria-sort", "descending")

    assert_no_horizontal_scrolling(page)
    assert_scrollable_regions_are_keyboard_reachable(page)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    # The second page, through the page links.
    page.get_by_role("navigation", name="Pages of cities").get_by_role(
        "link", name="Next page"
    ).click()
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(4)
    # The map shows every city on every page of the table.
    expect(
        page.get_by_role("button", name="25 cities: zoom in to see them")
    ).to_have_count(2)
