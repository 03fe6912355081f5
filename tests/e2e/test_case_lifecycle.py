"""A case's whole life in Chromium, as its officer, its reviewer and the public see it.

The officer writes a case with a source and an image and submits it; the reviewer
requests changes; the officer revises and resubmits; the reviewer publishes, and the
case is in the public list and search. Then the officer's edit of the published case
stays invisible until the reviewer approves it, and staff restore an earlier version.
axe-core checks each workspace page on the way.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cities.models import City, Membership
from innovation_cases.models import CaseStudy
from tests.factories import MembershipFactory, UserFactory

from . import login
from .axe import axe_violations, describe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
TITLE = "Neighbourhood repair cafés"
NEW_TITLE = "Neighbourhood repair cafés in every district"


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def expect_image_shown(page: Page, name: str) -> None:
    """The image is on the page and its file loaded, not an <img> whose address
    answers 404. (The live server sends /media/ itself, without Django's check of who
    may see an image: tests/innovation_cases/test_image_access.py tests that.)"""
    image = page.get_by_role("img", name=name)
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0",
        arg=image.element_handle(),
    )


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (40, 110, 90)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def log_in(browser: Browser, site: str) -> Iterator[Callable[[str], Page]]:
    """Log a user in, in a browser context of their own. The contexts are closed when
    the test ends, so that no keep-alive connection outlives it in the live server's
    threads (which share the test's database connection)."""
    opened: list[BrowserContext] = []

    def log_in_as(username: str) -> Page:
        context = browser.new_context()
        opened.append(context)
        page = context.new_page()
        login.log_in(page, site, username, next_url="/workspace/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your workspace")
        return page

    yield log_in_as
    for context in opened:
        context.close()


@pytest.fixture
def people(site: str) -> dict[str, str]:
    vienna = City.objects.get(slug="vienna")
    officer = UserFactory(username="vienna-officer", first_name="Olga")
    MembershipFactory(user=officer, city=vienna)
    reviewer = UserFactory(username="vienna-reviewer", first_name="Rita")
    MembershipFactory(user=reviewer, city=vienna, role=Membership.Role.REVIEWER)
    UserFactory(username="atlas-staff", is_staff=True)
    return {"officer": "vienna-officer", "reviewer": "vienna-reviewer"}


def test_a_case_from_first_draft_to_an_approved_revision(
    log_in: Callable[[str], Page], page: Page, site: str, people: dict[str, str]
) -> None:
    officer = log_in(people["officer"])
    reviewer = log_in(people["reviewer"])
    public = page

    # The officer writes the case: a refused first try keeps what was typed.
    officer.get_by_role("link", name="Write a new case for Vienna").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("New case")
    assert_no_axe_violations(officer)
    officer.get_by_label("Challenge").fill("Broken things were **thrown away**.")
    officer.get_by_label("Mobility", exact=True).check()
    officer.locator('[name="sources-0-title"]').fill("Repair café evaluation")
    officer.locator('[name="sources-0-url"]').fill("https://example.org/evaluation")
    officer.set_input_files(
        'input[name="image_file"]',
        files=[{"name": "cafe.png", "mimeType": "image/png", "buffer": png()}],
    )
    officer.get_by_label("Image description").fill("Volunteers mending a lamp")
    officer.get_by_role("button", name="Save draft").click()
    expect(officer.get_by_role("alert")).to_contain_text("There is a problem")
    expect(officer.get_by_label("Title", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(officer.get_by_label("Challenge")).to_have_value(
        "Broken things were **thrown away**."
    )
    expect(officer.locator('[name="sources-0-title"]')).to_have_value(
        "Repair café evaluation"
    )
    expect(officer.get_by_text("Your image is uploaded and kept")).to_be_visible()
    assert_no_axe_violations(officer)

    officer.get_by_label("Title", exact=True).fill(TITLE)
    officer.get_by_label("Summary").fill("Volunteers fix what residents bring.")
    officer.get_by_role("button", name="Preview", exact=True).click()
    expect(officer.locator(".markdown-preview strong")).to_have_text("thrown away")
    officer.get_by_role("button", name="Save draft").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(officer.get_by_role("status")).to_contain_text("is saved")
    expect_image_shown(officer, "Volunteers mending a lamp")
    expect(officer.get_by_role("link", name="Repair café evaluation")).to_be_visible()
    assert_no_axe_violations(officer)
    officer.get_by_role("button", name="Submit for review").click()
    expect(officer.get_by_role("status")).to_contain_text("submitted for review")
    case_url = officer.url

    # The reviewer sends it back with a comment.
    reviewer.goto(f"{site}/workspace/review/")
    reviewer.get_by_role("link", name=TITLE).click()
    reviewer.get_by_label("Comment").fill("Say how many things were repaired.")
    reviewer.get_by_role("button", name="Request changes").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Changes to")

    # The officer revises and resubmits in one step.
    officer.goto(case_url)
    expect(officer.locator("main")).to_contain_text("Say how many things were")
    officer.get_by_role("link", name="Edit this case").click()
    officer.get_by_label("Results").fill("About 400 items were repaired a year.")
    officer.get_by_role("button", name="Save and submit for review").click()
    expect(officer.get_by_role("status")).to_contain_text("submitted for review")

    # Not public until published.
    public.goto(f"{site}/en/cases/")
    expect(public.locator("main")).not_to_contain_text(TITLE)

    reviewer.goto(case_url)
    reviewer.get_by_role("button", name="Publish").click()
    expect(reviewer.get_by_role("status")).to_contain_text("is published")

    public.goto(f"{site}/en/cases/")
    expect(public.get_by_role("link", name=TITLE)).to_be_visible()
    public.goto(f"{site}/en/cases/?q=repair")
    expect(public.get_by_role("link", name=TITLE)).to_be_visible()
    public.get_by_role("link", name=TITLE).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect_image_shown(public, "Volunteers mending a lamp")
    public_url = public.url

    # An edit of the published case waits for review.
    officer.goto(case_url)
    officer.get_by_role("link", name="Propose a change").click()
    expect(officer.locator("main")).to_contain_text("What you save here is a revision")
    assert_no_axe_violations(officer)
    officer.get_by_label("Title", exact=True).fill(NEW_TITLE)
    officer.get_by_role("button", name="Send the revision for review").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Revision of")
    public.goto(public_url)
    expect(public.get_by_role("heading", level=1)).to_have_text(TITLE)
    public.goto(f"{site}/en/cases/?q=district")
    expect(public.locator("main")).not_to_contain_text(NEW_TITLE)

    reviewer.goto(f"{site}/workspace/review/")
    reviewer.locator("main table a").first.click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("Revision of")
    expect(reviewer.locator("main table")).to_contain_text(NEW_TITLE)
    assert_no_axe_violations(reviewer)
    reviewer.get_by_role("button", name="Approve").click()
    expect(reviewer.get_by_role("status")).to_contain_text("approved")
    public.goto(public_url)
    expect(public.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)

    # Every step is in the history, and staff can bring the first title back.
    case = CaseStudy.objects.get(slug=public_url.rstrip("/").rsplit("/", 1)[-1])
    officer.goto(f"{case_url}history/")
    expect(officer.locator("main section")).to_have_count(case.history.count())
    assert_no_axe_violations(officer)
    staff = log_in("atlas-staff")
    staff.goto(f"{case_url}history/")
    staff.get_by_role("link", name=re.compile("Restore version 1")).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Restore version 1?")
    staff.get_by_role("button", name="Restore version 1").click()
    expect(staff.get_by_role("status")).to_contain_text("restored")
    public.goto(public_url)
    expect(public.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_an_officers_city_profile_pages_pass_axe(
    log_in: Callable[[str], Page], people: dict[str, str]
) -> None:
    officer = log_in(people["officer"])
    officer.get_by_role("link", name=re.compile("Vienna's profile")).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Profile of Vienna")
    assert_no_axe_violations(officer)
    officer.get_by_role("link", name="Add a strategy").click()
    officer.get_by_role("button", name="Save").click()
    expect(officer.get_by_role("alert")).to_contain_text("Please correct")
    assert_no_axe_violations(officer)
    officer.get_by_label("Title").fill("Vienna innovation agenda")
    officer.get_by_role("button", name="Save").click()
    expect(officer.get_by_role("status")).to_contain_text("is saved")
    officer.get_by_role("link", name="history Vienna innovation agenda").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("History of")
    assert_no_axe_violations(officer)
