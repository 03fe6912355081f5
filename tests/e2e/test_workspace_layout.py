"""The workspace's pages as reviewers and officers meet them, full of real work, on a
360 px wide phone and on a desktop: nothing scrolls the page sideways (WCAG 1.4.10),
every table that may scroll sideways can be scrolled from the keyboard (2.1.1), and
axe's WCAG 2.2 A/AA rules pass.

Empty pages hide both failures: a review log with one short line fits any phone. So
the cases, the revision and the records here carry what officers really write: long
compound words, long links, several review steps and versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from cities.models import City, InnovationTeam, Membership
from core.models import InnovationType, Theme
from innovation_cases.models import RELATION_FIELDS, CaseRevision, CaseStudy
from tests.factories import (
    CaseStudyFactory,
    MembershipFactory,
    SourceFactory,
    StrategyFactory,
    UserFactory,
)

from . import login
from .axe import axe_violations, describe_violations
from .reflow import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scrolling,
    assert_scrollable_regions_are_keyboard_reachable,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
# A German compound and a link with no place to break a line: what officers paste.
LONG_WORD = "Nachbarschaftsinnovationsförderungsprogramm"
LONG_URL = (
    "https://www.wien.gv.at/stadtentwicklung/innovation/pitch-fund/"
    "evaluation-report-2024-final-version-including-all-appendices-and-annexes.pdf"
)
SUBMITTED = "graetzel-labs"
PUBLISHED = "vienna-innovation-pitch-fund"


@dataclass(frozen=True)
class WorkspacePage:
    user: str
    # The path, from the revision's primary key (the only one not known in advance).
    path: Callable[[int], str]
    # An element that only the populated page shows, so that the test cannot pass on
    # an empty one.
    populated: str


PAGES = {
    "submitted case, for its reviewer": WorkspacePage(
        "vienna-reviewer",
        lambda _: f"/workspace/cases/{SUBMITTED}/",
        "main table tbody tr >> text=council decision",
    ),
    "pending revision, for its reviewer": WorkspacePage(
        "vienna-reviewer",
        lambda revision: f"/workspace/revisions/{revision}/",
        f"main table ins >> text={LONG_WORD}",
    ),
    "review queue": WorkspacePage(
        "vienna-reviewer",
        lambda _: "/workspace/review/",
        "main table >> nth=1 >> text=Vienna",
    ),
    "case history": WorkspacePage(
        "vienna-reviewer",
        lambda _: f"/workspace/cases/{PUBLISHED}/history/",
        f"main table >> text={LONG_URL}",
    ),
    "dashboard": WorkspacePage(
        "vienna-officer", lambda _: "/workspace/", f"main li >> text={LONG_WORD}"
    ),
    "case editor, continuing a revision": WorkspacePage(
        "vienna-officer",
        lambda _: f"/workspace/cases/{PUBLISHED}/edit/",
        "main textarea#id_summary",
    ),
    "city profile": WorkspacePage(
        "vienna-officer",
        lambda _: "/workspace/cities/vienna/",
        f"main li >> text={LONG_WORD}",
    ),
    "city record form": WorkspacePage(
        "vienna-officer",
        lambda _: "/workspace/cities/vienna/strategies/wiener-strategie/",
        "main input[type=checkbox] >> nth=1",
    ),
    "city record history": WorkspacePage(
        "vienna-officer",
        lambda _: "/workspace/cities/vienna/teams/imco-vienna/history/",
        f"main table >> text={LONG_URL}",
    ),
}


@pytest.fixture
def revision_pk(site: str) -> int:
    """Vienna's workspace in the middle of a working day: a case submitted, sent back
    with a comment and submitted again; a pending revision of the published case; and
    case and team histories with several versions. The revision's primary key."""
    vienna = City.objects.get(slug="vienna")
    officer = UserFactory(username="vienna-officer", first_name="Olga")
    MembershipFactory(user=officer, city=vienna)
    reviewer = UserFactory(username="vienna-reviewer", first_name="Rita")
    MembershipFactory(user=reviewer, city=vienna, role=Membership.Role.REVIEWER)

    submitted = CaseStudyFactory(
        city=vienna,
        title=f"Grätzel labs: the {LONG_WORD}",
        slug=SUBMITTED,
        created_by=officer,
        summary=f"Each district runs a lab. The council's decision: {LONG_URL}",
        approach=f"- The **{LONG_WORD}** funds the labs.\n- See `{LONG_URL}`.",
    )
    SourceFactory(content_object=submitted, title=LONG_WORD, url=LONG_URL)
    submitted.submit(by=officer)
    submitted.request_changes(
        by=reviewer, comment=f"Please cite the council decision, not {LONG_URL}."
    )
    submitted.submit(by=officer)

    published = CaseStudy.objects.get(slug=PUBLISHED)
    published.summary += f" Evaluated in {LONG_URL}."
    published._history_user = officer
    published.save()
    values = {name: getattr(published, name) for name in CaseRevision.FIELDS}
    values.update(
        {name: list(getattr(published, name).all()) for name in RELATION_FIELDS}
    )
    values["title"] = f"Vienna's {LONG_WORD} for city officers"
    values["summary"] = f"{published.summary} It now runs in every district: {LONG_URL}"
    values["approach"] = published.approach + f"\n- The {LONG_WORD} pays for it."
    values["themes"] = [Theme.objects.get(slug="mobility")]
    values["sources"] = [
        *published.source_rows(),
        {"title": f"The {LONG_WORD}'s evaluation", "url": LONG_URL},
    ]
    revision = CaseRevision.propose(case=published, by=officer, values=values)

    team = InnovationTeam.objects.get(slug="imco-vienna")
    team.mandate += f" Its {LONG_WORD} is described at {LONG_URL}."
    team.save()
    team.website = LONG_URL
    team.save()
    strategy = StrategyFactory(
        city=vienna,
        team=team,
        title=f"Wiener {LONG_WORD}",
        slug="wiener-strategie",
        document_url=LONG_URL,
        summary=f"The strategy, at {LONG_URL}.",
    )
    strategy.innovation_types.set(InnovationType.objects.all()[:1])
    return revision.pk


