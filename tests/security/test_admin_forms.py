"""Every add and change form of the admin (every ModelAdmin in
`admin.site._registry`), with every payload of the corpus (corpus.py) in every field
of the form at once: the form comes back with each refusal next to its field, the
payload shown as text, and nothing stored; never a 5xx.

All fields at once, not one at a time, keeps the run short: the admin's forms hold a
hundred fields between them, and each field is checked on its own by the form
whatever the others hold. The workspace's and the API's own checks of the same
models are tried field by field (test_forms.py, test_api_writes.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import verified_login

from .conftest import World
from .corpus import (
    ADMIN_PAYLOADS,
    FORM_PAYLOADS,
    Payload,
    assert_unchanged,
    form_data,
    no_live_markup,
    serialised,
    snapshot,
)

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_cases() -> list[Any]:
    return [
        pytest.param(
            model, action, payload, id=f"{model._meta.label}:{action}:{payload.id}"
        )
        for model in MODELS
        for action in ("add", "change")
        for payload in FORM_PAYLOADS
        if payload.id in ADMIN_PAYLOADS
    ]


def admin_url(model: Any, action: str) -> tuple[str, Any]:
    """The form's address, and the record a change form changes."""
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}"
    if action == "add":
        return reverse(name), None
    record = model._default_manager.order_by("pk").first()
    assert record is not None, f"the world has no {model._meta.label} to change"
    return reverse(name, args=[record.pk]), record


@pytest.mark.parametrize(("model", "action", "payload"), admin_cases())
def test_every_admin_form_refuses_hostile_values_next_to_each_field(
    client, world: World, model: Any, action: str, payload: Payload
):
    verified_login(client, world.superuser)
    url, record = admin_url(model, action)
    page = client.get(url)
    before = snapshot(record)
    if page.status_code == 403:  # (an API token is made by its owner only)
        assert client.post(url, {"name": payload.value}).status_code == 403
        assert_unchanged(before, record)
        return
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = form_data(page.content.decode())
    # The Save button, as a browser sends it; not the change form's actions.
    for action in (
        "CHANGE_FORM-action",
        "CHANGE_FORM-select_across",
        "_selected_action",
    ):
        data.pop(action, None)
    data["_save"] = ["Save"]
    names = [field.html_name for field in form]
    for name in names:
        data[name] = [payload.value]

    response = client.post(url, data)

    assert response.status_code in (200, 302), response.status_code
    html = response.content.decode()
    no_live_markup(html)
    if response.status_code == 302:
        # Every field took the payload: it is text that each may hold (or the form
        # has no field to hold it: an API token's).
        assert payload.text or not names, f"{payload.id} accepted in {names}"
        if not names:  # Saved as it was (the admin's log says "no fields changed").
            assert serialised(record) == before.record
        return
    errors = response.context["adminform"].form.errors
    assert errors, "the form came back without saying what is wrong"
    assert set(errors) <= {*form.fields, "__all__"}, errors
    for name in errors:
        if name != "__all__":
            assert f'id="id_{name}_error"' in html, name
    assert_unchanged(before, record)
