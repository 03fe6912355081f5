"""A case's translations: kept beside its original text, read in the reader's language
where there is one (else the original, marked), written in the workspace (a draft's at
once, a published case's through review) and through the API, and kept in the history.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from innovation_cases.models import CaseRevision, CaseStudy
from tests.innovation_cases.conftest import case_in, messages_of

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


def italian_case(city, status=S.DRAFT, **kwargs):
    return case_in(
        city,
        status,
        original_language="it",
        title="Bilancio partecipativo",
        summary="I residenti decidono come spendere una parte del bilancio.",
        challenge="Pochi residenti votavano.",
        approach="Assemblee di quartiere.",
        **kwargs,
    )


GERMAN = {
    "title_de": "Bürgerhaushalt",
    "summary_de": "Die Bewohner entscheiden über einen Teil des Haushalts.",
    "challenge_de": "Wenige Bewohner stimmten ab.",
}


# --- The model ---------------------------------------------------------------------------


def test_a_reader_gets_their_translation_and_else_the_original(people):
    case = italian_case(people["city_a"], **GERMAN)

    german = case.in_language("de")
    assert german.language == "de" and german.is_translation
    assert (german.title.text, german.title.language) == ("Bürgerhaushalt", "de")
    assert german.challenge.language == "de"
    # A section the translation leaves out is the original's, in its language.
    assert (german.approach.text, german.approach.language) == (
        "Assemblee di quartiere.",
        "it",
    )

    french = case.in_language("fr")
    assert (french.language, french.is_translation) == ("it", False)
    assert french.title.text == "Bilancio partecipativo"
    assert case.in_language("it").title.text == "Bilancio partecipativo"
    assert case.languages() == ["de", "it"]
    assert list(case.translations()) == ["de"]


def test_the_fields_are_the_original_in_every_language(people):
    """modeltranslation's reading by the active language is undone for cases: a
    case's fields are its original text, whoever reads or writes them."""
    case = italian_case(people["city_a"], **GERMAN)
    with translation.override("de"):
        assert case.title == "Bilancio partecipativo"
        case.title = "Bilancio partecipativo 2024"
        case.save(update_fields=["title"])
        made = CaseStudy(title="Nuovo", original_language="it")
        assert made.title_de is None
        titles = list(
            CaseStudy.objects.filter(title__startswith="Bilancio").values_list(
                "title", flat=True
            )
        )
    case.refresh_from_db()
    assert (case.title, case.title_de) == (
        "Bilancio partecipativo 2024",
        "Bürgerhaushalt",
    )
    assert titles == ["Bilancio partecipativo 2024"]


def test_a_translation_needs_a_title_and_a_summary(people):
    case = italian_case(people["city_a"], challenge_de="Nur ein Abschnitt.")
    with pytest.raises(ValidationError) as raised:
        case.clean()
    assert set(raised.value.message_dict) == {"title_de", "summary_de"}


def test_the_original_language_cannot_have_a_translation_too(people):
    case = italian_case(people["city_a"], **GERMAN)
    case.original_language = "de"
    with pytest.raises(ValidationError) as raised:
        case.clean()
    assert "original_language" in raised.value.message_dict


# --- The public page -------------------------------------------------------------------


def test_a_german_reader_of_an_untranslated_case_sees_the_marked_original(
    client, people
):
    case = italian_case(people["city_a"], S.PUBLISHED)
    response = client.get(f"/de/cases/{case.slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<span lang="it">Bilancio partecipativo</span>' in page
    assert 'class="lead" lang="it"' in page
    assert '<div lang="it"><p>Pochi residenti votavano.</p>' in page
    note = page[page.index('class="case-languages"') :]
    with translation.override("de"):
        marker = translation.gettext("Original in %(language)s") % {
            "language": translation.gettext("Italian")
        }
    assert marker != "Original in Italian"  # the German catalogue's
    assert marker in note
    # There is no other version to link to.
    assert "hreflang" not in note[: note.index("</div>")]


def test_a_translated_case_is_read_in_the_readers_language(client, people):
    case = italian_case(people["city_a"], S.PUBLISHED, **GERMAN)
    page = client.get(f"/de/cases/{case.slug}/").content.decode()
    assert "<title>Bürgerhaushalt" in page
    assert '<span lang="de">Bürgerhaushalt</span>' in page
    assert '<div lang="de"><p>Wenige Bewohner stimmten ab.</p>' in page
    # Its approach is not translated: the original's, marked.
    assert '<div lang="it"><p>Assemblee di quartiere.</p>' in page
    # The other version, the original, is a link.
    assert f'href="/it/cases/{case.slug}/" hreflang="it" lang="it"' in page
    english = client.get(f"/en/cases/{case.slug}/").content.decode()
    assert '<span lang="it">Bilancio partecipativo</span>' in english
    assert f'href="/de/cases/{case.slug}/" hreflang="de" lang="de"' in english


# --- The workspace ---------------------------------------------------------------------


def translation_url(case, language="de"):
    return reverse("workspace:case_translation", args=[case.slug, language])


FORM = {
    "title": "Bürgerhaushalt",
    "summary": "Die Bewohner entscheiden über einen Teil des Haushalts.",
    "challenge": "Wenige Bewohner stimmten ab.",
    "approach": "",
    "results": "",
    "lessons_learned": "",
}


def test_an_officer_translates_a_draft_and_the_history_keeps_it(people, as_):
    case = italian_case(people["city_a"])
    client = as_(people["officer_a"])
    page = client.get(translation_url(case))
    assert page.status_code == 200
    assert 'lang="de"' in page.content.decode()

    response = client.post(translation_url(case), FORM)

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.title_de, case.approach_de) == ("Bürgerhaushalt", None)
    version = case.history.latest()
    assert version.title_de == "Bürgerhaushalt"
    assert version.history_change_reason == "Translation into German"
    assert version.history_user == people["officer_a"]

    client.post(translation_url(case), {**FORM, "remove": "1"})
    case.refresh_from_db()
    assert case.translations() == {}


