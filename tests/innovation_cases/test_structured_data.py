"""schema.org JSON-LD on case and city pages: read back with rdflib, with schema.org's
namespace as the context's vocabulary (nothing fetched from schema.org), and never
holding what is not published."""

import json
import re

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from cities.models import InnovationTeam
from core.models import Theme
from core.templatetags.structured_data import json_ld
from innovation_cases.models import CaseRevision, CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    InnovationTeamFactory,
    MembershipFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

SDO = Namespace("https://schema.org/")
SITE = "http://testserver"
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def structured_data(html: str) -> list[dict]:
    return [json.loads(found) for found in SCRIPT.findall(html)]


def as_graph(data: dict) -> Graph:
    """The JSON-LD as linked data, with schema.org's context replaced by its vocabulary
    (url and sameAs are then plain text, which is all these tests ask of them)."""
    assert data["@context"] == "https://schema.org"
    graph = Graph()
    graph.parse(
        data=json.dumps({**data, "@context": {"@vocab": str(SDO)}}), format="json-ld"
    )
    return graph


def one(graph, subject, predicate):
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (predicate, values)
    return values[0]


@pytest.fixture
def case():
    city = CityFactory(
        name="Vienna", slug="vienna", country="AT", latitude=48.2, longitude=16.37
    )
    case = CaseStudyFactory(
        published=True,
        slug="imco",
        title="IMCO </script><script>alert(1)</script>",
        summary="Officers pitch for funds & win.",
        city=city,
        year_started=2019,
        title_de="IMCO auf Deutsch",
        summary_de="Beamte bewerben sich.",
    )
    case.themes.set([Theme.objects.get(slug="mobility")])
    SourceFactory(
        content_object=case, title="City report", url="https://example.org/report"
    )
    return case


def test_a_case_page_describes_the_case_as_an_article(client, case):
    html = client.get("/en/cases/imco/").content.decode()
    [data] = structured_data(html)
    graph = as_graph(data)
    article = URIRef(f"{SITE}/en/cases/imco/")
    assert (article, RDF.type, SDO.Article) in graph
    assert one(graph, article, SDO.name) == Literal(
        "IMCO </script><script>alert(1)</script>"
    )
    assert one(graph, article, SDO.description) == Literal(
        "Officers pitch for funds & win."
    )
    assert one(graph, article, SDO.inLanguage) == Literal("en")
    assert one(graph, article, SDO.url) == Literal(f"{SITE}/en/cases/imco/")
    assert one(graph, article, SDO.license) == Literal(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for date in (SDO.dateCreated, SDO.datePublished, SDO.dateModified):
        assert str(one(graph, article, date)).startswith("20")

    theme = one(graph, article, SDO.about)
    assert (theme, RDF.type, SDO.DefinedTerm) in graph
    assert one(graph, theme, SDO.url) == Literal(f"{SITE}/en/themes/mobility/")
    assert one(graph, theme, SDO.name) == Literal(
        Theme.objects.get(slug="mobility").name
    )

    city = one(graph, article, SDO.spatialCoverage)
    assert (city, RDF.type, SDO.City) in graph
    assert one(graph, city, SDO.name) == Literal("Vienna")
    country = one(graph, city, SDO.containedInPlace)
    assert (country, RDF.type, SDO.Country) in graph
    assert one(graph, country, SDO.identifier) == Literal("AT")

    source = one(graph, article, SDO.citation)
    assert (source, RDF.type, SDO.CreativeWork) in graph
    assert one(graph, source, SDO.name) == Literal("City report")
    assert one(graph, source, SDO.url) == Literal("https://example.org/report")
    assert not list(graph.objects(article, SDO.image))  # the case has none


def test_the_json_ld_cannot_end_its_script_element(client, case):
    html = client.get("/en/cases/imco/").content.decode()
    script = SCRIPT.search(html).group(0)
    assert script.count("</script>") == 1  # its own end, nothing from the title
    assert "\\u003C/script\\u003E" in script
    assert "\\u0026" in script


def test_the_json_ld_is_in_the_readers_language(client, case):
    [data] = structured_data(client.get("/de/cases/imco/").content.decode())
    assert data["name"] == "IMCO auf Deutsch"
    assert data["inLanguage"] == "de"


def test_a_case_image_is_given_by_its_absolute_address(client, case):
    folder = "cases/ab/" + "0" * 32
    CaseStudy.objects.filter(pk=case.pk).update(
        image=f"{folder}/1200x800.webp", image_alt="A meeting"
    )
    [data] = structured_data(client.get("/en/cases/imco/").content.decode())
    assert data["image"]["contentUrl"] == f"{SITE}/media/{folder}/1200x800.webp"
    assert data["image"]["caption"] == "A meeting"


def test_a_draft_or_a_pending_revision_never_shows(client, case):
    officer = MembershipFactory(city=case.city).user
    values = {name: getattr(case, name) for name in CaseRevision.FIELDS}
    values.update(dict.fromkeys(["teams", "partners", "innovation_types"], []))
    values.update(dict.fromkeys(["drivers", "approaches", "themes"], []))
    values.update(title="Unapproved title", summary="An unapproved summary, long.")
    CaseRevision.propose(case=case, by=officer, values=values)
    CaseStudyFactory(slug="draft", city=case.city, title="Draft title")
    assert client.get("/en/cases/draft/").status_code == 404
    html = client.get("/en/cases/imco/").content.decode()
    html += client.get("/en/cities/vienna/").content.decode()
    found = json.dumps(structured_data(html))
    assert "IMCO" in found
    for secret in ("Unapproved title", "An unapproved summary", "Draft title"):
        assert secret not in found
        assert secret not in html


def test_a_city_page_describes_its_government_and_teams(client):
    city = CityFactory(
        name="Bologna", slug="bologna", country="IT", website="https://comune.bo.it/"
    )
    foundation = InnovationTeamFactory(city=city, name="Fondazione IU", slug="iu")
    InnovationTeamFactory(
        city=city, name="District lab team", slug="lab-team", parent=foundation
    )
    html = client.get("/en/cities/bologna/").content.decode()
    [data] = structured_data(html)
    graph = as_graph(data)
    government = URIRef(f"{SITE}/en/cities/bologna/#government")
    assert (government, RDF.type, SDO.GovernmentOrganization) in graph
    assert one(graph, government, SDO.name) == Literal("Bologna")
    assert one(graph, government, SDO.sameAs) == Literal("https://comune.bo.it/")
    area = one(graph, government, SDO.areaServed)
    assert (area, RDF.type, SDO.City) in graph
    country = one(graph, area, SDO.containedInPlace)
    assert one(graph, country, SDO.identifier) == Literal("IT")
    team = one(graph, government, SDO.subOrganization)
    assert (team, RDF.type, SDO.GovernmentOrganization) in graph
    assert one(graph, team, SDO.name) == Literal("Fondazione IU")
    assert one(graph, team, SDO.url) == Literal(f"{SITE}/en/teams/iu/")
    child = one(graph, team, SDO.subOrganization)
    assert one(graph, child, SDO.name) == Literal("District lab team")
    assert InnovationTeam.objects.count() == 2


def test_the_filter_writes_nothing_for_no_data():
    assert json_ld(None) == ""
    assert json_ld({"a": "<&>"}) == (
        '<script type="application/ld+json">{"a": "\\u003C\\u0026\\u003E"}</script>'
    )
