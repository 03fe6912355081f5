"""A new password ends every other session of the account (a change keeps the session
that made it; a reset keeps none), API tokens survive it by decision, and the reset
form answers the same for any address, known, unknown or deactivated."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import ApiToken
from cities.models import Membership
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    MembershipFactory,
    UserFactory,
    authenticator,
    totp_code,
    verified_login,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quiet harbour at dusk 42"
LOGIN = "/account/login/"
TOKENS = "/account/tokens/"
# Where a log-in without a `next` goes on from, by role (accounts.views.start).
LANDING = "/account/start/"
PASSWORD_CHANGE = "/account/password/"
PASSWORD_RESET = "/account/password/reset/"
RESET_LINK_RE = re.compile(
    r"http://testserver(/account/password/reset/[^/\s]+/[^/\s]+/)"
)


@pytest.fixture
def city() -> Any:
    return CityFactory(name="Aville", slug="aville")


@pytest.fixture
def officer(city: Any) -> Any:
    return MembershipFactory(user=UserFactory(username="officer"), city=city).user


@pytest.fixture
def reviewer(city: Any) -> Any:
    return MembershipFactory(
        user=UserFactory(username="reviewer"), city=city, role=Membership.Role.REVIEWER
    ).user


def logged_in_with_password(username: str) -> Client:
    """A real log-in through the page (a session of its own, as a browser's)."""
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response["Location"] == LANDING
    return client


def change_password(client: Client) -> Any:
    return client.post(
        PASSWORD_CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )


def reset_password(email: str) -> Any:
    client = Client()
    client.post(PASSWORD_RESET, {"email": email})
    [link] = RESET_LINK_RE.findall(mail.outbox[-1].body)
    form = client.get(link, follow=True)
    return client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def test_changing_the_password_ends_every_other_session(officer):
    laptop = logged_in_with_password("officer")
    phone = logged_in_with_password("officer")
    assert phone.get(TOKENS).status_code == 200

    assert change_password(laptop).status_code == 302

    assert laptop.get(TOKENS).status_code == 200  # The session that changed it.
    ended = phone.get(TOKENS)
    assert ended.status_code == 302
    assert ended["Location"] == f"{LOGIN}?next={TOKENS}"
    assert "_auth_user_id" not in phone.session


def test_a_password_reset_ends_every_session(officer):
    laptop = logged_in_with_password("officer")
    phone = logged_in_with_password("officer")

    assert reset_password(officer.email).status_code == 302

    for client in (laptop, phone):
        assert client.get(TOKENS).status_code == 302


def test_a_reviewer_who_changes_the_password_stays_verified(reviewer, city):
    case = CaseStudyFactory(city=city, status=CaseStudy.Status.SUBMITTED)
    client = verified_login(Client(), reviewer)
    other = verified_login(Client(), reviewer)

    change_password(client)

    assert client.post(f"/workspace/cases/{case.slug}/publish/").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStudy.Status.PUBLISHED
    assert other.get(TOKENS).status_code == 302  # Logged out, verified or not.


def test_a_password_reset_does_not_skip_the_second_factor(reviewer):
    device = authenticator(reviewer)
    reset_password(reviewer.email)
    client = Client()

    response = client.post(LOGIN, {"username": "reviewer", "password": NEW_PASSWORD})

    assert response["Location"] == "/account/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.post("/account/login/code/", {"code": totp_code(device)})[
        "Location"
    ] == (LANDING)


def test_api_tokens_keep_working_after_a_password_change_and_the_page_says_so(
    officer,
):
    """By decision (docs/operations.md): a token is a separate key, listed with its
    last use on the account page and revoked there; revoking them all on every
    password change would break the city's import scripts at each routine change."""
    _record, token = ApiToken.issue(user=officer, name="Import script")
    client = logged_in_with_password("officer")

    done = client.get(change_password(client)["Location"])

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/cases/").status_code == 200
    assert "every other session of your account" in done.text
    assert "Your API tokens keep working" in done.text


# --- A reset tells nobody whether an account exists -------------------------------------


def reset_answer(email: str) -> tuple[int, str, str]:
    """The status, where it leads and the page it leads to, for `email`."""
    client = Client()
    response = client.post(PASSWORD_RESET, {"email": email}, follow=True)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.text)
    return response.status_code, response.redirect_chain, page


def test_a_reset_answers_the_same_for_a_known_an_unknown_and_an_inactive_address(
    officer,
):
    inactive = UserFactory(username="gone", email="gone@example.org", is_active=False)

    known = reset_answer(officer.email)
    unknown = reset_answer("nobody@example.org")
    deactivated = reset_answer(inactive.email)

    assert known == unknown == deactivated
    status, chain, page = known
    assert (status, chain) == (200, [("/account/password/reset/sent/", 302)])
    assert "If an account uses the address you gave" in page
    # Mail goes only to the account that exists and may log in.
    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_a_reset_of_an_address_in_another_case_is_answered_the_same(officer):
    assert reset_answer(officer.email.upper()) == reset_answer("Nobody@Example.org")
