"""Two-factor log-in: required for reviewers and site staff, optional for officers,
with recovery codes; the admin, publishing, invitations and tokens need a verified
session; the lock-out covers the code step; staff reset a lost second factor."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from accounts.two_factor import RECOVERY_CODE_COUNT, recovery_codes_replace
from cities.models import Membership
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    MembershipFactory,
    UserFactory,
    authenticator,
    totp_code,
    unused_totp_code,
    verified_login,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quiet harbour at dusk 42"
LOGIN = "/account/login/"
CODE = "/account/login/code/"
SETUP = "/account/two-factor/"
TURN_OFF = "/account/two-factor/off/"
RECOVERY = "/account/two-factor/recovery-codes/"
RECOVERY_NEW = "/account/two-factor/recovery-codes/new/"
RECOVERY_TXT = "/account/two-factor/recovery-codes.txt"
TOKENS = "/account/tokens/"
# Where a log-in without a `next` goes on from, by role (accounts.views.start).
LANDING = "/account/start/"
INVITE = "/account/invite/"
WRONG_CODE = "That code is not right."
SECRET_RE = re.compile(r'id="secret-key" class="[^"]*" value="([A-Z2-7 ]+)"')


@pytest.fixture
def city() -> Any:
    return CityFactory(name="Aville", slug="aville")


@pytest.fixture
def officer(city: Any) -> Any:
    return MembershipFactory(
        user=UserFactory(username="officer"), city=city, role=Membership.Role.OFFICER
    ).user


@pytest.fixture
def reviewer(city: Any) -> Any:
    return MembershipFactory(
        user=UserFactory(username="reviewer"), city=city, role=Membership.Role.REVIEWER
    ).user


@pytest.fixture
def staff() -> Any:
    user = UserFactory(username="staff", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_user", "change_user", "view_user", "add_membership"]
        )
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def submitted(city: Any, officer: Any) -> CaseStudy:
    return CaseStudyFactory(
        city=city,
        slug="street-labs",
        status=CaseStudy.Status.SUBMITTED,
        created_by=officer,
    )


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: Any):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def enter_code(client: Client, code: str, next_url: str = ""):
    return client.post(CODE, {"code": code, "next": next_url})


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def is_verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def publish(client: Client, case: CaseStudy):
    return client.post(f"/workspace/cases/{case.slug}/publish/")


# --- Who must: the log-in sends them to set it up -------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "staff", "superuser"])
def test_reviewers_and_staff_without_an_authenticator_are_sent_to_set_one_up(
    request, who
):
    if who == "superuser":
        User.objects.create_superuser("root", "root@example.org", PASSWORD)
        username = "root"
    else:
        username = request.getfixturevalue(who).username
    client = Client()

    response = log_in(client, username, **{"QUERY_STRING": "next=/workspace/"})

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=/workspace/"
    assert is_logged_in(client) and not is_verified(client)
    page = client.get(response["Location"])
    assert "<h1>Set up two-factor log-in</h1>" in page.text
    assert "Reviewers and the Atlas's staff log in with a second factor" in page.text
    assert "To continue, set up two-factor log-in first." in page.text


def test_an_officer_logs_in_with_the_password_only(officer):
    client = Client()

    response = log_in(client, "officer")

    assert response["Location"] == LANDING
    assert is_logged_in(client)
    page = client.get(TOKENS)
    assert "Off." in page.text
    assert f'href="{SETUP}">Turn on two-factor log-in</a>' in page.text


# --- Setting up an authenticator ------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_the_key_then_confirms_with_a_code(reviewer):
    client = Client()
    log_in(client, "reviewer")

    page = client.get(f"{SETUP}?next=/workspace/")

    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=reviewer)
    assert not device.confirmed
    # The QR code is drawn here, as an SVG data URI: no outside service sees the key.
    assert 'src="data:image/svg+xml;base64,' in page.text
    assert "https://" not in page.text.split('class="qr-code"')[1].split(">")[0]
    shown = SECRET_RE.search(page.text).group(1).replace(" ", "")
    from base64 import b32encode

    assert shown == b32encode(device.bin_key).decode()
    # Reloading shows the same key (a user who scanned it already is not stranded).
    assert SECRET_RE.search(client.get(SETUP).text).group(1).replace(" ", "") == shown

    wrong = client.post(SETUP, {"code": "000000", "next": "/workspace/"})
    assert wrong.status_code == 400
    assert "That code is not right." in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()

    right = client.post(SETUP, {"code": totp_code(device), "next": "/workspace/"})

    assert right.status_code == 302
    assert right["Location"] == f"{RECOVERY}?next=/workspace/"
    device.refresh_from_db()
    assert device.confirmed
    assert is_verified(client)
    assert StaticToken.objects.filter(device__user=reviewer).count() == 10


def test_the_recovery_codes_are_shown_once_with_a_download(reviewer):
    client = Client()
    log_in(client, "reviewer")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=reviewer)
    client.post(SETUP, {"code": totp_code(device), "next": "/workspace/"})
    codes = set(
        StaticToken.objects.filter(device__user=reviewer).values_list(
            "token", flat=True
        )
    )

    page = client.get(f"{RECOVERY}?next=/workspace/")
    download = client.get(RECOVERY_TXT)

    assert page.status_code == 200
    assert set(re.findall(r"<li><code>([a-z2-7]+)</code></li>", page.text)) == codes
    assert f'href="{RECOVERY_TXT}" download' in page.text
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"] == (
        'attachment; filename="atlas-recovery-codes.txt"'
    )
    assert all(code in download.content.decode() for code in codes)
    done = client.post(RECOVERY, {"next": "/workspace/"})
    assert done["Location"] == "/workspace/"
    # Gone: neither the page nor the download shows them again.
    again = client.get(RECOVERY, follow=True)
    assert not any(code in again.text for code in codes)
    assert "Recovery codes are shown once" in again.text
    assert client.get(RECOVERY_TXT)["Location"] == RECOVERY


def test_the_setup_page_of_someone_with_an_authenticator_says_it_is_on(reviewer):
    client = verified_login(Client(), reviewer)

    response = client.get(SETUP, follow=True)

    assert response.redirect_chain[-1][0] == TOKENS
    assert "Two-factor log-in is already on." in response.text
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


# --- Logging in with a code --------------------------------------------------------------


def test_a_user_with_an_authenticator_is_logged_in_only_after_the_code(reviewer):
    device = authenticator(reviewer)
    client = Client()

    password = log_in(client, "reviewer")

    assert password.status_code == 302
    assert password["Location"] == CODE
    assert not is_logged_in(client)
    assert client.get(TOKENS).status_code == 302  # Not logged in yet.
    page = client.get(CODE)
    assert "<h1>Enter your code</h1>" in page.text
    assert 'autocomplete="one-time-code"' in page.text

    response = enter_code(client, totp_code(device))

    assert response.status_code == 302
    assert response["Location"] == LANDING
    assert is_logged_in(client) and is_verified(client)


def test_next_is_kept_through_both_steps(reviewer, submitted):
    device = authenticator(reviewer)
    client = Client()
    case_url = f"/workspace/cases/{submitted.slug}/"

    password = client.post(
        f"{LOGIN}?next={case_url}", {"username": "reviewer", "password": PASSWORD}
    )
    assert password["Location"] == f"{CODE}?next=/workspace/cases/street-labs/"
    page = client.get(password["Location"])
    assert f'name="next" value="{case_url}"' in page.text

    response = enter_code(client, totp_code(device), next_url=case_url)

    assert response["Location"] == case_url


def test_a_next_on_another_site_is_dropped_at_both_steps(reviewer):
    device = authenticator(reviewer)
    client = Client()

    password = client.post(
        f"{LOGIN}?next=https://evil.example/",
        {"username": "reviewer", "password": PASSWORD},
    )
    assert password["Location"] == CODE
    response = enter_code(client, totp_code(device), next_url="https://evil.example/")

    assert response["Location"] == LANDING


def test_a_code_is_accepted_once(reviewer):
    device = authenticator(reviewer)
    code = totp_code(device)
    first = Client()
    log_in(first, "reviewer")
    assert enter_code(first, code).status_code == 302

    second = Client()
    log_in(second, "reviewer")
    replay = enter_code(second, code)

    assert replay.status_code == 400
    assert WRONG_CODE in replay.text
    assert not is_logged_in(second)


def test_a_wrong_code_is_refused_next_to_the_field(reviewer):
    authenticator(reviewer)
    client = Client()
    log_in(client, "reviewer")

    response = enter_code(client, "123456")

    assert response.status_code == 400
    assert WRONG_CODE in response.text
    assert 'aria-invalid="true"' in response.text
    assert not is_logged_in(client)


def test_after_a_wrong_code_the_next_waits_and_is_refused_unread(settings, reviewer):
    """django-otp's throttling: after n wrong codes the device waits factor·2^(n-1)
    seconds; a code sent meanwhile is refused without being read, even a right one."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = authenticator(reviewer)
    client = Client()
    log_in(client, "reviewer")
    enter_code(client, "123456")

    response = enter_code(client, totp_code(device))

    assert response.status_code == 400
    assert re.search(
        r"Too many wrong codes in a row\. Wait [0-9]+ seconds?, then try again\.",
        response.text,
    )
    assert not is_logged_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # The refused one was not read.


