"""A reviewer's and an officer's day in the workspace (issue 19): the whole case in
view before a decision, who wrote and who approved each version, sources in the
history, an approved revision that keeps its diff, and where a log-in lands."""

import pytest
from django.urls import reverse

from core.models import Source, Theme
from innovation_cases.models import CaseRevision, CaseStudy, Review
from tests.factories import (
    InnovationTeamFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.innovation_cases.conftest import case_in
from tests.innovation_cases.test_editor import case_data, edit_url, sources_data
from tests.innovation_cases.test_workspace import LONG_SUMMARY, propose

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def case_url(case):
    return reverse("workspace:case_detail", args=[case.slug])


# --- 1. The reviewer sees the whole case --------------------------------------------------


def test_a_reviewer_sees_a_submitted_cases_classification_teams_and_partners(
    people, as_
):
    case = case_in(people["city_a"], S.SUBMITTED, title="Lab in every district")
    case.themes.set([Theme.objects.get(slug="mobility")])
    case.teams.set([InnovationTeamFactory(city=people["city_a"], name="City Lab")])
    case.partners.set([OrganisationFactory(name="University of Ghent")])
    response = as_(people["reviewer_a"]).get(case_url(case))
    assert response.status_code == 200
    body = response.content.decode()
    facts = body[body.index('class="case-facts"') :]
    for text in ("Themes", "Mobility", "City Lab", "University of Ghent"):
        assert text in facts
    # What is missing is said, not hidden: the reviewer decides on it too.
    assert "Innovation type" in facts and "Lifecycle stage" in facts
    assert "None chosen" in facts
    assert reverse("workspace:case_step", args=[case.slug, "publish"]) in body


def test_the_public_page_leaves_out_what_is_not_chosen(people, client):
    case = case_in(people["city_a"], S.PUBLISHED)
    case.themes.set([Theme.objects.get(slug="mobility")])
    body = client.get(case.get_absolute_url()).content.decode()
    assert "Mobility" in body
    assert "None chosen" not in body and "Lifecycle stage" not in body


# --- 4. Landing after log-in, and the header ---------------------------------------------


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("officer_a", "workspace:dashboard"),
        ("reviewer_a", "workspace:dashboard"),
        ("staff", "workspace:dashboard"),
        ("consumer", "accounts:tokens"),
    ],
)
def test_a_log_in_without_next_lands_by_role(people, client, who, lands_on):
    user = people.get(who) or UserFactory()
    user.set_password("a long enough passphrase")
    user.save()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "a long enough passphrase"},
        follow=True,
    )
    # A reviewer or staff member without a second factor is sent to set one up
    # first, with where to go after it.
    final = response.redirect_chain[-1][0]
    if who in ("reviewer_a", "staff"):
        assert reverse("accounts:two_factor_setup") in final
        assert "next=" + reverse("accounts:start") in final
    else:
        assert final == reverse(lands_on)


def test_a_log_in_from_a_page_goes_back_to_it(people, client):
    officer = people["officer_a"]
    officer.set_password("a long enough passphrase")
    officer.save()
    page = reverse("cities:city_list") + "?country=BE"
    body = client.get(page).content.decode()
    login = (
        reverse("accounts:login")
        + "?next="
        + page.replace("?", "%3F").replace("=", "%3D")
    )
    assert f'href="{login}"' in body
    response = client.post(
        login, {"username": officer.username, "password": "a long enough passphrase"}
    )
    assert response.status_code == 302 and response.url == page


def test_the_start_page_sends_each_role_on(people, as_):
    assert as_(people["officer_a"]).get(reverse("accounts:start")).url == reverse(
        "workspace:dashboard"
    )
    assert as_(UserFactory()).get(reverse("accounts:start")).url == reverse(
        "accounts:tokens"
    )


