"""The vocabularies' names and definitions in every language (core/translation.py):
stored per language on each term's row, loaded from locale/vocabulary/, and read in
the reader's language by the pages, the facets, the statistics, the API and the admin."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import translation

from core.models import Driver, Theme
from core.vocabularies import VOCABULARIES, translations
from tests.factories import UserFactory, verified_login

LANGUAGES = [code for code, _name in settings.LANGUAGES]
OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_term_has_a_name_and_a_definition_in_every_language(language):
    for vocabulary in VOCABULARIES:
        for term in vocabulary.model._default_manager.all():
            name = getattr(term, f"name_{language}")
            definition = getattr(term, f"definition_{language}")
            assert name and name.strip(), (vocabulary.name, term.slug, language)
            assert definition and definition.strip(), (term.slug, language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_each_translation_file_translates_exactly_the_terms_there_are(language):
    files = translations(language)
    assert set(files) == {v.model.__name__ for v in VOCABULARIES}
    for vocabulary in VOCABULARIES:
        translated = [term["slug"] for term in files[vocabulary.model.__name__]]
        assert sorted(translated) == sorted(
            vocabulary.model._default_manager.values_list("slug", flat=True)
        )
        assert len(set(translated)) == len(translated)


@pytest.mark.django_db
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_translation_is_the_terms_own_and_not_the_english_copied(language):
    """Names may coincide with English ("Management"); definitions never do."""
    for vocabulary in VOCABULARIES:
        for term in vocabulary.model._default_manager.all():
            assert getattr(term, f"definition_{language}") != term.definition_en


@pytest.mark.django_db
def test_a_term_reads_in_the_active_language_and_sorts_by_it():
    mobility = Theme.objects.get(slug="mobility")
    with translation.override("de"):
        assert mobility.name == "Mobilität"
        names = list(Theme.objects.values_list("name", flat=True))
    with translation.override("it"):
        assert mobility.name == "Mobilità"
        assert mobility.definition.startswith("Come persone e merci")
    with translation.override("en"):
        assert mobility.name == "Mobility"
    assert "Mobilität" in names


def test_the_case_lists_facets_and_a_terms_page_name_terms_in_the_pages_language(
    client, demo
):
    themes = Theme.objects.filter(cases__slug="vienna-innovation-pitch-fund")
    assert themes
    german = client.get("/de/cases/").content.decode()
    for theme in themes:  # in the theme facet
        assert f'for="f-theme-{theme.slug}">{theme.name_de} <span' in german
        assert theme.name_en not in german

    italian = client.get("/it/themes/mobility/").content.decode()
    assert "Mobilità" in italian
    assert "Come persone e merci si spostano in città." in italian

    slovak = client.get("/sk/cases/vienna-innovation-pitch-fund/").content.decode()
    for theme in themes:
        assert theme.name_sk in slovak
        assert theme.name_en not in slovak


def test_the_statistics_name_the_terms_in_the_pages_language(client, demo):
    page = client.get("/fr/insights/").content.decode()
    assert Driver.objects.get(slug="political").name_fr in page


def test_the_api_names_and_defines_terms_in_the_language_asked_for(client, db):
    url = "/api/v1/themes/mobility/"
    english = client.get(url)
    german = client.get(url, headers={"Accept-Language": "de"})
    french = client.get(url, {"lang": "fr"}, headers={"Accept-Language": "de"})

    assert english.json()["name"] == "Mobility"
    assert german.json()["name"] == "Mobilität"
    assert german["Content-Language"] == "de"
    assert french.json()["name"] == "Mobilité"
    assert french.json()["definition"].startswith("La manière dont")
    # Each language's body is a representation of its own, with an ETag of its own.
    assert len({english["ETag"], german["ETag"], french["ETag"]}) == 3
    assert "Accept-Language" in german["Vary"]

    listed = client.get("/api/v1/themes/", {"lang": "sk"}).json()
    names = [term["name"] for term in listed]
    assert "Mobilita" in names


@pytest.mark.django_db
def test_the_admin_asks_for_a_new_term_in_every_language(client):
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    form = client.get("/admin/core/theme/add/").content.decode()
    for language in LANGUAGES:
        assert f'name="name_{language}"' in form
        assert f'name="definition_{language}"' in form

    response = client.post(
        "/admin/core/theme/add/",
        {
            "slug": "night-life",
            "position": 20,
            "name_en": "Night life",
            "definition_en": "What the city offers after dark.",
        },
    )
    assert response.status_code == 200  # the form again, with its errors
    assert not Theme.objects.filter(slug="night-life").exists()
    errors = re.findall(r'class="errorlist[^"]*"', response.content.decode())
    assert len(errors) >= 2 * len(OTHER_LANGUAGES)

    complete = {
        "slug": "night-life",
        "position": 20,
        **{f"name_{code}": f"Night life ({code})" for code in LANGUAGES},
        **{f"definition_{code}": f"After dark ({code})." for code in LANGUAGES},
    }
    response = client.post("/admin/core/theme/add/", complete)
    assert response.status_code == 302
    night_life = Theme.objects.get(slug="night-life")
    with translation.override("it"):
        assert night_life.name == "Night life (it)"