def test_the_code_step_without_a_password_first_goes_back_to_the_log_in(reviewer):
    authenticator(reviewer)
    client = Client()

    response = client.get(f"{CODE}?next=/workspace/", follow=True)

    assert response.redirect_chain == [(f"{LOGIN}?next=/workspace/", 302)]
    assert "log in again" in response.text


def test_a_pending_log_in_expires_after_five_minutes(reviewer):
    device = authenticator(reviewer)
    client = Client()
    with mock.patch("accounts.views.time.time", return_value=1_000_000.0):
        log_in(client, "reviewer")
    with mock.patch("accounts.views.time.time", return_value=1_000_000.0 + 301):
        response = enter_code(client, totp_code(device))

    assert response["Location"] == LOGIN
    assert not is_logged_in(client)


def test_a_password_changed_meanwhile_ends_a_pending_log_in(reviewer):
    device = authenticator(reviewer)
    client = Client()
    log_in(client, "reviewer")
    reviewer.set_password(NEW_PASSWORD)
    reviewer.save()

    response = enter_code(client, totp_code(device))

    assert response["Location"] == LOGIN
    assert not is_logged_in(client)


# --- Recovery codes ------------------------------------------------------------------------


def test_a_recovery_code_logs_in_once_and_says_how_many_are_left(settings, reviewer):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # The last code follows a wrong one.
    authenticator(reviewer)
    codes = recovery_codes_replace(user=reviewer)
    client = Client()
    log_in(client, "reviewer")

    response = enter_code(client, codes[0].upper())  # Case and spaces do not matter.

    assert response.status_code == 302
    assert is_verified(client)
    page = client.get(response["Location"], follow=True)  # On, by role.
    assert "You used a recovery code: 9 are left." in page.text
    client.post("/account/logout/")

    again = Client()
    log_in(again, "reviewer")
    reused = enter_code(again, codes[0])
    assert reused.status_code == 400
    assert "That recovery code is not right, or it has been used already." in (
        reused.text
    )
    assert not is_logged_in(again)
    assert enter_code(again, f"{codes[1][:5]} {codes[1][5:]}").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(reviewer):
    authenticator(reviewer)
    old = recovery_codes_replace(user=reviewer)
    client = verified_login(Client(), reviewer)
    assert "You have 10 unused recovery codes." in client.get(TOKENS).text

    response = client.post(RECOVERY_NEW)

    assert response["Location"] == RECOVERY
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", client.get(RECOVERY).text)
    assert len(new) == RECOVERY_CODE_COUNT
    assert set(new).isdisjoint(old)
    tokens = set(StaticToken.objects.values_list("token", flat=True))
    assert tokens == set(new)


