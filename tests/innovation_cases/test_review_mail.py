"""A review decision's mail (Review.notify): it links whole to the exact workspace page,
the case's or the revision's, which opens for the officer, and quotes the reviewer's
comment (issue 19)."""

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Theme
from innovation_cases.models import CaseRevision, CaseStudy
from tests.innovation_cases.conftest import case_in
from tests.mails import parsed, path_of, text_and_html, url_in

pytestmark = pytest.mark.django_db

S = CaseStudy.Status
SITE_URL = "https://atlas.example.eu"
WORKSPACE_URL = r"https://atlas\.example\.eu/workspace/\S+"
COMMENT = "Please cite the council decision."

# (the case's state, the step, its comment, the decision's name in the mail)
CASE_DECISIONS = [
    (S.SUBMITTED, "publish", "", "Published"),
    (S.SUBMITTED, "publish", COMMENT, "Published"),
    (S.SUBMITTED, "request_changes", COMMENT, "Changes requested"),
    (S.PUBLISHED, "archive", "", "Archived"),
    (S.PUBLISHED, "archive", COMMENT, "Archived"),
]
REVISION_DECISIONS = [
    ("approve", "", "Revision approved"),
    ("approve", COMMENT, "Revision approved"),
    ("request_changes", COMMENT, "Changes to the revision requested"),
    ("reject", COMMENT, "Revision rejected"),
]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL
    settings.WHITENOISE_AUTOREFRESH = True


def decided(take, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        take()
    [message] = mail.outbox
    return message


def propose(case, officer, **changes):
    values = {name: getattr(case, name) for name in CaseRevision.FIELDS}
    values.update(dict.fromkeys(["teams", "partners", "innovation_types"], []))
    values.update(dict.fromkeys(["drivers", "approaches", "themes"], []))
    values.update(changes)
    return CaseRevision.propose(case=case, by=officer, values=values)


def assert_quotes(message, comment):
    _raw, read = parsed(message)
    text, html = (part.get_content() for part in text_and_html(read))
    if comment:
        assert f"The reviewer's comment:\n\n> {comment}\n" in text
        assert f"<blockquote><p>{comment}</p></blockquote>" in html
    else:
        assert "comment" not in text and "<blockquote>" not in html


@pytest.mark.parametrize(("start", "step", "comment", "decision"), CASE_DECISIONS)
def test_a_case_decision_links_to_the_case_in_the_workspace_and_quotes_the_comment(
    people, as_, django_capture_on_commit_callbacks, start, step, comment, decision
):
    officer = people["officer_a"]
    case = case_in(people["city_a"], start, created_by=officer, title="Bus lanes")

    message = decided(
        lambda: getattr(case, step)(by=people["reviewer_a"], comment=comment),
        django_capture_on_commit_callbacks,
    )

    assert message.to == [officer.email]
    assert message.subject == f"{decision}: Bus lanes"
    url = url_in(message, WORKSPACE_URL)
    assert url == SITE_URL + reverse("workspace:case_detail", args=[case.slug])
    assert "See the case in your workspace:" in message.body
    assert_quotes(message, comment)
    page = as_(officer).get(path_of(url))
    assert page.status_code == 200
    assert '<h1 lang="en">Bus lanes</h1>' in page.text


@pytest.mark.parametrize(("step", "comment", "decision"), REVISION_DECISIONS)
def test_a_revision_decision_links_to_the_revision_and_quotes_the_comment(
    people, as_, django_capture_on_commit_callbacks, step, comment, decision
):
    officer = people["officer_a"]
    case = case_in(people["city_a"], S.PUBLISHED, title="Bus lanes")
    revision = propose(
        case, officer, themes=[Theme.objects.get(slug="mobility")], title="Bus lanes"
    )

    message = decided(
        lambda: getattr(revision, step)(by=people["reviewer_a"], comment=comment),
        django_capture_on_commit_callbacks,
    )

    assert message.to == [officer.email]
    assert message.subject == f"{decision}: Bus lanes"
    url = url_in(message, WORKSPACE_URL)
    assert url == SITE_URL + reverse("workspace:revision_detail", args=[revision.pk])
    assert "See the revision in your workspace:" in message.body
    assert_quotes(message, comment)
    page = as_(officer).get(path_of(url))
    assert page.status_code == 200
    assert "<h1>Revision of “Bus lanes”</h1>" in page.text


def test_each_line_of_a_comment_is_quoted_and_the_html_keeps_its_paragraphs(
    people, django_capture_on_commit_callbacks
):
    case = case_in(people["city_a"], S.SUBMITTED, created_by=people["officer_a"])
    comment = "Two things:\n- cite the decision\n\nand add the budget."

    message = decided(
        lambda: case.request_changes(by=people["reviewer_a"], comment=comment),
        django_capture_on_commit_callbacks,
    )

    assert "> Two things:\n> - cite the decision\n>\n> and add the budget.\n" in (
        message.body
    )
    html = message.alternatives[0][0]
    assert (
        "<blockquote><p>Two things:<br>- cite the decision</p>\n\n"
        "<p>and add the budget.</p></blockquote>" in html
    )


def test_a_comment_with_a_very_long_line_goes_as_base64_with_the_link_whole(
    people, django_capture_on_commit_callbacks
):
    case = case_in(people["city_a"], S.SUBMITTED, created_by=people["officer_a"])
    comment = "Cite the council's decision on the bus lanes, " * 30  # 1,410 octets.

    message = decided(
        lambda: case.request_changes(by=people["reviewer_a"], comment=comment),
        django_capture_on_commit_callbacks,
    )

    raw, read = parsed(message)
    text, html = text_and_html(read)
    assert text["Content-Transfer-Encoding"] == "base64"
    assert html["Content-Transfer-Encoding"] == "base64"
    assert comment.encode() not in raw
    assert f"> {comment.rstrip()}\n" in text.get_content()
    url = url_in(message, WORKSPACE_URL)
    assert url == SITE_URL + reverse("workspace:case_detail", args=[case.slug])


@pytest.mark.parametrize(
    ("site_url", "warned"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://atlas.example.eu", True),
        ("https://atlas.example.eu", False),
    ],
)
def test_the_deploy_check_asks_for_the_sites_https_address(settings, site_url, warned):
    from django.core import checks

    settings.SITE_URL = site_url
    found = checks.run_checks(include_deployment_checks=True)
    assert ("innovation_cases.W002" in [message.id for message in found]) is warned
