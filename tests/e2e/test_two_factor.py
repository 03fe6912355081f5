"""Two-factor log-in in Chromium: a reviewer is made to set up an authenticator app at
their first log-in (the key read from the page, the code computed from it as an app
would), saves the recovery codes, logs in again with a code and publishes; another logs
in with a recovery code. The new pages pass axe's WCAG 2.2 A/AA rules."""

from __future__ import annotations

import re
import tempfile
from base64 import b32decode
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.two_factor import recovery_codes_replace
from cities.models import City, Membership
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    MembershipFactory,
    UserFactory,
    authenticator,
    unused_totp_code,
)

from .axe import axe_violations, describe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
# For a person to look at (pytest-playwright empties its own test-results/ each run).
SCREENSHOTS = Path(tempfile.gettempdir()) / "atlas-e2e"


@pytest.fixture
def reviewer(site: str) -> Any:
    vienna = City.objects.get(slug="vienna")
    user = UserFactory(username="vienna-reviewer", first_name="Rita", last_name="Roth")
    MembershipFactory(user=user, city=vienna, role=Membership.Role.REVIEWER)
    CaseStudyFactory(
        city=vienna,
        title="Street labs",
        slug="street-labs",
        status=CaseStudy.Status.SUBMITTED,
        created_by=MembershipFactory(city=vienna).user,
    )
    return user


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe found {len(violations)} WCAG A/AA violation(s) on {page.url}:\n"
        + describe_violations(violations)
    )
    assert page.locator("h1").count() == 1, "each page has one main heading"


def submit_password(page: Page, site: str, next_url: str) -> None:
    page.goto(f"{site}/account/login/?next={next_url}")
    page.get_by_label("User name").fill("vienna-reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def code_from_key(key_text: str) -> str:
    """What an authenticator app shows for the key as the page prints it."""
    key = b32decode(key_text.replace(" ", ""))
    return f"{totp(key):06d}"


def test_a_reviewer_sets_up_two_factor_logs_in_with_a_code_and_publishes(
    page: Page, site: str, reviewer: Any
) -> None:
    case_url = "/workspace/cases/street-labs/"
    submit_password(page, site, case_url)

    # Made to set up an authenticator before anything else.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor log-in"
    )
    expect(page.get_by_role("status")).to_contain_text(
        "To continue, set up two-factor log-in first."
    )
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert_no_axe_violations(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "two-factor-setup.png"), full_page=True)

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on two-factor log-in").click()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).to_contain_text("That code is not right.")
    assert_no_axe_violations(page)
    TOTPDevice.objects.filter(user=reviewer).update(throttling_failure_count=0)

    key = page.get_by_role("textbox", name="Key").input_value()
    page.get_by_label("Code").fill(code_from_key(key))
    page.get_by_role("button", name="Turn on two-factor log-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator("ul.recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    expect(page.get_by_role("button", name="Print them")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download them as a text file").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert all(code in saved for code in codes)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="I have saved my recovery codes").click()

    # Back where the log-in was going, allowed to publish.
    expect(page.get_by_role("heading", level=1)).to_have_text("Street labs")
    page.goto(f"{site}/account/tokens/")
    expect(page.locator("main")).to_contain_text("You have 10 unused recovery codes.")
    assert_no_axe_violations(page)
    page.get_by_role("navigation", name="Your account").get_by_role(
        "button", name="Log out"
    ).click()

    # The next log-in asks for a code.
    submit_password(page, site, case_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_no_axe_violations(page)
    page.get_by_label("Code").fill("123456")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page)
    device = TOTPDevice.objects.get(user=reviewer)
    device.throttle_reset()
    page.get_by_label("Code").fill(unused_totp_code(device))
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Street labs")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("“Street labs” is published.")
    assert CaseStudy.objects.get(slug="street-labs").is_published


def test_a_reviewer_without_the_phone_logs_in_with_a_recovery_code(
    page: Page, site: str, reviewer: Any
) -> None:
    authenticator(reviewer)
    codes = recovery_codes_replace(user=reviewer)
    submit_password(page, site, "/workspace/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")

    page.get_by_label("Code").fill(codes[3])
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your workspace")
    expect(page.get_by_role("status")).to_contain_text(
        "You used a recovery code: 9 are left."
    )
    page.goto(f"{site}/account/tokens/")
    expect(page.locator("main")).to_contain_text("You have 9 unused recovery codes.")


def test_an_officer_turns_two_factor_on_and_off_on_pages_that_pass_axe(
    page: Page, site: str
) -> None:
    officer = UserFactory(username="vienna-officer")
    MembershipFactory(user=officer, city=City.objects.get(slug="vienna"))
    page.goto(f"{site}/account/login/")
    page.get_by_label("User name").fill("vienna-officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # An officer lands on the workspace: the account is in the header.
    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Account"
    ).click()
    page.get_by_role("link", name="Turn on two-factor log-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor log-in"
    )
    assert_no_axe_violations(page)
    key = page.get_by_role("textbox", name="Key").input_value()
    page.get_by_label("Code").fill(code_from_key(key))
    page.get_by_role("button", name="Turn on two-factor log-in").click()
    page.get_by_role("button", name="I have saved my recovery codes").click()

    page.get_by_role("link", name="Turn off two-factor log-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Turn off two-factor log-in"
    )
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Turn off two-factor log-in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the 2 fields")
    assert_no_axe_violations(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code").fill(unused_totp_code(authenticator(officer)))
    page.get_by_role("button", name="Turn off two-factor log-in").click()

    expect(page.get_by_role("status")).to_contain_text("Two-factor log-in is off")
    assert not TOTPDevice.objects.filter(user=officer).exists()
