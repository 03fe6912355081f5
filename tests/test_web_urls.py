"""Web addresses (websites, document links, sources' links): one rule, in
core/validators.py, wherever a URL is written: the API (tests/api/test_schema.py),
the workspace's forms, the admin (through the model fields) and the demo content."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from cities.models import City, InnovationTeam, Strategy
from core.models import Source
from core.validators import WEB_URL_PATTERN, validate_web_url
from demo import content as demo_content
from innovation_cases.forms import SourceForm
from innovation_cases.models import Organisation
from tests.factories import CityFactory, MembershipFactory, StrategyFactory

HOSTILE_URL = 'https://example.org/"><script>alert(1)</script>'
URI = jsonschema_rs.Draft4Validator(
    {"type": "string", "format": "uri"}, validate_formats=True
)


def _url_fields() -> list[models.URLField]:
    return [
        field
        for app in ("core", "cities", "innovation_cases")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
        for field in model._meta.fields
        if isinstance(field, models.URLField)
    ]


def test_every_url_field_of_the_models_carries_the_rule() -> None:
    fields = {f"{f.model.__name__}.{f.name}" for f in _url_fields()}
    assert fields == {
        "City.website",
        "InnovationTeam.website",
        "Strategy.document_url",
        "Organisation.website",
        "Source.url",
    }
    for field in _url_fields():
        assert validate_web_url in field.validators, field


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (HOSTILE_URL, 'cannot contain “"”'),
        ("https://example.org/a report.pdf", "as %20"),
        ("https://example.org/stra\u00dfe", "as %C3%9F"),
        ("javascript:alert(1)", "Start the web address with https://"),
        ("ftp://example.org/file", "Start the web address with https://"),
        ("https://user:secret@example.org/", "domain name"),
        ("http://127.0.0.1/admin/", "domain name"),
        ("https://example.org/100%", "percent-encoded"),
        ("https://example.org/a#b#c", "such as https://www.example.org/"),
    ],
)
def test_a_url_that_is_not_a_public_web_address_is_refused_with_a_reason(
    url: str, message: str
) -> None:
    for field in _url_fields():
        with pytest.raises(ValidationError) as error:
            field.clean(url, None)
        assert message in " ".join(error.value.messages), (field, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.wien.gv.at/",
        "http://example.org",
        "https://online-learning.tudelft.nl/courses/smart-and-sustainable-cities/",
        "https://example.org/report.pdf?page=2&lang=de#section-3",
        "https://xn--mnchen-3ya.de/stadt/%C3%BCber-uns",
        "https://example.org:8443/a/(b)/c;d=e",
    ],
)
def test_a_public_web_address_is_accepted(url: str) -> None:
    for field in _url_fields():
        field.clean(url, None)


@settings(max_examples=300, deadline=None, database=None)
@given(st.from_regex(WEB_URL_PATTERN, fullmatch=True))
def test_every_url_the_pattern_allows_is_a_uri_and_a_django_url(url: str) -> None:
    """The schema publishes WEB_URL_PATTERN with `format: uri`; the API also runs
    Django's URLValidator. A URL the pattern allows must pass all three, or the schema
    would call valid what the API refuses."""
    validate_web_url(url)
    assert URI.is_valid(url), url
    host = url.split("://", 1)[1].split("/")[0].split("?")[0].split("#")[0]
    if len(host.rsplit(":", 1)[0]) <= 253:  # Django's limit for a host name
        URLValidator(schemes=["http", "https"])(url)


@pytest.mark.django_db
def test_the_demo_content_passes_the_rule(demo: Any) -> None:
    checked = 0
    for model in (City, InnovationTeam, Strategy, Organisation, Source):
        for record in model.objects.all():
            record.full_clean()
            checked += 1
    assert checked > 10
    # The one link the demo content has, on a source it does not cite yet.
    validate_web_url(demo_content.TU_DELFT["url"])


def test_the_case_editors_source_form_refuses_a_hostile_link() -> None:
    form = SourceForm(data={"title": "A report", "url": HOSTILE_URL})
    assert not form.is_valid()
    assert "cannot contain" in form.errors["url"][0]
    assert SourceForm(data={"title": "A report", "url": "example.org/r"}).is_valid()


@pytest.mark.django_db
def test_the_city_workspace_refuses_a_hostile_document_link(client: Any) -> None:
    ghent = CityFactory(name="Ghent", slug="ghent")
    client.force_login(MembershipFactory(city=ghent).user)
    strategy = StrategyFactory(city=ghent, title="Ghent strategy")
    url = reverse(
        "workspace:city_record_edit", args=[ghent.slug, "strategies", strategy.slug]
    )
    response = client.post(
        url, {"title": "Ghent strategy", "status": "draft", "document_url": HOSTILE_URL}
    )
    assert response.status_code == 400
    assert "cannot contain" in response.context["form"].errors["document_url"][0]
    strategy.refresh_from_db()
    assert strategy.document_url == ""
