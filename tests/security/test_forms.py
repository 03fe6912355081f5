"""Every form of the workspace and the account pages, every field, every payload of
the corpus (corpus.py): the form comes back with the error next to the field and
nothing stored, or the text is stored exactly; never a 5xx. Then, once a form, raw
bytes that are not UTF-8, too many fields and a body over the upload limit.

The forms' fields come from the form classes (the case editor's CaseForm and its
sources, the city profile's forms from its KINDS, the account views' form classes),
the values a browser would send from the page itself, and `test_every_form_page_is
_in_the_corpus` fails when the URLconf gains a page that takes a POST and the corpus
does not know it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.forms import (
    ApiTokenForm,
    InvitationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from accounts.invitations import member_invite
from cities.models import Membership
from innovation_cases.forms import CaseForm, SourceFormSet, TranslationForm
from innovation_cases.models import translation_field
from tests.factories import verified_login
from workspace.profiles import KINDS, CityRecordForm

from . import test_two_factor_forms as two_factor_forms
from .conftest import World
from .corpus import (
    CREATE_FORM_PAYLOADS,
    FORM_PAYLOADS,
    Payload,
    assert_unchanged,
    form_data,
    no_live_markup,
    snapshot,
)

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


def _profile_fields(key: str) -> list[str]:
    kind = KINDS[key]
    form = forms.modelform_factory(kind.model, form=CityRecordForm, fields=kind.fields)
    return list(form.base_fields)


def _link(world: World, view: str) -> str:
    """A one-time link of a person invited to the world's city, whose password the
    form then sets (the invitation and the reset share Django's token)."""
    user = member_invite(
        email="invited@example.org",
        city=world.city,
        role=Membership.Role.OFFICER,
        first_name="Ina",
    ).user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse(view, args=[uid, default_token_generator.make_token(user)])


@dataclass(frozen=True)
class PageForm:
    """A page whose form the corpus attacks: its URL name, who submits it, how to
    reach it in the world, and its form fields (from the form classes)."""

    name: str
    user: str | None  # "officer", "superuser", or None for anyone
    url: Callable[[World], str]
    fields: list[str]
    # The record a save changes, whose fields then hold the text as typed.
    record: Callable[[World], Any] | None = None
    # Whether the form answers any refusal with one message for the whole form.
    one_message: bool = False
    # What makes the page's form valid, over what the page holds already.
    valid: Callable[[World], dict[str, str]] = lambda w: {}
    # Fields typed twice (a new password and its confirmation): both get a payload.
    twins: tuple[str, ...] = ()
    # Hidden fields, whose errors the page gives as the whole form's.
    hidden: tuple[str, ...] = ()
    # The record's field that stores a form field's text (a translation's column).
    stored_as: Callable[[str], str] = lambda name: name

    @property
    def creates(self) -> bool:
        """A form that makes a record, whose fields a form that changes one (the
        same form class) also has: each field gets CREATE_FORM_PAYLOADS here."""
        return self.name.endswith("_create")


PASSWORD = "correct horse battery staple"  # tests/factories.py's
NEW_PASSWORD = "a new and long pass phrase"
NEW_PASSWORDS = ("new_password1", "new_password2")
# What a new record of each kind of the city profile needs.
NEW_RECORDS: dict[str, Callable[[World], dict[str, str]]] = {
    "teams": lambda w: {"name": "New team", "kind": "in_house_unit"},
    "labs": lambda w: {"name": "New lab", "team": str(w.team.pk)},
    "strategies": lambda w: {"title": "New strategy", "status": "draft"},
    "funds": lambda w: {"name": "New fund", "allocation": "grant_call"},
}

CASE_FIELDS = [
    name for name in CaseForm.base_fields if name not in {"remove_image", "image_file"}
]
SOURCE_FIELDS = [f"sources-0-{name}" for name in SourceFormSet.form.base_fields]

PAGE_FORMS = [
    PageForm(
        "workspace:case_create",
        "officer",
        lambda w: reverse("workspace:case_create") + "?city=bologna",
        CASE_FIELDS + SOURCE_FIELDS,
        valid=lambda w: {
            "title": "New benches",
            "summary": "Benches.",
            "sources-0-title": "A report",
        },
    ),
    PageForm(
        "workspace:case_edit",
        "officer",
        lambda w: reverse("workspace:case_edit", args=[w.case.slug]),
        CASE_FIELDS + SOURCE_FIELDS,
        record=lambda w: w.case,
    ),
    PageForm(
        "workspace:case_translation",
        "officer",
        lambda w: reverse("workspace:case_translation", args=[w.case.slug, "de"]),
        list(TranslationForm(language="de").fields),
        record=lambda w: w.case,
        valid=lambda w: {"title": "Bänke für Navile", "summary": "Die Bewohner."},
        stored_as=lambda name: translation_field(name, "de"),
    ),
    *(
        PageForm(
            "workspace:city_record_create",
            "officer",
            lambda w, key=key: reverse(
                "workspace:city_record_create", args=[w.city.slug, key]
            ),
            _profile_fields(key),
            valid=lambda w, key=key: NEW_RECORDS[key](w),
        )
        for key in KINDS
    ),
    *(
        PageForm(
            "workspace:city_record_edit",
            "officer",
            lambda w, key=key: reverse(
                "workspace:city_record_edit",
                args=[w.city.slug, key, w.profile_record(key).slug],
            ),
            _profile_fields(key),
            record=lambda w, key=key: w.profile_record(key),
        )
        for key in KINDS
    ),
    PageForm(
        "accounts:login",
        None,
        lambda w: reverse("accounts:login"),
        ["username", "password"],
        one_message=True,
        valid=lambda w: {"username": "officer", "password": "not the password"},
    ),
    PageForm(
        "accounts:invite",
        "superuser",
        lambda w: reverse("accounts:invite"),
        list(InvitationForm.base_fields),
        valid=lambda w: {
            "email": "new.officer@example.org",
            "city": str(w.city.pk),
            "role": Membership.Role.OFFICER,
        },
    ),
    PageForm(
        "accounts:invitation_accept",
        None,
        lambda w: _link(w, "accounts:invitation_accept"),
        list(SetPasswordForm.base_fields),
        valid=lambda w: dict.fromkeys(NEW_PASSWORDS, NEW_PASSWORD),
        twins=NEW_PASSWORDS,
    ),
    PageForm(
        "accounts:password_change",
        "officer",
        lambda w: reverse("accounts:password_change"),
        list(PasswordChangeForm.base_fields),
        valid=lambda w: {
            "old_password": PASSWORD,
            **dict.fromkeys(NEW_PASSWORDS, NEW_PASSWORD),
        },
        twins=NEW_PASSWORDS,
    ),
    PageForm(
        "accounts:password_reset",
        None,
        lambda w: reverse("accounts:password_reset"),
        list(PasswordResetForm.base_fields),
        valid=lambda w: {"email": "officer@example.org"},
    ),
    PageForm(
        "accounts:password_reset_confirm",
        None,
        lambda w: _link(w, "accounts:password_reset_confirm"),
        list(SetPasswordForm.base_fields),
        valid=lambda w: dict.fromkeys(NEW_PASSWORDS, NEW_PASSWORD),
        twins=NEW_PASSWORDS,
    ),
    PageForm(
        "accounts:tokens",
        "officer",
        lambda w: reverse("accounts:tokens"),
        list(ApiTokenForm.base_fields),
        valid=lambda w: {"name": "Import script"},
        hidden=("form_id",),
    ),
]

# The routes that take a POST but hold no form of fields to attack: buttons, whose
# only field is a reviewer's free-text comment (CommentForm: any text is a comment,
# and test_escaped_output.py shows it escaped), or none at all; and a city's statement,
# one checkbox (tests/cities/test_workspace_statements.py).
BUTTONS = {
    "workspace:city_statement",
    "accounts:logout",
    "accounts:revoke_token",
    "workspace:case_step",
    "workspace:case_restore",
    "workspace:revision_decide",
    "workspace:import_preview",  # Confirm the import previewed.
    "accounts:recovery_codes_new",
}
# Forms of a file: the spreadsheet import's upload, whose hostile files (zip bombs,
# HTML renamed .xlsx, wrong encodings, formulas, too many rows) and hostile cells are
# tests/workspace/test_import.py's.
FILE_FORMS = {"workspace:import_start"}
# Pages that only show.
READ_ONLY = {
    "workspace:dashboard",
    "workspace:case_detail",
    "workspace:case_history",
    "workspace:review_queue",
    "workspace:city_profile",
    "workspace:city_record_history",
    "workspace:city_history",
    "workspace:revision_detail",
    "accounts:password_change_done",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:recovery_codes",
    "accounts:recovery_codes_download",
    "accounts:start",
    "workspace:import_template",
    "workspace:import_notes",
    "workspace:import_summary",
}


def _route_names(patterns: list[Any], namespace: str) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _route_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and namespace:
            names.add(f"{namespace}:{pattern.name}")
    return names


def test_every_form_page_is_in_the_corpus():
    routes = {
        name
        for name in _route_names(get_resolver().url_patterns, "")
        if name.split(":")[0] in {"workspace", "accounts"}
    }
    known = (
        {form.name for form in PAGE_FORMS}
        | set(two_factor_forms.PAGES)
        | BUTTONS
        | FILE_FORMS
        | READ_ONLY
    )
    assert routes == known, "a new page: add its form to PAGE_FORMS"


@pytest.fixture
def as_user(client, world: World) -> Callable[[PageForm], Any]:
    def login(page: PageForm) -> Any:
        if page.user == "officer":
            client.force_login(world.officer.user)
        elif page.user == "superuser":
            # Staff act with a session verified by the second factor, as they must.
            verified_login(client, world.superuser)
        return client

    return login


_PAGES: dict[str, tuple[str, dict[str, list[str]]]] = {}


ONE_TIME_LINKS = {"accounts:invitation_accept", "accounts:password_reset_confirm"}
# What each page's form sends unchanged, read once a module (the world is the same
# for all its tests): a test changes a copy.
_OPENED: dict[tuple[int, str], tuple[str, dict[str, list[str]]]] = {}


def open_form(client: Any, world: World, page: PageForm) -> tuple[str, dict]:
    """The form's address (after any redirect, such as a one-time link's) and what
    submitting it unchanged sends. A one-time link is followed each time: the
    session it sets is the client's."""
    key = (id(world), id(page))
    if key in _OPENED:
        url, data = _OPENED[key]
        return url, {name: list(values) for name, values in data.items()}
    response = client.get(page.url(world), follow=True)
    assert response.status_code == 200, (page.name, response.status_code)
    url = response.redirect_chain[-1][0] if response.redirect_chain else page.url(world)
    data = form_data(response.content.decode())
    data.update({name: [value] for name, value in page.valid(world).items()})
    if page.name not in ONE_TIME_LINKS:
        _OPENED[key] = url, data
    return url, {name: list(values) for name, values in data.items()}


def field_cases() -> list[Any]:
    return [
        pytest.param(
            page, field, payload, id=f"{page.name}:{index}:{field}:{payload.id}"
        )
        for index, page in enumerate(PAGE_FORMS)
        for field in page.fields
        for payload in FORM_PAYLOADS
        if not page.creates or payload.id in CREATE_FORM_PAYLOADS
    ]


def stored_text(record: Any, field: str) -> Any:
    """The text `record` holds in `field` now; None if the field holds no text."""
    record.refresh_from_db()
    fields = {f.name: f for f in record._meta.fields}
    if field not in fields or fields[field].get_internal_type() not in {
        "CharField",
        "TextField",
    }:
        return None
    return getattr(record, field)


@pytest.mark.parametrize(("form_page", "field", "payload"), field_cases())
def test_a_hostile_value_of_any_form_field_is_refused_next_to_it_or_stored_exactly(
    as_user, world: World, form_page: PageForm, field: str, payload: Payload
):
    page = form_page
    client = as_user(page)
    url, data = open_form(client, world, page)
    record = page.record(world) if page.record else None
    before = snapshot(record)
    for name in page.twins if field in page.twins else [field]:
        data[name] = [payload.value]

    response = client.post(url, data)

    assert response.status_code < 500
    if response.status_code in (200, 400, 409) and response.context:
        errors = _errors(response.context)
        if errors:
            if field in page.hidden:
                named = errors.get("__all__")
            elif page.one_message:
                # A log-in says neither which field was wrong nor whether the
                # account exists, and a hidden field's error has no place on the
                # page: one message for the whole form.
                named = errors.get(field) or errors.get("__all__")
            elif field in page.twins:
                # The verdict on a new password goes next to the first typing.
                named = errors.get(page.twins[0]) or errors.get(field)
            else:
                named = errors.get(field)
            assert named, (field, errors)
            html = response.content.decode()
            for message in named:
                assert escape(message) in html, message  # shown with the form
            no_live_markup(html)
            assert_unchanged(before, record)
            return
    if record is not None and payload.text and response.status_code == 302:
        assert stored_text(record, page.stored_as(field)) in (payload.value, None), (
            field
        )


def _errors(context: Any) -> dict[str, Any]:
    """The errors of the page's form (and of the case editor's sources), by the
    field's name in the page."""
    errors: dict[str, Any] = {}
    form = context.get("form")
    if form is not None and form.is_bound:
        errors.update(form.errors)
    sources = context.get("sources")
    if sources is not None and sources.is_bound:
        for source_form in sources.forms:
            for name, messages in source_form.errors.items():
                errors[f"{source_form.prefix}-{name}"] = messages
        if sources.non_form_errors():
            errors["sources"] = sources.non_form_errors()
    return errors


# --- Whole bodies, once a form ----------------------------------------------------------


def page_cases() -> list[Any]:
    return [
        pytest.param(page, id=f"{page.name}:{index}")
        for index, page in enumerate(PAGE_FORMS)
    ]


@pytest.mark.parametrize(
    "body_id", ["invalid-utf8", "too-many-fields", "over-upload-limit", "multipart"]
)
@pytest.mark.parametrize("form_page", page_cases())
def test_a_hostile_form_body_is_refused_and_stores_nothing(
    as_user, world: World, settings, form_page: PageForm, body_id: str
):
    page = form_page
    client = as_user(page)
    url, data = open_form(client, world, page)
    record = page.record(world) if page.record else None
    before = snapshot(record)
    plain = {name: values[-1] for name, values in data.items()}
    text_field = page.fields[0]
    if body_id == "invalid-utf8":
        body = (
            urlencode(plain).encode() + b"&" + text_field.encode() + b"=%FF%FE%ED%A0%80"
        )
        response = client.post(url, body, "application/x-www-form-urlencoded")
    elif body_id == "too-many-fields":
        extra = "&".join(
            f"x{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
        )
        body = f"{urlencode(plain)}&{extra}".encode()
        response = client.post(url, body, "application/x-www-form-urlencoded")
    elif body_id == "over-upload-limit":
        big = "z" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = urlencode({**plain, text_field: big}).encode()
        response = client.post(url, body, "application/x-www-form-urlencoded")
    else:
        boundary = "hostile"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{text_field}"'
            "\r\n\r\n".encode()
            + b"\xff\xfe\x00" * 50
        )
        response = client.post(url, body, f"multipart/form-data; boundary={boundary}")

    assert response.status_code < 500
    if body_id == "invalid-utf8" and not _errors(response.context or {}):
        return  # Bytes that are not UTF-8 are read as U+FFFD, and the form is valid.
    assert response.status_code in (200, 400, 409), response.status_code
    assert_unchanged(before, record)
