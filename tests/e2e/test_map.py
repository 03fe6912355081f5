"""The map on /cities/: Leaflet and Leaflet.markercluster from static/, its points from
/cities/map.geojson, OpenStreetMap tiles over an outline of Europe from static/, and the
fallbacks."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from cities.models import City
from demo import synthetic
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
# The outline of Europe (static/vendor/natural-earth/europe.geojson): its land and its
# borders, two SVG paths in a pane of their own.
OUTLINE = ".leaflet-outline-pane svg path"
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

    marker = page.get_by_role("img", name="Testville")
    expect(marker).to_be_visible()
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()
    assert tile_requests, "the map asked OpenStreetMap for its tiles"
    # The outline is drawn under the tiles, which cover it.
    expect(page.locator(OUTLINE)).to_have_count(2)
    outline_below_tiles = page.evaluate(
        """() => Number(getComputedStyle(document.querySelector(
              ".leaflet-outline-pane")).zIndex) < Number(getComputedStyle(
              document.querySelector(".leaflet-tile-pane")).zIndex)"""
    )
    assert outline_below_tiles
    assert not refused, f"the Content-Security-Policy refused: {refused}"

    marker.click()
    expect(page.locator(".leaflet-popup").get_by_role("link")).to_have_text("Testville")
    # The table lists every city, mapped or not.
    table = page.get_by_role("table")
    for name in ("Bologna", "Vienna", "Bratislava", "Testville"):
        expect(table.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_when_the_tiles_cannot_load_the_outline_of_europe_and_the_markers_show(
    page: Page, mapped_site: str
) -> None:
    refused = watch_for_csp_refusals(page)
    page.route(TILES, lambda route: route.abort())
    with page.expect_response("**/vendor/natural-earth/europe.*.geojson") as outline:
        page.goto(f"{mapped_site}/en/cities/")
    assert outline.value.ok
    assert outline.value.url.startswith(mapped_site), "the outline is our own file"

    expect(page.locator("#map-status")).to_contain_text(
        "The map background could not be loaded, so the map shows a simple outline "
        "of Europe instead."
    )
    paths = page.locator(OUTLINE)
    expect(paths).to_have_count(2)
    # Drawn, not empty: the land fills the map around Testville (in Bavaria).
    land = paths.first.bounding_box()
    map_box = page.locator("#city-map").bounding_box()
    assert land is not None and map_box is not None
    assert land["width"] >= map_box["width"] and land["height"] >= map_box["height"]
    expect(page.get_by_role("img", name="Testville")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(5)
    assert not refused, f"the Content-Security-Policy refused: {refused}"


def test_without_coordinates_the_map_shows_europe_and_says_no_city_is_on_it(
    page: Page, site: str
) -> None:
    # The demo content alone, as `make run` loads it: no real city's coordinates.
    page.route(TILES, lambda route: route.abort())
    page.goto(f"{site}/en/cities/")

    expect(page.locator("#map-note")).to_have_text(
        "No city in the Atlas has its coordinates recorded yet, so the map shows no "
        "cities for now. The table below lists every city."
    )
    expect(
        page.get_by_role("region", name="Map of the cities in the Atlas")
    ).to_be_visible()
    expect(page.locator(OUTLINE)).to_have_count(2)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(0)
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(4)


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


def test_the_map_clusters_the_cities_and_a_keyboard_passes_it_in_one_step(
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

    clusters = page.get_by_title("25 cities: zoom in to see them")
    expect(clusters).to_have_count(2)
    expect(clusters.first).to_have_text("25")
    # No single marker shows while the map is zoomed out.
    expect(page.get_by_role("img", name="Nordstadt 0-0")).to_have_count(0)

    # For a keyboard the map is one stop (Leaflet pans it with the arrow keys and
    # zooms it with + and -), not one per marker or cluster; the table lists them all.
    region = page.get_by_role("region", name="Map of the cities in the Atlas")
    expect(region).to_have_attribute("tabindex", "0")
    expect(
        page.locator(".leaflet-marker-icon[tabindex], .marker-cluster [tabindex]")
    ).to_have_count(0)
    # And a skip link, shown when focused, leads past the map to the table.
    skip = page.get_by_role("link", name="Skip the map: go to the table of cities")
    skip.focus()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("City or region")).to_be_focused()

    # A click on a cluster zooms into it and shows its cities.
    clusters.first.click()
    expect(
        page.get_by_role("img", name=re.compile(r"^(Nord|Sued)stadt \d-\d$")).first
    ).to_be_visible()
    assert not refused, f"the Content-Security-Policy refused: {refused}"


@pytest.fixture
def crowded_site(clustered_site: str) -> str:
    # The two tight groups, and 300 synthetic cities spread over Europe (demo/synthetic.py,
    # as `make demo` makes them): 353 cities, many clusters and some single markers.
    synthetic.generate(cities=300, cases=300, seed=1)
    return clustered_site


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_crowded_map_and_the_paged_table_pass_axe_without_tiles(
    page: Page, crowded_site: str, viewport: dict[str, int]
) -> None:
    page.route(TILES, lambda route: route.abort())
    page.set_viewport_size(viewport)
    page.goto(f"{crowded_site}/en/cities/?ordering=-cases")
    expect(page.locator(OUTLINE)).to_have_count(2)
    expect(page.locator(".marker-cluster").first).to_be_visible()
    expect(page.locator("#map-status")).not_to_be_empty()
    expect(page.get_by_role("navigation", name="Pages of cities")).to_be_visible()
    sorted_header = page.get_by_role("columnheader", name="Published cases")
    expect(sorted_header).to_have_attribute("aria-sort", "descending")

    assert_no_horizontal_scrolling(page)
    assert_scrollable_regions_are_keyboard_reachable(page)
    # axe's rules for WCAG 2.2 AA, target-size among them.
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
