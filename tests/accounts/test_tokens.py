"""Personal API tokens: made on /account/tokens/, shown once, stored only as a hash,
sent as `Authorization: Bearer pia_…`, revoked by their owner alone."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.timezone import localtime
from rest_framework.test import APIClient

from accounts.models import ApiToken
from cities.models import Membership
from tests.factories import CityFactory, MembershipFactory, UserFactory, verified_login

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKENS = "/account/tokens/"
# Where a log-in without a `next` goes on from, by role (accounts.views.start).
LANDING = "/account/start/"
LOGIN = "/account/login/"
TOKEN_RE = re.compile(r"pia_[A-Za-z0-9_-]{43}")
# What never_cache sets: no cache, shared or private, may keep the page.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"

INVALID_TOKEN = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "The token is not valid, or it has been revoked.",
    "code": "authentication_failed",
}
BAD_HEADER = {
    **INVALID_TOKEN,
    "detail": "Give the token after “Bearer”, with no spaces in it.",
}
UNREADABLE_TOKEN = {**INVALID_TOKEN, "detail": "The token is not valid."}


@pytest.fixture(autouse=True)
def _fast_and_fresh(settings: Any) -> None:
    """No throttle counts left over from another test; cheap password hashes; static
    files looked up on request, not listed whenever a test client starts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True
    cache.clear()


@pytest.fixture
def officer() -> Any:
    city = CityFactory(name="Aville", slug="aville")
    return MembershipFactory(
        user=UserFactory(username="officer"), city=city, role=Membership.Role.OFFICER
    ).user


@pytest.fixture
def someone_else() -> Any:
    return UserFactory(username="someone-else")


@pytest.fixture
def logged_in(officer: Any) -> Client:
    return verified_login(Client(), officer)