def test_a_translation_without_a_title_is_refused_and_nothing_saved(people, as_):
    case = italian_case(people["city_a"])
    response = as_(people["officer_a"]).post(
        translation_url(case), {**FORM, "title": ""}
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.translations() == {}


def test_a_published_cases_translation_is_invisible_until_approved(client, people, as_):
    case = italian_case(people["city_a"], S.PUBLISHED)
    officer = as_(people["officer_a"])
    response = officer.post(translation_url(case), FORM)
    revision = CaseRevision.objects.get(case=case)
    assert response.url == reverse("workspace:revision_detail", args=[revision.pk])
    assert "waiting for review" in messages_of(response)[0]
    case.refresh_from_db()
    assert case.title_de is None
    assert (
        "Bürgerhaushalt" not in client.get(f"/de/cases/{case.slug}/").content.decode()
    )
    with translation.override("en"):
        labels = [str(change["label"]) for change in revision.diff()]
    assert labels == ["title (German)", "summary (German)", "challenge (German)"]

    revision.approve(by=people["reviewer_a"])

    page = client.get(f"/de/cases/{case.slug}/").content.decode()
    assert '<span lang="de">Bürgerhaushalt</span>' in page


def test_the_editors_revision_keeps_the_translation_of_the_open_revision(people, as_):
    """A translation proposed, then a change of the original in the editor: one open
    revision holds both, and the editor's form (which has no translations) does not
    drop the translation."""
    case = italian_case(people["city_a"], S.PUBLISHED)
    officer_a = people["officer_a"]
    as_(officer_a).post(translation_url(case), FORM)
    values = CaseRevision.objects.get(case=case).proposed_values()
    CaseRevision.propose(
        case=case, by=officer_a, values={"title": "Bilancio 2024", "summary": "X."}
    )
    proposed = CaseRevision.objects.get(case=case).proposed_values()
    assert (proposed["title"], proposed["title_de"]) == (
        "Bilancio 2024",
        "Bürgerhaushalt",
    )
    assert values["title"] == "Bilancio partecipativo"


def test_a_revision_from_before_translations_still_applies(people):
    case = italian_case(people["city_a"], S.PUBLISHED, **GERMAN)
    revision = CaseRevision.propose(
        case=case, by=people["officer_a"], values={"title": "Bilancio 2024"}
    )
    fields = revision.data["fields"]
    revision.data["fields"] = {k: v for k, v in fields.items() if "_" not in k[-3:]}
    revision.save()
    revision.approve(by=people["reviewer_a"])
    case.refresh_from_db()
    assert (case.title, case.title_de) == ("Bilancio 2024", "Bürgerhaushalt")


def test_a_restore_brings_the_translation_back(people):
    case = italian_case(people["city_a"], **GERMAN)
    first = case.history.latest()
    case.title_de = "Haushalt der Bürger"
    case.save()
    case.restore_version(first, by=people["officer_a"])
    case.refresh_from_db()
    assert case.title_de == "Bürgerhaushalt"


@pytest.mark.parametrize("language", ["it", "xx"])
def test_there_is_no_translation_into_the_original_or_an_unknown_language(
    people, as_, language
):
    case = italian_case(people["city_a"])
    response = as_(people["officer_a"]).get(translation_url(case, language))
    assert response.status_code == 404


def test_another_citys_officer_cannot_translate(people, as_):
    case = italian_case(people["city_a"])
    response = as_(people["officer_b"]).post(translation_url(case), FORM)
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.translations() == {}


def test_a_translation_crossing_a_colleagues_save_is_refused(people, as_):
    case = italian_case(people["city_a"])
    client = as_(people["officer_a"])
    page = client.get(translation_url(case))
    token = page.context["edit_token"]
    case.summary = "Changed meanwhile."
    case.save()

    response = client.post(translation_url(case), {**FORM, "edit_token": token})

    assert response.status_code == 409
    case.refresh_from_db()
    assert case.title_de is None


def test_the_exports_carry_the_original_language_and_every_translation(client, people):
    import json

    case = italian_case(people["city_a"], S.PUBLISHED, **GERMAN)
    response = client.get("/en/cases/export.json")
    (record,) = json.loads(b"".join(response.streaming_content))["cases"]
    assert record["slug"] == case.slug
    assert (record["original_language"], record["title"]) == (
        "it",
        "Bilancio partecipativo",
    )
    assert (record["title_de"], record["summary_de"]) == (
        GERMAN["title_de"],
        GERMAN["summary_de"],
    )
    # The original's own language has no translation: its text is title and summary.
    assert record["title_it"] == record["title_fr"] == ""


def test_an_archived_cases_translation_is_refused_and_nothing_saved(people, as_):
    case = italian_case(people["city_a"], S.ARCHIVED)
    response = as_(people["officer_a"]).post(translation_url(case), FORM)
    assert response.url == reverse("workspace:case_detail", args=[case.slug])
    assert messages_of(response) == [
        "An archived case is kept as it was when it was archived."
    ]
    case.refresh_from_db()
    assert case.translations() == {}
    assert not CaseRevision.objects.filter(case=case).exists()
