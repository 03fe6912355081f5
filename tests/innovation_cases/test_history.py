"""Every change to a case or a city's record is kept, with who made it and when."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from cities.models import City, Lab
from innovation_cases.models import CaseStudy
from tests.factories import LabFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(demo):
    officer = MembershipFactory(city=City.objects.get(slug="vienna")).user
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user=officer, name='t')[1]}"
    )
    client.officer = officer
    return client


def test_an_api_write_with_relations_is_one_version_with_them(officer_client):
    created = officer_client.post(
        "/api/v1/cases/",
        {
            "title": "Office hours",
            "city": "vienna",
            "summary": "Officers book a slot.",
            "themes": ["mobility", "government-capacity"],
        },
        format="json",
    )
    assert created.status_code == 201
    case = CaseStudy.objects.get(slug="office-hours")
    assert case.history.count() == 1
    first = case.history.get()
    assert first.history_type == "+"  # recorded as the creation it is
    assert first.history_user == officer_client.officer
    assert {t.theme.slug for t in first.themes.all()} == {
        "mobility",
        "government-capacity",
    }

    officer_client.patch(
        "/api/v1/cases/office-hours/",
        {"title": "Open office hours", "themes": ["mobility"]},
        format="json",
    )
    assert case.history.count() == 2
    latest = case.history.first()
    assert latest.title == "Open office hours"
    assert [t.theme.slug for t in latest.themes.all()] == ["mobility"]
    assert latest.prev_record.title == "Office hours"


def test_changes_to_a_citys_records_are_recorded(demo):
    lab = LabFactory(team=City.objects.get(slug="bologna").teams.get())
    lab.name = "Renamed lab"
    lab.save()
    assert [version.name for version in lab.history.all()] == [
        "Renamed lab",
        lab.history.last().name,
    ]
    assert Lab.history.filter(id=lab.pk).count() == 2
