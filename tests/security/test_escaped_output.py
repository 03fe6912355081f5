"""Text the corpus's payloads may legitimately be (a `<script>` is a valid title), once
stored, on every page that shows it: each escapes it (no element or attribute of it
is live). tests/test_hostile_text.py has the outputs that are not pages (the search
snippet, the sitemap, the exports' bodies, the API, the e-mails) and the Atom feed's
own tests; here are the pages, the public site's, the workspace's and the admin's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from core.models import Source
from innovation_cases.models import SECTION_FIELDS, CaseStudy
from tests.factories import SourceFactory, verified_login

from .conftest import World
from .corpus import XSS, no_live_markup

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

# Who reads each page (None: anyone), and its address.
PAGES: dict[str, tuple[str | None, Callable[[World], str]]] = {
    "case page": (
        None,
        lambda w: reverse("innovation_cases:case_detail", args=[w.case.slug]),
    ),
    "case list": (None, lambda w: reverse("innovation_cases:case_list")),
    "case search": (
        None,
        lambda w: reverse("innovation_cases:case_list") + "?q=script",
    ),
    "city page": (None, lambda w: reverse("cities:city_detail", args=[w.city.slug])),
    "team page": (None, lambda w: reverse("cities:team_detail", args=[w.team.slug])),
    "home": (None, lambda w: "/en/"),
    "city list": (None, lambda w: reverse("cities:city_list")),
    "feed": (None, lambda w: reverse("innovation_cases:case_feed")),
    "browsable API": (None, lambda w: f"/api/v1/cases/{w.case.slug}/?format=api"),
    "workspace case": (
        "officer",
        lambda w: reverse("workspace:case_detail", args=[w.case.slug]),
    ),
    "workspace editor": (
        "officer",
        lambda w: reverse("workspace:case_edit", args=[w.case.slug]),
    ),
    "workspace history": (
        "officer",
        lambda w: reverse("workspace:case_history", args=[w.case.slug]),
    ),
    "city profile": (
        "officer",
        lambda w: reverse("workspace:city_profile", args=[w.city.slug]),
    ),
    "admin case": (
        "superuser",
        lambda w: reverse("admin:innovation_cases_casestudy_change", args=[w.case.pk]),
    ),
    "admin cases": (
        "superuser",
        lambda w: reverse("admin:innovation_cases_casestudy_changelist"),
    ),
    "admin case history": (
        "superuser",
        lambda w: reverse("admin:innovation_cases_casestudy_history", args=[w.case.pk]),
    ),
}


@pytest.fixture
def hostile_world(world: World) -> World:
    """The world's case published, with the payload in every text it has (its title,
    summary, sections, city, team, partner and source), and a second version, so
    that a history shows the change."""
    case = CaseStudy.objects.get(pk=world.case.pk)
    world.city.name = f"Bologna {XSS}"
    world.city.save()
    world.team.name = f"Team {XSS}"
    world.team.save()
    world.organisation.name = f"Partner {XSS}"
    world.organisation.save()
    case.partners.set([world.organisation])
    for name in ["title", "summary", *SECTION_FIELDS]:
        setattr(case, name, f"{name} {XSS} [x](javascript:alert(3))")
    case.status = CaseStudy.Status.PUBLISHED
    case.published_at = case.created_at
    case.save()
    Source.objects.filter(pk=world.source.pk).update(title=f"Report {XSS}", note=XSS)
    SourceFactory(content_object=case, title=f"Other {XSS}", url="https://example.org/")
    return world


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_shows_hostile_text_escaped(client, hostile_world: World, name):
    user, url = PAGES[name]
    if user == "officer":
        client.force_login(hostile_world.officer.user)
    elif user == "superuser":
        verified_login(client, hostile_world.superuser)

    response = client.get(url(hostile_world))

    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    no_live_markup(body)
    assert 'href="javascript:' not in body
    # The text is there, as text (escaped), not dropped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "alert(1)" in body


def test_the_corpus_payload_is_stored_exactly(hostile_world: World):
    case: Any = CaseStudy.objects.get(pk=hostile_world.case.pk)
    assert case.title == f"title {XSS} [x](javascript:alert(3))"