@pytest.mark.parametrize("page", ["innovation_cases:home", "workspace:dashboard"])
def test_the_header_shows_who_is_logged_in_with_their_cities_and_roles(
    people, as_, page
):
    officer = people["officer_a"]
    officer.first_name, officer.last_name = "Olga", "Officer"
    officer.save()
    MembershipFactory(user=officer, city=people["city_b"], role="reviewer")
    body = as_(officer).get(reverse(page)).content.decode()
    header = body[body.index("<header") : body.index("</header>")]
    assert "Logged in as <strong>Olga Officer</strong>" in header
    assert "Officer, Ghent" in header and "Reviewer, Lyon" in header
    assert reverse("workspace:dashboard") in header
    assert reverse("accounts:tokens") in header
    assert reverse("accounts:logout") in header


def test_an_anonymous_header_has_no_account_menu(client):
    body = client.get(reverse("innovation_cases:home")).content.decode()
    assert "Logged in as" not in body


# --- 5. An approved revision keeps its diff ------------------------------------------------


@pytest.fixture
def revision(people):
    case = case_in(
        people["city_a"], S.PUBLISHED, title="Old title", summary=LONG_SUMMARY
    )
    case.sources.create(title="Old report")
    return propose(
        case,
        people["officer_a"],
        title="New title",
        themes=[Theme.objects.get(slug="mobility")],
        sources=[{"title": "New report"}],
    )


def changes(revision):
    return {(str(c["label"]), str(c["old"]), str(c["new"])) for c in revision.diff()}


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decided_revision_still_shows_what_it_proposed(
    people, as_, revision, decision
):
    before = changes(revision)
    assert ("title", "Old title", "New title") in before
    comment = {"comment": "Thanks." if decision == "approve" else "No source."}
    client = as_(people["reviewer_a"])
    client.post(
        reverse("workspace:revision_decide", args=[revision.pk, decision]), comment
    )
    revision.refresh_from_db()
    assert changes(revision) == before
    body = client.get(
        reverse("workspace:revision_detail", args=[revision.pk])
    ).content.decode()
    assert "proposes nothing different" not in body
    assert "Published then" in body and "Old title" in body and "New title" in body


def test_a_revision_approved_before_the_snapshot_was_kept_diffs_against_the_history(
    people, revision
):
    revision.approve(by=people["reviewer_a"])
    revision.refresh_from_db()
    # As a revision approved before this change: nothing kept of what it replaced.
    del revision.data["published"]
    revision.save()
    assert ("title", "Old title", "New title") in changes(revision)
    assert ("themes", "[]", "['Mobility']") in changes(revision)


# --- 6. Who wrote and who approved; sources in the history ----------------------------


def test_an_approved_version_credits_the_writer_and_the_approver(people, as_, revision):
    officer, reviewer = people["officer_a"], people["reviewer_a"]
    officer.first_name, officer.last_name = "Olga", "Officer"
    officer.save()
    reviewer.first_name, reviewer.last_name = "Rudi", "Reviewer"
    reviewer.save()
    revision.approve(by=reviewer)
    version = revision.case.history.first()
    assert version.history_user == officer
    assert version.approved_by == reviewer
    assert version.revision == revision
    body = (
        as_(officer)
        .get(reverse("workspace:case_history", args=[revision.case.slug]))
        .content.decode()
    )
    assert "Written by Olga Officer; approved by Rudi Reviewer" in body
    assert reverse("workspace:revision_detail", args=[revision.pk]) in body
    # A save that was no approval credits one person, as before.
    assert "By Rudi Reviewer" not in body


def test_the_history_shows_sources_added_changed_and_removed(people, as_):
    client = as_(people["officer_a"])
    client.post(
        reverse("workspace:case_create"),
        case_data(people["city_a"], **sources_data({"title": "Annual report"})),
    )
    case = CaseStudy.objects.get()
    [source] = case.sources.all()
    client.post(
        edit_url(case),
        case_data(
            people["city_a"],
            **sources_data(
                {"id": source.pk, "title": "Annual report 2024"},
                {"title": "Evaluation"},
                initial=1,
            ),
        ),
    )
    response = client.get(reverse("workspace:case_history", args=[case.slug]))
    newest = response.context["entries"][0]
    [row] = [row for row in newest["rows"] if str(row["label"]) == "sources"]
    assert row["old"] == "Annual report"
    assert row["new"] == "Annual report 2024, Evaluation"
    # Removed: the next version shows it gone.
    case.refresh_from_db()
    rows = [{"id": s.pk, "title": s.title} for s in case.sources.all()]
    client.post(
        edit_url(case),
        case_data(people["city_a"], **sources_data(rows[1], initial=1)),
    )
    response = client.get(reverse("workspace:case_history", args=[case.slug]))
    [row] = [
        row
        for row in response.context["entries"][0]["rows"]
        if str(row["label"]) == "sources"
    ]
    assert (row["old"], row["new"]) == ("Annual report 2024, Evaluation", "Evaluation")
    assert Source.objects.filter(object_id=case.pk).count() == 1


