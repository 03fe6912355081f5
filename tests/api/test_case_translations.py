"""A case's original language and translations through the API: read with the case,
written with a draft (a published case's go through review, in the workspace)."""

from __future__ import annotations

import pytest

from innovation_cases.models import CaseStudy

from .helpers import DRAFT, PROBLEM, read, send

pytestmark = pytest.mark.django_db


def assert_problem(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM


GERMAN = {
    "title": "Bänke für Navile",
    "summary": "Die Bewohner wählten, wo die Bänke stehen.",
}


def test_a_draft_is_given_a_translation_and_reads_with_it(
    client, write_officer, write_draft
):
    response = send(
        client, "patch", DRAFT, {"translations": {"de": GERMAN}}, write_officer
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["original_language"] == "en"
    assert body["translations"] == {
        "de": {
            **GERMAN,
            "challenge": "",
            "approach": "",
            "results": "",
            "lessons_learned": "",
        }
    }
    write_draft.refresh_from_db()
    assert (write_draft.title, write_draft.title_de) == (
        "Benches for Navile",
        "Bänke für Navile",
    )
    assert response["ETag"] == read(client, DRAFT, write_officer)["ETag"]


def test_a_language_not_named_keeps_its_translation_and_null_removes_one(
    client, write_officer, write_draft
):
    write_draft.title_it, write_draft.summary_it = "Panchine", "I residenti."
    write_draft.save()
    send(client, "patch", DRAFT, {"translations": {"de": GERMAN}}, write_officer)

    response = send(
        client, "patch", DRAFT, {"translations": {"it": None}}, write_officer
    )

    assert response.status_code == 200, response.content
    assert list(response.json()["translations"]) == ["de"]


def test_the_original_language_is_written_and_cannot_also_be_translated(
    client, write_officer, write_draft
):
    response = send(
        client,
        "patch",
        DRAFT,
        {"original_language": "it", "translations": {"it": GERMAN}},
        write_officer,
    )
    assert_problem(response, 400)
    assert "original_language" in response.json()["errors"]
    write_draft.refresh_from_db()
    assert (write_draft.original_language, write_draft.title_it) == ("en", None)

    response = send(client, "patch", DRAFT, {"original_language": "it"}, write_officer)
    assert response.status_code == 200, response.content
    assert response.json()["original_language"] == "it"


@pytest.mark.parametrize(
    ("translations", "where"),
    [
        ({"de": {"title": "Nur ein Titel"}}, "translations.de.summary"),
        ({"xx": GERMAN}, "translations.xx"),
        ({"de": {**GERMAN, "title": "x" * 251}}, "translations.de.title"),
        (["de"], "translations"),
    ],
    ids=["no-summary", "unknown-language", "title-too-long", "not-an-object"],
)
def test_a_bad_translation_is_a_400_naming_it_and_nothing_is_written(
    client, write_officer, write_draft, translations, where
):
    response = send(
        client, "patch", DRAFT, {"translations": translations}, write_officer
    )
    assert_problem(response, 400)
    # Every error is a list of messages under the path of what it is about.
    errors = response.json()["errors"]
    assert list(errors) == [where]
    assert all(isinstance(message, str) for message in errors[where])
    write_draft.refresh_from_db()
    assert write_draft.translations() == {}


def test_a_published_cases_translation_is_a_409_through_the_api(
    client, write_officer, write_draft
):
    CaseStudy.objects.filter(pk=write_draft.pk).update(
        status=CaseStudy.Status.PUBLISHED, published_at="2024-01-01T00:00:00Z"
    )
    response = send(
        client, "patch", DRAFT, {"translations": {"de": GERMAN}}, write_officer
    )
    assert_problem(response, 409)
    write_draft.refresh_from_db()
    assert write_draft.title_de is None
