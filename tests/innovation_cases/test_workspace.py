"""The workspace: each page for each role, and forged POSTs that change nothing."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.history import save_with_relations
from core.models import Theme
from innovation_cases.models import CaseRevision, CaseStudy, Review
from tests.factories import (
    CityFactory,
    MembershipFactory,
    UserFactory,
)
from tests.innovation_cases.conftest import case_in, messages_of
from workspace.versions import word_diff

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def case_url(case, step=None):
    if step:
        return reverse("workspace:case_step", args=[case.slug, step])
    return reverse("workspace:case_detail", args=[case.slug])


# --- Login ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["dashboard", "case_detail", "case_step", "review_queue", "revision", "history"],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, people, name):
    case = case_in(people["city_a"])
    urls = {
        "dashboard": reverse("workspace:dashboard"),
        "case_detail": case_url(case),
        "case_step": case_url(case, "submit"),
        "review_queue": reverse("workspace:review_queue"),
        "revision": reverse("workspace:revision_decide", args=[1, "approve"]),
        "history": reverse("workspace:case_history", args=[case.slug]),
    }
    post = name in ("case_step", "revision")
    response = (client.post if post else client.get)(urls[name])
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")
    case.refresh_from_db()
    assert case.status == S.DRAFT


# --- Dashboard --------------------------------------------------------------------------


def test_the_dashboard_lists_an_officers_cities_cases_by_state(people, as_):
    draft = case_in(people["city_a"], title="Draft idea")
    submitted = case_in(people["city_a"], S.SUBMITTED, title="Sent idea")
    case_in(people["city_b"], title="Lyon's draft")
    response = as_(people["officer_a"]).get(reverse("workspace:dashboard"))
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row["city"] == people["city_a"]
    assert row["role"] == "Officer"
    assert row["total"] == 2
    # Each case with its completeness (CaseStudy.completeness).
    states = {
        state["value"]: [item["case"] for item in state["cases"]]
        for state in row["states"]
    }
    assert states[S.DRAFT] == [draft]
    assert states[S.SUBMITTED] == [submitted]
    assert states[S.CHANGES_REQUESTED] == [] and states[S.PUBLISHED] == []
    body = response.content.decode()
    assert case_url(draft) in body and "Lyon" not in body
    assert reverse("workspace:dashboard") in body
    assert not response.context["is_reviewer"]


def test_the_dashboard_shows_a_reviewer_their_role(people, as_):
    response = as_(people["reviewer_a"]).get(reverse("workspace:dashboard"))
    [row] = response.context["rows"]
    assert row["role"] == "Reviewer"
    assert response.context["is_reviewer"]


def test_the_dashboard_shows_site_staff_every_city(people, as_):
    response = as_(people["staff"]).get(reverse("workspace:dashboard"))
    rows = response.context["rows"]
    assert [row["city"] for row in rows] == [people["city_a"], people["city_b"]]
    assert {row["role"] for row in rows} == {"Site staff"}
    assert response.context["is_reviewer"]


def test_the_dashboard_of_a_user_of_no_city_is_empty(as_):
    response = as_(UserFactory()).get(reverse("workspace:dashboard"))
    assert response.context["rows"] == []
    assert "not a member of any city" in response.content.decode()


def test_the_dashboard_query_count_does_not_grow_with_cases_or_cities(
    people, as_, django_assert_max_num_queries
):
    client = as_(people["staff"])
    for city in (people["city_a"], people["city_b"]):
        case_in(city)
    # 11, the device that verified the session (django-otp's middleware), and the
    # header's account menu: the memberships, and whether the user is site staff.
    with django_assert_max_num_queries(14):
        client.get(reverse("workspace:dashboard"))
    for _ in range(5):
        city = CityFactory()
        MembershipFactory(city=city)
        for status in (S.DRAFT, S.SUBMITTED, S.PUBLISHED):
            case_in(city, status)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("workspace:dashboard"))
    assert len(response.context["rows"]) == 7


# --- The case page ----------------------------------------------------------------------


def test_an_officer_sees_their_citys_draft_with_the_submit_button(people, as_):
    case = case_in(people["city_a"])
    response = as_(people["officer_a"]).get(case_url(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert case_url(case, "submit") in body
    assert case_url(case, "publish") not in body


def test_a_reviewer_sees_a_submitted_case_with_the_decision_buttons(people, as_):
    case = case_in(people["city_a"], S.SUBMITTED)
    Review.objects.create(
        case=case, reviewer=people["officer_a"], decision="submitted", comment="Ready!"
    )
    response = as_(people["reviewer_a"]).get(case_url(case))
    body = response.content.decode()
    for step in ("publish", "request_changes"):
        assert case_url(case, step) in body
    assert case_url(case, "withdraw") not in body
    assert "Ready!" in body


def test_a_review_step_by_a_deleted_user_shows_unknown(people, as_):
    case = case_in(people["city_a"], S.SUBMITTED)
    Review.objects.create(case=case, reviewer=None, decision="submitted")
    response = as_(people["officer_a"]).get(case_url(case))
    assert response.status_code == 200
    assert "Unknown" in response.content.decode()


@pytest.mark.parametrize("who", ["officer_b", "staff"])
def test_another_citys_draft_is_not_found_but_staff_see_it(people, as_, who):
    case = case_in(people["city_a"])
    response = as_(people[who]).get(case_url(case))
    assert response.status_code == (200 if who == "staff" else 404)


def test_another_citys_published_case_shows_no_step(people, as_):
    case = case_in(people["city_a"], S.PUBLISHED)
    response = as_(people["officer_b"]).get(case_url(case))
    assert response.status_code == 200
    assert response.context["steps"] == dict.fromkeys(
        ["submit", "withdraw", "publish", "request_changes", "archive"], False
    )


# --- Workflow steps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, start, step, end",
    [
        ("officer_a", S.DRAFT, "submit", S.SUBMITTED),
        ("officer_a", S.CHANGES_REQUESTED, "submit", S.SUBMITTED),
        ("officer_a", S.SUBMITTED, "withdraw", S.DRAFT),
        ("reviewer_a", S.SUBMITTED, "publish", S.PUBLISHED),
        ("staff", S.SUBMITTED, "publish", S.PUBLISHED),
        ("reviewer_a", S.PUBLISHED, "archive", S.ARCHIVED),
    ],
)
def test_a_member_takes_the_steps_their_role_allows(people, as_, who, start, step, end):
    case = case_in(people["city_a"], start)
    response = as_(people[who]).post(case_url(case, step), {"comment": "Fine."})
    assert response.status_code == 302 and response.url == case_url(case)
    case.refresh_from_db()
    assert case.status == end
    assert messages_of(response)


def test_a_reviewer_requests_changes_and_the_officer_gets_an_email(
    people, as_, django_capture_on_commit_callbacks
):
    case = case_in(people["city_a"], S.SUBMITTED, created_by=people["officer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_(people["reviewer_a"]).post(
            case_url(case, "request_changes"), {"comment": "Cite the decision."}
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.CHANGES_REQUESTED
    assert case.reviews.first().comment == "Cite the decision."
    [email] = mail.outbox
    assert email.to == [people["officer_a"].email]
    assert "Cite the decision." in email.body


def test_publishing_mails_the_officer(people, as_, django_capture_on_commit_callbacks):
    case = case_in(people["city_a"], S.SUBMITTED, created_by=people["officer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        as_(people["reviewer_a"]).post(case_url(case, "publish"))
    [email] = mail.outbox
    assert email.to == [people["officer_a"].email]
    assert "Published" in email.subject


def test_requesting_changes_without_a_comment_shows_the_error_and_changes_nothing(
    people, as_
):
    case = case_in(people["city_a"], S.SUBMITTED)
    response = as_(people["reviewer_a"]).post(
        case_url(case, "request_changes"), {"comment": "  "}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["comment"] == ["Say what should change."]
    assert 'aria-invalid="true"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == S.SUBMITTED
    assert not case.reviews.exists()


@pytest.mark.parametrize(
    "who, start, step",
    [
        ("officer_a", S.SUBMITTED, "publish"),  # an officer does not publish
        ("reviewer_a", S.DRAFT, "submit"),  # a reviewer does not submit
        ("officer_b", S.PUBLISHED, "archive"),  # another city's case
        ("staff", S.DRAFT, "submit"),  # staff review, they do not write
    ],
)
def test_a_forged_step_by_the_wrong_role_is_refused_with_a_message(
    people, as_, who, start, step
):
    case = case_in(people["city_a"], start)
    response = as_(people[who]).post(case_url(case, step), {"comment": "x"})
    assert response.status_code == 302
    assert messages_of(response)[0].startswith("Only the city's")
    case.refresh_from_db()
    assert case.status == start
    assert not case.reviews.exists()


def test_a_skipped_state_is_refused_with_a_message(people, as_):
    case = case_in(people["city_a"], S.DRAFT)
    response = as_(people["reviewer_a"]).post(case_url(case, "publish"))
    assert messages_of(response) == ["A case that is “Draft” cannot do that."]
    case.refresh_from_db()
    assert case.status == S.DRAFT and case.published_at is None


def test_a_forged_step_on_another_citys_draft_is_not_found(people, as_):
    case = case_in(people["city_a"], S.DRAFT)
    response = as_(people["officer_b"]).post(case_url(case, "submit"))
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == S.DRAFT


def test_an_unknown_step_is_not_found(people, as_):
    case = case_in(people["city_a"], S.DRAFT)
    response = as_(people["officer_a"]).post(f"{case_url(case)}delete/")
    assert response.status_code == 404


def test_a_step_must_be_posted(people, as_):
    case = case_in(people["city_a"], S.DRAFT)
    assert as_(people["officer_a"]).get(case_url(case, "submit")).status_code == 405


# --- The review queue and revisions -----------------------------------------------------

LONG_SUMMARY = "The city ran a pilot in two districts with the residents."


def propose(case, officer, **changes):
    values = {name: getattr(case, name) for name in CaseRevision.FIELDS}
    values.update(dict.fromkeys(["teams", "partners", "innovation_types"], []))
    values.update(dict.fromkeys(["drivers", "approaches", "themes"], []))
    values.update(changes)
    return CaseRevision.propose(case=case, by=officer, values=values)


@pytest.fixture
def revision(people):
    case = case_in(
        people["city_a"], S.PUBLISHED, title="Old title", summary=LONG_SUMMARY
    )
    return propose(
        case,
        people["officer_a"],
        title="New title",
        summary=LONG_SUMMARY.replace("two", "three"),
        themes=[Theme.objects.get(slug="mobility")],
    )


def revision_url(revision, decision=None):
    if decision:
        return reverse("workspace:revision_decide", args=[revision.pk, decision])
    return reverse("workspace:revision_detail", args=[revision.pk])


@pytest.mark.parametrize("who", ["reviewer_a", "staff"])
def test_the_queue_lists_submitted_cases_and_pending_revisions(
    people, as_, revision, who
):
    submitted = case_in(people["city_a"], S.SUBMITTED)
    case_in(people["city_a"], S.DRAFT)
    elsewhere = case_in(people["city_b"], S.SUBMITTED)
    response = as_(people[who]).get(reverse("workspace:review_queue"))
    assert response.status_code == 200
    expected = [submitted, elsewhere] if who == "staff" else [submitted]
    assert sorted(response.context["cases"], key=lambda c: c.pk) == expected
    assert list(response.context["revisions"]) == [revision]
    assert revision_url(revision) in response.content.decode()


@pytest.mark.parametrize("who", ["officer_a", "officer_b"])
def test_an_officers_queue_is_empty(people, as_, revision, who):
    case_in(people["city_a"], S.SUBMITTED)
    response = as_(people[who]).get(reverse("workspace:review_queue"))
    assert list(response.context["cases"]) == []
    assert list(response.context["revisions"]) == []
    assert "You review no city" in response.content.decode()


def test_the_revision_page_shows_the_diff_as_a_table_with_a_word_diff(
    people, as_, revision
):
    response = as_(people["reviewer_a"]).get(revision_url(revision))
    assert response.status_code == 200
    rows = {str(row["label"]): row for row in response.context["rows"]}
    assert set(rows) == {"title", "summary", "themes"}
    assert (rows["title"]["old"], rows["title"]["new"]) == ("Old title", "New title")
    assert (rows["themes"]["old"], rows["themes"]["new"]) == ("—", "Mobility")
    body = response.content.decode()
    assert '<del><span class="visually-hidden">removed: </span>two' in body
    assert '<ins><span class="visually-hidden">added: </span>three' in body
    for decision in ("approve", "request_changes", "reject"):
        assert revision_url(revision, decision) in body


def test_word_diff_marks_removed_and_added_words():
    assert word_diff("a big cat", "a small cat") == (
        [("same", "a "), ("del", "big"), ("same", " cat")],
        [("same", "a "), ("ins", "small"), ("same", " cat")],
    )


def test_the_proposing_officer_sees_the_revision_without_decision_buttons(
    people, as_, revision
):
    response = as_(people["officer_a"]).get(revision_url(revision))
    assert response.status_code == 200
    assert not response.context["can_decide"]
    assert revision_url(revision, "approve") not in response.content.decode()


def test_another_citys_officer_cannot_see_the_revision(people, as_, revision):
    response = as_(people["officer_b"]).get(revision_url(revision))
    assert response.status_code == 404


def test_approving_publishes_the_revision_and_mails_the_officer(
    people, as_, revision, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_(people["reviewer_a"]).post(revision_url(revision, "approve"))
    assert response.status_code == 302
    revision.refresh_from_db()
    assert revision.status == CaseRevision.Status.APPROVED
    assert revision.case.title == "New title"
    assert [str(t) for t in revision.case.themes.all()] == ["Mobility"]
    [email] = mail.outbox
    assert email.to == [people["officer_a"].email]
    assert messages_of(response) == [
        "The revision of “New title” is approved and published."
    ]


@pytest.mark.parametrize(
    "decision, status",
    [
        ("request_changes", CaseRevision.Status.CHANGES_REQUESTED),
        ("reject", CaseRevision.Status.REJECTED),
    ],
)
def test_sending_back_or_rejecting_a_revision_mails_the_comment(
    people, as_, revision, django_capture_on_commit_callbacks, decision, status
):
    with django_capture_on_commit_callbacks(execute=True):
        as_(people["reviewer_a"]).post(
            revision_url(revision, decision), {"comment": "Cite a source."}
        )
    revision.refresh_from_db()
    assert revision.status == status
    assert revision.case.title == "Old title"
    [email] = mail.outbox
    assert email.to == [people["officer_a"].email]
    assert "Cite a source." in email.body


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
def test_sending_back_or_rejecting_without_a_comment_changes_nothing(
    people, as_, revision, decision
):
    response = as_(people["reviewer_a"]).post(revision_url(revision, decision))
    assert response.status_code == 400
    assert response.context["form"].errors["comment"]
    revision.refresh_from_db()
    assert revision.status == CaseRevision.Status.PENDING


def test_an_officer_cannot_approve_their_own_revision(people, as_, revision):
    response = as_(people["officer_a"]).post(revision_url(revision, "approve"))
    assert messages_of(response) == ["Only the city's reviewers review its revisions."]
    revision.refresh_from_db()
    assert revision.status == CaseRevision.Status.PENDING
    assert revision.case.title == "Old title"


def test_a_forged_decision_on_another_citys_revision_is_not_found(
    people, as_, revision
):
    response = as_(people["officer_b"]).post(revision_url(revision, "approve"))
    assert response.status_code == 404
    revision.refresh_from_db()
    assert revision.status == CaseRevision.Status.PENDING


def test_a_decided_revision_cannot_be_decided_again(people, as_, revision):
    client = as_(people["reviewer_a"])
    client.post(revision_url(revision, "reject"), {"comment": "No source."})
    response = client.post(revision_url(revision, "approve"))
    assert messages_of(response)[-1] == "This revision is not waiting for review."
    revision.refresh_from_db()
    assert revision.status == CaseRevision.Status.REJECTED
    assert revision.case.title == "Old title"


# --- History and restore ----------------------------------------------------------------


@pytest.fixture
def edited(people):
    """A published case saved three times: created, retitled with a theme, reworded."""
    case = case_in(
        people["city_a"], S.PUBLISHED, title="First title", summary=LONG_SUMMARY
    )
    case._history_user = people["officer_a"]
    case.title = "Second title"
    save_with_relations(case, {"themes": [Theme.objects.get(slug="mobility")]})
    case.summary = LONG_SUMMARY.replace("two", "three")
    case.save()
    return case


def history_url(case):
    return reverse("workspace:case_history", args=[case.slug])


def restore_url(case, version):
    return reverse("workspace:case_restore", args=[case.slug, version.history_id])


@pytest.mark.parametrize("who", ["officer_a", "reviewer_a", "staff"])
def test_members_and_staff_see_each_version_with_its_changes(people, as_, edited, who):
    response = as_(people[who]).get(history_url(edited))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert len(entries) == 3
    newest, middle, first = entries
    assert [str(row["label"]) for row in newest["rows"]] == ["summary"]
    assert {(str(r["label"]), r["old"], r["new"]) for r in middle["rows"]} == {
        ("title", "First title", "Second title"),
        ("themes", "—", "Mobility"),
    }
    assert first["rows"] is None
    body = response.content.decode()
    assert '<ins><span class="visually-hidden">added: </span>three' in body
    assert (restore_url(edited, middle["version"]) in body) == (who == "staff")
    assert restore_url(edited, newest["version"]) not in body  # the current one


def test_a_case_with_no_recorded_version_has_an_empty_history(people, as_):
    # A case written around the history (bulk_create, as generate_synthetic_data).
    case = case_in(people["city_a"])
    case.history.all().delete()
    response = as_(people["staff"]).get(history_url(case))
    assert response.status_code == 200
    assert response.context["entries"] == []
    assert "No version is recorded." in response.content.decode()


def test_another_citys_officer_cannot_see_the_history(people, as_, edited):
    assert as_(people["officer_b"]).get(history_url(edited)).status_code == 404


def test_the_public_cannot_see_the_history_of_a_published_case(as_, edited):
    assert as_(UserFactory()).get(history_url(edited)).status_code == 404


def test_staff_restore_a_version_as_a_new_one_attributed_to_them(people, as_, edited):
    first = edited.history.earliest()
    published_at = edited.published_at
    edited.archive(by=people["reviewer_a"])
    response = as_(people["staff"]).post(restore_url(edited, first))
    assert response.status_code == 302 and response.url == history_url(edited)
    assert messages_of(response) == ["Version 1 is restored, as a new version."]
    edited.refresh_from_db()
    assert (edited.title, edited.summary) == ("First title", LONG_SUMMARY)
    assert list(edited.themes.all()) == []
    # The workflow is left alone: a restore brings back text, not a state.
    assert edited.status == S.ARCHIVED and edited.published_at == published_at
    assert edited.history.count() == 5
    latest = edited.history.latest()
    assert latest.history_user == people["staff"]
    # Named by its number and its second, as the history page names it.
    when = date_format(timezone.localtime(first.history_date), "j M Y, H:i:s")
    assert latest.history_change_reason == f"Restored version 1, saved on {when}"
    assert list(latest.themes.all()) == []
    # Nothing is lost: the version before the restore is still there, restorable.
    before = edited.history.all()[1]
    assert before.title == "Second title"
    as_(people["staff"]).post(restore_url(edited, before))
    edited.refresh_from_db()
    assert edited.title == "Second title"
    assert [str(theme) for theme in edited.themes.all()] == ["Mobility"]
    assert edited.history.count() == 6


def test_a_restore_asks_to_confirm_and_shows_what_it_changes(people, as_, edited):
    first = edited.history.earliest()
    response = as_(people["staff"]).get(restore_url(edited, first))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Restore version 1?" in body
    assert {
        (str(r["label"]), r["old"], r["new"]) for r in response.context["rows"]
    } >= {
        ("title", "Second title", "First title"),
        ("themes", "Mobility", "—"),
    }
    # Asking changes nothing.
    edited.refresh_from_db()
    assert edited.title == "Second title" and edited.history.count() == 3


def test_the_history_numbers_each_version_and_ends_the_restore_note_once(
    people, as_, edited
):
    as_(people["staff"]).post(restore_url(edited, edited.history.earliest()))
    response = as_(people["officer_a"]).get(history_url(edited))
    numbers = [entry["number"] for entry in response.context["entries"]]
    assert numbers == [4, 3, 2, 1]
    body = response.content.decode()
    assert "Version 4: Changed on" in body and "Version 1: Created on" in body
    assert "Restored version 1, saved on" in body and ".." not in body


@pytest.mark.parametrize("who", ["officer_a", "reviewer_a"])
def test_members_cannot_restore_a_version(people, as_, edited, who):
    first = edited.history.earliest()
    client = as_(people[who])
    assert client.get(restore_url(edited, first)).status_code == 403
    assert client.post(restore_url(edited, first)).status_code == 403
    edited.refresh_from_db()
    assert edited.title == "Second title"
    assert edited.history.count() == 3


def test_a_forged_restore_of_another_citys_case_is_not_found(people, as_, edited):
    response = as_(people["officer_b"]).post(
        restore_url(edited, edited.history.earliest())
    )
    assert response.status_code == 404
    assert edited.history.count() == 3


def test_a_version_of_another_case_cannot_be_restored(people, as_, edited):
    other = case_in(people["city_a"], title="Another case")
    response = as_(people["staff"]).post(
        reverse(
            "workspace:case_restore",
            args=[edited.slug, other.history.get().history_id],
        )
    )
    assert response.status_code == 404
    edited.refresh_from_db()
    assert edited.title == "Second title"
