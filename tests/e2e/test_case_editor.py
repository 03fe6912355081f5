"""The case editor in Chromium, with its script (static/js/case-editor.js): a refused
save's error summary takes the focus and its links lead to the fields; "Add another
source" adds a row without a round trip, and both rows are saved; a long list of
partners filters as one types and counts what is chosen; the reviewer's comment and
the image's preview are shown. axe's WCAG 2.2 A/AA rules pass in each state, at a
desktop's width and a phone's, and nothing scrolls sideways on the phone.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from cities.models import City, Membership
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from . import login
from .axe import axe_violations, describe_violations
from .reflow import DESKTOP, PHONE, assert_no_horizontal_scrolling

pytestmark = pytest.mark.django_db(transaction=True)

SITE_NAME = "Public Innovation Atlas"
# Where the screenshots go, to be looked at by a person after a run.
SCREENSHOTS = Path(tempfile.gettempdir())

PARTNERS = [
    "Aalto University",
    "Fondazione Innovazione Urbana",
    "Technische Universität Wien",
    "Wiener Stadtwerke",
    "Université de Lyon",
    "Mozilla Foundation",
    "Open Knowledge Austria",
    "Stiftung Mercator",
    "Erste Stiftung",
    "Eurocities Network",
    "Nesta",
    "Bertelsmann Stiftung",
]


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 700), (40, 110, 90)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def officer(site: str) -> str:
    """Vienna's officer (of Vienna only), with a long list of partners to choose."""
    vienna = City.objects.get(slug="vienna")
    user = UserFactory(username="vienna-officer", first_name="Olga")
    MembershipFactory(user=user, city=vienna)
    for name in PARTNERS:
        OrganisationFactory(name=name)
    return "vienna-officer"


def open_editor(page: Page, site: str, username: str, path: str) -> None:
    login.log_in(page, site, username, next_url=path)
    expect(page.locator("form.editor-form")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_error_summary_takes_the_focus_and_leads_to_each_field(
    page: Page, site: str, officer: str, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    open_editor(page, site, officer, "/workspace/new/")
    # One city: chosen already.
    expect(page.get_by_label("City", exact=True)).to_have_value(
        str(City.objects.get(slug="vienna").pk)
    )
    page.locator('[name="sources-0-url"]').fill("not a link")
    page.get_by_role("button", name="Save draft").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page).to_have_title(f"Error: New case · Workspace · {SITE_NAME}")
    page.screenshot(path=SCREENSHOTS / f"editor-errors-{viewport['width']}.png")
    assert_no_horizontal_scrolling(page)
    assert_no_axe_violations(page)

    summary.get_by_role("link", name="Title: This field is required.").click()
    expect(page.get_by_label("Title", exact=True)).to_be_focused()
    summary.get_by_role("link", name="Source 1: Title of the document").click()
    expect(page.locator('[name="sources-0-title"]')).to_be_focused()
    # Tab from the summary reaches its first link.
    summary.focus()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    assert not CaseStudy.objects.filter(created_by__username=officer).exists()


def test_add_another_source_adds_a_row_without_a_round_trip_and_both_save(
    page: Page, site: str, officer: str
) -> None:
    open_editor(page, site, officer, "/workspace/new/")
    page.get_by_label("Title", exact=True).fill("Repair cafés")
    page.get_by_label("Summary").fill("Volunteers fix what residents bring.")
    page.locator('[name="sources-0-title"]').fill("First evaluation")
    url = page.url

    page.get_by_role("button", name="Add another source").click()
    second = page.locator('[name="sources-1-title"]')
    expect(second).to_be_focused()
    assert page.url == url
    expect(page.locator('[name="sources-TOTAL_FORMS"]')).to_have_value("2")
    # Its label and hint belong to it, not to the template's __prefix__ row.
    expect(page.get_by_role("group", name="A new source").nth(1)).to_be_visible()
    expect(page.locator("#id_sources-1-url")).to_have_attribute(
        "aria-describedby", "id_sources-1-url_helptext"
    )
    assert_no_axe_violations(page)
    second.fill("Second evaluation")
    page.locator('[name="sources-1-url"]').fill("https://example.org/second")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("status")).to_contain_text("is saved")
    case = CaseStudy.objects.get(title="Repair cafés")
    assert sorted(source.title for source in case.sources.all()) == [
        "First evaluation",
        "Second evaluation",
    ]


