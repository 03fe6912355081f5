"""Plain helpers and data shared by the API tests (the fixtures are conftest.py's).

`get` and `read` read, `send` writes, each failing on any email address in a response;
the problem documents a test expects are built with `invalid` and `problem`;
`make_officer` makes a user with a personal token, a member of the cities given, and
`make_case` a case with its terms. The data is the demo content's (Bologna, Vienna,
Bratislava) and conftest.py's fixtures'.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accounts.models import ApiToken
from cities.models import City, District
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, MembershipFactory, UserFactory

API = "http://testserver/api/v1"
PROBLEM = "application/problem+json"
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
INVALID_DETAIL = "The request has invalid values: see “errors”."
OWN_CITIES_ONLY = "You can change the records of your own cities only."
NUL_MESSAGE = "A NUL byte is not allowed in a query parameter."

CASE = "/api/v1/cases/vienna-innovation-pitch-fund/"  # a published case of the demo's
DRAFT = "/api/v1/cases/navile-benches/"  # conftest.py's `write_draft`


# --- Reading --------------------------------------------------------------------------


def get(client: Any, url: str, **headers: str) -> Any:
    """GET `url`; whatever it answers, no user's email is in it."""
    response = client.get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else None
    content = body if body is not None else response.content
    assert not EMAIL_RE.search(content.decode("utf-8", "replace")), content[:500]
    return response


def keys_of(data: Any) -> set[str]:
    """Every key of every object in a JSON document."""
    if isinstance(data, dict):
        return set(data).union(*(keys_of(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(keys_of(v) for v in data))
    return set()


def assert_no_internal_ids(data: Any) -> None:
    keys = keys_of(data)
    assert not keys & {"id", "pk", "created_by", "updated_by", "email"}, keys
    assert not [key for key in keys if key.endswith("_id")], keys


def api_slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [record["slug"] for record in response.json()["results"]]


def html_slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [case.slug for case in response.context["cases"]]


def city_ref(slug: str, name: str, country: str) -> dict[str, str]:
    return {
        "url": f"{API}/cities/{slug}/",
        "slug": slug,
        "name": name,
        "country": country,
    }


def demo_city(slug: str) -> City:
    return City.objects.get(slug=slug)


def iso(value: datetime.datetime | None) -> str | None:
    """A datetime as the API writes it: ISO 8601 in the site's time zone."""
    return timezone.localtime(value).isoformat() if value else None


# --- Making cases ---------------------------------------------------------------------


def published_on(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 9, 0, tzinfo=datetime.UTC)


def make_case(
    slug: str,
    title: str,
    city: Any,
    *,
    published_at: datetime.datetime | None,
    year: int | None,
    types: tuple[str, ...] = (),
    drivers: tuple[str, ...] = (),
    approaches: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    stage: str | None = None,
    district: District | None = None,
) -> CaseStudy:
    status = CaseStudy.Status.PUBLISHED if published_at else CaseStudy.Status.DRAFT
    case = CaseStudyFactory(
        slug=slug,
        title=title,
        city=city,
        district=district,
        status=status,
        published_at=published_at,
        year_started=year,
        summary=f"{title}: a case made by the tests of the API.",
        lifecycle_stage=LifecycleStage.objects.get(slug=stage) if stage else None,
    )
    case.innovation_types.set(InnovationType.objects.filter(slug__in=types))
    case.drivers.set(Driver.objects.filter(slug__in=drivers))
    case.approaches.set(Approach.objects.filter(slug__in=approaches))
    case.themes.set(Theme.objects.filter(slug__in=themes))
    return case


# --- Problems -------------------------------------------------------------------------


def invalid(errors: dict[str, list[str]]) -> dict[str, Any]:
    """The problem document of a 400 for invalid values."""
    return {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": INVALID_DETAIL,
        "code": "invalid",
        "errors": errors,
    }


def problem(status: int, title: str, detail: str, code: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }


FORBIDDEN = problem(403, "Forbidden", OWN_CITIES_ONLY, "permission_denied")


def assert_problem(response: Any, expected: dict[str, Any]) -> None:
    assert response.status_code == expected["status"], response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json() == expected


# --- Writing --------------------------------------------------------------------------


@dataclass
class Officer:
    user: Any
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_officer(username: str, *cities: City, role: str = "officer") -> Officer:
    user = UserFactory(username=username, email=f"{username}@example.org")
    for city in cities:
        MembershipFactory(user=user, city=city, role=role)
    _, token = ApiToken.issue(user=user, name="Import script")
    return Officer(user, token)


def send(
    client: Any,
    method: str,
    url: str,
    body: Any,
    officer: Officer | None = None,
    content_type: str = "application/json",
    **headers: str,
) -> Any:
    """A write; a dict or list body is sent as JSON. No response holds an email."""
    if officer is not None:
        headers.update(officer.auth)
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = getattr(client, method)(
        url, data, content_type=content_type, headers=headers
    )
    assert not EMAIL_RE.search(response.content.decode("utf-8", "replace"))
    return response


def read(client: Any, url: str, officer: Officer | None = None, **headers: str) -> Any:
    if officer is not None:
        headers.update(officer.auth)
    response = client.get(url, headers=headers)
    assert not EMAIL_RE.search(response.content.decode("utf-8", "replace"))
    return response


def ref(kind: str, slug: str, name: str) -> dict[str, str]:
    return {"url": f"{API}/{kind}/{slug}/", "slug": slug, "name": name}


BOLOGNA = {
    "url": f"{API}/cities/bologna/",
    "slug": "bologna",
    "name": "Bologna",
    "country": "IT",
}
IU_TEAM = ref(
    "teams", "fondazione-iu-rusconi-ghigi", "Fondazione IU Rusconi Ghigi (IU)"
)
NAVILE = {"url": f"{API}/districts/bologna/navile/", "slug": "navile", "name": "Navile"}

# A whole case of Bologna's, as its officer would send it.
NEW_CASE = {
    "title": "Benches for Navile's streets",
    "city": "bologna",
    "district": "navile",
    "teams": ["fondazione-iu-rusconi-ghigi"],
    "partners": ["fondazione-iu-rusconi-ghigi", "lse-cities"],
    "summary": "Residents chose where the district's new benches go.",
    "challenge": "Few places to sit.",
    "approach": "- Walks with residents.",
    "results": "Forty benches.",
    "lessons_learned": "Ask first.",
    "innovation_types": ["adaptive"],
    "drivers": ["social", "political"],
    "approaches": ["co-production"],
    "themes": ["public-spaces", "neighbourhoods"],
    "lifecycle_stage": "implementing",
    "year_started": 2023,
    "year_ended": 2024,
}

# A valid body for each endpoint that takes writes, the least it needs: Bologna's.
VALID_BODIES = {
    "cases": {"title": "Hostile bodies", "city": "bologna", "summary": "S."},
    "teams": {"name": "Hostile bodies", "city": "bologna", "kind": "in_house_unit"},
    "labs": {"name": "Hostile bodies", "team": "fondazione-iu-rusconi-ghigi"},
    "strategies": {"title": "Hostile bodies", "city": "bologna"},
    "funding-programmes": {
        "name": "Hostile bodies",
        "city": "bologna",
        "allocation": "grant_call",
    },
}
# Values of every JSON type, and the slugs of real records (of the officer's city and
# of another): none may reach the database through a field the endpoint does not take.
HOSTILE_VALUES = [
    "bologna",
    "vienna",
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "\u0000",
    "-" * 200,
    "<script>alert(1)</script>",
    [],
    ["vienna"],
    {},
    {"slug": "vienna"},
]
