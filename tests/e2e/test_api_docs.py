"""The API's documentation pages, Swagger UI (/api/docs/) and Redoc (/api/redoc/), in
a browser: they load nothing from any other host, and pass axe but for the viewers' own
violations that no setting or style of ours can fix, each allowed below by its rule id
with the reason (and listed in docs/api.md, "The documentation pages")."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route

from .axe import axe_violations, describe_violations

# The live server's thread sees only committed data.
pytestmark = pytest.mark.django_db(transaction=True)

# What each viewer renders once the schema is loaded: a tag's and an operation's names.
PAGES = {
    "/api/docs/": ".opblock-tag",
    "/api/redoc/": "[data-section-id^='tag/']",
}

# axe's findings in the viewers' own markup that neither a setting nor our stylesheet
# (static/css/api-docs.css) can fix, by rule id, with the reason: none today. An
# upgrade of Swagger UI or Redoc that brings one adds it here, and to docs/api.md.
ALLOWED: dict[str, dict[str, str]] = {
    "/api/docs/": {},
    "/api/redoc/": {},
}


@pytest.mark.parametrize("path", PAGES)
def test_the_documentation_page_loads_nothing_from_another_host_and_passes_axe(
    page: Page, site: str, path: str
) -> None:
    own = urlsplit(site).netloc
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    # Every request to another host is refused, and recorded. (data: and blob: URLs
    # are not requests to a host; Playwright does not route them.)
    page.route(lambda url: urlsplit(url).netloc != own, refuse)

    page.goto(site + path)
    page.wait_for_selector(PAGES[path], timeout=30_000)
    page.wait_for_load_state("networkidle")

    assert elsewhere == []
    assert page.locator("html").get_attribute("lang") == "en"
    violations = [v for v in axe_violations(page) if v["id"] not in ALLOWED[path]]
    assert not violations, describe_violations(violations)