def test_making_new_recovery_codes_needs_a_verified_session(reviewer):
    authenticator(reviewer)
    old = recovery_codes_replace(user=reviewer)
    client = Client()
    client.force_login(reviewer)  # Not verified.

    response = client.post(
        RECOVERY_NEW, HTTP_REFERER="http://testserver/account/tokens/"
    )

    assert response["Location"] == f"{CODE}?next=/account/tokens/"
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)


# --- Officers may turn it on, and off -------------------------------------------------------


def test_an_officer_turns_it_on_and_then_logs_in_with_a_code(officer):
    client = Client()
    log_in(client, "officer")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    client.post(SETUP, {"code": totp_code(device)})
    client.post("/account/logout/")

    again = Client()
    password = log_in(again, "officer")

    assert password["Location"] == CODE
    assert not is_logged_in(again)
    assert enter_code(again, unused_totp_code(device)).status_code == 302
    assert is_verified(again)
    page = again.get(TOKENS)
    assert "On: your log-in asks for a code" in page.text
    assert f'href="{TURN_OFF}"' in page.text


def test_an_officer_turns_it_off_with_the_password_and_a_code(officer):
    device = authenticator(officer)
    recovery_codes_replace(user=officer)
    client = verified_login(Client(), officer)

    wrong_password = client.post(
        TURN_OFF, {"password": "nope", "code": totp_code(device)}
    )
    assert wrong_password.status_code == 400
    assert "That password is not right." in wrong_password.text
    wrong_code = client.post(TURN_OFF, {"password": PASSWORD, "code": "000000"})
    assert wrong_code.status_code == 400
    assert WRONG_CODE in wrong_code.text
    assert TOTPDevice.objects.filter(user=officer).exists()
    device.throttle_reset()

    response = client.post(TURN_OFF, {"password": PASSWORD, "code": totp_code(device)})

    assert response["Location"] == TOKENS
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    fresh = Client()
    assert log_in(fresh, "officer")["Location"] == LANDING  # Password only again.


