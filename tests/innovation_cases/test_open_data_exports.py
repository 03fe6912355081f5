"""The exports behave as the API does (problem documents, a rate limit, conditional
GETs, the licence), follow their data dictionary (/cases/export/schema.json, checked
with frictionless as a data user would), and robots.txt lets crawlers reach them."""

import json
import re
from pathlib import Path
from urllib.robotparser import RobotFileParser

import frictionless
import pytest

from core.models import Theme
from innovation_cases import exports
from innovation_cases.models import CARD_TRANSLATION_FIELDS, Evidence
from tests.factories import CaseStudyFactory, CityFactory, DistrictFactory

pytestmark = pytest.mark.django_db

CSV, JSON = "/en/cases/export.csv", "/en/cases/export.json"
LICENCE_LINK = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
DOCS = Path(__file__).resolve().parents[2] / "docs" / "open-data.md"


@pytest.fixture
def cases():
    city = CityFactory(name="Ghent", slug="ghent", country="BE")
    district = DistrictFactory(city=city, name="Zwijnaarde")
    full = CaseStudyFactory(
        published=True,
        slug="full",
        title="=SUM(A1:A2) a title that looks like a formula",
        summary="-1 is not a formula either",
        city=city,
        district=district,
        evidence=Evidence.MEASURED,
        year_started=2019,
        year_ended=2021,
        title_de="Titel",
        summary_de="Zusammenfassung",
    )
    full.themes.set(Theme.objects.all()[:2])
    CaseStudyFactory(published=True, slug="bare", city=city)
    CaseStudyFactory(slug="secret-draft", city=city, title="Secret draft")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- The data dictionary ---------------------------------------------------------------


def test_the_schema_describes_every_column_in_order(client):
    schema = client.get("/en/cases/export/schema.json").json()
    assert [field["name"] for field in schema["fields"]] == exports.COLUMNS
    assert all(field["description"] for field in schema["fields"])
    fields = {field["name"]: field for field in schema["fields"]}
    assert fields["evidence"]["constraints"]["enum"] == list(Evidence.values)
    assert fields["themes"] == {
        "name": "themes",
        "type": "list",
        "description": fields["themes"]["description"],
        "delimiter": ";",
        "itemType": "string",
    }
    assert fields["completeness"]["type"] == "integer"
    assert fields["published_at"]["type"] == "datetime"
    assert schema["primaryKey"] == ["slug"]


def test_the_schema_is_in_the_pages_language(client):
    german = client.get("/de/cases/export/schema.json").json()
    title_de = next(f for f in german["fields"] if f["name"] == "title_de")
    assert "Deutsch" in title_de["description"]


def test_the_csv_export_is_valid_against_its_schema(client, cases, tmp_path):
    (tmp_path / "cases.csv").write_bytes(body(client.get(CSV)))
    schema = frictionless.Schema.from_descriptor(
        client.get("/en/cases/export/schema.json").json()
    )
    resource = frictionless.Resource(
        path="cases.csv", basepath=str(tmp_path), schema=schema
    )
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    with frictionless.Resource(
        path="cases.csv", basepath=str(tmp_path), schema=schema
    ) as read:
        rows = {row["slug"]: row for row in read.read_rows()}
    assert set(rows) == {"full", "bare"}
    assert rows["full"]["themes"] and len(rows["full"]["themes"]) == 2
    assert rows["full"]["title"].startswith("'=")
    assert rows["full"]["title_de"] == "Titel"
    assert rows["bare"]["year_started"] is None


def test_the_docs_list_every_column_and_the_files_conventions():
    text = DOCS.read_text()
    documented = re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE)
    translations = set(CARD_TRANSLATION_FIELDS)
    assert [c for c in documented if c not in translations] == [
        c for c in exports.COLUMNS if c not in translations
    ]
    assert "`title_<language>`" in text and "`summary_<language>`" in text
    for fact in ["byte order mark", "CRLF", "`;`", "/catalog.jsonld", "schema.json"]:
        assert fact in text, fact


# --- The API's conventions ---------------------------------------------------------------


@pytest.mark.parametrize("path", [CSV, JSON, "/en/cases/feed.atom"])
def test_a_bad_parameter_is_a_problem_document(client, path):
    response = client.get(path, {"theme": "nope", "year_min": "x"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == 400
    assert problem["code"] == "invalid"
    assert problem["title"] == "Bad Request"
    assert set(problem["errors"]) == {"theme", "year_min"}
    assert all(
        isinstance(message, str)
        for messages in problem["errors"].values()
        for message in messages
    )


def test_too_many_downloads_are_a_429_problem_with_retry_after(
    client, cases, api_rates
):
    api_rates(exports="2/minute")
    assert client.get(CSV).status_code == 200
    assert client.get(JSON).status_code == 200
    refused = client.get(CSV)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1
    # The API's own limit is another's: a download does not spend it.
    assert client.get("/api/v1/cases/").status_code == 200


@pytest.mark.parametrize("path", [CSV, JSON])
def test_an_export_answers_a_conditional_get_with_304(client, cases, path):
    first = client.get(path)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # Another question is another ETag.
    other = client.get(path, {"city": "ghent"}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200
    # A publish changes the data, and so the ETag.
    CaseStudyFactory(published=True, slug="news")
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag
    assert b"news" in body(again)


def test_an_archive_changes_the_exports_etag(client, cases):
    from innovation_cases.models import CaseStudy

    etag = client.get(JSON)["ETag"]
    case = CaseStudy.objects.get(slug="bare")
    case.status = CaseStudy.Status.ARCHIVED
    case.save()
    again = client.get(JSON, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert b'"bare"' not in body(again)


def test_the_exports_link_their_licence_and_the_csv_its_schema(client, cases):
    csv = client.get(CSV)
    assert csv["Link"] == (
        f"{LICENCE_LINK}, <http://testserver/en/cases/export/schema.json>; "
        'rel="describedby"; type="application/json"'
    )
    assert client.get(JSON)["Link"] == LICENCE_LINK


def test_the_json_export_carries_the_licence_and_attribution(client, cases):
    data = json.loads(body(client.get(JSON)))
    assert data["licence"] == "CC-BY-4.0"
    assert data["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "Public Innovation Atlas" in data["attribution"]
    assert sorted(case["slug"] for case in data["cases"]) == ["bare", "full"]


def test_the_csv_has_a_bom_and_crlf_line_ends(client, cases):
    raw = body(client.get(CSV))
    assert raw.startswith("\ufeff".encode())
    assert raw.count(b"\r\n") == 3  # the header and two cases; the draft is not there


# --- robots.txt ------------------------------------------------------------------------


def test_robots_txt_lets_crawlers_reach_the_open_data_and_not_the_private_pages(client):
    robots = RobotFileParser()
    robots.parse(client.get("/robots.txt").content.decode().splitlines())
    allowed = [
        "/cases/export.csv",
        "/en/cases/export.csv",
        "/en/cases/export.json?theme=mobility",
        "/en/cases/export/schema.json",
        "/en/cases/feed.atom",
        "/catalog.jsonld",
        "/catalog.ttl",
        "/sitemap.xml",
        "/en/cases/",
        "/api/v1/cases/",
        "/api/schema/",
    ]
    kept_out = [
        "/admin/",
        "/account/login/",
        "/workspace/",
        "/workspace/new/",
        "/api/v1/imports/cases/",
        "/language/de/",
    ]
    for path in allowed:
        assert robots.can_fetch("AnyBot", f"http://testserver{path}"), path
    for path in kept_out:
        assert not robots.can_fetch("AnyBot", f"http://testserver{path}"), path
