"""Officers' and reviewers' text, however hostile, in every output that is not a page:
the search snippet, the sitemap, the open-data exports, the API and the e-mails.

Each output either escapes the text for its format or carries it as plain data; none
hands a reader markup that someone else wrote. (The Atom feed's own tests are in
tests/innovation_cases/test_case_feed.py.)
"""

import json
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.test import RequestFactory

from accounts.invitations import invitation_send, member_invite
from cities.models import Membership
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[x](javascript:alert(1))"
HOSTILE = f"Bus lanes {SCRIPT} for {IMG} every {LINK} bus & tram"


def no_live_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html


@pytest.fixture
def hostile_case():
    return CaseStudyFactory(
        published=True, slug="bus-lanes", title=f"Bus {SCRIPT}", summary=HOSTILE
    )


# --- The search snippet (the case list's cards) ------------------------------------------


# Words next to and inside the markup.
@pytest.mark.parametrize("query", ["bus", "lanes tram", "onerror", "alert", "script"])
def test_a_search_snippet_escapes_everything_but_its_marks(client, hostile_case, query):
    response = client.get("/en/cases/", {"q": query})
    assert response.status_code == 200
    [(_case, snippet)] = response.context["cards"]
    snippet = str(snippet)

    no_live_markup(snippet)
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert "<mark>" in snippet
    # The whole card, as the page shows it.
    no_live_markup(response.content.decode())


def test_a_control_character_in_a_summary_cannot_open_an_unbalanced_mark(client):
    CaseStudyFactory(published=True, summary="Bus \x02lanes <b>and\x03 \x03trams")
    [(_case, snippet)] = client.get("/en/cases/", {"q": "bus"}).context["cards"]
    snippet = str(snippet)
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 1
    assert "<b>" not in snippet


# --- The sitemap ----------------------------------------------------------------------------


def test_the_sitemap_carries_addresses_only(client, hostile_case):
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own server's response)
    locs = [
        el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert "http://testserver/en/cases/bus-lanes/" in locs
    no_live_markup(response.content.decode())
    assert "alert" not in response.content.decode()


# --- The open-data exports ------------------------------------------------------------------


def test_the_json_export_carries_text_as_data_that_no_browser_renders(
    client, hostile_case
):
    response = client.get("/en/cases/export.json")
    body = b"".join(response.streaming_content)

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    [record] = json.loads(body)["cases"]
    assert record["summary"] == HOSTILE  # the data as written, not HTML
    assert record["title"] == f"Bus {SCRIPT}"


def test_the_csv_export_carries_text_as_data_that_no_browser_renders(
    client, hostile_case
):
    response = client.get("/en/cases/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert HOSTILE in body


# --- The API --------------------------------------------------------------------------------


def test_the_api_returns_text_as_written_and_its_browsable_page_escapes_it(
    client, hostile_case
):
    data = client.get("/api/v1/cases/bus-lanes/").json()
    assert data["summary"] == HOSTILE
    assert data["title"] == f"Bus {SCRIPT}"

    page = client.get("/api/v1/cases/bus-lanes/", HTTP_ACCEPT="text/html")
    if page["Content-Type"].startswith("text/html"):  # the browsable API, if it is on
        no_live_markup(page.content.decode())


# --- The e-mails ----------------------------------------------------------------------------


def html_of(message) -> str:
    """The HTML alternative (core/mail.py), where every text is escaped."""
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    return html


def submitted_case(title: str, city_name: str = "Ghent", reviewer_name: str = "Roe"):
    """A case submitted for review, and a reviewer of its city."""
    city = CityFactory(name=city_name)
    officer = MembershipFactory(city=city).user
    reviewer = MembershipFactory(
        city=city,
        role=Membership.Role.REVIEWER,
        user=UserFactory(first_name="Rita", last_name=reviewer_name),
    ).user
    case = CaseStudyFactory(city=city, created_by=officer, title=title)
    case.submit(by=officer)
    return case, reviewer


def test_a_review_mail_has_the_text_as_written_and_escaped_in_its_html(
    django_capture_on_commit_callbacks,
):
    case, reviewer = submitted_case(
        f"Bus {SCRIPT} & co", f"Ghent {IMG}", f"<b>Roe</b> & {SCRIPT}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        case.request_changes(by=reviewer, comment=f"Cite {LINK} & drop {IMG}.")

    [message] = mail.outbox
    # Not HTML-escaped: a mail reader shows plain text as it is.
    assert f"“Bus {SCRIPT} & co” (Ghent {IMG})" in message.body
    assert f"Rita <b>Roe</b> & {SCRIPT}" in message.body
    assert f"Cite {LINK} & drop {IMG}." in message.body
    assert "&lt;" not in message.body and "&amp;" not in message.body
    assert message.subject == f"Changes requested: Bus {SCRIPT} & co"
    html = html_of(message)
    assert "“Bus &lt;script&gt;alert(1)&lt;/script&gt; &amp; co”" in html
    assert "Rita &lt;b&gt;Roe&lt;/b&gt; &amp;" in html
    assert "Cite [x](javascript:alert(1)) &amp; drop &lt;img" in html
    assert 'href="javascript' not in html


def test_a_review_mail_whose_title_has_a_line_break_goes_out_with_a_one_line_subject(
    django_capture_on_commit_callbacks,
):
    # The API takes any text as a title. A line break in a subject would start a
    # header of its own, so Django refused the mail and the decision answered 500.
    case, reviewer = submitted_case("Bus lanes\r\nBcc: everyone@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        case.publish(by=reviewer)

    [message] = mail.outbox
    assert message.subject == "Published: Bus lanes Bcc: everyone@example.org"
    assert message.message()["Bcc"] is None


def test_an_invitation_has_the_names_as_written_and_escaped_in_its_html():
    city = CityFactory(name=f"Aville {IMG}")
    staff = UserFactory(first_name="Sam", last_name=f"<b>Staff</b> & {SCRIPT}")
    request = RequestFactory().post("/account/invite/")
    invitation = member_invite(
        email="new.person@example.org",
        city=city,
        role=Membership.Role.OFFICER,
        first_name=f"Vera {SCRIPT}",
    )

    assert invitation_send(invitation=invitation, request=request, invited_by=staff)

    [message] = mail.outbox
    assert f"Sam <b>Staff</b> & {SCRIPT} has invited you" in message.body
    assert f"in Aville {IMG}." in message.body
    assert "&lt;" not in message.body and "&amp;" not in message.body
    html = html_of(message)
    assert "Sam &lt;b&gt;Staff&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "in Aville &lt;img src=x onerror=alert(1)&gt;." in html