def test_a_reviewer_cannot_turn_it_off(reviewer):
    device = authenticator(reviewer)
    client = verified_login(Client(), reviewer)

    response = client.post(TURN_OFF, {"password": PASSWORD, "code": totp_code(device)})

    assert response.status_code == 403
    assert "<h1>Two-factor log-in stays on</h1>" in response.text
    assert TOTPDevice.objects.filter(user=reviewer).exists()
    assert f'href="{TURN_OFF}"' not in client.get(TOKENS).text


# --- The lock-out covers the code step ---------------------------------------------------------


def test_wrong_codes_count_towards_the_lock_out(settings, reviewer):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # Only the lock-out, here.
    device = authenticator(reviewer)
    client = Client()
    log_in(client, "reviewer")
    for _attempt in range(4):
        assert enter_code(client, "123456").status_code == 400

    fifth = enter_code(client, "123456")

    assert fifth.status_code == 429
    assert "<h1>Too many failed log-ins</h1>" in fifth.text
    assert AccessAttempt.objects.get(username="reviewer").failures_since_start == 5
    # Neither the right code nor starting again with the password gets in.
    assert enter_code(client, totp_code(device)).status_code in (302, 429)
    assert not is_logged_in(client)
    assert log_in(Client(), "reviewer").status_code == 429


def test_a_user_locked_out_meanwhile_cannot_finish_with_the_code(reviewer):
    device = authenticator(reviewer)
    client = Client()
    assert log_in(client, "reviewer")["Location"] == CODE
    for _attempt in range(5):  # Someone else, from the same address.
        log_in(Client(), "reviewer", "not the password")

    response = enter_code(client, totp_code(device))

    assert response.status_code == 429
    assert "<h1>Too many failed log-ins</h1>" in response.text
    assert not is_logged_in(client)
    device.refresh_from_db()
    assert device.last_t == -1  # The code was never even checked.


def test_a_right_code_resets_the_count_of_failures(settings, reviewer):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = authenticator(reviewer)
    client = Client()
    log_in(client, "reviewer")
    for _attempt in range(4):
        enter_code(client, "123456")

    assert enter_code(client, totp_code(device)).status_code == 302
    assert not AccessAttempt.objects.filter(username="reviewer").exists()


# --- What needs a verified session ----------------------------------------------------------


def unverified(user: Any) -> Client:
    """Logged in with the password only: a reviewer who has not set up an
    authenticator yet, or a session older than their authenticator."""
    client = Client()
    client.force_login(user)
    return client


def test_publishing_needs_a_verified_session(reviewer, submitted):
    case_url = f"/workspace/cases/{submitted.slug}/"
    client = unverified(reviewer)

    refused = client.post(
        f"{case_url}publish/", HTTP_REFERER=f"http://testserver{case_url}"
    )

    assert refused.status_code == 302
    assert refused["Location"] == f"{SETUP}?next=/workspace/cases/street-labs/"
    submitted.refresh_from_db()
    assert submitted.status == CaseStudy.Status.SUBMITTED

    assert publish(verified_login(Client(), reviewer), submitted).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == CaseStudy.Status.PUBLISHED


def test_an_unverified_session_of_a_user_with_an_authenticator_is_asked_for_the_code(
    reviewer, submitted
):
    device = authenticator(reviewer)
    client = unverified(reviewer)
    case_url = f"/workspace/cases/{submitted.slug}/"

    refused = client.post(
        f"{case_url}request_changes/",
        {"comment": "Cite it."},
        HTTP_REFERER=f"http://testserver{case_url}",
    )
    assert refused["Location"] == f"{CODE}?next=/workspace/cases/street-labs/"
    confirmed = enter_code(client, totp_code(device), next_url=case_url)

    assert confirmed["Location"] == case_url
    assert is_verified(client)
    assert publish(client, submitted).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == CaseStudy.Status.PUBLISHED


def test_an_officer_without_two_factor_submits_without_it(officer, city):
    case = CaseStudyFactory(city=city, created_by=officer, slug="draft-case")

    response = unverified(officer).post(f"/workspace/cases/{case.slug}/submit/")

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStudy.Status.SUBMITTED


