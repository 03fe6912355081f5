"""Logging in through the log-in page, as a person does, second factor included."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from accounts.two_factor import confirmed_authenticator, must_use_second_factor
from tests.factories import authenticator, unused_totp_code

PASSWORD = "correct horse battery staple"


def log_in(
    page: Page, site: str, username: str, password: str = PASSWORD, next_url: str = ""
) -> None:
    """Fills in the log-in page, then the code step for a user with an authenticator
    app: the code it shows now, computed from the device's key.

    A reviewer or staff member has set up their authenticator already (it is made
    here if need be): the tests of setting one up (test_two_factor.py) start
    without."""
    user = get_user_model().objects.filter(username=username).first()
    device = None
    if user is not None and password == PASSWORD:
        if must_use_second_factor(user):
            device = authenticator(user)
        else:
            device = confirmed_authenticator(user)
    page.goto(f"{site}/account/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if device is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
        page.get_by_label("Code").fill(unused_totp_code(device))
        page.get_by_role("button", name="Log in").click()
