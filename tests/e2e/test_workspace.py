"""The workspace in Chromium: a reviewer's pages pass axe's WCAG 2.2 AA rules, from the
dashboard through a revision's diff to the case's history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cities.models import City, Membership
from core.models import Theme
from innovation_cases.models import CaseRevision, CaseStudy
from tests.factories import CaseStudyFactory, MembershipFactory, UserFactory

from . import login
from .axe import axe_violations, describe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


@pytest.fixture
def reviewer(site: str):
    vienna = City.objects.get(slug="vienna")
    user = UserFactory(username="vienna-reviewer", first_name="Rita", last_name="Roth")
    MembershipFactory(user=user, city=vienna, role=Membership.Role.REVIEWER)
    officer = MembershipFactory(city=vienna).user
    CaseStudyFactory(
        city=vienna,
        title="Street labs",
        slug="street-labs",
        status=CaseStudy.Status.SUBMITTED,
        created_by=officer,
    )
    published = CaseStudy.objects.published().filter(city=vienna).first()
    values = {name: getattr(published, name) for name in CaseRevision.FIELDS}
    values.update({name: [] for name in ["teams", "partners", "drivers"]})
    values.update({name: [] for name in ["innovation_types", "approaches"]})
    values["themes"] = [Theme.objects.get(slug="mobility")]
    values["summary"] = published.summary + " It now runs in every district."
    CaseRevision.propose(case=published, by=officer, values=values)
    return user


def test_a_reviewers_workspace_pages_pass_axe(page: Page, site: str, reviewer) -> None:
    page.goto(f"{site}/workspace/")
    expect(page).to_have_url(re.compile(r"/account/login/\?next="))
    login.log_in(page, site, "vienna-reviewer", next_url="/workspace/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your workspace")
    expect(page.locator("main")).to_contain_text("Your role: Reviewer")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Street labs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Street labs")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Request changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct")
    expect(page.get_by_label("Comment")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page)
    page.get_by_label("Comment").fill("Please cite the council decision.")
    page.get_by_role("button", name="Request changes").click()
    expect(page.get_by_role("status")).to_contain_text("Changes to “Street labs”")
    assert_no_axe_violations(page)

    page.goto(f"{site}/workspace/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your review queue")
    assert_no_axe_violations(page)

    page.locator("main table a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revision of")
    expect(page.locator("ins").first).to_contain_text("added:")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status")).to_contain_text("approved and published")

    page.get_by_role("link", name="The case in your workspace").click()
    page.get_by_role("link", name="History of this case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("History of")
    expect(page.locator("main table").first).to_contain_text("Mobility")
    assert_no_axe_violations(page)


def test_site_staffs_history_page_with_restore_buttons_passes_axe(
    page: Page, site: str
) -> None:
    UserFactory(username="atlas-staff", is_staff=True)
    case = CaseStudy.objects.published().first()
    case.title = case.title + " (renamed)"
    case.save()
    login.log_in(
        page, site, "atlas-staff", next_url=f"/workspace/cases/{case.slug}/history/"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("History of")
    assert_no_axe_violations(page)
    # Restoring asks first, showing what it would change.
    page.get_by_role("link", name=re.compile(r"^Restore version \d+")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Restore version \d+\?$")
    )
    expect(page.locator("table")).to_contain_text("(renamed)")
    assert_no_axe_violations(page)
    page.get_by_role("button", name=re.compile(r"^Restore version \d+$")).click()
    expect(page.get_by_role("status")).to_contain_text("restored, as a new version")
    assert_no_axe_violations(page)
    case.refresh_from_db()
    assert not case.title.endswith("(renamed)")
    page.goto(f"{site}/workspace/")
    assert_no_axe_violations(page)


def test_a_reviewer_lands_on_the_workspace_and_decides_with_the_whole_case(
    page: Page, site: str, reviewer
) -> None:
    case = CaseStudy.objects.get(slug="street-labs")
    case.themes.set([Theme.objects.get(slug="mobility")])
    login.log_in(page, site, "vienna-reviewer")  # No next: where their work is.
    expect(page).to_have_url(re.compile(r"/workspace/$"))
    menu = page.get_by_role("navigation", name="Your account")
    expect(menu).to_contain_text("Logged in as Rita Roth: Reviewer, Vienna")
    assert_no_axe_violations(page)

    # The header follows them onto the public pages.
    page.goto(f"{site}/cases/")
    expect(menu).to_contain_text("Logged in as Rita Roth")
    expect(menu.get_by_role("link", name="Workspace")).to_be_visible()
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 360, "height": 800})
    assert_no_axe_violations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the header makes the page {width}px wide on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})

    menu.get_by_role("link", name="Workspace").click()
    page.get_by_role("link", name="Street labs").first.click()
    facts = page.get_by_role("complementary", name="About this case")
    expect(facts).to_contain_text("Mobility")
    expect(facts).to_contain_text("Innovation type")
    expect(facts).to_contain_text("None chosen")
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    assert_no_axe_violations(page)

    menu.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation", name="Your account")).to_have_count(0)
