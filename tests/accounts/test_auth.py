"""Logging in and out, passwords (change and reset), invitations by staff, and the
lock-out after repeated failed log-ins. There is no sign-up: staff invite people."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client

from cities.models import Membership
from tests.factories import CityFactory, MembershipFactory, UserFactory, verified_login

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quiet harbour at dusk 42"
LOGIN = "/account/login/"
TOKENS = "/account/tokens/"
# Where a log-in without a `next` goes on from, by role (accounts.views.start).
LANDING = "/account/start/"
INVITE = "/account/invite/"
PASSWORD_CHANGE = "/account/password/"
PASSWORD_RESET = "/account/password/reset/"
RESET_LINK_RE = re.compile(
    r"http://testserver(/account/password/reset/[^/\s]+/[^/\s]+/)"
)
INVITE_LINK_RE = re.compile(r"http://testserver(/account/welcome/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _fast_and_fresh(settings: Any) -> None:
    """Cheap password hashes; static files looked up on request; no cached state."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True
    cache.clear()


@pytest.fixture
def city() -> Any:
    return CityFactory(name="Aville", slug="aville")


@pytest.fixture
def officer(city: Any) -> Any:
    return MembershipFactory(
        user=UserFactory(username="officer", first_name="Olga", last_name="Ortiz"),
        city=city,
        role=Membership.Role.OFFICER,
    ).user


@pytest.fixture
def staff() -> Any:
    """A staff member with the permissions the admin would ask of them to add a user
    and a membership by hand."""
    user = UserFactory(username="staff", first_name="Sam", last_name="Staff")
    user.is_staff = True
    user.save()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="add_user"),
        Permission.objects.get(
            content_type__app_label="cities", codename="add_membership"
        ),
    )
    return User.objects.get(pk=user.pk)  # Without the cached permissions.


def logged_in(user: Any) -> Client:
    return verified_login(Client(), user)


def log_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def link_in(message: Any, pattern: re.Pattern[str]) -> str:
    """The path of the one link in the email that matches `pattern`."""
    links = pattern.findall(message.body)
    assert len(links) == 1, message.body
    return links[0]


def invite(client: Client, city: Any, **data: Any) -> Any:
    return client.post(
        INVITE,
        {
            "email": "new.person@example.org",
            "first_name": "",
            "last_name": "",
            "city": city.pk,
            "role": Membership.Role.OFFICER,
            **data,
        },
    )


# --- Logging in and out ---------------------------------------------------------------


def test_a_wrong_password_and_an_unknown_user_get_the_same_generic_error(officer):
    wrong_password = log_in(Client(), "officer", "not the password")
    unknown_user = log_in(Client(), "nobody-here", "not the password")

    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert "_auth_user_id" not in response.wsgi_request.session
        errors = response.context["form"].non_field_errors()
        assert errors == [
            "Please enter a correct username and password. Note that both fields may "
            "be case-sensitive."
        ]
        assert 'role="alert" id="login-errors"' in response.text
        assert response.text.count('aria-invalid="true"') == 2


def test_an_empty_login_form_says_so_next_to_each_field():
    response = log_in(Client(), "", "")

    assert response.status_code == 200
    assert '<span class="field-error" id="username-errors">' in response.text
    assert '<span class="field-error" id="password-errors">' in response.text
    assert 'aria-describedby=" username-errors" aria-invalid="true"' in response.text


