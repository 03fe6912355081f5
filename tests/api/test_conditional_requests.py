"""Conditional requests: a read carries an ETag and a Last-Modified, and answers
If-None-Match and If-Modified-Since with a 304 until the record changes; a write answers
with the new version's ETag, and If-Match makes an update from a stale version a 412.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils.http import http_date

from core.models import Theme
from innovation_cases.models import CaseStudy

from .helpers import CASE, DRAFT, NEW_CASE, assert_problem, get, problem, read, send

pytestmark = pytest.mark.django_db


# --- Conditional GET --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CASE, "/api/v1/cases/", "/api/v1/cities/vienna/"])
def test_a_read_carries_an_etag_and_last_modified_and_answers_304(client, demo, url):
    response = get(client, url)

    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert response["Last-Modified"]
    assert "Authorization" in response["Vary"]

    not_modified = get(client, url, If_None_Match=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag

    assert get(client, url, If_None_Match='"something-else"').status_code == 200


def test_the_last_modified_of_a_case_is_its_update_time(client, demo):
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")

    response = get(client, CASE)

    assert response["Last-Modified"] == http_date(case.updated_at.timestamp())


def test_the_last_modified_of_a_list_is_its_latest_update(client, demo):
    latest = max(case.updated_at for case in CaseStudy.objects.published())

    response = get(client, "/api/v1/cases/")

    assert response["Last-Modified"] == http_date(latest.timestamp())


def test_once_a_case_changes_its_old_etag_no_longer_matches(client, demo):
    detail_etag = get(client, CASE)["ETag"]
    list_etag = get(client, "/api/v1/cases/")["ETag"]
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")
    case.results = "The fund paid for twelve projects."
    case.save()

    detail = get(client, CASE, If_None_Match=detail_etag)
    listed = get(client, "/api/v1/cases/", If_None_Match=list_etag)

    assert detail.status_code == 200
    assert detail.json()["results"] == "The fund paid for twelve projects."
    assert detail["ETag"] != detail_etag
    assert listed.status_code == 200
    assert listed["ETag"] != list_etag
    assert get(client, CASE, If_None_Match=detail["ETag"]).status_code == 304


def test_if_modified_since_answers_304_until_the_record_changes(client, demo):
    last_modified = get(client, CASE)["Last-Modified"]
    case = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")
    an_hour_before = http_date(case.updated_at.timestamp() - 3600)

    unchanged = get(client, CASE, If_Modified_Since=last_modified)
    older = get(client, CASE, If_Modified_Since=an_hour_before)

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert older.status_code == 200
    assert older.json()["slug"] == "vienna-innovation-pitch-fund"

    CaseStudy.objects.filter(pk=case.pk).update(
        updated_at=case.updated_at + datetime.timedelta(minutes=5)
    )
    changed = get(client, CASE, If_Modified_Since=last_modified)
    assert changed.status_code == 200
    assert changed["Last-Modified"] != last_modified


def test_a_list_answers_if_modified_since(client, demo):
    last_modified = get(client, "/api/v1/cases/")["Last-Modified"]

    response = get(client, "/api/v1/cases/", If_Modified_Since=last_modified)

    assert response.status_code == 304


# --- Writes: ETag and If-Match --------------------------------------------------------


def test_the_etag_of_a_created_case_is_the_one_a_read_gives(client, write_officer):
    created = send(client, "post", "/api/v1/cases/", NEW_CASE, write_officer)

    again = read(client, created["Location"], write_officer)

    assert again.status_code == 200
    assert again.json() == created.json()
    assert again["ETag"] == created["ETag"]


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_with_the_current_etag_succeeds(
    client, write_officer, write_draft, method
):
    etag = read(client, DRAFT, write_officer)["ETag"]
    body = {"title": "Benches", "city": "bologna", "summary": "Benches."}

    response = send(client, method, DRAFT, body, write_officer, If_Match=etag)

    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == read(client, DRAFT, write_officer)["ETag"]
    write_draft.refresh_from_db()
    assert write_draft.title == "Benches"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_with_a_stale_etag_is_a_412_and_changes_nothing(
    client, write_officer, write_draft, method
):
    stale = read(client, DRAFT, write_officer)["ETag"]
    send(client, "patch", DRAFT, {"results": "Someone else's edit."}, write_officer)
    before = read(client, DRAFT, write_officer).json()
    body = {"title": "Benches", "city": "bologna", "summary": "Benches."}

    response = send(client, method, DRAFT, body, write_officer, If_Match=stale)

    assert_problem(
        response,
        problem(
            412,
            "Precondition Failed",
            "The record has changed since you read it: its ETag no longer matches "
            "If-Match. Read it again, reapply your change and send it with the new "
            "ETag.",
            "precondition_failed",
        ),
    )
    assert read(client, DRAFT, write_officer).json() == before
    write_draft.refresh_from_db()
    assert write_draft.title == "Benches for Navile"
    assert write_draft.results == "Someone else's edit."


def test_an_etag_from_a_write_can_be_used_for_the_next_write(
    client, write_officer, write_draft
):
    first = send(client, "patch", DRAFT, {"results": "One."}, write_officer)

    second = send(
        client,
        "patch",
        DRAFT,
        {"results": "Two."},
        write_officer,
        If_Match=first["ETag"],
    )

    assert second.status_code == 200, second.content
    assert second.json()["results"] == "Two."


def test_an_update_without_if_match_is_allowed(client, write_officer, write_draft):
    response = send(client, "patch", DRAFT, {"results": "No ETag."}, write_officer)

    assert response.status_code == 200
    write_draft.refresh_from_db()
    assert write_draft.results == "No ETag."


def test_if_match_any_version_is_allowed(client, write_officer, write_draft):
    response = send(
        client, "patch", DRAFT, {"results": "Any."}, write_officer, If_Match="*"
    )

    assert response.status_code == 200


def test_an_etag_read_in_any_language_names_the_version_for_if_match(
    client, write_officer, write_draft
):
    """The JSON names the case's themes in the language it was read in, so its ETag
    is that language's; any of them names the current version."""
    write_draft.themes.set(Theme.objects.filter(slug="mobility"))
    german = read(client, DRAFT, write_officer, Accept_Language="de")
    english = read(client, DRAFT, write_officer)
    assert german.json()["themes"][0]["name"] == "Mobilität"
    assert german["ETag"] != english["ETag"]

    response = send(
        client,
        "patch",
        DRAFT,
        {"results": "One."},
        write_officer,
        **{"If-Match": german["ETag"]},
    )
    assert response.status_code == 200, response.content

    # Read in English, written in Italian.
    current = read(client, DRAFT, write_officer)["ETag"]
    response = send(
        client,
        "patch",
        DRAFT + "?lang=it",
        {"results": "Two."},
        write_officer,
        **{"If-Match": current},
    )
    assert response.status_code == 200, response.content
    assert response.json()["themes"][0]["name"] == "Mobilità"

    # A German ETag of an older version is still stale.
    response = send(
        client,
        "patch",
        DRAFT,
        {"results": "Three."},
        write_officer,
        **{"If-Match": german["ETag"]},
    )
    assert response.status_code == 412
    write_draft.refresh_from_db()
    assert write_draft.results == "Two."
