"""The index pages (/teams/, /strategies/, /organisations/, /types/, /themes/,
/drivers/ and an organisation's page) pass axe's WCAG 2.2 A/AA rules at a desktop's
1280 px and a phone's 360 px, without horizontal scrolling on the phone. One test, so
that the browser starts once for the seven pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .axe import axe_violations, describe_violations
from .reflow import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scrolling,
    assert_scrollable_regions_are_keyboard_reachable,
)

# The live server's thread sees only committed data.
pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/en/teams/",
    "/en/strategies/",
    "/en/organisations/",
    "/en/organisations/lse-cities/",
    "/en/types/",
    "/en/themes/",
    "/en/drivers/",
]


def test_the_index_pages_pass_axe_on_a_desktop_and_a_phone(
    page: Page, site: str
) -> None:
    problems = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        for path in PAGES:
            response = page.goto(f"{site}{path}")
            assert response is not None and response.ok, path
            assert page.locator("h1").count() == 1, path
            if viewport is PHONE:
                assert_no_horizontal_scrolling(page)
                assert_scrollable_regions_are_keyboard_reachable(page)
            violations = axe_violations(page)
            if violations:
                problems.append(
                    f"{path} at {viewport['width']} px:\n"
                    + describe_violations(violations)
                )
    assert not problems, "\n".join(problems)
