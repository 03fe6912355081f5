"""/catalog.jsonld and /catalog.ttl: the open data's DCAT-AP 3 catalogue, read back as
a harvester would, with rdflib (no network: the JSON-LD carries its own context)."""

import re

import pytest
from django.utils.http import http_date
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from innovation_cases.catalog import VCARD
from innovation_cases.exports import LICENCE_URL
from tests.factories import CaseStudyFactory, CityFactory

pytestmark = pytest.mark.django_db

EU = "http://publications.europa.eu/resource/authority/"
SITE = "http://testserver"


@pytest.fixture
def cases():
    """Published cases in Austria and Belgium (2014, 2021); a draft, alone in Malta
    and started in 1990, that nothing may show."""
    vienna = CityFactory(name="Vienna", slug="vienna", country="AT")
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    valletta = CityFactory(name="Valletta", slug="valletta", country="MT")
    CaseStudyFactory(published=True, city=vienna, year_started=2014, slug="a")
    CaseStudyFactory(published=True, city=ghent, year_started=2021, slug="b")
    CaseStudyFactory(published=True, city=ghent, slug="no-year")
    CaseStudyFactory(city=valletta, year_started=1990, slug="secret-draft")


def graph_of(client, path: str, format: str) -> tuple[Graph, object]:
    response = client.get(path)
    assert response.status_code == 200
    graph = Graph()
    graph.parse(data=response.content.decode(), format=format)
    return graph, response


@pytest.fixture(params=[("/catalog.jsonld", "json-ld"), ("/catalog.ttl", "turtle")])
def catalogue(request, client, cases):
    path, format = request.param
    return graph_of(client, path, format)


def one(graph: Graph, subject, predicate):
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return values[0]


def test_both_formats_are_the_same_graph(client, cases):
    jsonld, response = graph_of(client, "/catalog.jsonld", "json-ld")
    turtle, ttl_response = graph_of(client, "/catalog.ttl", "turtle")
    assert response["Content-Type"] == "application/ld+json"
    assert ttl_response["Content-Type"] == "text/turtle; charset=utf-8"
    assert jsonld.isomorphic(turtle)


