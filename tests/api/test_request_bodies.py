"""What a write's body may be, on every endpoint that takes writes: a JSON object (a
400 or a 415 problem for anything else), whose read-only fields are ignored whatever
their value, and whose unknown fields are a 400 naming them (issue 14).
"""

from __future__ import annotations

import json

import pytest

from cities.models import FundingProgramme, InnovationTeam, Lab, Strategy
from cities.serializers import (
    FundingProgrammeSerializer,
    InnovationTeamSerializer,
    LabSerializer,
    StrategySerializer,
)
from innovation_cases.models import CaseStudy
from innovation_cases.serializers import CaseStudySerializer

from .helpers import (
    API,
    BOLOGNA,
    HOSTILE_VALUES,
    NEW_CASE,
    PROBLEM,
    VALID_BODIES,
    assert_problem,
    invalid,
    problem,
    read,
    send,
)

pytestmark = pytest.mark.django_db


# --- Bodies that are not a JSON object ------------------------------------------------


@pytest.mark.parametrize("body", ["{not json", '{"title": "Benches"', "", "\x00"])
def test_a_body_that_is_not_json_is_a_400(client, write_officer, body):
    response = send(client, "post", "/api/v1/cases/", body, write_officer)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    payload = response.json()
    assert payload["status"] == 400
    assert payload["title"] == "Bad Request"
    assert payload["code"] in {"parse_error", "invalid"}
    assert payload["detail"]


def test_a_json_list_is_not_a_record(client, write_officer):
    response = send(client, "post", "/api/v1/cases/", [NEW_CASE], write_officer)

    assert_problem(
        response,
        invalid(
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
        ),
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "title=Benches&city=bologna&summary=S"),
        ("text/plain", json.dumps(NEW_CASE)),
        ("application/xml", "<case><title>Benches</title></case>"),
    ],
)
def test_a_body_that_is_not_json_by_its_type_is_a_415(
    client, write_officer, content_type, body
):
    before = CaseStudy.objects.count()

    response = send(
        client, "post", "/api/v1/cases/", body, write_officer, content_type=content_type
    )

    assert_problem(
        response,
        problem(
            415,
            "Unsupported Media Type",
            f'Unsupported media type "{content_type}" in request.',
            "unsupported_media_type",
        ),
    )
    assert CaseStudy.objects.count() == before


def test_a_multipart_form_is_a_415(client, write_officer):
    response = client.post(
        "/api/v1/cases/",
        {"title": "Benches", "city": "bologna", "summary": "S"},
        headers=write_officer.auth,
    )

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "unsupported_media_type"


# --- Fields a write does not take ----------------------------------------------------------
# (Issue 14: a lab's read-only `city` in a POST raised SkipField, a 500.)


MODELS = {
    "cases": CaseStudy,
    "teams": InnovationTeam,
    "labs": Lab,
    "strategies": Strategy,
    "funding-programmes": FundingProgramme,
}


SERIALIZERS = {
    "cases": CaseStudySerializer,
    "teams": InnovationTeamSerializer,
    "labs": LabSerializer,
    "strategies": StrategySerializer,
    "funding-programmes": FundingProgrammeSerializer,
}


@pytest.mark.parametrize("endpoint", list(VALID_BODIES))
def test_read_only_fields_of_any_value_are_ignored_on_every_write(
    client, write_officer, endpoint
):
    fields = SERIALIZERS[endpoint]().fields
    read_only = sorted(name for name, field in fields.items() if field.read_only)
    assert "url" in read_only
    expected = send(
        client, "post", f"/api/v1/{endpoint}/", VALID_BODIES[endpoint], write_officer
    ).json()
    for value in HOSTILE_VALUES:
        body = {**VALID_BODIES[endpoint], **dict.fromkeys(read_only, value)}
        body["name" if "name" in body else "title"] = "Hostile bodies again"

        created = send(client, "post", f"/api/v1/{endpoint}/", body, write_officer)

        assert created.status_code == 201, (value, created.content)
        shown = created.json()
        record = MODELS[endpoint].objects.get(slug=shown["slug"])
        assert created["Location"] == f"{API}/{endpoint}/{record.slug}/"
        assert shown["url"] == created["Location"]
        if "city" in read_only:  # A lab's city is its team's, whatever is sent.
            assert shown["city"] == expected["city"] == BOLOGNA
        record.delete()


UNKNOWN_FIELD = (
    "This record has no field of this name: see the schema for those it takes."
)


@pytest.mark.parametrize("endpoint", list(VALID_BODIES))
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_an_unknown_field_is_a_400_naming_it_on_every_write(
    client, write_officer, endpoint, method
):
    model = MODELS[endpoint]
    made = send(
        client, "post", f"/api/v1/{endpoint}/", VALID_BODIES[endpoint], write_officer
    )
    url = f"/api/v1/{endpoint}/{made.json()['slug']}/"
    before = model.objects.count()
    body = {**VALID_BODIES[endpoint], "summery": "A typo.", "__proto__": {}}
    target = f"/api/v1/{endpoint}/" if method == "post" else url

    response = send(client, method, target, body, write_officer)

    assert_problem(
        response, invalid({"__proto__": [UNKNOWN_FIELD], "summery": [UNKNOWN_FIELD]})
    )
    assert model.objects.count() == before


@pytest.mark.parametrize("endpoint", list(VALID_BODIES))
def test_an_unknown_field_is_named_with_the_other_errors(
    client, write_officer, endpoint
):
    response = send(
        client, "post", f"/api/v1/{endpoint}/", {"nonsense": 1}, write_officer
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["nonsense"] == [UNKNOWN_FIELD]
    assert len(errors) > 1  # The missing required fields are named too.


def test_a_record_read_with_get_can_be_sent_back_with_put(client, write_officer):
    made = send(client, "post", "/api/v1/labs/", VALID_BODIES["labs"], write_officer)
    url = f"/api/v1/labs/{made.json()['slug']}/"
    shown = read(client, url, write_officer).json()
    body = {
        **shown,
        "team": shown["team"]["slug"],
        "district": None,
        "description": "Changed.",
    }

    response = send(client, "put", url, body, write_officer)

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Changed."


# --- Text fields take text -------------------------------------------------------------


@pytest.mark.parametrize("endpoint", list(VALID_BODIES))
@pytest.mark.parametrize("value", [0, 1.5])
def test_a_number_for_a_text_field_is_a_400_as_the_schema_says(
    client, write_officer, endpoint, value
):
    """The schema says `type: string`; DRF's CharField took a number and stored "0"
    (schemathesis found it once the schema's examples gave it a valid body to vary)."""
    text = "title" if "title" in VALID_BODIES[endpoint] else "name"
    before = MODELS[endpoint].objects.count()

    response = send(
        client,
        "post",
        f"/api/v1/{endpoint}/",
        {**VALID_BODIES[endpoint], text: value, "slug": value},
        write_officer,
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {text, "slug"}
    assert errors[text] == ["Not a valid string."]
    assert MODELS[endpoint].objects.count() == before


def test_a_number_in_a_translation_is_a_400_naming_its_path(client, write_officer):
    body = {
        **VALID_BODIES["cases"],
        "translations": {"de": {"title": 0, "summary": "S"}},
    }

    response = send(client, "post", "/api/v1/cases/", body, write_officer)

    assert_problem(
        response, invalid({"translations.de.title": ["Not a valid string."]})
    )
