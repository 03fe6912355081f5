"""Invitations and passwords in Chromium: a staff member invites an officer, who
chooses a password from the emailed link and logs in; the password and invitation pages
pass axe's WCAG 2.2 A/AA rules, with and without errors.

The live server runs in a thread of this process, with the test settings' local-memory
mail backend, so the emails it sends land in django.core.mail.outbox here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from cities.models import City, Membership
from tests.factories import MembershipFactory, UserFactory

from . import login
from .axe import axe_violations, describe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quiet harbour at dusk 42"
PHONE = {"width": 360, "height": 740}
INVITE_LINK_RE = re.compile(r"https?://\S+/account/welcome/[^/\s]+/[^/\s]+/")
RESET_LINK_RE = re.compile(r"https?://\S+/account/password/reset/[^/\s]+/[^/\s]+/")


@pytest.fixture
def staff(site: str) -> Any:
    user = UserFactory(username="atlas-staff", first_name="Sam", last_name="Staff")
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="add_user"),
        Permission.objects.get(
            content_type__app_label="cities", codename="add_membership"
        ),
    )
    return user


@pytest.fixture
def officer(site: str) -> Any:
    user = UserFactory(username="vienna-officer", email="vera@example.org")
    MembershipFactory(
        user=user, city=City.objects.get(slug="vienna"), role=Membership.Role.OFFICER
    )
    return user


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe found {len(violations)} WCAG A/AA violation(s) on {page.url}:\n"
        + describe_violations(violations)
    )
    assert page.locator("h1").count() == 1, "each page has one main heading"


def assert_fits_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a phone"


def log_in(
    page: Page, site: str, username: str, password: str, next_url: str = ""
) -> None:
    login.log_in(page, site, username, password, next_url=next_url)


def only_link(pattern: re.Pattern[str]) -> str:
    [message] = mail.outbox
    [link] = pattern.findall(message.body)
    return link


def test_staff_invite_an_officer_who_sets_a_password_and_logs_in(
    page: Page, browser: Browser, site: str, staff: Any
) -> None:
    log_in(page, site, "atlas-staff", PASSWORD)
    # Staff land on the workspace; their account is in the header.
    expect(page).to_have_url(re.compile(r"/workspace/$"))
    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Account"
    ).click()
    page.get_by_role("link", name="Invite an officer or reviewer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Invite an officer or reviewer"
    )
    assert_no_axe_violations(page)

    # A refused form: the errors are next to their fields, and axe still passes.
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the 2 fields")
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email address")).to_have_accessible_description(
        re.compile(r"Enter a valid email address\.")
    )
    expect(page.get_by_label("City")).to_have_accessible_description(
        "This field is required."
    )
    assert_no_axe_violations(page)

    page.get_by_label("Email address").fill("nina.novak@example.org")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Novak")
    page.get_by_label("City").select_option(label="Vienna (AT)")
    page.get_by_label("Role").select_option("officer")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invitation sent to nina.novak@example.org, with the role “Officer” in Vienna."
    )
    assert_no_axe_violations(page)
    link = only_link(INVITE_LINK_RE)
    assert link.startswith(site)

    # The officer, in a browser of their own.
    context = browser.new_context()
    officer_page = context.new_page()
    try:
        officer_page.goto(link)
        expect(officer_page).to_have_url(re.compile(r"/welcome/[^/]+/set-password/$"))
        expect(officer_page.get_by_role("heading", level=1)).to_have_text(
            "Choose your password"
        )
        expect(officer_page.locator("main")).to_contain_text(
            "Your user name is nina.novak@example.org"
        )
        assert_no_axe_violations(officer_page)

        officer_page.get_by_label("New password", exact=True).fill("nina.novak@example")
        officer_page.get_by_label("New password confirmation").fill(
            "nina.novak@example"
        )
        officer_page.get_by_role("button", name="Set password").click()
        new_password = officer_page.get_by_label("New password", exact=True)
        expect(new_password).to_have_attribute("aria-invalid", "true")
        expect(new_password).to_have_accessible_description(
            re.compile(r"The password is too similar to the username\.")
        )
        assert_no_axe_violations(officer_page)

        new_password.fill(NEW_PASSWORD)
        officer_page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
        officer_page.get_by_role("button", name="Set password").click()
        expect(officer_page).to_have_url(re.compile(r"/account/login/$"))
        expect(officer_page.get_by_role("status")).to_contain_text(
            "Your password is set"
        )

        log_in(officer_page, site, "nina.novak@example.org", NEW_PASSWORD)
        # An officer lands on the workspace, and the header says who is logged in.
        expect(officer_page).to_have_url(re.compile(r"/workspace/$"))
        menu = officer_page.get_by_role("navigation", name="Your account")
        expect(menu).to_contain_text("Logged in as Nina Novak: Officer, Vienna")
        menu.get_by_role("link", name="Account").click()
        expect(officer_page.locator("main")).to_contain_text("Vienna: Officer")
        expect(officer_page.locator("main")).to_contain_text("Logged in as Nina Novak.")

        # The link worked once.
        officer_page.goto(link)
        expect(officer_page.get_by_role("heading", level=1)).to_have_text(
            "This invitation link does not work"
        )
        assert_no_axe_violations(officer_page)
    finally:
        context.close()
    user = get_user_model().objects.get(email="nina.novak@example.org")
    assert user.city_memberships.get().role == Membership.Role.OFFICER


def test_the_password_reset_pages_pass_axe_and_fit_a_phone(
    page: Page, site: str, officer: Any
) -> None:
    log_in(page, site, "vienna-officer", "not the password")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Send me a link").click()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("This field is required.")
    assert_no_axe_violations(page)

    email.fill("vera@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_no_axe_violations(page)

    link = only_link(RESET_LINK_RE)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_no_axe_violations(page)
    page.get_by_label("New password", exact=True).fill("12345678")
    page.get_by_label("New password confirmation").fill("12345678")
    page.get_by_role("button", name="Set password").click()
    expect(
        page.get_by_label("New password", exact=True)
    ).to_have_accessible_description(re.compile(r"This password is too common\."))
    assert_no_axe_violations(page)
    assert_fits_a_phone(page)
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is set")
    assert_no_axe_violations(page)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_no_axe_violations(page)


def test_the_password_change_and_invite_pages_pass_axe_and_fit_a_phone(
    page: Page, site: str, staff: Any
) -> None:
    log_in(page, site, "atlas-staff", PASSWORD, next_url="/account/tokens/")
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("Old password")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page)
    assert_fits_a_phone(page)

    page.goto(f"{site}/account/invite/")
    assert_no_axe_violations(page)
    assert_fits_a_phone(page)


def test_the_lock_out_and_staff_only_pages_pass_axe(
    page: Page, site: str, officer: Any
) -> None:
    for _attempt in range(5):
        log_in(page, site, "vienna-officer", "not the password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-ins")
    assert_no_axe_violations(page)

    log_in(page, site, "vienna-officer", PASSWORD)  # Still refused.
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-ins")

    page.context.clear_cookies()
    UserFactory(username="another-officer")
    log_in(page, site, "another-officer", PASSWORD)
    response = page.goto(f"{site}/account/invite/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Only for the Atlas's staff"
    )
    assert_no_axe_violations(page)