def test_the_catalogue_has_dcat_aps_mandatory_and_recommended_properties(catalogue):
    graph, _response = catalogue
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert catalog == URIRef(f"{SITE}/catalog#catalogue")
    assert Literal("Public Innovation Atlas: open data", lang="en") in set(
        graph.objects(catalog, DCTERMS.title)
    )
    assert list(graph.objects(catalog, DCTERMS.description))
    assert one(graph, catalog, FOAF.homepage) == URIRef(f"{SITE}/")
    assert one(graph, catalog, DCTERMS.license) == URIRef(LICENCE_URL)

    publisher = one(graph, catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert one(graph, publisher, FOAF.name) == Literal("Public Innovation Atlas")

    dataset = one(graph, catalog, DCAT.dataset)
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert list(graph.objects(dataset, DCTERMS.title))
    assert list(graph.objects(dataset, DCTERMS.description))
    assert one(graph, dataset, DCTERMS.publisher) == publisher
    assert set(graph.objects(dataset, DCAT.theme)) == {
        URIRef(f"{EU}data-theme/GOVE"),
        URIRef(f"{EU}data-theme/REGI"),
    }
    assert one(graph, dataset, DCTERMS.accrualPeriodicity) == URIRef(
        f"{EU}frequency/CONT"
    )
    assert one(graph, dataset, DCTERMS.license) == URIRef(LICENCE_URL)
    assert one(graph, dataset, DCAT.landingPage) == URIRef(f"{SITE}/cases/")
    assert one(graph, dataset, DCTERMS.modified).datatype == XSD.dateTime

    contact = one(graph, dataset, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Organization) in graph
    assert one(graph, contact, VCARD.hasEmail) == URIRef("mailto:atlas@localhost")
    assert one(graph, contact, VCARD.fn) == Literal("Public Innovation Atlas")

    period = one(graph, dataset, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in graph
    assert one(graph, period, DCAT.startDate) == Literal("2014", datatype=XSD.gYear)
    assert one(graph, period, DCAT.endDate) == Literal("2021", datatype=XSD.gYear)


def test_spatial_coverage_is_the_published_cases_countries_only(catalogue):
    graph, _response = catalogue
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    # Malta is only the draft's: it is not covered, nor is its year 1990.
    assert set(graph.objects(dataset, DCTERMS.spatial)) == {
        URIRef(f"{EU}country/AUT"),
        URIRef(f"{EU}country/BEL"),
    }


def test_each_distribution_has_its_access_url_format_media_type_and_licence(
    catalogue,
):
    graph, _response = catalogue
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    distributions = {
        str(one(graph, d, DCAT.accessURL)): d
        for d in graph.objects(dataset, DCAT.distribution)
    }
    assert set(distributions) == {
        f"{SITE}/cases/export.csv",
        f"{SITE}/cases/export.json",
        f"{SITE}/cases/feed.atom",
        f"{SITE}/api/v1/",
    }
    expected = {
        f"{SITE}/cases/export.csv": ("text/csv", "CSV"),
        f"{SITE}/cases/export.json": ("application/json", "JSON"),
        f"{SITE}/cases/feed.atom": ("application/atom+xml", "ATOM"),
        f"{SITE}/api/v1/": ("application/json", "JSON"),
    }
    for url, (media_type, file_type) in expected.items():
        distribution = distributions[url]
        assert (distribution, RDF.type, DCAT.Distribution) in graph
        assert one(graph, distribution, DCAT.mediaType) == URIRef(
            f"https://www.iana.org/assignments/media-types/{media_type}"
        )
        assert one(graph, distribution, DCTERMS.format) == URIRef(
            f"{EU}file-type/{file_type}"
        )
        assert one(graph, distribution, DCTERMS.license) == URIRef(LICENCE_URL)
        assert list(graph.objects(distribution, DCTERMS.title))
    csv = distributions[f"{SITE}/cases/export.csv"]
    assert one(graph, csv, DCAT.downloadURL) == URIRef(f"{SITE}/cases/export.csv")
    assert one(graph, csv, DCTERMS.conformsTo) == URIRef(
        f"{SITE}/cases/export/schema.json"
    )


def test_the_api_is_a_data_service_described_by_its_openapi_schema(catalogue):
    graph, _response = catalogue
    service = next(graph.subjects(RDF.type, DCAT.DataService))
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert (catalog, DCAT.service, service) in graph
    assert list(graph.objects(service, DCTERMS.title))
    assert one(graph, service, DCAT.endpointURL) == URIRef(f"{SITE}/api/v1/")
    assert one(graph, service, DCAT.endpointDescription) == URIRef(
        f"{SITE}/api/schema/"
    )
    assert one(graph, service, DCTERMS.conformsTo) == URIRef(
        "https://spec.openapis.org/oas/v3.0.3"
    )
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    assert one(graph, service, DCAT.servesDataset) == dataset


def test_an_empty_atlas_has_a_catalogue_without_coverage(client):
    graph, _response = graph_of(client, "/catalog.ttl", "turtle")
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    assert not list(graph.objects(dataset, DCTERMS.spatial))
    assert not list(graph.objects(dataset, DCTERMS.temporal))


def test_the_catalogue_answers_a_conditional_get_with_304(client, cases):
    response = client.get("/catalog.jsonld")
    assert response["Link"] == f'<{LICENCE_URL}>; rel="license"'
    etag, modified = response["ETag"], response["Last-Modified"]
    assert client.get("/catalog.jsonld", HTTP_IF_NONE_MATCH=etag).status_code == 304
    again = client.get("/catalog.jsonld", HTTP_IF_MODIFIED_SINCE=modified)
    assert again.status_code == 304
    CaseStudyFactory(published=True, slug="newer", year_started=2022)
    changed = client.get("/catalog.jsonld", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_last_modified_is_the_newest_published_change(client, cases):
    from innovation_cases.engine import journal

    response = client.get("/catalog.ttl")
    assert response["Last-Modified"] == http_date(journal.last_change().at.timestamp())


@pytest.mark.parametrize(
    ("accept", "location"),
    [("text/turtle", "/catalog.ttl"), ("application/ld+json", "/catalog.jsonld")],
)
def test_the_catalogues_own_address_sends_to_the_format_asked_for(
    client, accept, location
):
    response = client.get("/catalog", HTTP_ACCEPT=accept)
    assert response.status_code == 303
    assert response["Location"] == location


def test_every_page_links_the_catalogue_and_the_about_page_explains_it(client):
    home = client.get("/en/").content.decode()
    assert re.search(
        r'<link rel="alternate" type="application/ld\+json" title="[^"]+" '
        r'href="/catalog.jsonld">',
        home,
    )
    about = client.get("/en/about/").content.decode()
    assert 'href="/catalog.jsonld"' in about
    assert 'href="/catalog.ttl"' in about
    assert 'href="/en/cases/export/schema.json"' in about
