"""The links in the account mails (invitation, role notice, password reset): whole in
the mail as it goes out, and opening their page; and a link that does not work says
whether it is damaged, or used or expired (issue 19)."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.cache import cache
from django.test import Client

from cities.models import Membership
from tests.factories import CityFactory, MembershipFactory, UserFactory, verified_login
from tests.mails import path_of, url_in

pytestmark = pytest.mark.django_db

INVITE_URL = r"http://testserver/account/welcome/[^/\s]+/[^/\s]+/"
RESET_URL = r"http://testserver/account/password/reset/[^/\s]+/[^/\s]+/"
LOGIN_URL = "http://testserver/account/login/"
NEW_PASSWORD = "a quiet harbour at dusk 42"

DAMAGED = "incomplete or damaged"
USED_OR_EXPIRED = "This one has been used already, or has expired."


@pytest.fixture(autouse=True)
def _fast_and_fresh(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True
    cache.clear()


@pytest.fixture
def city() -> Any:
    return CityFactory(name="Aville", slug="aville")


@pytest.fixture
def staff_client() -> Client:
    user = UserFactory(username="staff", first_name="Sam", last_name="Staff")
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="add_user"),
        Permission.objects.get(
            content_type__app_label="cities", codename="add_membership"
        ),
    )
    return verified_login(Client(), user)


def invite(staff_client: Client, city: Any, email: str, role: str = "officer") -> Any:
    response = staff_client.post(
        "/account/invite/",
        {
            "email": email,
            "first_name": "",
            "last_name": "",
            "city": city.pk,
            "role": role,
        },
    )
    assert response.status_code == 302
    return mail.outbox[-1]


def invitation_url(staff_client: Client, city: Any) -> str:
    return url_in(invite(staff_client, city, "vera@example.org"), INVITE_URL)


def reset_url(email: str) -> str:
    Client().post("/account/password/reset/", {"email": email})
    return url_in(mail.outbox[-1], RESET_URL)


def opened(client: Client, url: str) -> Any:
    """The page a link leads to, through the redirect that hides its token."""
    response = client.get(path_of(url))
    assert response.status_code == 302, response
    assert response["Location"].endswith("/set-password/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def set_password(url: str) -> None:
    client = Client()
    page = opened(client, url)
    done = client.post(
        page.wsgi_request.path,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302


def not_working(url_or_path: str) -> str:
    """The text of the page that a link that does not work opens."""
    response = Client().get(path_of(url_or_path), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    main = response.text.split("<main", 1)[1]
    assert "<form" not in main
    return main


# --- Each mail's link, whole, opens its page ----------------------------------------------


def test_the_invitation_links_whole_to_choosing_a_password_and_to_the_login(
    staff_client, city
):
    message = invite(staff_client, city, "vera@example.org")

    link = url_in(message, INVITE_URL)
    page = opened(Client(), link)
    assert "<h1>Choose your password</h1>" in page.text
    assert '<form method="post"' in page.text
    assert url_in(message, LOGIN_URL) == LOGIN_URL
    login = Client().get(path_of(LOGIN_URL))
    assert login.status_code == 200
    assert "<h1>Log in</h1>" in login.text


def test_the_role_notice_links_whole_to_the_login(staff_client, city):
    MembershipFactory(
        user=UserFactory(email="olga@example.org"),
        city=CityFactory(),
        role=Membership.Role.OFFICER,
    )

    message = invite(staff_client, city, "olga@example.org", role="reviewer")

    assert message.subject.startswith("Your new role")
    assert url_in(message, LOGIN_URL) == LOGIN_URL
    assert "<h1>Log in</h1>" in Client().get(path_of(LOGIN_URL)).text


def test_the_password_reset_links_whole_to_choosing_a_new_password():
    UserFactory(username="olga", email="olga@example.org")

    link = reset_url("olga@example.org")

    page = opened(Client(), link)
    assert "<h1>Choose a new password</h1>" in page.text
    assert '<form method="post"' in page.text
    html = mail.outbox[0].alternatives[0][0]
    assert "Your user name is olga." in html


# --- A link that does not work: damaged, used or expired ----------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda url: url[:-12], id="cut short"),
        pytest.param(lambda url: url[:-12] + "=", id="cut at a wrapped line's ="),
        pytest.param(lambda url: url[:-12] + "=%0A", id="with the = and line break"),
        pytest.param(lambda url: url[:-12] + "=" + url[-12:], id="with the = inside"),
        pytest.param(
            lambda url: url.replace("/welcome/", "/welcome/x").replace(
                "/reset/", "/reset/x"
            ),
            id="a uid that names nobody",
        ),
    ],
)
@pytest.mark.parametrize("kind", ["invitation", "reset"])
def test_a_damaged_link_says_so_and_to_copy_the_whole_link(
    staff_client, city, kind, damage
):
    if kind == "invitation":
        url = invitation_url(staff_client, city)
    else:
        UserFactory(email="olga@example.org")
        url = reset_url("olga@example.org")

    page = not_working(damage(url))

    assert DAMAGED in page
    assert "Copy the whole link from the email" in page
    assert USED_OR_EXPIRED not in page


@pytest.mark.parametrize("kind", ["invitation", "reset"])
def test_a_used_link_says_it_was_used_or_has_expired(staff_client, city, kind):
    if kind == "invitation":
        url = invitation_url(staff_client, city)
    else:
        UserFactory(email="olga@example.org")
        url = reset_url("olga@example.org")
    set_password(url)

    page = not_working(url)

    assert USED_OR_EXPIRED in page
    assert DAMAGED not in page


@pytest.mark.parametrize("kind", ["invitation", "reset"])
def test_an_expired_link_says_it_was_used_or_has_expired(staff_client, city, kind):
    if kind == "invitation":
        url = invitation_url(staff_client, city)
    else:
        UserFactory(email="olga@example.org")
        url = reset_url("olga@example.org")
    later = datetime.datetime.now() + datetime.timedelta(days=4)

    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now",
        return_value=later,
    ):
        page = not_working(url)

    assert USED_OR_EXPIRED in page
    assert DAMAGED not in page


def test_a_link_with_another_well_formed_token_counts_as_used_or_expired():
    # Well formed but wrong: nothing tells it from a link used since, and the page
    # should not help anyone guessing.
    UserFactory(email="olga@example.org")
    url = reset_url("olga@example.org")
    forged = url.rsplit("/", 2)[0] + "/cw3q4r-0123456789abcdef0123456789abcdef/"

    page = not_working(forged)

    assert USED_OR_EXPIRED in page
    assert DAMAGED not in page
