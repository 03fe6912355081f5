"""The two-factor log-in's forms under the hostile-input corpus (accounts/two_factor.py):
the log-in's code step, the authenticator's set-up and its turning off. Each needs a
state of its own (a password step passed, an account without an authenticator, one
with), which test_forms.py's pages do not have, so they are attacked here, every field
with every form payload: never a 500, the error next to the field, no markup of the
payload live on the page, and nothing stored: no log-in, no authenticator confirmed or
removed, no row anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cities.models import Membership
from tests.api.conftest import PASSWORD
from tests.factories import (
    MembershipFactory,
    UserFactory,
    authenticator,
    verified_login,
)

from .corpus import FORM_PAYLOADS, Payload, assert_unchanged, no_live_markup, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

# The pages, by URL name: test_forms.py counts them as attacked.
PAGES = {
    "accounts:login_code": ["code"],
    "accounts:two_factor_setup": ["code"],
    "accounts:two_factor_turn_off": ["password", "code"],
}


def cases() -> list[Any]:
    return [
        pytest.param(name, field, payload, id=f"{name}:{field}:{payload.id}")
        for name, fields in PAGES.items()
        for field in fields
        for payload in FORM_PAYLOADS
    ]


def assert_refused_next_to(response: Any, field: str) -> None:
    assert response.status_code in (200, 400), response.status_code
    form = response.context["form"]
    assert form.errors.get(field), (field, form.errors)
    no_live_markup(response.content.decode())


@pytest.mark.parametrize(("name", "field", "payload"), cases())
def test_a_hostile_value_in_a_two_factor_form_is_refused_and_changes_nothing(
    client, name: str, field: str, payload: Payload
):
    if name == "accounts:login_code":
        user = UserFactory(username="coded")
        authenticator(user)
        step = client.post(
            reverse("accounts:login"), {"username": "coded", "password": PASSWORD}
        )
        assert step.status_code == 302 and step["Location"].startswith(
            reverse("accounts:login_code")
        )
        data = {"code": payload.value}
    elif name == "accounts:two_factor_setup":
        user = MembershipFactory(role=Membership.Role.REVIEWER).user
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 200  # its pending device
        data = {"code": payload.value}
    else:
        user = MembershipFactory(role=Membership.Role.OFFICER).user
        authenticator(user)
        verified_login(client, user)
        data = {"password": PASSWORD, "code": "000000", field: payload.value}
    before = snapshot()

    response = client.post(reverse(name), data)

    assert_refused_next_to(response, field)
    assert_unchanged(before)
    if name == "accounts:login_code":
        assert "_auth_user_id" not in client.session  # still not logged in
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert confirmed == (name != "accounts:two_factor_setup")