def test_the_credits_of_past_approvals_are_mended_by_the_migration(people, revision):
    """The data migration's rule, run on a version made the old way."""
    import importlib

    migration = importlib.import_module(
        "innovation_cases.migrations.0016_case_version_credits"
    )
    reviewer = people["reviewer_a"]
    revision.approve(by=reviewer)
    version = revision.case.history.first()
    type(version).objects.filter(history_id=version.history_id).update(
        history_user=reviewer, approved_by=None, revision=None
    )
    from django.apps import apps

    migration.credit_past_approvals(apps, None)
    version.refresh_from_db()
    assert version.history_user == people["officer_a"]
    assert version.approved_by == reviewer and version.revision_id == revision.pk
    assert Review.objects.filter(revision=revision).exists()
    assert CaseRevision.objects.get().status == CaseRevision.Status.APPROVED


def test_a_resubmitted_case_shows_what_changed_since_changes_were_requested(
    people, as_
):
    officer, reviewer = people["officer_a"], people["reviewer_a"]
    case = case_in(people["city_a"], S.SUBMITTED, title="First try")
    case.request_changes(by=reviewer, comment="Say who ran it.")
    client = as_(officer)
    client.post(
        edit_url(case),
        case_data(
            people["city_a"],
            title="Second try",
            **sources_data({"title": "The lab's report"}),
        ),
    )
    case.refresh_from_db()
    case.submit(by=officer)
    response = as_(reviewer).get(case_url(case))
    since = response.context["since_sent_back"]
    assert since["review"].comment == "Say who ran it."
    rows = {(str(r["label"]), r["old"], r["new"]) for r in since["rows"]}
    assert ("title", "First try", "Second try") in rows
    assert ("sources", "—", "The lab's report") in rows
    body = response.content.decode()
    assert "What changed since changes were requested" in body
    assert "Say who ran it." in body


def test_a_first_submission_has_no_since_section(people, as_):
    case = case_in(people["city_a"], S.SUBMITTED)
    response = as_(people["reviewer_a"]).get(case_url(case))
    assert response.context["since_sent_back"] is None


# --- 10. City records: public at once, looked over by reviewers after -------------------


def test_reviewers_see_recent_changes_to_their_cities_profiles(people, as_):
    officer = people["officer_a"]
    client = as_(officer)
    client.post(
        reverse("workspace:city_record_create", args=["ghent", "funds"])
        if people["city_a"].slug == "ghent"
        else reverse(
            "workspace:city_record_create", args=[people["city_a"].slug, "funds"]
        ),
        {"name": "Ghent ideas fund", "allocation": "grant_call", "currency": "EUR"},
    )
    lyon_team = InnovationTeamFactory(city=people["city_b"], name="Lyon lab team")
    assert lyon_team.pk
    response = as_(people["reviewer_a"]).get(reverse("workspace:review_queue"))
    changes = response.context["record_changes"]
    assert [(str(c["title"]), c["city"]) for c in changes] == [
        ("Ghent ideas fund", people["city_a"])
    ]
    assert changes[0]["version"].history_user == officer
    body = response.content.decode()
    assert "<title>Your review queue · Public Innovation Atlas</title>" in body
    assert "public as soon as a city's officer saves them" in body
    history = reverse(
        "workspace:city_record_history",
        args=[people["city_a"].slug, "funds", changes[0]["version"].slug],
    )
    assert history in body
    # The reviewer may read that history (though not edit the record).
    assert as_(people["reviewer_a"]).get(history).status_code == 200
    assert as_(people["officer_b"]).get(history).status_code == 404