def test_enter_in_a_text_field_still_saves(page: Page, site: str, officer: str) -> None:
    """The form's default button is a save (a hidden one first in the form), not
    "Add another source", which comes before the save buttons on the page."""
    open_editor(page, site, officer, "/workspace/new/")
    page.get_by_label("Summary").fill("Volunteers fix what residents bring.")
    page.get_by_label("Title", exact=True).fill("Repair cafés")
    page.get_by_label("Title", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is saved")
    assert CaseStudy.objects.filter(title="Repair cafés").exists()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_partner_filter_hides_what_does_not_match_and_counts_the_chosen(
    page: Page, site: str, officer: str, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    open_editor(page, site, officer, "/workspace/new/")
    partners = page.get_by_role("group", name="Partner organisations")
    boxes = partners.get_by_role("checkbox")
    total = boxes.count()
    assert total >= len(PARTNERS)
    count = partners.locator(".choice-count")
    expect(count).to_have_attribute("aria-live", "polite")
    expect(count).to_have_text("Selected: 0")

    search = partners.get_by_label("Filter the list")
    search.fill("stiftung")
    expect(partners.get_by_role("checkbox", name="Stiftung Mercator")).to_be_visible()
    expect(partners.get_by_role("checkbox", name="Nesta")).to_be_hidden()
    expect(count).to_contain_text("Shown: 3 of")
    # Keyboard: Tab from the box to the first shown option, Space chooses it.
    search.press("Tab")
    expect(
        partners.get_by_role("checkbox", name="Bertelsmann Stiftung")
    ).to_be_focused()
    page.keyboard.press("Space")
    expect(count).to_contain_text("Selected: 1")
    # Accents ignored; Enter does not save the case.
    search.fill("universitat")
    search.press("Enter")
    expect(
        partners.get_by_role("checkbox", name="Technische Universität Wien")
    ).to_be_visible()
    partners.get_by_label("Technische Universität Wien").check()
    expect(count).to_have_text(f"Selected: 2 Shown: 1 of {total}")
    page.screenshot(path=SCREENSHOTS / f"editor-partners-{viewport['width']}.png")
    assert_no_horizontal_scrolling(page)
    assert_no_axe_violations(page)
    search.press("Escape")
    expect(boxes.nth(total - 1)).to_be_visible()
    expect(count).to_have_text("Selected: 2")
    # Short lists (the innovation types) have no filter.
    types = page.get_by_role("group", name="Innovation types")
    expect(types.get_by_label("Filter the list")).to_be_hidden()

    page.get_by_label("Title", exact=True).fill("Repair cafés")
    page.get_by_label("Summary").fill("Volunteers fix what residents bring.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("is saved")
    case = CaseStudy.objects.get(title="Repair cafés")
    assert sorted(partner.name for partner in case.partners.all()) == [
        "Bertelsmann Stiftung",
        "Technische Universität Wien",
    ]


def test_the_reviewers_comment_and_the_images_preview(
    page: Page, site: str, officer: str
) -> None:
    vienna = City.objects.get(slug="vienna")
    reviewer = UserFactory(first_name="Rita", last_name="Roth")
    MembershipFactory(user=reviewer, city=vienna, role=Membership.Role.REVIEWER)
    case = CaseStudyFactory(city=vienna, title="Street labs", slug="street-labs")
    case.submit(by=vienna.memberships.get(user__username=officer).user)
    case.request_changes(by=reviewer, comment="Say how many labs opened, and when.")

    open_editor(page, site, officer, "/workspace/cases/street-labs/edit/")
    comment = page.get_by_role("region", name="The reviewer asked for changes")
    expect(comment).to_contain_text("Say how many labs opened, and when.")
    expect(comment).to_contain_text("Rita Roth")
    assert_no_axe_violations(page)

    page.set_input_files(
        'input[name="image_file"]',
        files=[{"name": "lab.png", "mimeType": "image/png", "buffer": png()}],
    )
    page.get_by_label("Image description").fill("A lab in a shop window")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview: Image")
    image = preview.get_by_role("img", name="A lab in a shop window")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0",
        arg=image.element_handle(),
    )
    expect(preview).to_contain_text("A lab in a shop window")
    page.screenshot(path=SCREENSHOTS / "editor-preview-1280.png", full_page=True)
    assert_no_axe_violations(page)
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scrolling(page)
    page.screenshot(path=SCREENSHOTS / "editor-preview-360.png", full_page=True)
