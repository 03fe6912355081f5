"""The open data's catalogue, in DCAT-AP 3 (https://semiceu.github.io/DCAT-AP/releases/3.0.0/):
one RDF graph, answered as JSON-LD at /catalog.jsonld and as Turtle at /catalog.ttl, so
that a data portal (data.europa.eu, a national one) can harvest what the Atlas offers.

It describes one dataset, the published case studies, and its distributions: the CSV
and JSON exports (the CSV with its Table Schema, /cases/export/schema.json), the Atom
feed and the API (a dcat:DataService described by its OpenAPI schema). What it says of
the data (the countries, the years, when it last changed) is read from the published
cases only: a draft's city or year never shows here.

The controlled values are the EU Publications Office's authority tables (data themes,
countries, languages, frequencies, file types, access rights) and IANA's media types,
as DCAT-AP asks. Each text is given in English and in every site language it has been
translated into (a language whose translation is missing would repeat the English
text under its tag, which is worse than leaving it out).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Min
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from core.languages import neutral_path

from . import exports
from .engine import journal
from .models import CaseStudy

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
DATA_THEME = Namespace(EU + "data-theme/")
COUNTRY = Namespace(EU + "country/")
LANGUAGE = Namespace(EU + "language/")
FREQUENCY = Namespace(EU + "frequency/")
FILE_TYPE = Namespace(EU + "file-type/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
MEDIA_TYPE = Namespace("https://www.iana.org/assignments/media-types/")
# drf-spectacular writes OpenAPI 3.0.3 (the schema's "openapi").
OPENAPI = URIRef("https://spec.openapis.org/oas/v3.0.3")

# The site's languages as the EU's language table names them (ISO 639-2/B).
LANGUAGES = {"en": "ENG", "de": "DEU", "it": "ITA", "fr": "FRA", "sk": "SLK"}
# Government and public sector; Regions and cities.
THEMES = ("GOVE", "REGI")
# A case is published whenever a reviewer approves it.
FREQUENCY_OF_UPDATES = FREQUENCY.CONT

CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "xsd": str(XSD),
}


@dataclass(frozen=True)
class Coverage:
    """What the published cases cover: their cities' countries (ISO 3166-1 alpha-2),
    their first and last years of start, and when they last changed."""

    countries: list[str]
    first_year: int | None
    last_year: int | None
    modified: datetime.datetime | None


def coverage() -> Coverage:
    """Three small queries, over published cases only."""
    published = CaseStudy.objects.published()
    years = published.aggregate(first=Min("year_started"), last=Max("year_started"))
    codes = sorted(
        set(published.order_by().values_list("city__country", flat=True).distinct())
    )
    return Coverage(
        countries=codes,
        first_year=years["first"],
        last_year=years["last"],
        modified=journal.last_change().at,
    )


def country_uri(code: str) -> URIRef | None:
    """The EU country table's entry for an ISO alpha-2 code: its alpha-3 code (AT:
    AUT). None for a code without one (a user-assigned code such as XK), rather than
    a guessed address."""
    alpha3 = countries.alpha3(code)
    return COUNTRY[alpha3] if alpha3 else None


def _texts(message: str | Promise) -> Iterable[Literal]:
    """`message` in English, and in each other site language it is translated into."""
    with translation.override("en"):
        english = str(message)
    yield Literal(english, lang="en")
    for code, _name in settings.LANGUAGES:
        if code == "en":
            continue
        with translation.override(code):
            text = str(message)
        if text != english:
            yield Literal(text, lang=code)


class _Builder:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.graph = Graph()
        for prefix, namespace in CONTEXT.items():
            self.graph.bind(prefix, namespace)

    def url(self, name: str) -> URIRef:
        # The public pages' addresses in no language: they open in the reader's.
        return URIRef(self.request.build_absolute_uri(neutral_path(reverse(name))))

    def node(self, name: str) -> URIRef:
        """A resource of the catalogue: /catalog#name, which /catalog answers."""
        return URIRef(self.request.build_absolute_uri(reverse("catalog")) + "#" + name)

    def add(
        self, subject: URIRef, predicate: URIRef, *objects: URIRef | Literal
    ) -> None:
        for value in objects:
            self.graph.add((subject, predicate, value))

    def describe(
        self, subject: URIRef, title: str | Promise, description: str | Promise
    ) -> None:
        self.add(subject, DCTERMS.title, *_texts(title))
        self.add(subject, DCTERMS.description, *_texts(description))