def test_logging_out_ends_the_session(officer):
    client = Client()
    log_in(client, "officer", PASSWORD)

    response = client.post("/account/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/en/"  # the home page, in the visitor's language
    assert client.get(TOKENS)["Location"].startswith(LOGIN)


def test_the_session_cookie_is_http_only_and_same_site_lax(officer):
    response = log_in(Client(), "officer", PASSWORD)

    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_session_cookie_is_secure_when_the_environment_says_https():
    """SECURE_COOKIES=true, as production sets it, marks both cookies Secure."""
    code = (
        "import config.settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    assert settings_print(code, SECURE_COOKIES="true") == "True True True"
    assert settings_print(code) == "False False True"


@pytest.mark.parametrize(
    "path", ["/account/signup/", "/account/register/", "/account/sign-up/"]
)
def test_there_is_no_open_sign_up(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path, {"username": "x", "password": "y"}).status_code == 404


def test_the_password_validators_are_djangos_four():
    assert [
        v["NAME"].rsplit(".", 1)[1] for v in django_settings.AUTH_PASSWORD_VALIDATORS
    ] == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


# --- Email goes to the console, or to SMTP when configured ------------------------------


def settings_print(code: str, **env: str) -> str:
    """What `code` prints when config.settings is loaded with this environment."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "SECURE_"))
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_mail_goes_to_the_console_by_default_and_to_smtp_when_configured():
    code = "import config.settings as s; print(s.MAILERS)"

    assert settings_print(code) == str(
        {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    )
    smtp = settings_print(
        code, EMAIL_HOST="smtp.example.org", EMAIL_PORT="2525", EMAIL_USE_TLS="false"
    )
    assert "'BACKEND': 'django.core.mail.backends.smtp.EmailBackend'" in smtp
    assert "'host': 'smtp.example.org'" in smtp
    assert "'port': 2525" in smtp
    assert "'use_tls': False" in smtp


def test_the_tests_send_mail_to_the_local_memory_outbox():
    assert django_settings.MAILERS == {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    assert mail.outbox == []


# --- Lock-out after repeated failures (django-axes) ------------------------------------


def test_after_five_failures_even_the_right_password_is_refused(officer):
    client = Client()
    for _attempt in range(4):
        response = log_in(client, "officer", "not the password")
        assert response.status_code == 200
    # The fifth failure reaches the limit: axes answers it with the lock-out page.
    fifth = log_in(client, "officer", "not the password")
    assert fifth.status_code == 429
    assert "Too many failed log-ins" in fifth.text

    sixth = log_in(client, "officer", PASSWORD)

    assert sixth.status_code == 429
    # The login view renders its form; axes's middleware answers with its page instead.
    assert "accounts/locked_out.html" in [t.name for t in sixth.templates]
    assert "<h1>Too many failed log-ins</h1>" in sixth.text
    assert 'href="/account/password/reset/"' in sixth.text
    assert "_auth_user_id" not in sixth.wsgi_request.session
    assert client.get(TOKENS).status_code == 302
    # Refused attempts count too, so that hammering on keeps the lock-out going.
    assert AccessAttempt.objects.get(username="officer").failures_since_start == 6


def test_the_lock_out_is_for_that_user_name_from_that_address(officer):
    for _attempt in range(5):
        log_in(Client(), "officer", "not the password")

    assert log_in(Client(), "officer", PASSWORD).status_code == 429
    # The same user from another address, and another user from the same one, log in.
    other_address = log_in(Client(), "officer", PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 302
    UserFactory(username="colleague")
    assert log_in(Client(), "colleague", PASSWORD).status_code == 302


def test_a_successful_login_before_the_limit_resets_the_count(officer):
    client = Client()
    for _attempt in range(4):
        assert log_in(client, "officer", "not the password").status_code == 200
    assert log_in(client, "officer", PASSWORD).status_code == 302
    client.post("/account/logout/")

    for _attempt in range(4):
        assert log_in(client, "officer", "not the password").status_code == 200
    response = log_in(client, "officer", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == LANDING


def test_a_password_reset_lifts_the_lock_out(officer):
    for _attempt in range(5):
        log_in(Client(), "officer", "not the password")
    client = Client()
    client.post(PASSWORD_RESET, {"email": officer.email})
    set_password(client, link_in(mail.outbox[0], RESET_LINK_RE), NEW_PASSWORD)

    assert log_in(client, "officer", NEW_PASSWORD).status_code == 302


# --- Changing the password ---------------------------------------------------------------


def test_the_account_page_links_to_the_password_change(officer):
    response = logged_in(officer).get(TOKENS)

    assert '<a href="/account/password/">Change your password</a>' in response.text


def test_changing_the_password_needs_a_login():
    response = Client().get(PASSWORD_CHANGE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={PASSWORD_CHANGE}"


def test_a_user_changes_their_password_and_stays_logged_in(officer):
    client = logged_in(officer)
    page = client.get(PASSWORD_CHANGE)
    assert page.status_code == 200
    assert "<h1>Change your password</h1>" in page.text

    response = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/password/changed/"
    done = client.get(response["Location"])
    assert "<h1>Your password is changed</h1>" in done.text
    assert client.get(TOKENS).status_code == 200  # Still logged in.
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_a_wrong_current_password_is_refused_next_to_its_field(officer):
    client = logged_in(officer)

    response = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": "not it",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert field_error(response, "id_old_password") == (
        "Your old password was entered incorrectly. Please enter it again."
    )
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_with_the_reason_next_to_the_field(officer):
    client = logged_in(officer)

    response = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "password",
            "new_password2": "password",
        },
    )

    assert response.status_code == 200
    assert field_error(response, "id_new_password1") == "This password is too common."
    assert 'role="alert"' in response.text
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def field_error(response: Any, field_id: str) -> str:
    """The error shown next to a field, after checking that the field points to it."""
    html = response.text
    tag = re.search(rf"<(?:input|select)[^>]*\bid=\"{field_id}\"[^>]*>", html).group()
    assert 'aria-invalid="true"' in tag, tag
    described_by = re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
    assert f"{field_id}_error" in described_by, tag
    error = re.search(
        rf'<span class="field-error" id="{field_id}_error">(.*?)</span>', html, re.S
    )
    return error.group(1)


# --- Resetting a forgotten password ------------------------------------------------------


def test_the_login_page_links_to_the_password_reset():
    response = Client().get(LOGIN)

    assert (
        '<a href="/account/password/reset/">Forgot your password?</a>' in response.text
    )


def set_password(client: Client, link: str, password: str) -> Any:
    """Opens a one-time link and sets `password` through the page it leads to."""
    opened = client.get(link)
    assert opened.status_code == 302, opened
    assert opened["Location"].endswith("/set-password/")
    return client.post(
        opened["Location"], {"new_password1": password, "new_password2": password}
    )


def test_a_reset_emails_a_one_time_link_that_sets_a_new_password(officer):
    client = Client()
    form = client.get(PASSWORD_RESET)
    assert "<h1>Reset your password</h1>" in form.text

    response = client.post(PASSWORD_RESET, {"email": "OFFICER@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/account/password/reset/sent/"
    assert "<h1>Check your email</h1>" in client.get(response["Location"]).text
    [message] = mail.outbox
    assert message.to == ["officer@example.org"]
    assert message.subject == "Choose a new password for the Public Innovation Atlas"
    assert "Your user name is officer." in message.body
    assert "The link works once, for 3 days." in message.body

    done = set_password(client, link_in(message, RESET_LINK_RE), NEW_PASSWORD)

    assert done.status_code == 302
    assert done["Location"] == "/account/password/reset/complete/"
    assert "<h1>Your password is set</h1>" in client.get(done["Location"]).text
    assert log_in(Client(), "officer", NEW_PASSWORD).status_code == 302
    assert log_in(Client(), "officer", PASSWORD).status_code == 200


def test_a_used_reset_link_no_longer_works(officer):
    Client().post(PASSWORD_RESET, {"email": officer.email})
    link = link_in(mail.outbox[0], RESET_LINK_RE)
    set_password(Client(), link, NEW_PASSWORD)

    again = Client().get(link)

    assert again.status_code == 200
    assert again.context["validlink"] is False
    assert "<h1>This link does not work</h1>" in again.text
    assert "<form" not in again.text.split("<main", 1)[1]


def test_a_reset_link_with_a_forged_token_does_not_work(officer):
    Client().post(PASSWORD_RESET, {"email": officer.email})
    link = link_in(mail.outbox[0], RESET_LINK_RE)
    forged = re.sub(r"/[^/]+/$", "/cw3q4r-0123456789abcdef0123456789abcdef/", link)

    response = Client().get(forged)

    assert response.context["validlink"] is False


def test_the_reset_answer_is_the_same_whether_or_not_the_address_has_an_account(
    officer,
):
    known = Client().post(PASSWORD_RESET, {"email": officer.email})
    unknown = Client().post(PASSWORD_RESET, {"email": "nobody@example.org"})

    assert (known.status_code, known["Location"]) == (
        unknown.status_code,
        unknown["Location"],
    )
    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_an_inactive_user_gets_no_reset_email(officer):
    officer.is_active = False
    officer.save()

    response = Client().post(PASSWORD_RESET, {"email": officer.email})

    assert response.status_code == 302
    assert mail.outbox == []


def test_a_weak_password_is_refused_on_reset_with_the_reason_next_to_the_field(
    officer,
):
    Client().post(PASSWORD_RESET, {"email": officer.email})
    client = Client()

    response = set_password(client, link_in(mail.outbox[0], RESET_LINK_RE), "12345678")

    assert response.status_code == 200
    error = field_error(response, "id_new_password1")
    assert "This password is too common." in error
    assert "This password is entirely numeric." in error
    help_text = re.search(r'id="id_new_password1_helptext">(.*?)</span>', response.text)
    assert "at least 8 characters" in help_text.group(1)
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_mismatched_passwords_are_refused_next_to_the_confirmation(officer):
    Client().post(PASSWORD_RESET, {"email": officer.email})
    client = Client()
    opened = client.get(link_in(mail.outbox[0], RESET_LINK_RE))

    response = client.post(
        opened["Location"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "!"},
    )

    assert field_error(response, "id_new_password2") == (
        "The two password fields didn’t match."
    )


# --- Inviting officers and reviewers ------------------------------------------------------


def test_the_invite_page_needs_a_login(city):
    response = Client().get(INVITE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={INVITE}"


def test_an_officer_cannot_invite(officer, city):
    client = logged_in(officer)

    page = client.get(INVITE)
    posted = invite(client, city)

    assert page.status_code == 403
    assert "<h1>Only for the Atlas's staff</h1>" in page.text
    assert posted.status_code == 403
    assert not User.objects.filter(email="new.person@example.org").exists()
    assert mail.outbox == []


def test_staff_without_the_permissions_to_add_users_cannot_invite(city):
    bare_staff = UserFactory(username="bare-staff", is_staff=True)

    assert logged_in(bare_staff).get(INVITE).status_code == 403


def test_the_account_page_links_staff_to_the_invite_page(staff, officer):
    staff_page = logged_in(staff).get(TOKENS)
    officer_page = logged_in(officer).get(TOKENS)

    assert (
        '<a href="/account/invite/">Invite an officer or reviewer</a>'
        in staff_page.text
    )
    assert "/account/invite/" not in officer_page.text


def test_the_invite_form_asks_for_an_address_a_city_and_a_role(staff, city):
    response = logged_in(staff).get(INVITE)

    assert response.status_code == 200
    assert "<h1>Invite an officer or reviewer</h1>" in response.text
    assert list(response.context["form"].fields) == [
        "email",
        "first_name",
        "last_name",
        "city",
        "role",
    ]
    assert f'<option value="{city.pk}">Aville (NL)</option>' in response.text
    assert '<option value="reviewer">Reviewer</option>' in response.text


def test_staff_invite_a_new_officer_who_gets_a_link_to_choose_a_password(staff, city):
    client = logged_in(staff)

    response = invite(
        client,
        city,
        email="Vera.Vogel@Example.ORG",
        first_name="Vera",
        last_name="Vogel",
    )

    assert response.status_code == 302
    assert response["Location"] == INVITE
    user = User.objects.get(email="Vera.Vogel@example.org")
    assert user.username == "vera.vogel@example.org"
    assert user.get_full_name() == "Vera Vogel"
    assert not user.has_usable_password()
    assert not user.is_staff
    assert list(user.city_memberships.values_list("city__slug", "role")) == [
        ("aville", "officer")
    ]
    [message] = mail.outbox
    assert message.to == ["Vera.Vogel@example.org"]
    assert message.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert message.subject == "You are invited to the Public Innovation Atlas"
    assert (
        "Sam Staff has invited you to the Public Innovation Atlas, with the role "
        "“Officer” in Aville." in message.body
    )
    assert "your user name, vera.vogel@example.org" in message.body
    assert "The link works once, for 3 days." in message.body
    assert link_in(message, INVITE_LINK_RE)
    confirmation = client.get(INVITE)
    assert (
        "Invitation sent to Vera.Vogel@example.org, with the role “Officer” in Aville."
        in confirmation.text
    )


def test_the_invitation_link_sets_a_password_once_and_then_the_officer_logs_in(
    staff, city
):
    invite(logged_in(staff), city, email="vera@example.org", role="reviewer")
    link = link_in(mail.outbox[0], INVITE_LINK_RE)
    client = Client()
    page = client.get(client.get(link)["Location"])
    assert "<h1>Choose your password</h1>" in page.text
    assert "Your user name is <strong>vera@example.org</strong>" in page.text

    response = set_password(client, link, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    login_page = client.get(LOGIN)
    assert (
        "Your password is set. Log in with your user name, vera@example.org, and your "
        "new password." in login_page.text
    )
    logged = log_in(client, "vera@example.org", NEW_PASSWORD)
    # A reviewer sets up two-factor log-in first (tests/accounts/test_two_factor.py).
    assert logged["Location"] == "/account/two-factor/?next=/account/start/"
    assert "Aville</a>: Reviewer" in client.get(TOKENS).text
    # Used once: the link now leads nowhere.
    used = Client().get(link)
    assert used.status_code == 200
    assert used.context["validlink"] is False
    assert "<h1>This invitation link does not work</h1>" in used.text


def test_a_weak_password_is_refused_on_the_invitation_page(staff, city):
    invite(logged_in(staff), city, email="vera@example.org")

    response = set_password(
        Client(), link_in(mail.outbox[0], INVITE_LINK_RE), "vera@example.org"
    )

    assert response.status_code == 200
    assert "too similar to the" in field_error(response, "id_new_password1")
    assert not User.objects.get(email="vera@example.org").has_usable_password()


def test_inviting_someone_with_an_account_adds_the_role_and_tells_them(staff, officer):
    other_city = CityFactory(name="Beeburg", slug="beeburg")

    response = invite(
        logged_in(staff), other_city, email="Officer@Example.org", role="reviewer"
    )

    assert response.status_code == 302
    assert User.objects.filter(email__iexact="officer@example.org").count() == 1
    assert list(
        officer.city_memberships.order_by("city__name").values_list(
            "city__slug", "role"
        )
    ) == [("aville", "officer"), ("beeburg", "reviewer")]
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)  # Their password is untouched.
    [message] = mail.outbox
    assert message.to == ["officer@example.org"]
    assert message.subject == (
        "Your new role in the Public Innovation Atlas: Reviewer, Beeburg"
    )
    assert (
        "with your user name officer:\nhttp://testserver/account/login/\n"
        in message.body
    )
    assert not INVITE_LINK_RE.search(message.body)
    assert not RESET_LINK_RE.search(message.body)


def test_someone_with_a_role_in_the_city_already_is_refused_with_a_clear_error(
    staff, officer, city
):
    response = invite(logged_in(staff), city, email=officer.email, role="reviewer")

    assert response.status_code == 400
    assert field_error(response, "id_city") == (
        "officer@example.org already has a role in Aville: Officer. To change it, "
        "edit the membership in the admin."
    )
    assert list(officer.city_memberships.values_list("role", flat=True)) == ["officer"]
    assert mail.outbox == []


def test_a_pending_invitee_invited_to_another_city_gets_a_fresh_link(staff, city):
    client = logged_in(staff)
    invite(client, city, email="vera@example.org")

    invite(
        client, CityFactory(name="Beeburg"), email="vera@example.org", role="reviewer"
    )

    assert User.objects.filter(email="vera@example.org").count() == 1
    first, second = mail.outbox
    assert "“Reviewer” in Beeburg" in second.body
    set_password(Client(), link_in(second, INVITE_LINK_RE), NEW_PASSWORD)
    # Both links were the same account's: setting the password ends them both.
    assert Client().get(link_in(first, INVITE_LINK_RE)).context["validlink"] is False


def test_a_pending_invitee_who_lost_the_link_can_ask_for_a_new_one(staff, city):
    invite(logged_in(staff), city, email="vera@example.org")

    Client().post(PASSWORD_RESET, {"email": "vera@example.org"})

    assert len(mail.outbox) == 2
    response = set_password(
        Client(), link_in(mail.outbox[1], RESET_LINK_RE), NEW_PASSWORD
    )
    assert response.status_code == 302
    assert log_in(Client(), "vera@example.org", NEW_PASSWORD).status_code == 302


def test_an_account_without_a_password_that_has_logged_in_gets_no_reset_email(
    officer,
):
    """Someone whose password the staff disabled, after they had used the account, is
    not a pending invitee: the reset form leaves them alone, as Django's does."""
    officer.set_unusable_password()
    officer.last_login = officer.date_joined
    officer.save()

    Client().post(PASSWORD_RESET, {"email": officer.email})

    assert mail.outbox == []


def test_the_new_user_name_is_unique(staff, city):
    UserFactory(username="vera@example.org", email="someone.else@example.org")

    invite(logged_in(staff), city, email="vera@example.org")

    assert User.objects.get(email="vera@example.org").username == "vera@example.org-2"


def test_an_address_with_characters_a_user_name_cannot_hold_still_makes_one(
    staff, city
):
    invite(logged_in(staff), city, email="o'brien!@example.org")

    assert User.objects.get(email="o'brien!@example.org").username == (
        "obrien@example.org"
    )


def test_the_invite_form_shows_each_error_next_to_its_field(staff, city):
    response = logged_in(staff).post(
        INVITE, {"email": "not an address", "city": "", "role": "mayor"}
    )

    assert response.status_code == 400
    assert field_error(response, "id_email") == "Enter a valid email address."
    assert field_error(response, "id_city") == "This field is required."
    assert field_error(response, "id_role") == (
        "Select a valid choice. mayor is not one of the available choices."
    )
    assert "Please correct the 3 fields marked below." in response.text
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_an_inactive_account_is_not_invited_again(staff, officer):
    officer.is_active = False
    officer.save()

    response = invite(logged_in(staff), CityFactory(), email=officer.email)

    assert response.status_code == 400
    assert "deactivated" in field_error(response, "id_email")


def test_when_the_mail_server_fails_the_role_is_kept_and_staff_are_told(staff, city):
    client = logged_in(staff)
    with mock.patch(
        "django.core.mail.EmailMessage.send", side_effect=ConnectionRefusedError
    ):
        response = invite(client, city, email="vera@example.org")

    assert response.status_code == 302
    assert Membership.objects.filter(user__email="vera@example.org").exists()
    page = client.get(INVITE)
    assert "but the email could not be sent" in page.text
