"""What every public page shares: the header's case search, its own Open Graph
title and description (and a case's image), a canonical link except on the 404 page,
and the tables' scroll regions."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from PIL import Image

from cities.models import City, InnovationTeam, Strategy
from core.models import Theme
from innovation_cases import images
from innovation_cases.models import CaseStudy, Organisation
from tests.factories import CaseStudyFactory

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    """The page's meta properties, links, forms and inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str | None]] = []
        self.forms: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "meta" and found.get("property"):
            self.meta[found["property"]] = found.get("content") or ""
        elif tag == "link":
            self.links.append(found)
        elif tag == "form":
            self.forms.append(found)
        elif tag == "input":
            self.inputs.append(found)
        elif tag == "label":
            self._label_for = found.get("for")
            self.labels[self._label_for or ""] = ""

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self.labels[self._label_for] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None


def parse(html: str) -> Head:
    head = Head()
    head.feed(html)
    return head


def public_pages() -> dict[str, str]:
    """A page of each kind, from the demo content."""
    case = CaseStudy.objects.published().first()
    city = City.objects.first()
    pages = {
        "home": "/en/",
        "cases": "/en/cases/",
        "case": case.get_absolute_url(),
        "cities": "/en/cities/",
        "city": city.get_absolute_url(),
        "team": InnovationTeam.objects.first().get_absolute_url(),
        "theme": Theme.objects.first().get_absolute_url(),
        "insights": "/en/insights/",
        "about": "/en/about/",
        "teams": "/en/teams/",
        "strategies": "/en/strategies/",
        "organisations": "/en/organisations/",
        "organisation": Organisation.objects.first().get_absolute_url(),
        "themes": "/en/themes/",
        "types": "/en/types/",
        "drivers": "/en/drivers/",
        "compare": "/en/cities/compare/",
    }
    strategy = Strategy.objects.first()
    if strategy is not None:  # (the demo content has none)
        pages["strategy"] = strategy.get_absolute_url()
    return pages


def test_every_public_page_has_the_header_case_search(client, demo):
    for kind, url in {**public_pages(), "missing": "/en/no-such-page/"}.items():
        page = parse(client.get(url).content.decode())

        [form] = [f for f in page.forms if f.get("class") == "site-search"]
        assert form["method"] == "get", kind
        assert form["action"] == "/en/cases/", kind
        assert form["role"] == "search", kind
        assert form["aria-label"] == "Search cases", kind
        [box] = [i for i in page.inputs if i.get("id") == "site-search-q"]
        assert box["name"] == "q" and box["type"] == "search", kind
        assert page.labels["site-search-q"] == "Search cases", kind


def test_the_header_search_lands_on_the_matching_cases(client, demo):
    response = client.get("/en/cases/", {"q": "pitch"})
    assert response.status_code == 200
    assert [card.slug for card in response.context["cases"]] == [
        "vienna-innovation-pitch-fund"
    ]


def test_the_home_page_has_a_prominent_labelled_case_search(client, demo):
    html = client.get("/en/").content.decode()
    page = parse(html)

    [form] = [f for f in page.forms if "home-search" in (f.get("class") or "")]
    assert (form["action"], form["method"], form["role"]) == (
        "/en/cases/",
        "get",
        "search",
    )
    assert page.labels["home-search-q"] == "Search the case studies"
    [box] = [i for i in page.inputs if i.get("id") == "home-search-q"]
    assert box["name"] == "q"
    # Within the introduction, before the figures.
    assert html.index('id="home-search-q"') < html.index('id="figures-heading"')


def test_every_public_page_has_its_own_open_graph_title_and_description(client, demo):
    seen_titles = {}
    for kind, url in public_pages().items():
        meta = parse(client.get(url).content.decode()).meta

        assert meta["og:site_name"] == "Public Innovation Atlas", kind
        assert meta["og:url"] == f"http://testserver{url}", kind
        assert meta["og:type"] == ("article" if kind == "case" else "website"), kind
        assert meta["og:title"] and meta["og:description"], kind
        seen_titles[kind] = meta["og:title"]
    # Each page's own: none falls back to the site's name.
    assert len(set(seen_titles.values())) == len(seen_titles)
    assert "Public Innovation Atlas" not in seen_titles.values()


def test_a_case_and_a_city_page_take_their_open_graph_from_the_record(client, demo):
    case = CaseStudy.objects.published().first()
    meta = parse(client.get(case.get_absolute_url()).content.decode()).meta
    assert meta["og:title"] == case.title
    assert meta["og:description"].startswith(case.summary.split()[0])
    assert "og:image" not in meta  # the demo's cases have no image

    city = City.objects.exclude(summary="").first()
    meta = parse(client.get(city.get_absolute_url()).content.decode()).meta
    assert meta["og:title"] == city.name
    assert meta["og:description"].startswith(city.summary.split()[0])


def test_a_case_with_an_image_shares_it_by_its_absolute_url(client):
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1000), (40, 90, 160)).save(buffer, "JPEG")
    buffer.seek(0)
    case = CaseStudyFactory(
        published=True,
        image=images.process_upload(buffer),
        image_alt="A street lab",
    )

    meta = parse(client.get(case.get_absolute_url()).content.decode()).meta

    largest = case.image_renditions[-1]
    assert meta["og:image"] == f"http://testserver{largest.url}"
    assert meta["og:image:alt"] == "A street lab"
    assert client.get(largest.url).status_code == 200


def test_the_missing_page_has_no_canonical_link_but_other_pages_do(client, demo):
    missing = parse(client.get("/en/no-such-page/").content.decode())
    assert [link for link in missing.links if link.get("rel") == "canonical"] == []

    about = parse(client.get("/en/about/").content.decode())
    assert [link["href"] for link in about.links if link.get("rel") == "canonical"] == [
        "http://testserver/en/about/"
    ]


def test_every_table_on_the_public_pages_scrolls_in_a_labelled_focusable_region(
    client, demo
):
    tables = 0
    for kind, url in public_pages().items():
        html = client.get(url).content.decode()
        for table in re.finditer(r"<table\b", html):
            tables += 1
            # The region just before the table, and its hint.
            before = html[: table.start()]
            region = before[before.rindex('<div class="scroll-region"') :]
            assert 'role="region" tabindex="0" aria-labelledby="table-caption-' in (
                region
            ), kind
            assert (
                '<p class="scroll-hint" aria-hidden="true" hidden>'
                "Scroll sideways to see the whole table</p>" in region
            ), kind
            labelled = re.search(r'aria-labelledby="([^"]+)"', region)[1]
            assert re.match(
                rf'<table[^>]*>\s*<caption[^>]* id="{labelled}"', html[table.start() :]
            ), kind
    assert tables >= 8  # the insights, about, cities and city pages have tables
