"""/en/cases/feed.atom: a valid Atom 1.0 feed of the newly published cases, filtered like
the case list, whose text reaches feed readers as text, never as markup."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlencode

import feedparser
import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.models import Theme
from innovation_cases.feeds import CaseFeed
from tests.factories import CaseStudyFactory, CityFactory

pytestmark = pytest.mark.django_db

FEED = "/en/cases/feed.atom"
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
]


@pytest.fixture
def cases():
    """Two published cases in Lyon, one in Ghent, and a draft."""
    mobility = Theme.objects.get(slug="mobility")
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    lyon = CityFactory(name="Lyon", slug="lyon", country="FR")
    made = {}
    for day, (slug, city) in enumerate(
        [("bus-lanes", ghent), ("cycle-streets", lyon), ("tenant-panels", lyon)],
        start=1,
    ):
        made[slug] = CaseStudyFactory(
            published=True,
            published_at=datetime(2024, 3, day, tzinfo=UTC),
            slug=slug,
            title=slug.replace("-", " ").title(),
            summary=f"The {slug.replace('-', ' ')} of the city.",
            city=city,
        )
        made[slug].themes.set([mobility] if slug != "tenant-panels" else [])
    made["draft"] = CaseStudyFactory(slug="secret-draft", city=ghent)
    return made


def atom(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own server's response)
    assert root.tag == f"{ATOM}feed"
    return root


def text_of(element: ET.Element, name: str) -> str:
    child = element.find(f"{ATOM}{name}")
    assert child is not None, f"<{element.tag}> has no <{name}>"
    assert (child.text or "").strip(), f"<{name}> is empty"
    return child.text


def links(element: ET.Element) -> dict[str, str]:
    return {
        link.get("rel", "alternate"): link.get("href")
        for link in element.findall(f"{ATOM}link")
    }


def test_atom_feed_lists_newly_published_cases_and_follows_filters(client, cases):
    response = client.get(reverse("innovation_cases:case_feed"), {"city": "lyon"})
    body = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Cycle Streets (Lyon)" in body
    assert "Bus Lanes" not in body
    assert "Secret" not in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["tenant-panels", "cycle-streets", "bus-lanes"]),
        ({"city": "lyon", "theme": "mobility"}, ["cycle-streets"]),
        ({"q": "cycle", "ordering": "title"}, ["cycle-streets"]),
    ],
    ids=["plain", "filtered", "searched"],
)
def test_the_feed_is_valid_atom_with_every_element_rfc_4287_requires(
    client, cases, params, expected
):
    query = urlencode(params)
    response = client.get(FEED, params)
    feed_url = f"http://testserver{FEED}" + (f"?{query}" if query else "")

    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"

    root = atom(response)
    text_of(root, "id")
    assert text_of(root, "title") == "Public Innovation Atlas: newly published cases"
    assert datetime.fromisoformat(text_of(root, "updated"))
    # §4.1.1: an author on the feed, so that no entry needs one of its own.
    author = root.find(f"{ATOM}author")
    assert author is not None
    assert text_of(author, "name") == "Public Innovation Atlas"
    assert text_of(author, "uri") == "http://testserver/en/"
    assert "CC BY 4.0" in text_of(root, "rights")
    assert links(root)["license"] == "https://creativecommons.org/licenses/by/4.0/"
    # The self link is the feed's own address, its query included.
    assert links(root)["self"] == feed_url
    assert links(root)["alternate"] == "http://testserver/en/cases/" + (
        f"?{query}" if query else ""
    )

    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(parsed.entries)
    slugs = []
    for entry in entries:
        case_url = links(entry)["alternate"]
        slugs.append(case_url.rstrip("/").rsplit("/", 1)[-1])
        assert case_url.startswith("http://testserver/en/cases/")
        # The case's permanent address is its id: the same in every feed.
        assert text_of(entry, "id") == case_url
        text_of(entry, "title")
        assert datetime.fromisoformat(text_of(entry, "updated"))
        assert datetime.fromisoformat(text_of(entry, "published"))
        text_of(entry, "summary")
    assert slugs == expected  # newest publication first


def test_an_entrys_id_and_dates_are_the_cases(client, cases):
    case = cases["cycle-streets"]
    [entry] = feedparser.parse(
        client.get(FEED, {"city": "lyon", "q": "cycle"}).content
    )["entries"]
    assert entry.id == "http://testserver/en/cases/cycle-streets/"
    assert entry.link == "http://testserver/en/cases/cycle-streets/"
    assert entry.title == "Cycle Streets (Lyon)"
    assert datetime.fromisoformat(entry.published) == case.published_at
    assert datetime.fromisoformat(entry.updated) == case.updated_at


def test_the_feeds_updated_is_its_newest_change(client, cases):
    root = atom(client.get(FEED))
    newest = max(case.updated_at for case in cases.values() if case.published_at)
    assert datetime.fromisoformat(text_of(root, "updated")) == newest


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"theme": "nonexistent"}, "theme"),
        ({"year_min": "abc"}, "year_min"),
        ({"q": "\x00"}, "q"),
        ({"city": "atlantis"}, "city"),
        ({"ordering": "price"}, "ordering"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_parameter_as_the_exports_do(
    client, cases, params, bad
):
    response = client.get(FEED, params)
    export = client.get("/en/cases/export.json", params)

    assert response.status_code == 400
    assert response.json() == export.json()
    assert bad in response.json()["errors"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_summary_reaches_feed_readers_as_text_never_as_markup(client, hostile):
    CaseStudyFactory(
        published=True,
        title=f"Open data {hostile}",
        summary=f"Benches *for* all. {hostile} & more",
    )
    response = client.get(FEED)

    [entry] = atom(response).findall(f"{ATOM}entry")
    summary = entry.find(f"{ATOM}summary")
    # Text, as the case page shows the summary: a feed reader displays it as written
    # and runs nothing in it.
    assert summary.get("type", "text") == "text"
    assert summary.text == f"Benches *for* all. {hostile} & more"
    title = entry.find(f"{ATOM}title")
    assert title.get("type", "text") == "text"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    assert parsed.entries[0].summary_detail.type == "text/plain"
    assert parsed.entries[0].title_detail.type == "text/plain"


def test_control_characters_in_a_case_leave_the_feed_valid(client):
    # XML 1.0 cannot carry them, so writing them made the feed a 500.
    CaseStudyFactory(
        published=True, title="Bus\x0blanes", summary="Lanes\x02 for\x1f buses."
    )
    response = client.get(FEED)

    [entry] = atom(response).findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text.startswith("Buslanes (")
    assert entry.find(f"{ATOM}summary").text == "Lanes for buses."
    assert feedparser.parse(response.content).bozo == 0


def test_feed_requests_served_at_once_keep_their_own_links(cases, monkeypatch):
    """One CaseFeed serves every request (and every thread of a worker): nothing of
    one request may be kept on it for another to overwrite."""
    feed = CaseFeed()
    factory = RequestFactory()
    real_get_feed = CaseFeed.get_feed

    def another_request_in_between(self, obj, request):
        if request.GET.get("city") == "lyon":
            feed(factory.get(FEED, {"city": "ghent"}))
        return real_get_feed(self, obj, request)

    monkeypatch.setattr(CaseFeed, "get_feed", another_request_in_between)
    root = atom(feed(factory.get(FEED, {"city": "lyon"})))

    assert links(root)["alternate"] == "http://testserver/en/cases/?city=lyon"
    assert links(root)["self"] == "http://testserver/en/cases/feed.atom?city=lyon"


def test_each_entry_is_in_the_feeds_language_where_translated_else_the_original(
    client,
):
    city = CityFactory(name="Bologna")
    translated = CaseStudyFactory(
        city=city,
        published=True,
        original_language="it",
        title="Bilancio partecipativo",
        summary="I residenti decidono.",
        title_de="Bürgerhaushalt",
        summary_de="Die Bewohner entscheiden.",
    )
    CaseStudyFactory(
        city=city,
        published=True,
        original_language="it",
        title="Laboratori di quartiere",
        summary="Un laboratorio per quartiere.",
    )

    response = client.get("/de/cases/feed.atom")

    assert feedparser.parse(response.content).bozo == 0
    root = atom(response)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    entries = {
        text_of(entry, "title"): (
            entry.get("{http://www.w3.org/XML/1998/namespace}lang"),
            text_of(entry, "summary"),
        )
        for entry in root.findall(f"{ATOM}entry")
    }
    assert entries == {
        "Bürgerhaushalt (Bologna)": ("de", "Die Bewohner entscheiden."),
        "Laboratori di quartiere (Bologna)": ("it", "Un laboratorio per quartiere."),
    }
    assert translated.title in client.get("/it/cases/feed.atom").content.decode()


@pytest.mark.parametrize("prefix", ["en", "de"])
def test_the_feeds_queries_do_not_grow_with_its_entries(
    client, django_assert_max_num_queries, prefix
):
    """An entry reads the title and summary its query loads (for_cards), never a
    section, which would cost a query an entry: in the original and in a
    translation alike."""
    for number in range(12):
        CaseStudyFactory(
            published=True,
            title=f"Case {number}",
            challenge="A challenge.",
            title_de=f"Fall {number}",
            summary_de="Eine Zusammenfassung.",
            challenge_de="Eine Herausforderung.",
        )
    # The first read also brings the search index up to date with the new cases.
    client.get(f"/{prefix}/cases/feed.atom")
    with django_assert_max_num_queries(5):
        response = client.get(f"/{prefix}/cases/feed.atom?fresh=1")
    assert response.status_code == 200
    entries = feedparser.parse(response.content).entries
    assert len(entries) == 12
    expected = "Fall 0" if prefix == "de" else "Case 0"
    assert any(entry.title.startswith(expected) for entry in entries)
