"""A case page's dates and "Cite this case", and the citation's downloads:
/cases/<slug>/cite.bib (BibTeX), cite.ris (RIS) and cite.json (CSL-JSON)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from innovation_cases.citations import bibtex_escape
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, CityFactory

pytestmark = pytest.mark.django_db

# A subset of the official CSL-JSON schema, written out by hand: see its $comment.
CSL_SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "csl-data-subset.json").read_text()
)
PUBLISHED = datetime.datetime(2024, 3, 5, 10, 0, tzinfo=datetime.UTC)
# Every character BibTeX reads as markup.
HOSTILE_TITLE = "R&D at 100% {new} for $5: #1 ~ a_b \\ done"


@pytest.fixture
def case() -> CaseStudy:
    made = CaseStudyFactory(
        published=True,
        published_at=PUBLISHED,
        slug="pitch-fund",
        title="Vienna's pitch fund",
        summary="Officers pitch ideas;\nthe best get money.",
        city=CityFactory(name="Vienna", country="AT"),
    )
    CaseStudy.objects.filter(pk=made.pk).update(
        updated_at=datetime.datetime(2025, 1, 20, 9, 0, tzinfo=datetime.UTC)
    )
    made.refresh_from_db()
    return made


def _today_or_yesterday() -> set[datetime.date]:
    # The request may cross midnight after the test reads the date.
    today = timezone.localdate()
    return {today, today - datetime.timedelta(days=1)}


def test_a_case_page_says_when_it_was_first_published_and_last_updated(client, case):
    body = client.get("/en/cases/pitch-fund/").content.decode()

    assert (
        # In the site's time zone (Europe/Brussels: CET).
        'First published <time datetime="2024-03-05T11:00:00+01:00">'
        "March 5, 2024</time>" in body
    )
    assert (
        'last updated <time datetime="2025-01-20T10:00:00+01:00">'
        "Jan. 20, 2025</time>" in body
    )


def test_a_case_page_cites_itself_and_links_to_the_three_downloads(client, case):
    response = client.get("/en/cases/pitch-fund/")

    body = response.content.decode()
    assert '<h2 id="cite-heading">Cite this case</h2>' in body
    accessed = response.context["citation"].accessed
    assert accessed in _today_or_yesterday()
    assert (
        'City of Vienna (2024). <cite lang="en">Vienna&#x27;s pitch fund</cite>. '
        "Public Innovation Atlas. "
        '<a href="http://testserver/cases/pitch-fund/">'
        "http://testserver/cases/pitch-fund/</a> "
        f"(accessed {date_filter(accessed, 'DATE_FORMAT')})."
    ) in body
    for extension in ("bib", "ris", "json"):
        assert f'href="/en/cases/pitch-fund/cite.{extension}" download' in body


@pytest.mark.parametrize(
    ("extension", "content_type"),
    [
        ("bib", "application/x-bibtex; charset=utf-8"),
        ("ris", "application/x-research-info-systems; charset=utf-8"),
        ("json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
    ],
)
def test_each_download_is_a_named_attachment_of_its_type(
    client, case, extension, content_type
):
    response = client.get(f"/en/cases/pitch-fund/cite.{extension}")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="pitch-fund.{extension}"'
    )


def test_the_bibtex_download_parses_as_one_misc_entry(client, case):
    text = client.get("/en/cases/pitch-fund/cite.bib").content.decode()

    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry.entry_type == "misc"
    assert entry.key == "atlas-pitch-fund"
    fields = {field.key: field.value for field in entry.fields}
    accessed = datetime.date.fromisoformat(fields.pop("urldate"))
    assert accessed in _today_or_yesterday()
    assert fields == {
        "author": "{City of Vienna}",  # a corporate author, not "Vienna, City of"
        "title": "Vienna's pitch fund",
        "year": "2024",
        "date": "2024-03-05",
        "publisher": "Public Innovation Atlas",
        "howpublished": "Public Innovation Atlas",
        "url": "http://testserver/cases/pitch-fund/",
        "note": f"Accessed {accessed.isoformat()}",
        "language": "en",
        "abstract": "Officers pitch ideas; the best get money.",
    }


def test_bibtex_special_characters_are_escaped_and_read_back_as_written(client, case):
    CaseStudy.objects.filter(pk=case.pk).update(title=HOSTILE_TITLE)

    text = client.get("/en/cases/pitch-fund/cite.bib").content.decode()

    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware()]
    )
    assert library.failed_blocks == []
    assert library.entries[0]["title"] == HOSTILE_TITLE
    raw = bibtexparser.parse_string(text).entries[0]["title"]
    assert raw == (
        r"R\&D at 100\% \{new\} for \$5: \#1 \textasciitilde{} a\_b "
        r"\textbackslash{} done"
    )


def test_bibtex_escape_writes_each_special_character_as_latex_text():
    assert bibtex_escape("^{}") == r"\textasciicircum{}\{\}"
    # One pass: the braces a replacement adds are not escaped again.
    assert bibtex_escape("\\~") == r"\textbackslash{}\textasciitilde{}"


def test_the_ris_download_has_one_record_of_crlf_lines(client, case):
    text = client.get("/en/cases/pitch-fund/cite.ris").content.decode()

    assert text.endswith("ER  - \r\n")
    lines = text.split("\r\n")[:-1]
    assert all(line[2:6] == "  - " for line in lines)
    assert "\n" not in "".join(lines)
    fields = {line[:2]: line[6:] for line in lines}
    accessed = datetime.datetime.strptime(fields.pop("Y2"), "%Y/%m/%d").date()
    assert accessed in _today_or_yesterday()
    assert fields == {
        "TY": "ELEC",
        "AU": "City of Vienna",
        "TI": "Vienna's pitch fund",
        "PY": "2024",
        "DA": "2024/03/05",
        "PB": "Public Innovation Atlas",
        "UR": "http://testserver/cases/pitch-fund/",
        "LA": "en",
        "AB": "Officers pitch ideas; the best get money.",
        "ID": "atlas-pitch-fund",
        "ER": "",
    }
    assert lines[0] == "TY  - ELEC"


def test_the_csl_json_download_is_valid_csl_data_with_one_item(client, case):
    data = client.get("/en/cases/pitch-fund/cite.json").json()

    jsonschema.Draft7Validator(CSL_SCHEMA).validate(data)
    [item] = data
    accessed = datetime.date(*item.pop("accessed")["date-parts"][0])
    assert accessed in _today_or_yesterday()
    assert item == {
        "id": "atlas-pitch-fund",
        "type": "webpage",
        "title": "Vienna's pitch fund",
        "author": [{"literal": "City of Vienna"}],
        "container-title": "Public Innovation Atlas",
        "publisher": "Public Innovation Atlas",
        "issued": {"date-parts": [[2024, 3, 5]]},
        "URL": "http://testserver/cases/pitch-fund/",
        "language": "en",
        "abstract": "Officers pitch ideas; the best get money.",
    }


def test_the_schema_refuses_what_is_not_csl_data():
    # The vendored subset is a real check: these fail it.
    validator = jsonschema.Draft7Validator(CSL_SCHEMA)
    assert not validator.is_valid({"id": "x", "type": "webpage"})  # not an array
    assert not validator.is_valid([{"id": "x", "type": "web page"}])
    assert not validator.is_valid([{"type": "webpage"}])
    assert not validator.is_valid([{"id": "x", "type": "webpage", "issued": "2024"}])


def test_the_citation_is_in_the_readers_language(client, case):
    CaseStudy.objects.filter(pk=case.pk).update(
        title_de="Wiens Pitch-Fonds", summary_de="Beamte stellen Ideen vor."
    )

    data = client.get("/de/cases/pitch-fund/cite.json").json()

    assert data[0]["title"] == "Wiens Pitch-Fonds"
    assert data[0]["language"] == "de"
    # The address is the same in every language: it opens the reader's.
    assert data[0]["URL"] == "http://testserver/cases/pitch-fund/"


@pytest.mark.parametrize("status", [S for S in CaseStudy.Status if S != "published"])
@pytest.mark.parametrize("extension", ["bib", "ris", "json"])
def test_an_unpublished_cases_citation_is_a_404_like_its_page(
    client, status, extension
):
    CaseStudyFactory(
        slug="not-yet",
        status=status,
        published_at=PUBLISHED if status == "archived" else None,
    )

    assert client.get("/en/cases/not-yet/").status_code == 404
    assert client.get(f"/en/cases/not-yet/cite.{extension}").status_code == 404
