"""The workspace's spreadsheet import: templates, the preview with its errors, the
confirmation, and the round trip."""

import io
import zipfile
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Theme
from innovation_cases.models import CaseRevision, CaseStudy
from tests.factories import (
    DistrictFactory,
    InnovationTeamFactory,
    MembershipFactory,
)
from tests.innovation_cases.conftest import case_in
from tests.workspace.conftest import csv_file, xlsx_bytes, xlsx_file
from workspace.importing import IMPORT_KINDS
from workspace.models import ImportUpload

pytestmark = pytest.mark.django_db

S = CaseStudy.Status
START = reverse("workspace:import_start", args=["cases"])
COLUMNS = IMPORT_KINDS["cases"].columns()


def upload(client, file, kind="cases"):
    """Upload `file`; the preview's response (followed), or the refusal."""
    response = client.post(
        reverse("workspace:import_start", args=[kind]), {"file": file}
    )
    if response.status_code == 302:
        return client.get(response["Location"])
    return response


def confirm(client, preview):
    return client.post(preview.wsgi_request.path, follow=True)


def rows_of(preview):
    return {row.number: row for row in preview.context["rows"]}


def errors_of(row):
    return {(e["column"], e["message"]) for e in row.errors}


def new_case_row(city, **cells):
    row = {
        "slug": "",
        "title": "Street labs for every district",
        "city": city.slug,
        "summary": "The city opened a lab in each district.",
        "themes": "",
        "teams": "",
        "year_started": "2020",
        "year_ended": "",
    }
    row.update(cells)
    return row


def table(*rows):
    headers = list(rows[0])
    return [headers, *([row[h] for h in headers] for row in rows)]


# --- Templates ----------------------------------------------------------------------------


