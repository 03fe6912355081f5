"""The spreadsheet import in Chromium: download the template filled with the city's
cases, edit it, upload it, read the preview, confirm, and read the summary; the
preview and the summary pass axe's WCAG 2.2 AA rules."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cities.models import City
from innovation_cases.models import CaseStudy
from tests.factories import MembershipFactory, UserFactory

from . import login
from .axe import axe_violations, describe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer(site: str):
    user = UserFactory(username="vienna-officer", first_name="Otto")
    MembershipFactory(user=user, city=City.objects.get(slug="vienna"))
    return user


def test_an_officer_imports_cases_from_a_spreadsheet(
    page: Page, site: str, officer, tmp_path: Path
) -> None:
    login.log_in(page, site, "vienna-officer", next_url="/workspace/")
    page.get_by_role("link", name="Import cases from a spreadsheet").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import case studies from a spreadsheet"
    )

    # Download the template filled with Vienna's cases.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV (Vienna)").click()
    text = Path(download.value.path()).read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    headers = rows[0]
    # Fill it in: a new case, a year out of range, and a changed title.
    blank = dict.fromkeys(headers, "")
    first = dict(zip(headers, rows[1], strict=True))
    changed = {**first, "title": first["title"] + " (2024 update)"}
    new = {**blank, "title": "Cooling streets", "city": "vienna", "summary": "Shade."}
    wrong = {
        **blank,
        "title": "Too old",
        "city": "vienna",
        "summary": "x",
        "year_started": "1066",
    }
    filled = tmp_path / "vienna.csv"
    with filled.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, headers)
        writer.writeheader()
        writer.writerows([changed, new, wrong])

    page.get_by_label("Filled-in spreadsheet (CSV or XLSX)").set_input_files(filled)
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of vienna.csv")
    expect(page.locator(".error-summary")).to_contain_text("Row 4, column year_started")
    expect(page.get_by_role("table").first).to_contain_text("Cooling streets")
    page.screenshot(path="/tmp/import-preview.png", full_page=True)  # noqa: S108  # to look at
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    assert not CaseStudy.objects.filter(title="Cooling streets").exists()

    page.get_by_role("button", name="Confirm: import 2 rows").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Imported from vienna.csv"
    )
    expect(page.locator("main")).to_contain_text("1 row with errors was left out.")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    page.screenshot(path="/tmp/import-summary.png", full_page=True)  # noqa: S108  # as above
    page.get_by_role("link", name="Cooling streets").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cooling streets")
    assert CaseStudy.objects.get(title="Cooling streets").status == "draft"
