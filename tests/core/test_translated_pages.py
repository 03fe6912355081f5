"""Every page, in every language, shows the interface in that language: no string of the
catalogue reaches the reader in English. This catches a string translated once, at
import time (gettext where gettext_lazy was needed), a template that forgot {% load i18n
%} or a compiled catalogue that is not the source's (CI's make messages-check makes sure
that each catalogue is complete)."""

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from cities.models import City, Membership
from innovation_cases.models import CaseStudy

from .test_languages import PUBLIC_PAGES

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["de", "it", "fr", "sk"]
# The public pages of test_languages, and the error pages with their messages.
PAGES = [
    *PUBLIC_PAGES,
    "/{lang}/cases/?year_min=abc",  # a 400
    "/{lang}/cases/no-such-case/",  # the 404 page
]
WORKSPACE_PAGES = [
    "/workspace/",
    "/workspace/new/",
    "/workspace/cases/{draft}/",
    "/workspace/cases/{draft}/edit/",
    "/workspace/cases/{draft}/history/",
    "/account/tokens/",
    "/account/password/",
]
ANONYMOUS_ACCOUNT_PAGES = [
    "/account/login/",
    "/account/password/reset/",
    "/account/password/reset/sent/",
]


def english_strings(lang: str) -> set[str]:
    """The catalogue's English messages of three words or more whose translation differs,
    without placeholders (which the page fills in)."""
    with open(LOCALE / lang / "LC_MESSAGES" / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    found = set()
    for msgid, msgstr in catalogue.items():
        if not isinstance(msgid, str) or not msgid or msgid == msgstr:
            continue
        if "%" in msgid or "{" in msgid or "<" in msgid or "\n" in msgid:
            continue
        if len(msgid.split()) >= 3:
            found.add(msgid)
    return found


def shown_text(page: str) -> str:
    """The page's text and the attributes a reader meets (labels, titles, alt text)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    attributes = " ".join(
        re.findall(r'(?:aria-label|title|alt|placeholder|content)="([^"]*)"', page)
    )
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(text + " " + attributes))


def assert_no_english(text: str, lang: str, where: str) -> None:
    left = sorted(s for s in english_strings(lang) if s in text)
    assert not left, f"{where} in {lang} shows English: {left}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_public_page_is_in_its_language(client, demo, lang):
    for page in PAGES:
        url = page.format(lang=lang)
        response = client.get(url)
        assert response.status_code in {200, 400, 404}, url
        assert response["Content-Language"] == lang
        assert_no_english(shown_text(response.content.decode()), lang, url)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_workspace_and_account_pages_are_in_the_chosen_language(client, demo, lang):
    for page in ANONYMOUS_ACCOUNT_PAGES:
        response = client.get(page, headers={"Accept-Language": lang})
        assert response.status_code == 200, page
        assert_no_english(shown_text(response.content.decode()), lang, page)

    officer = get_user_model().objects.create_user("officer", "o@example.org", "pw")
    vienna = City.objects.get(slug="vienna")
    Membership.objects.create(user=officer, city=vienna, role=Membership.Role.OFFICER)
    draft = CaseStudy.objects.create(
        city=vienna,
        title="A draft",
        slug="a-draft",
        summary="Short.",
        created_by=officer,
    )
    client.force_login(officer)
    client.get(f"/language/{lang}/", {"next": "/workspace/"})
    for page in WORKSPACE_PAGES:
        url = page.format(draft=draft.slug)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == lang
        assert_no_english(shown_text(response.content.decode()), lang, url)