def test_the_case_template_has_the_case_forms_fields_as_columns(client, officer_a):
    response = client.get(reverse("workspace:import_template", args=["cases", "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert text[1:].splitlines()[0].split(",") == COLUMNS
    assert COLUMNS[:3] == ["slug", "title", "city"]
    for column in ["themes", "innovation_types", "lifecycle_stage", "year_ended"]:
        assert column in COLUMNS
    # The image is uploaded in the editor, not through a spreadsheet.
    assert "image_file" not in COLUMNS and "pending_image" not in COLUMNS


def test_the_xlsx_template_has_a_notes_sheet_with_the_vocabularies(
    client, officer_a, people
):
    response = client.get(reverse("workspace:import_template", args=["cases", "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["cases", "notes"]
    assert [c.value for c in workbook["cases"][1]] == COLUMNS
    notes = [[c.value for c in row] for row in workbook["notes"].iter_rows()]
    assert notes[0] == ["column", "value", "meaning"]
    theme = Theme.objects.first()
    assert ["themes", theme.slug, f"{theme.name}: {theme.definition}"] in notes
    # The officer's cities only: the other city is no value of the city column.
    assert [row[1] or "" for row in notes if row[0] == "city"] == [
        "",
        people["city_a"].slug,
    ]
    assert not [row for row in notes if row[1] == people["city_b"].slug]
    columns = {row[0]: row[2] for row in notes if not row[1]}
    assert "separated by “;”" in columns["themes"]
    assert "Required." in columns["title"]


def test_the_notes_download_for_a_csv_template(client, officer_a):
    response = client.get(reverse("workspace:import_notes", args=["cases"]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "column,value,meaning"
    assert response["Content-Disposition"] == 'attachment; filename="cases-notes.csv"'


def test_a_template_filled_with_another_citys_records_is_a_404(
    client, officer_a, people
):
    url = reverse("workspace:import_template", args=["cases", "csv"])
    assert client.get(url, {"city": people["city_b"].slug}).status_code == 404


# --- The round trip -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_importing_the_template_filled_with_a_citys_cases_changes_nothing(
    client, officer_a, people, fmt
):
    city = people["city_a"]
    district = DistrictFactory(city=city)
    team = InnovationTeamFactory(city=city)
    draft = case_in(
        city,
        title="=A formula-looking title",
        summary="- a list\n- of two",
        district=district,
        year_started=2019,
    )
    draft.themes.set(Theme.objects.all()[:2])
    draft.teams.set([team])
    published = case_in(city, S.PUBLISHED, year_started=2015, year_ended=2018)
    versions = {case.pk: case.history.count() for case in (draft, published)}

    url = reverse("workspace:import_template", args=["cases", fmt])
    filled = client.get(url, {"city": city.slug}).content
    preview = upload(client, SimpleUploadedFile(f"cases.{fmt}", filled))

    assert preview.status_code == 200
    rows = preview.context["rows"]
    assert [row.errors for row in rows] == [[], []]
    assert [(row.slug, row.action) for row in rows] == sorted(
        [(draft.slug, "unchanged"), (published.slug, "unchanged")],
        key=lambda pair: CaseStudy.objects.get(slug=pair[0]).title,
    )
    assert not preview.context["importable"]
    # Nothing to confirm; confirming anyway writes nothing.
    confirm(client, preview)
    for case in (draft, published):
        assert case.history.count() == versions[case.pk]
    assert not CaseRevision.objects.exists()


# --- The preview --------------------------------------------------------------------------


def test_the_preview_shows_each_error_at_its_row_and_column(client, officer_a, people):
    city_a, city_b = people["city_a"], people["city_b"]
    other_team = InnovationTeamFactory(city=city_b)
    rows = table(
        new_case_row(city_a, themes="no-such-theme"),
        new_case_row(city_a, year_started="1700"),
        new_case_row(city_a, teams=other_team.slug),
        new_case_row(city_a, title=""),
        new_case_row(city_b),  # a forged city
        new_case_row(city_a, year_started="2020", year_ended="2010"),
        new_case_row(city_a, slug="no-such-case"),
        new_case_row(city_a, title="A good row"),
    )
    preview = upload(client, csv_file(rows))

    assert preview.status_code == 200
    found = rows_of(preview)
    assert [row.action for row in found.values()] == ["error"] * 7 + ["create"]
    assert ("themes", _invalid("no-such-theme")) in errors_of(found[2])
    assert {c for c, _m in errors_of(found[3])} == {"year_started"}
    assert {c for c, _m in errors_of(found[4])} == {"teams"}
    assert ("title", "This field is required.") in errors_of(found[5])
    assert {c for c, _m in errors_of(found[6])} == {"city"}
    assert ("year_ended", "A case cannot end before it started.") in errors_of(found[7])
    assert {c for c, _m in errors_of(found[8])} == {"slug"}
    # Linked from the summary at the top, each to its cell.
    html = preview.content.decode()
    assert 'href="#r2-themes"' in html and 'id="r2-themes"' in html
    assert 'href="#r6-city"' in html
    assert "Confirm: import 1 row" in html
    # Nothing is stored before the confirmation.
    assert not CaseStudy.objects.exists()


def _invalid(value):
    return f"Select a valid choice. {value} is not one of the available choices."


def test_unknown_columns_are_refused_before_any_row_is_read(client, officer_a, people):
    rows = [["title", "city", "colour"], ["A case", people["city_a"].slug, "blue"]]
    response = upload(client, csv_file(rows))
    assert response.status_code == 400
    assert (
        response.context["form"]
        .errors["file"][0]
        .startswith(
            "These columns are not the template's: colour. The columns are: slug, title,"
        )
    )
    assert not ImportUpload.objects.exists()


def test_another_officer_cannot_open_an_upload(client, officer_a, people, as_):
    preview = upload(client, csv_file(table(new_case_row(people["city_a"]))))
    address = preview.wsgi_request.path
    as_(people["officer_b"])
    assert client.get(address).status_code == 404
    assert client.post(address).status_code == 404
    assert not CaseStudy.objects.exists()


def test_a_reviewer_who_writes_no_city_cannot_import(client, people, as_):
    as_(people["reviewer_a"])
    assert client.get(START).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(START)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- The confirmation ---------------------------------------------------------------------


def test_confirming_imports_the_valid_rows_as_drafts_one_version_each(
    client, officer_a, people
):
    city = people["city_a"]
    theme = Theme.objects.first()
    existing = case_in(city, title="Old title", summary="Old summary.")
    rows = table(
        new_case_row(city, themes=f"{theme.slug}; "),
        new_case_row(city, slug=existing.slug, title="New title"),
        new_case_row(city, title=""),  # left out
    )
    preview = upload(client, csv_file(rows))
    found = rows_of(preview)
    assert found[3].action == "update"
    assert [(c["name"], c["old"], c["new"]) for c in found[3].changes] == [
        ("title", "Old title", "New title"),
        ("summary", "Old summary.", "The city opened a lab in each district."),
        ("year_started", "", 2020),
    ]
    assert "see changes" in preview.content.decode()

    done = confirm(client, preview)

    assert done.status_code == 200
    assert done.wsgi_request.path.endswith("/done/")
    new = CaseStudy.objects.get(title="Street labs for every district")
    assert new.status == S.DRAFT
    assert list(new.themes.all()) == [theme]
    assert new.created_by == officer_a
    version = new.history.get()
    assert version.history_user == officer_a and version.history_type == "+"
    existing.refresh_from_db()
    assert existing.title == "New title"
    assert existing.history.first().history_user == officer_a
    html = done.content.decode()
    assert reverse("workspace:case_detail", args=[new.slug]) in html
    assert reverse("workspace:case_detail", args=[existing.slug]) in html
    assert "1 row with errors was left out." in html


def test_a_row_for_a_published_case_is_a_revision_for_review(client, officer_a, people):
    published = case_in(people["city_a"], S.PUBLISHED, title="Published")
    versions = published.history.count()
    rows = table(new_case_row(people["city_a"], slug=published.slug, title="Better"))
    preview = upload(client, csv_file(rows))
    # The preview says it is a proposal for review, not a change made at once.
    [row] = preview.context["rows"]
    assert row.action == "update" and row.for_review
    assert "Proposes a change, for review" in preview.content.decode()
    done = confirm(client, preview)

    revision = CaseRevision.objects.get(case=published)
    assert revision.created_by == officer_a
    assert revision.proposed_values()["title"] == "Better"
    published.refresh_from_db()
    assert published.title == "Published"  # until a reviewer approves
    assert published.history.count() == versions
    assert reverse("workspace:revision_detail", args=[revision.pk]) in (
        done.content.decode()
    )


def test_a_published_case_cannot_move_to_another_city(client, officer_a, people):
    city_c = MembershipFactory(user=officer_a).city
    published = case_in(people["city_a"], S.PUBLISHED)
    rows = table(new_case_row(city_c, slug=published.slug))
    row = rows_of(upload(client, csv_file(rows)))[2]
    assert errors_of(row) == {("city", "This value cannot be changed here.")}


def test_the_confirmation_is_one_transaction(client, officer_a, people):
    city = people["city_a"]
    rows = table(new_case_row(city, title="First"), new_case_row(city, title="Second"))
    preview = upload(client, csv_file(rows))
    real = IMPORT_KINDS["cases"].save
    calls = []

    def fail_on_second(row, user):
        calls.append(row)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(row, user)

    with (
        mock.patch.object(IMPORT_KINDS["cases"], "save", fail_on_second),
        pytest.raises(RuntimeError),
    ):
        confirm(client, preview)
    assert not CaseStudy.objects.exists()


def test_a_case_changed_after_the_preview_is_not_overwritten(client, officer_a, people):
    case = case_in(people["city_a"], title="Before")
    rows = table(new_case_row(people["city_a"], slug=case.slug, title="Mine"))
    preview = upload(client, csv_file(rows))
    # A colleague saves the case meanwhile.
    CaseStudy.objects.filter(pk=case.pk).update(title="Theirs")

    response = client.post(preview.wsgi_request.path)

    assert response.status_code == 409
    assert response.context["stale"]
    case.refresh_from_db()
    assert case.title == "Theirs"
    assert "Theirs" in response.content.decode()  # the new diff
    # Confirmed again, knowingly, the import applies.
    client.post(preview.wsgi_request.path)
    case.refresh_from_db()
    assert case.title == "Mine"


# --- Hostile and awkward files ------------------------------------------------------------


def test_a_csv_with_a_bom_and_semicolons_is_read(client, officer_a, people):
    rows = table(new_case_row(people["city_a"], summary="One, two; three"))
    preview = upload(client, csv_file(rows, delimiter=";", bom=True))
    row = rows_of(preview)[2]
    assert row.action == "create"
    assert {c["column"]: c["value"] for c in row.cells}["summary"] == "One, two; three"


def test_a_csv_that_is_not_utf8_is_refused_with_what_to_do(client, officer_a, people):
    rows = table(new_case_row(people["city_a"], title="Café Würfel"))
    response = upload(client, csv_file(rows, encoding="cp1252"))
    assert response.status_code == 400
    assert "The file is not UTF-8 text." in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_html_renamed_xlsx_is_refused(client, officer_a):
    page = SimpleUploadedFile(
        "cases.xlsx", b"<html><body><table></table></body></html>"
    )
    response = upload(client, page)
    assert response.status_code == 400
    assert "is not an XLSX workbook" in response.content.decode()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, officer_a):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        # 100 MB of zeros, a few hundred kilobytes packed.
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 100_000_000)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    with mock.patch("openpyxl.load_workbook") as load:
        response = upload(client, SimpleUploadedFile("cases.xlsx", buffer.getvalue()))
    assert response.status_code == 400
    assert "would unpack to more than" in response.content.decode()
    load.assert_not_called()


def test_a_workbook_of_many_entries_is_refused(client, officer_a):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(300):
            archive.writestr(f"xl/part{n}.xml", "")
    response = upload(client, SimpleUploadedFile("cases.xlsx", buffer.getvalue()))
    assert "holds more than 200 parts" in response.content.decode()


def test_a_file_over_the_row_limit_is_refused(client, officer_a, people):
    rows = [["title", "city"]] + [["x", ""]] * 100_000  # 100,001 rows, under 2 MB
    response = upload(client, csv_file(rows))
    assert response.status_code == 400
    assert "more than 1000 rows" in response.content.decode()
    assert not CaseStudy.objects.exists()


def test_formulas_are_text_never_calculated(client, officer_a, people):
    city = people["city_a"]
    rows = [
        ["title", "city", "summary"],
        ['=HYPERLINK("http://evil.example","x")', city.slug, "+1+2"],
        ["@SUM(A1)", city.slug, "-3"],
    ]
    preview = upload(client, xlsx_file(rows))
    assert preview.context["has_formulas"]
    first = rows_of(preview)[2]
    assert [n["column"] for n in first.notes] == ["title", "summary"]
    html = preview.content.decode()
    assert "They are read as text and stored as written: nothing is calculated." in html
    confirm(client, preview)
    titles = set(CaseStudy.objects.values_list("title", "summary"))
    assert titles == {
        ('=HYPERLINK("http://evil.example","x")', "+1+2"),
        ("@SUM(A1)", "-3"),
    }


def test_an_xlsx_formula_cell_is_read_as_its_formula(client, officer_a, people):
    content = xlsx_bytes(
        [["title", "city", "year_started"], ["=1+1", people["city_a"].slug, 2019]]
    )
    preview = upload(client, SimpleUploadedFile("cases.xlsx", content))
    cells = {c["column"]: c["value"] for c in rows_of(preview)[2].cells}
    assert cells["title"] == "=1+1"
    assert cells["year_started"] == "2019"


# --- The city's records -------------------------------------------------------------------


def test_teams_are_imported_into_the_officers_city_only(client, officer_a, people):
    rows = [
        ["slug", "city", "name", "kind", "year_established"],
        ["", people["city_a"].slug, "Lab of ideas", "in_house_unit", "2018"],
        ["", people["city_b"].slug, "Forged", "in_house_unit", "2018"],
        ["", people["city_a"].slug, "Odd kind", "guild", ""],
    ]
    preview = upload(client, csv_file(rows, name="teams.csv"), kind="teams")
    found = rows_of(preview)
    assert found[2].action == "create"
    assert errors_of(found[3]) == {
        ("city", "You can import into your own cities only.")
    }
    assert {c for c, _m in errors_of(found[4])} == {"kind"}
    confirm(client, preview)
    team = people["city_a"].teams.get()
    assert team.name == "Lab of ideas"
    assert team.history.get().history_user == officer_a
    assert not people["city_b"].teams.exists()


def test_strategies_take_innovation_types_and_dates(client, officer_a, people):
    from core.models import InnovationType

    kinds = list(InnovationType.objects.all()[:2])
    rows = [
        ["slug", "city", "title", "status", "adopted_on", "innovation_types"],
        [
            "",
            people["city_a"].slug,
            "Smart city plan",
            "adopted",
            "2021-03-04",
            ";".join(k.slug for k in kinds),
        ],
    ]
    confirm(client, upload(client, csv_file(rows), kind="strategies"))
    strategy = people["city_a"].strategies.get()
    assert str(strategy.adopted_on) == "2021-03-04"
    assert set(strategy.innovation_types.all()) == set(kinds)
    assert strategy.history.count() == 1