def catalogue(request: HttpRequest, facts: Coverage) -> Graph:
    """The catalogue as a graph, its addresses under the request's host."""
    b = _Builder(request)
    add = b.add
    licence = URIRef(exports.LICENCE_URL)
    add(licence, RDF.type, DCTERMS.LicenseDocument)
    languages = [LANGUAGE[LANGUAGES[code]] for code, _name in settings.LANGUAGES]

    publisher = b.node("publisher")
    add(publisher, RDF.type, FOAF.Agent)
    add(publisher, FOAF.name, Literal(settings.OPERATOR_NAME))
    add(publisher, FOAF.homepage, b.url("innovation_cases:home"))

    contact = b.node("contact")
    add(contact, RDF.type, VCARD.Organization)
    add(contact, VCARD.fn, Literal(settings.OPERATOR_NAME))
    add(contact, VCARD.hasEmail, URIRef(f"mailto:{settings.CONTACT_EMAIL}"))
    add(contact, VCARD.hasURL, b.url("innovation_cases:about"))

    catalog = b.node("catalogue")
    add(catalog, RDF.type, DCAT.Catalog)
    b.describe(
        catalog,
        _("Public Innovation Atlas: open data"),
        _(
            "The open data of the Public Innovation Atlas, an open repository of "
            "public-sector innovation in European city governments: its case studies "
            "as downloads, a feed and an API."
        ),
    )
    add(catalog, DCTERMS.publisher, publisher)
    add(catalog, FOAF.homepage, b.url("innovation_cases:home"))
    add(catalog, DCTERMS.license, licence)
    add(catalog, DCTERMS.language, *languages)

    dataset = b.node("cases")
    add(catalog, DCAT.dataset, dataset)
    add(dataset, RDF.type, DCAT.Dataset)
    b.describe(
        dataset,
        _("Case studies of public-sector innovation in European cities"),
        _(
            "Each published case study: what a city government tried, where and when, "
            "classified by innovation type, driver, approach, theme and lifecycle "
            "stage, with how far its results are backed and how complete its record "
            "is. Only what reviewers have published; drafts never appear."
        ),
    )
    add(dataset, DCTERMS.identifier, Literal(str(dataset)))
    add(dataset, DCTERMS.publisher, publisher)
    add(dataset, DCAT.contactPoint, contact)
    add(dataset, DCAT.landingPage, b.url("innovation_cases:case_list"))
    add(dataset, DCAT.theme, *(DATA_THEME[theme] for theme in THEMES))
    add(
        dataset,
        DCAT.keyword,
        *_texts(_("public sector innovation")),
        *_texts(_("city government")),
        *_texts(_("case studies")),
    )
    add(dataset, DCTERMS.language, *languages)
    add(dataset, DCTERMS.accrualPeriodicity, FREQUENCY_OF_UPDATES)
    add(dataset, DCTERMS.accessRights, ACCESS_RIGHT.PUBLIC)
    add(dataset, DCTERMS.license, licence)
    spatial = [uri for code in facts.countries if (uri := country_uri(code))]
    add(dataset, DCTERMS.spatial, *spatial)
    if facts.first_year is not None and facts.last_year is not None:
        period = b.node("period")
        add(dataset, DCTERMS.temporal, period)
        add(period, RDF.type, DCTERMS.PeriodOfTime)
        add(period, DCAT.startDate, Literal(str(facts.first_year), datatype=XSD.gYear))
        add(period, DCAT.endDate, Literal(str(facts.last_year), datatype=XSD.gYear))
    modified = (
        Literal(facts.modified.isoformat(), datatype=XSD.dateTime)
        if facts.modified is not None
        else None
    )
    if modified is not None:
        add(dataset, DCTERMS.modified, modified)
        add(catalog, DCTERMS.modified, modified)

    schema = b.url("innovation_cases:case_export_schema")
    add(schema, RDF.type, DCTERMS.Standard)
    add(schema, DCTERMS.title, Literal("Frictionless Table Schema", lang="en"))

    api = b.node("api")
    endpoint = b.url("api:api-root")
    add(catalog, DCAT.service, api)
    add(api, RDF.type, DCAT.DataService)
    b.describe(
        api,
        _("Public Innovation Atlas API"),
        _(
            "A REST API over everything published: cities, their teams, labs, "
            "strategies and funding programmes, and the case studies, filtered as on "
            "the site. Errors are RFC 9457 problem documents."
        ),
    )
    add(api, DCAT.endpointURL, endpoint)
    add(api, DCAT.endpointDescription, b.url("api:schema"))
    add(api, DCTERMS.conformsTo, OPENAPI)
    add(api, DCAT.landingPage, b.url("api:swagger-ui"))
    add(api, DCAT.servesDataset, dataset)
    add(api, DCTERMS.publisher, publisher)
    add(api, DCAT.contactPoint, contact)
    add(api, DCTERMS.license, licence)
    add(api, DCTERMS.accessRights, ACCESS_RIGHT.PUBLIC)

    for name, route, media_type, file_type, title, description in [
        (
            "csv",
            "innovation_cases:case_export_csv",
            "text/csv",
            "CSV",
            _("All published case studies as CSV"),
            _(
                "UTF-8 with a byte order mark, lines ended by CRLF; several values in "
                "a cell are separated by “;”, and a cell that would start with = + - "
                "or @ starts with ' instead. Filter it with the case list's "
                "parameters."
            ),
        ),
        (
            "json",
            "innovation_cases:case_export_json",
            "application/json",
            "JSON",
            _("All published case studies as JSON"),
            _(
                "The same columns as the CSV, lists as arrays, with the licence and "
                "how to credit it. Filter it with the case list's parameters."
            ),
        ),
        (
            "feed",
            "innovation_cases:case_feed",
            "application/atom+xml",
            "ATOM",
            _("Newly published case studies (Atom feed)"),
            _("The 50 most recently published case studies, newest first."),
        ),
    ]:
        distribution = b.node(name)
        url = b.url(route)
        add(dataset, DCAT.distribution, distribution)
        add(distribution, RDF.type, DCAT.Distribution)
        b.describe(distribution, title, description)
        add(distribution, DCAT.accessURL, url)
        if name != "feed":
            add(distribution, DCAT.downloadURL, url)
        add(distribution, DCAT.mediaType, MEDIA_TYPE[media_type])
        add(distribution, DCTERMS.format, FILE_TYPE[file_type])
        add(distribution, DCTERMS.license, licence)
        if modified is not None:
            add(distribution, DCTERMS.modified, modified)
        if name == "csv":
            add(distribution, DCTERMS.conformsTo, schema)

    through_api = b.node("api-distribution")
    add(dataset, DCAT.distribution, through_api)
    add(through_api, RDF.type, DCAT.Distribution)
    b.describe(
        through_api,
        _("The case studies through the API"),
        _("/api/v1/cases/: pages of JSON, filtered with the case list's parameters."),
    )
    add(through_api, DCAT.accessURL, endpoint)
    add(through_api, DCAT.accessService, api)
    add(through_api, DCAT.mediaType, MEDIA_TYPE["application/json"])
    add(through_api, DCTERMS.format, FILE_TYPE.JSON)
    add(through_api, DCTERMS.license, licence)
    return b.graph


FORMATS = {
    # format: (rdflib's name, Content-Type)
    "jsonld": ("json-ld", "application/ld+json"),
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
}


def fingerprint(graph: Graph) -> list[str]:
    """The graph's triples, sorted: the same for the same graph in every process (the
    serialisers' order follows hashes that Python seeds afresh in each), for an ETag
    that every worker gives alike. The catalogue has no blank node, whose name would
    change from one request to the next."""
    return sorted(graph.serialize(format="nt").splitlines())


def serialise(graph: Graph, format: str) -> str:
    name, _content_type = FORMATS[format]
    if format == "jsonld":
        return graph.serialize(format=name, context=CONTEXT, auto_compact=True)
    return graph.serialize(format=name)