def log_in(page: Page, site: str, username: str) -> None:
    login.log_in(page, site, username, next_url="/workspace/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your workspace")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", PAGES)
def test_a_populated_workspace_page_reflows_and_passes_axe(
    page: Page, site: str, revision_pk: int, name: str, viewport: dict[str, int]
) -> None:
    workspace_page = PAGES[name]
    page.set_viewport_size(viewport)
    log_in(page, site, workspace_page.user)
    response = page.goto(f"{site}{workspace_page.path(revision_pk)}")
    assert response is not None and response.status == 200
    expect(page.locator(workspace_page.populated).first).to_be_visible()

    assert_no_horizontal_scrolling(page)
    assert_scrollable_regions_are_keyboard_reachable(page)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_the_review_forms_refusal_reflows_on_a_phone(
    page: Page, site: str, revision_pk: int
) -> None:
    """The comment box marked invalid, with the errors above it, still fits."""
    page.set_viewport_size(PHONE)
    log_in(page, site, "vienna-reviewer")
    page.goto(f"{site}/workspace/revisions/{revision_pk}/")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_label("Comment")).to_have_attribute("aria-invalid", "true")

    assert_no_horizontal_scrolling(page)
    assert_scrollable_regions_are_keyboard_reachable(page)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_tab_reaches_the_diffs_region_named_after_its_caption(
    page: Page, site: str, revision_pk: int
) -> None:
    """So a keyboard can scroll the diff, and a screen reader says what it holds."""
    page.set_viewport_size(PHONE)
    log_in(page, site, "vienna-reviewer")
    page.goto(f"{site}/workspace/revisions/{revision_pk}/")
    region = page.get_by_role(
        "region", name="Each changed field: the published value and the proposed value"
    )
    expect(region).to_have_attribute("tabindex", "0")
    page.locator("main h1").click()
    for _ in range(10):
        page.keyboard.press("Tab")
        if region.evaluate("(element) => element === document.activeElement"):
            break
    expect(region).to_be_focused()