def bearer(token: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")


def create_token(client: Client, name: str = "Case import script") -> tuple[Any, str]:
    """POST the token form and follow any redirect: the page and the token it shows."""
    response = client.post(TOKENS, {"name": name}, follow=True)
    return response, TOKEN_RE.search(response.text).group()


def everything_in_the_database() -> str:
    """Every table as JSON, with each session's data decoded (it is only signed)."""
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    sessions = [str(session.get_decoded()) for session in Session.objects.all()]
    return dump.getvalue() + "\n".join(sessions)


# --- Stored as a hash, shown once -------------------------------------------------------


def test_a_new_token_is_shown_once_right_after_it_is_made(logged_in, officer):
    response, token = create_token(logged_in)

    assert response.status_code == 200
    assert TOKEN_RE.findall(response.text) == [token, token]  # The field and the hint.
    assert "shown only this once" in response.text
    later = logged_in.get(TOKENS)
    assert later.status_code == 200
    assert TOKEN_RE.findall(later.text) == []
    assert token[8:] not in later.text
    assert token[:8] in later.text  # Its start tells the tokens apart.
    assert list(officer.api_tokens.values_list("name", flat=True)) == [
        "Case import script"
    ]


def test_the_database_holds_a_hash_of_the_token_and_never_its_value(logged_in):
    _response, token = create_token(logged_in)

    record = ApiToken.objects.get()
    assert record.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert record.key_start == token[:8]
    stored = everything_in_the_database()
    assert record.key_hash in stored
    assert token[8:] not in stored


def test_the_database_never_holds_the_token_even_before_the_page_shows_it(logged_in):
    """Between the POST that makes a token and the page that shows it, the value must
    not wait in the database either (in a session row, say): a user who never loads
    that page would leave it there until the session expires."""
    made = logged_in.post(TOKENS, {"name": "Case import script"})
    record = ApiToken.objects.get()

    stored = everything_in_the_database()

    assert made.status_code in (200, 302)
    assert record.key_hash in stored
    assert not [t for t in TOKEN_RE.findall(stored) if t.startswith(record.key_start)]


def test_issue_returns_a_value_that_is_nowhere_in_the_record(officer):
    record, token = ApiToken.issue(user=officer, name="Script")

    assert token.startswith("pia_")
    assert TOKEN_RE.fullmatch(token)
    stored = [
        str(value)
        for value in ApiToken.objects.filter(pk=record.pk).values()[0].values()
    ]
    assert not [value for value in stored if token[8:] in value]


def test_a_token_made_on_the_page_writes_through_the_api(logged_in):
    _response, token = create_token(logged_in)

    response = bearer(token).post(
        "/api/v1/teams/",
        {"name": "Data office", "city": "aville", "kind": "other"},
        format="json",
    )

    assert (response.status_code, response.json()["slug"]) == (201, "data-office")


def test_a_token_needs_a_name(logged_in, officer):
    response = logged_in.post(TOKENS, {"name": ""})

    assert response.status_code == 400
    assert TOKEN_RE.findall(response.text) == []
    assert not officer.api_tokens.exists()


# --- What the API makes of a token ------------------------------------------------------


def test_a_valid_token_authenticates_its_user(officer):
    _record, token = ApiToken.issue(user=officer, name="Script")

    response = bearer(token).post(
        "/api/v1/teams/",
        {"name": "Data office", "city": "aville", "kind": "other"},
        format="json",
    )

    assert response.status_code == 201


def test_a_revoked_token_is_refused_with_401(officer):
    record, token = ApiToken.issue(user=officer, name="Script")
    record.revoke()

    for method in ("get", "post"):
        response = getattr(bearer(token), method)("/api/v1/teams/", {}, format="json")
        assert response.status_code == 401
        assert response.json() == INVALID_TOKEN
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_token_of_an_inactive_user_is_refused_with_401(officer):
    _record, token = ApiToken.issue(user=officer, name="Script")
    officer.is_active = False
    officer.save()

    response = bearer(token).get("/api/v1/cases/")

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_an_unknown_token_is_refused_with_401():
    response = bearer("pia_" + "x" * 43).get("/api/v1/cases/")

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


# WSGI hands headers over as Latin-1 text: "é" in UTF-8 arrives as "Ã©".
MALFORMED_HEADERS = [
    pytest.param("Bearer", BAD_HEADER, id="bearer-alone"),
    pytest.param("Bearer ", BAD_HEADER, id="bearer-and-a-space"),
    pytest.param("Bearer a b", BAD_HEADER, id="two-words"),
    pytest.param("Bearer pia_abc def", BAD_HEADER, id="a-space-in-the-token"),
    pytest.param("Bearer pia_caf\xc3\xa9", UNREADABLE_TOKEN, id="utf-8-bytes"),
    pytest.param("Bearer pia_\xff\xfe", UNREADABLE_TOKEN, id="latin-1-bytes"),
    pytest.param("Bearer pia_\x00abc", INVALID_TOKEN, id="nul-byte"),
    pytest.param("Bearer \x00", INVALID_TOKEN, id="only-a-nul-byte"),
    pytest.param("Bearer pia_" + "a" * 5000, INVALID_TOKEN, id="very-long"),
    pytest.param("Bearer not-a-pia-token", INVALID_TOKEN, id="no-prefix"),
    pytest.param("bearer pia_" + "x" * 43, INVALID_TOKEN, id="lower-case-scheme"),
]


@pytest.mark.parametrize(("header", "problem"), MALFORMED_HEADERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_malformed_authorization_header_is_a_401_never_a_500(
    officer, header, problem, method
):
    client = APIClient(HTTP_AUTHORIZATION=header)

    response = getattr(client, method)("/api/v1/teams/", {}, format="json")

    assert response.status_code == 401
    assert response.json() == problem
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_scheme_is_case_insensitive(officer):
    _record, token = ApiToken.issue(user=officer, name="Script")

    response = APIClient(HTTP_AUTHORIZATION=f"bEaReR {token}").post(
        "/api/v1/teams/",
        {"name": "Data office", "city": "aville", "kind": "other"},
        format="json",
    )

    assert response.status_code == 201


def test_another_scheme_is_not_a_token_and_writes_nothing(officer):
    """HTTP Basic is off: its credentials leave the request anonymous."""
    client = APIClient(HTTP_AUTHORIZATION="Basic b2ZmaWNlcjpwYXNzd29yZA==")

    read = client.get("/api/v1/cases/")
    write = client.post("/api/v1/teams/", {}, format="json")

    assert read.status_code == 200
    assert write.status_code == 401
    assert write.json()["code"] == "not_authenticated"


def test_using_a_token_records_when_it_was_last_used(officer):
    record, token = ApiToken.issue(user=officer, name="Script")
    assert record.last_used_at is None
    before = timezone.now()

    bearer(token).get("/api/v1/cases/")

    record.refresh_from_db()
    assert before <= record.last_used_at <= timezone.now()


def test_last_used_is_written_at_most_every_few_minutes(officer):
    record, token = ApiToken.issue(user=officer, name="Script")
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    an_hour_ago = timezone.now() - timedelta(hours=1)

    ApiToken.objects.filter(pk=record.pk).update(last_used_at=a_minute_ago)
    bearer(token).get("/api/v1/cases/")
    record.refresh_from_db()
    assert record.last_used_at == a_minute_ago

    ApiToken.objects.filter(pk=record.pk).update(last_used_at=an_hour_ago)
    bearer(token).get("/api/v1/cases/")
    record.refresh_from_db()
    assert record.last_used_at > a_minute_ago


def test_the_token_page_shows_when_each_token_was_last_used(logged_in, officer):
    used, token = ApiToken.issue(user=officer, name="Used script")
    ApiToken.issue(user=officer, name="Unused script")
    bearer(token).get("/api/v1/cases/")
    used.refresh_from_db()

    page = logged_in.get(TOKENS).text

    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">(.*?)</th>.*?</td>\s*<td>.*?</td>\s*<td>(.*?)</td>",
        page,
        re.S,
    )
    assert rows == [
        ("Unused script", "Never"),
        ("Used script", localtime(used.last_used_at).strftime("%-d %b %Y, %H:%M")),
    ]


# --- Revoking ------------------------------------------------------------------------------


def test_an_owner_revokes_their_token_with_a_post(logged_in, officer):
    record, token = ApiToken.issue(user=officer, name="Script")

    response = logged_in.post(f"/account/tokens/{record.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == TOKENS
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert "The token “Script” is revoked." in logged_in.get(TOKENS).text
    assert bearer(token).get("/api/v1/cases/").status_code == 401


def test_revoking_needs_a_post(logged_in, officer):
    record, token = ApiToken.issue(user=officer, name="Script")

    response = logged_in.get(f"/account/tokens/{record.pk}/revoke/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    record.refresh_from_db()
    assert record.revoked_at is None
    assert bearer(token).get("/api/v1/cases/").status_code == 200


def test_nobody_revokes_another_users_token(officer, someone_else):
    record, token = ApiToken.issue(user=officer, name="Script")
    client = Client()
    client.force_login(someone_else)

    response = client.post(f"/account/tokens/{record.pk}/revoke/")

    assert response.status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None
    assert bearer(token).get("/api/v1/cases/").status_code == 200


def test_a_revoked_token_cannot_be_revoked_again(logged_in, officer):
    record, _token = ApiToken.issue(user=officer, name="Script")
    record.revoke()
    revoked_at = record.revoked_at

    response = logged_in.post(f"/account/tokens/{record.pk}/revoke/")

    assert response.status_code == 404
    record.refresh_from_db()
    assert record.revoked_at == revoked_at


def test_revoking_needs_a_login(officer):
    record, _token = ApiToken.issue(user=officer, name="Script")

    response = Client().post(f"/account/tokens/{record.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/account/tokens/{record.pk}/revoke/"
    record.refresh_from_db()
    assert record.revoked_at is None


def test_the_token_page_lists_only_the_users_own_tokens(
    logged_in, officer, someone_else
):
    ApiToken.issue(user=officer, name="Mine")
    ApiToken.issue(user=someone_else, name="Theirs")

    page = logged_in.get(TOKENS).text

    assert re.findall(r'<th scope="row">(.*?)</th>', page) == ["Mine"]


# --- The pages: login, and no caching -------------------------------------------------------


def test_the_token_page_requires_a_login():
    client = Client()

    read = client.get(TOKENS)
    made = client.post(TOKENS, {"name": "Sneaky"})

    assert (read.status_code, read["Location"]) == (302, f"{LOGIN}?next={TOKENS}")
    assert (made.status_code, made["Location"]) == (302, f"{LOGIN}?next={TOKENS}")
    assert not ApiToken.objects.exists()


def test_the_login_page_logs_a_user_in_and_goes_to_their_tokens(officer):
    client = Client()

    page = client.get(LOGIN)
    response = client.post(LOGIN, {"username": "officer", "password": PASSWORD})

    assert page.status_code == 200
    assert (response.status_code, response["Location"]) == (302, LANDING)
    assert client.get(TOKENS).context["user"] == officer


def test_the_login_page_follows_next_to_the_page_asked_for(officer):
    client = Client()

    response = client.post(
        LOGIN, {"username": "officer", "password": PASSWORD, "next": TOKENS}
    )

    assert (response.status_code, response["Location"]) == (302, TOKENS)


def test_the_login_page_ignores_a_next_on_another_site(officer):
    client = Client()

    response = client.post(
        LOGIN,
        {"username": "officer", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert (response.status_code, response["Location"]) == (302, LANDING)


def test_a_wrong_password_does_not_log_in(officer):
    client = Client()

    response = client.post(LOGIN, {"username": "officer", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in response.text
    assert client.get(TOKENS).status_code == 302


def test_an_inactive_user_cannot_log_in(officer):
    officer.is_active = False
    officer.save()
    client = Client()

    response = client.post(LOGIN, {"username": "officer", "password": PASSWORD})

    assert response.status_code == 200
    assert client.get(TOKENS).status_code == 302


def test_the_login_form_needs_its_csrf_token(officer):
    client = Client(enforce_csrf_checks=True)

    refused = client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    client.get(LOGIN)
    accepted = client.post(
        LOGIN,
        {
            "username": "officer",
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )

    assert refused.status_code == 403
    assert (accepted.status_code, accepted["Location"]) == (302, LANDING)


def test_the_token_pages_are_never_cached(logged_in):
    listed = logged_in.get(TOKENS)
    refused = logged_in.post(TOKENS, {"name": ""})
    made = logged_in.post(TOKENS, {"name": "Script"})
    shown = logged_in.get(TOKENS) if made.status_code == 302 else made

    assert [r.status_code for r in (listed, refused, shown)] == [200, 400, 200]
    assert TOKEN_RE.search(shown.text)  # The page that shows the new token…
    for response in (listed, refused, made, shown):  # …and every other: no cache.
        assert response["Cache-Control"] == NEVER_CACHE
        assert "Cookie" in response["Vary"]


def test_the_login_page_is_never_cached():
    response = Client().get(LOGIN)

    assert response.status_code == 200
    assert response["Cache-Control"] == NEVER_CACHE


def test_reloading_the_page_that_shows_a_new_token_makes_no_second_token(
    logged_in, officer
):
    first = logged_in.post(TOKENS, {"name": "Case import script", "form_id": "abc123"})
    again = logged_in.post(
        TOKENS, {"name": "Case import script", "form_id": "abc123"}, follow=True
    )

    assert TOKEN_RE.search(first.text)
    assert again.redirect_chain == [(TOKENS, 302)]
    assert "That token was already made" in again.text
    assert TOKEN_RE.findall(again.text) == []
    assert officer.api_tokens.count() == 1


def test_the_account_page_names_the_cities_a_token_may_write(logged_in):
    response = logged_in.get(TOKENS)
    assert (
        "With a token, your scripts can write the records of Aville (NL) through the API."
        in response.text
    )