def test_inviting_needs_a_verified_session(staff, city):
    refused = unverified(staff).get(INVITE)
    assert refused["Location"] == f"{SETUP}?next=/account/invite/"
    posted = unverified(staff).post(
        INVITE,
        {"email": "new@example.org", "city": city.pk, "role": "officer"},
        HTTP_REFERER="http://testserver/account/invite/",
    )
    assert posted.status_code == 302
    assert not User.objects.filter(email="new@example.org").exists()
    assert mail.outbox == []

    assert verified_login(Client(), staff).get(INVITE).status_code == 200


def test_a_reviewer_makes_a_token_only_from_a_verified_session(reviewer):
    refused = unverified(reviewer).post(TOKENS, {"name": "Script"})

    assert refused["Location"] == f"{SETUP}?next=/account/tokens/"
    assert not ApiToken.objects.exists()
    made = verified_login(Client(), reviewer).post(TOKENS, {"name": "Script"})
    assert made.status_code == 200
    assert ApiToken.objects.filter(user=reviewer).count() == 1


def test_the_account_page_tells_an_unverified_reviewer_to_set_it_up(reviewer):
    page = unverified(reviewer).get(TOKENS)

    assert "Required for your role, and not set up yet." in page.text
    assert f'href="{SETUP}">Set up two-factor log-in</a>' in page.text


# --- The admin ---------------------------------------------------------------------------------


def test_the_admin_sends_an_anonymous_visitor_to_the_sites_log_in():
    response = Client().get("/admin/", follow=True)

    assert response.redirect_chain == [
        ("/admin/login/?next=/admin/", 302),
        (f"{LOGIN}?next=/admin/", 302),
    ]


def test_the_admin_needs_a_verified_session(staff):
    client = unverified(staff)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == f"{SETUP}?next=/admin/"
    assert verified_login(Client(), staff).get("/admin/").status_code == 200


def test_a_superuser_with_an_authenticator_enters_the_code_for_the_admin():
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    device = authenticator(root)
    client = Client()

    password = client.post(
        f"{LOGIN}?next=/admin/", {"username": "root", "password": PASSWORD}
    )
    assert client.get("/admin/").status_code == 302
    response = enter_code(client, totp_code(device), next_url="/admin/")

    assert password["Location"] == f"{CODE}?next=/admin/"
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admins_log_in_page_tells_a_non_staff_user_it_is_for_staff(officer):
    response = unverified(officer).get("/admin/login/?next=/admin/")

    assert response.status_code == 403
    assert "<h1>The admin is for the Atlas's staff</h1>" in response.text


def test_staff_reset_a_lost_second_factor_in_the_admin_and_it_is_logged(
    staff, reviewer
):
    authenticator(reviewer)
    recovery_codes_replace(user=reviewer)
    reviewers_session = verified_login(Client(), reviewer)
    admin = verified_login(Client(), staff)
    listing = admin.get("/admin/auth/user/")
    assert "two-factor log-in" in listing.text

    response = admin.post(
        "/admin/auth/user/",
        {"action": "reset_second_factor", "_selected_action": [reviewer.pk]},
        follow=True,
    )

    assert "The two-factor log-in of 1 user is reset" in response.text
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    entry = LogEntry.objects.get(object_id=str(reviewer.pk))
    assert entry.user == staff
    assert entry.change_message.startswith("Reset the two-factor log-in")
    # The reviewer's session no longer counts as verified: back to setting up.
    assert reviewers_session.get(INVITE)["Location"].startswith(SETUP)
    assert log_in(Client(), "reviewer")["Location"] == f"{SETUP}?next=/account/start/"


def test_the_admin_offers_no_page_that_shows_a_devices_key(staff):
    admin = verified_login(Client(), staff)

    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin.get("/admin/otp_static/staticdevice/").status_code == 404


def test_the_reset_command_removes_a_second_factor_when_no_staff_can_log_in(reviewer):
    authenticator(reviewer)
    recovery_codes_replace(user=reviewer)
    out = StringIO()

    call_command("reset_two_factor", "reviewer", "--dry-run", stdout=out)
    assert "Would remove from reviewer: Authenticator app, Recovery codes." in (
        out.getvalue()
    )
    assert TOTPDevice.objects.filter(user=reviewer).exists()

    call_command("reset_two_factor", "reviewer", stdout=out)

    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    assert LogEntry.objects.get(object_id=str(reviewer.pk)).change_message.startswith(
        "Reset the two-factor log-in with manage.py reset_two_factor"
    )
    with pytest.raises(CommandError, match="No user is named 'nobody'"):
        call_command("reset_two_factor", "nobody")
