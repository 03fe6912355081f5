"""An officer in Chromium: logs in, makes an API token, uses it, revokes it; the API
documentation pages work under their Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cities.models import City, Membership
from innovation_cases.models import CaseStudy
from tests.factories import MembershipFactory, UserFactory

from .axe import axe_violations, describe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def officer(site: str):
    user = UserFactory(username="vienna-officer", first_name="Vera", last_name="Vogel")
    MembershipFactory(
        user=user, city=City.objects.get(slug="vienna"), role=Membership.Role.OFFICER
    )
    return user


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_an_officer_makes_a_token_uses_it_and_revokes_it(
    page: Page, site: str, officer
) -> None:
    page.goto(f"{site}/account/tokens/")
    expect(page).to_have_url(re.compile(r"/account/login/\?next="))
    assert_no_axe_violations(page)

    page.get_by_label("User name").fill("vienna-officer")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/account/tokens/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your API tokens")
    expect(page.locator("main")).to_contain_text("Vienna: Officer")
    page.get_by_label("What the token is for").fill("Case import script")
    page.get_by_role("button", name="Create token").click()

    token = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert token.startswith("pia_") and len(token) > 40
    expect(page.get_by_role("status").first).to_contain_text("shown only this once")
    assert_no_axe_violations(page)

    created = page.request.post(
        f"{site}/api/v1/cases/",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "title": "Office hours for new ideas",
            "city": "vienna",
            "summary": "Officers book a slot to talk an idea through.",
        },
    )
    assert created.status == 201, created.text()
    assert CaseStudy.objects.get(slug="office-hours-for-new-ideas").status == "draft"

    # The value is never shown again.
    page.reload()
    assert token not in page.content()
    page.get_by_role("button", name="Revoke the token Case import script").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    refused = page.request.get(
        f"{site}/api/v1/cases/", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status == 401


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_renders_from_local_assets(
    page: Page, site: str, path: str
) -> None:
    refused: list[str] = []
    outside: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(site)
            and not request.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    page.goto(f"{site}{path}")
    expect(page.get_by_text("/api/v1/cases/").first).to_be_visible(timeout=15000)
    assert not refused, refused
    assert not outside, f"the page asked other hosts for: {outside}"
