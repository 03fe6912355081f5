"""POST /api/v1/imports/<kind>/: the spreadsheet import, with a dry run."""

import pytest
from django.urls import reverse

from innovation_cases.models import CaseStudy
from tests.api.helpers import FORBIDDEN, PROBLEM, assert_problem, make_officer
from tests.factories import CityFactory, UserFactory
from tests.workspace.conftest import csv_file

pytestmark = pytest.mark.django_db

URL = reverse("api:import", args=["cases"])


@pytest.fixture
def ghent():
    return CityFactory(name="Ghent", slug="ghent")


def cases_file(city_slug, title="Street labs", year="2020"):
    return csv_file(
        [
            ["slug", "title", "city", "summary", "year_started"],
            ["", title, city_slug, "A lab in each district.", year],
        ]
    )


def post(client, file, officer=None, query=""):
    headers = officer.auth if officer else {}
    return client.post(f"{URL}{query}", {"file": file}, headers=headers)


def test_a_dry_run_previews_every_row_and_stores_nothing(client, ghent):
    officer = make_officer("ana", ghent)
    response = post(client, cases_file("ghent", year="1700"), officer, "?dry_run=1")
    assert response.status_code == 200
    assert response.json() == {
        "kind": "cases",
        "dry_run": True,
        "counts": {"create": 0, "update": 0, "unchanged": 0, "error": 1},
        "rows": [
            {
                "row": 2,
                "slug": "",
                "action": "error",
                "for_review": False,
                "values": {
                    "slug": "",
                    "title": "Street labs",
                    "city": "ghent",
                    "summary": "A lab in each district.",
                    "year_started": "1700",
                },
                "errors": [
                    {
                        "column": "year_started",
                        "message": "Ensure this value is greater than or equal to 1800.",
                    }
                ],
                "notes": [],
                "changes": [],
            }
        ],
        "imported": [],
    }
    assert not CaseStudy.objects.exists()


def test_without_dry_run_the_valid_rows_are_imported(client, ghent):
    officer = make_officer("ana", ghent)
    response = post(client, cases_file("ghent"), officer)
    assert response.status_code == 200
    case = CaseStudy.objects.get()
    assert case.status == CaseStudy.Status.DRAFT
    assert case.history.get().history_user == officer.user
    body = response.json()
    assert body["counts"]["create"] == 1
    assert body["imported"] == [
        {
            "row": 2,
            "action": "created",
            "title": "Street labs",
            "url": f"http://testserver/workspace/cases/{case.slug}/",
        }
    ]


def test_another_citys_officer_is_refused_and_nothing_is_stored(client, ghent):
    lyon = CityFactory(name="Lyon", slug="lyon")
    officer = make_officer("bea", lyon)
    response = post(client, cases_file("ghent"), officer)
    assert_problem(response, FORBIDDEN)
    response = post(client, cases_file("ghent"), officer, "?dry_run=1")
    assert_problem(response, FORBIDDEN)
    assert not CaseStudy.objects.exists()


def test_anonymous_clients_get_401(client, ghent):
    response = post(client, cases_file("ghent"), query="?dry_run=1")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_a_user_who_writes_no_city_gets_403(client, ghent):
    UserFactory(username="nobody")
    officer = make_officer("carl")
    response = post(client, cases_file("ghent"), officer, "?dry_run=1")
    assert response.status_code == 403


def test_a_file_that_cannot_be_read_is_a_problem_document(client, ghent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    officer = make_officer("ana", ghent)
    page = SimpleUploadedFile("cases.xlsx", b"<html></html>")
    response = post(client, page, officer, "?dry_run=1")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == ["file"]
    assert "is not an XLSX workbook" in response.json()["errors"]["file"][0]
